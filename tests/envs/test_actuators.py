"""Actuator models: the action the env receives, read back exactly from a counter env that echoes it."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from rlkit.envs.actuators import (
    ActionDelay,
    ActionNoise,
    ActionRateLimit,
    ActionRepeat,
    ActionSaturation,
    neutral_action,
)
from tests.envs.counter_env import CounterEnv

LOW = [-1.0, 0.5, -4.0]
HIGH = [1.0, 2.0, 4.0]
NEUTRAL = np.array([0.0, 1.25, 0.0])  # 0 where 0 is in range, else the centre


def counter() -> CounterEnv:
    return CounterEnv(action_low=LOW, action_high=HIGH)


def random_actions(count: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(LOW, HIGH, (count, 3)).astype(np.float32)


def received(env: gym.Env, actions: np.ndarray, seed: int | None = 0) -> tuple[np.ndarray, dict]:
    """The actions the counter env received for ``actions`` sent through ``env``, and the reset info."""
    _, reset_info = env.reset(seed=seed)
    return np.array([env.step(action)[-1]["action"] for action in actions]), reset_info


def test_neutral_action_is_zero_inside_the_range_else_the_centre() -> None:
    np.testing.assert_array_equal(neutral_action(np.array(LOW), np.array(HIGH)), NEUTRAL)
    np.testing.assert_array_equal(neutral_action(np.array([-3.0, 0.0]), np.array([-1.0, 1.0])), [-2.0, 0.0])


@pytest.mark.parametrize("delay", [0, 1, 2, 5])
def test_a_delayed_action_takes_effect_exactly_k_steps_later(delay: int) -> None:
    env = ActionDelay(counter(), delay, delay)
    actions = random_actions(20)
    for seed in (0, None):  # and again after a reset: the pipeline is refilled with neutral actions
        applied, info = received(env, actions, seed)
        assert info["action_delay"] == delay
        np.testing.assert_array_equal(applied[:delay], np.broadcast_to(NEUTRAL, (delay, 3)))
        np.testing.assert_array_equal(applied[delay:], actions[: 20 - delay])


def test_a_random_action_delay_is_drawn_per_episode_over_the_whole_range() -> None:
    env = ActionDelay(counter(), 2, 4)
    actions = random_actions(8)
    delays = []
    for episode in range(300):
        _, info = env.reset(seed=0 if episode == 0 else None)
        delay = info["action_delay"]
        for t, action in enumerate(actions):
            step_info = env.step(action)[-1]
            assert step_info["action_delay"] == delay
            np.testing.assert_array_equal(step_info["action"], actions[t - delay] if t >= delay else NEUTRAL)
        delays.append(delay)
    counts = np.bincount(delays, minlength=5)
    assert counts[:2].sum() == 0 and len(counts) == 5
    assert np.all(np.abs(counts[2:] - 100) < 30), counts


def test_a_delayed_action_is_a_copy_of_the_one_sent() -> None:
    env = ActionDelay(counter(), 1, 1)
    env.reset(seed=0)
    action = np.array([0.5, 1.0, 2.0])
    env.step(action)
    action[:] = 0.0  # a caller reusing its buffer
    np.testing.assert_array_equal(env.step(action)[-1]["action"], [0.5, 1.0, 2.0])


def test_action_noise_has_the_declared_std_per_dimension() -> None:
    env = ActionNoise(counter(), 0.1)
    centre = np.array([0.0, 1.25, 0.0], dtype=np.float32)
    applied, _ = received(env, np.broadcast_to(centre, (20_000, 3)))
    np.testing.assert_allclose(applied.std(axis=0, ddof=1), [0.1, 0.075, 0.4], rtol=0.025)
    assert np.all(np.abs(applied.mean(axis=0) - centre) < 4 * np.array([0.1, 0.075, 0.4]) / np.sqrt(20_000))


def test_action_noise_is_clipped_to_the_action_bounds() -> None:
    applied, _ = received(ActionNoise(counter(), 2.0), random_actions(2_000))
    assert np.all(applied >= np.float32(LOW)) and np.all(applied <= np.float32(HIGH))
    assert np.any(applied == np.float32(LOW)) and np.any(applied == np.float32(HIGH))


def test_the_rate_limit_is_never_exceeded() -> None:
    env = ActionRateLimit(counter(), 0.05)
    limit = 0.05 * (np.array(HIGH) - np.array(LOW))
    actions = random_actions(2_000)
    for seed in (0, None):  # and again after a reset: the first action starts from neutral
        applied, _ = received(env, actions, seed)
        changes = np.abs(np.diff(np.vstack([NEUTRAL, applied]).astype(np.float64), axis=0))
        assert np.all(changes <= limit + 1e-6)
        assert np.any(changes >= limit - 1e-6, axis=0).all()  # the limit binds in every dimension
    # an action within reach is applied as sent
    env.reset(seed=0)
    step = (NEUTRAL + limit / 2).astype(np.float32)
    np.testing.assert_array_equal(env.step(step)[-1]["action"], step)


def test_saturation_clips_to_the_centre_plus_minus_a_fraction_of_the_half_range() -> None:
    env = ActionSaturation(counter(), 0.5)
    low, high = np.array([-0.5, 0.875, -2.0]), np.array([0.5, 1.625, 2.0])
    applied, _ = received(env, random_actions(1_000))
    assert np.all(applied >= low.astype(np.float32)) and np.all(applied <= high.astype(np.float32))
    extremes, _ = received(env, np.array([LOW, HIGH, [0.25, 1.0, 1.5]], dtype=np.float32))
    np.testing.assert_array_equal(extremes, np.array([low, high, [0.25, 1.0, 1.5]], dtype=np.float32))
    assert env.action_space == counter().action_space


def test_repeat_sums_rewards_and_stops_at_termination() -> None:
    env = ActionRepeat(CounterEnv(terminate_after=5), 3)
    env.reset(seed=0)
    action = np.zeros(3, np.float32)
    observation, reward, terminated, truncated, info = env.step(action)
    assert (reward, terminated, info["t"]) == (1 + 2 + 3, False, 3)
    np.testing.assert_array_equal(observation, CounterEnv().clean(3))
    observation, reward, terminated, truncated, info = env.step(action)
    assert (reward, terminated, truncated, info["t"]) == (4 + 5, True, False, 5)  # not 6: it stopped
    np.testing.assert_array_equal(observation, CounterEnv().clean(5))


def test_repeat_stops_at_truncation() -> None:
    env = ActionRepeat(gym.wrappers.TimeLimit(CounterEnv(), 4), 3)
    env.reset(seed=0)
    env.step(np.zeros(3, np.float32))
    _, reward, terminated, truncated, info = env.step(np.zeros(3, np.float32))
    assert (reward, terminated, truncated, info["t"]) == (4, False, True, 4)


# --------------------------------------------------------------------------------------------------------
# Every effect: seeding, spaces, Gymnasium's checker, argument checks
# --------------------------------------------------------------------------------------------------------

RANDOM_EFFECTS: dict[str, Callable[..., gym.Env]] = {
    "noise": lambda env, **kw: ActionNoise(env, 0.2, **kw),
    "delay": lambda env, **kw: ActionDelay(env, 0, 6, **kw),
}
EFFECTS: dict[str, Callable[..., gym.Env]] = {
    **RANDOM_EFFECTS,
    "rate_limit": lambda env, **kw: ActionRateLimit(env, 0.1, **kw),
    "saturation": lambda env, **kw: ActionSaturation(env, 0.5, **kw),
    "repeat": lambda env, **kw: ActionRepeat(env, 3, **kw),
}


def episodes(env: gym.Env, seed: int) -> np.ndarray:
    """The received actions of three episodes, the first reset seeded (the others continue the stream)."""
    actions = random_actions(12)
    return np.array([received(env, actions, seed if i == 0 else None)[0] for i in range(3)])


@pytest.mark.parametrize("effect", RANDOM_EFFECTS.values(), ids=RANDOM_EFFECTS.keys())
def test_same_seed_same_actions_and_another_seed_other_actions(effect) -> None:
    np.testing.assert_array_equal(episodes(effect(counter()), 7), episodes(effect(counter()), 7))
    assert not np.array_equal(episodes(effect(counter()), 7), episodes(effect(counter()), 8))


@pytest.mark.parametrize("effect", RANDOM_EFFECTS.values(), ids=RANDOM_EFFECTS.keys())
def test_streams_with_different_names_draw_different_numbers(effect) -> None:
    first = episodes(effect(counter(), stream="actuator/0"), 7)
    np.testing.assert_array_equal(first, episodes(effect(counter(), stream="actuator/0"), 7))
    assert not np.array_equal(first, episodes(effect(counter(), stream="actuator/1"), 7))


@pytest.mark.parametrize("effect", EFFECTS.values(), ids=EFFECTS.keys())
def test_spaces_are_kept_and_the_env_receives_actions_in_bounds(effect) -> None:
    env = effect(counter())
    assert env.action_space == counter().action_space
    assert env.observation_space == counter().observation_space
    applied, _ = received(env, random_actions(50))
    assert applied.dtype == np.float32
    assert all(action in env.action_space for action in applied)


@pytest.mark.parametrize("effect", EFFECTS.values(), ids=EFFECTS.keys())
def test_gymnasium_check_env_passes(effect) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_env(effect(gym.make("Pendulum-v1")), skip_render_check=True)


def test_effects_compose_in_the_documented_order() -> None:
    env = ActionRepeat(counter(), 2)
    env = ActionSaturation(env, 0.8)
    env = ActionRateLimit(env, 0.2)
    env = ActionDelay(env, 1, 1)
    env = ActionNoise(env, 0.05)
    applied, _ = received(env, random_actions(30))
    np.testing.assert_array_equal(applied[0], NEUTRAL.astype(np.float32))  # delayed: neutral first
    assert np.all(np.abs(np.diff(applied, axis=0)) <= 0.2 * (np.array(HIGH) - np.array(LOW)) + 1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_env(env, skip_render_check=True)


@pytest.mark.parametrize(
    ("make", "argument"),
    [
        (lambda env: ActionNoise(env, -0.1), "std_fraction"),
        (lambda env: ActionNoise(env, float("inf")), "std_fraction"),
        (lambda env: ActionDelay(env, 3, 1), "min_delay"),
        (lambda env: ActionDelay(env, -1, 0), "min_delay"),
        (lambda env: ActionDelay(env, 0, 2.0), "max_delay"),
        (lambda env: ActionRateLimit(env, 0.0), "max_change_fraction"),
        (lambda env: ActionSaturation(env, 0.0), "fraction"),
        (lambda env: ActionSaturation(env, 1.5), "fraction"),
        (lambda env: ActionRepeat(env, 0), "repeat"),
        (lambda env: ActionRepeat(env, True), "repeat"),
    ],
)
def test_invalid_arguments_raise_value_error_naming_the_argument(make, argument: str) -> None:
    with pytest.raises(ValueError, match=rf"^{argument}\b"):
        make(counter())


def test_an_unbounded_or_discrete_action_space_is_refused() -> None:
    unbounded = CounterEnv(action_low=-np.inf, action_high=np.inf)
    with pytest.raises(
        ValueError, match=r"^env: ActionNoise needs a 1-D Box action space with finite bounds"
    ):
        ActionNoise(unbounded, 0.1)
    with pytest.raises(ValueError, match=r"^env: ActionDelay needs"):
        ActionDelay(gym.make("CartPole-v1"), 1, 1)
    ActionRepeat(gym.make("CartPole-v1"), 2)  # repetition works with any action space
