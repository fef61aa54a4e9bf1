"""Sensor models: each effect's exact behaviour or declared statistics, seeding, channels, argument checks."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from rlkit.envs.sensors import (
    ObservationBias,
    ObservationClip,
    ObservationDelay,
    ObservationDrift,
    ObservationDropout,
    ObservationNoise,
    ObservationQuantization,
    SampleAndHold,
    channel_names,
    select_channels,
)
from rlkit.errors import RlkitError
from tests.envs.counter_env import CounterEnv

SELECTED = np.array([1, 3, 4])
UNSELECTED = np.array([0, 2, 5])


def rollout(env: gym.Env, steps: int, seed: int | None = 0) -> tuple[np.ndarray, list[dict]]:
    """The reset observation and ``steps`` step observations as rows, and the infos."""
    observation, info = env.reset(seed=seed)
    observations, infos = [observation], [info]
    action = np.zeros(env.action_space.shape, env.action_space.dtype)
    for _ in range(steps):
        observation, _, _, _, info = env.step(action)
        observations.append(observation)
        infos.append(info)
    return np.array(observations), infos


def episodes(env: gym.Env, count: int, steps: int, seed: int = 0) -> np.ndarray:
    """``count`` episodes of ``steps`` steps, the first reset seeded: shape (count, steps + 1, channels)."""
    return np.array([rollout(env, steps, seed if i == 0 else None)[0] for i in range(count)])


CLEAN = CounterEnv().clean(np.arange(20_001))

# --------------------------------------------------------------------------------------------------------
# Channels
# --------------------------------------------------------------------------------------------------------

NAMES = [
    "cart_position",
    "cart_velocity",
    "pole_angle",
    "pole_velocity",
    "accelerometer[0]",
    "accelerometer[1]",
]


def test_channel_names_come_from_the_env_or_default_to_indices() -> None:
    assert channel_names(CounterEnv(names=NAMES)) == NAMES
    assert channel_names(ObservationNoise(CounterEnv(names=NAMES), 0.1)) == NAMES  # through wrappers
    assert channel_names(CounterEnv()) == [f"obs[{i}]" for i in range(6)]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("pole_.*", [2, 3]),
        (r"accelerometer\[\d\]", [4, 5]),
        ("cart_position", [0]),
        ("velocity", None),  # a full match is needed: "velocity" alone matches nothing
        (["pole_angle", "cart_position"], [0, 2]),
        ([-1, 0, "cart_position"], [0, 5]),
        (["accelerometer[1]", 3], [3, 5]),
    ],
)
def test_select_channels_by_regex_name_and_index(spec, expected) -> None:
    if expected is None:
        with pytest.raises(RlkitError, match="matches no observation channel"):
            select_channels(NAMES, spec)
        return
    selected = select_channels(NAMES, spec)
    assert selected.dtype == np.int64
    assert selected.tolist() == expected


def test_a_misspelled_channel_name_is_one_line_that_lists_the_names() -> None:
    with pytest.raises(RlkitError) as error:
        select_channels(NAMES, ["pole_angel"])
    message = str(error.value)
    assert "\n" not in message
    assert "'pole_angel'" in message and "did you mean 'pole_angle'" in message
    assert all(name in message for name in NAMES)


def test_channel_errors_name_the_entry_and_truncate_long_listings() -> None:
    names = [f"joint{i}" for i in range(30)]
    with pytest.raises(RlkitError, match=r"joint19, … \(10 more\)") as error:
        select_channels(names, ["nope"])
    assert "joint20" not in str(error.value)
    with pytest.raises(RlkitError, match="index 30 is out of range"):
        select_channels(names, [30])
    with pytest.raises(RlkitError, match="index -31 is out of range"):
        select_channels(names, [-31])
    with pytest.raises(RlkitError, match="not a valid regular expression"):
        select_channels(names, "joint(")
    with pytest.raises(RlkitError, match="selects no channel"):
        select_channels(names, [])


# --------------------------------------------------------------------------------------------------------
# Latency
# --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("delay", [0, 1, 3, 7])
def test_a_delay_of_k_steps_returns_the_observation_from_k_steps_earlier(delay: int) -> None:
    observations, infos = rollout(ObservationDelay(CounterEnv(), delay, delay), 20)
    t = np.arange(21)
    np.testing.assert_array_equal(observations, CLEAN[np.maximum(t - delay, 0)])
    assert all(info["observation_delay"] == delay for info in infos)


def test_a_random_delay_is_drawn_per_episode_over_the_whole_range() -> None:
    env = ObservationDelay(CounterEnv(), 1, 4)
    t = np.arange(9)
    delays = []
    for episode in range(400):
        observations, infos = rollout(env, 8, seed=0 if episode == 0 else None)
        delay = infos[0]["observation_delay"]
        assert all(info["observation_delay"] == delay for info in infos)
        np.testing.assert_array_equal(observations, CLEAN[np.maximum(t - delay, 0)])
        delays.append(delay)
    counts = np.bincount(delays, minlength=5)
    assert counts[0] == 0 and len(counts) == 5
    assert np.all(np.abs(counts[1:] - 100) < 30), counts  # uniform: 100 each, binomial std 8.7


# --------------------------------------------------------------------------------------------------------
# Noise, bias, drift
# --------------------------------------------------------------------------------------------------------


def test_noise_has_the_declared_std_per_channel_and_leaves_other_channels_untouched() -> None:
    std = np.array([0.1, 0.5, 2.0])
    observations, _ = rollout(ObservationNoise(CounterEnv(), std, SELECTED), 20_000)
    noise = observations - CLEAN
    np.testing.assert_array_equal(noise[:, UNSELECTED], 0.0)
    np.testing.assert_allclose(noise[:, SELECTED].std(axis=0, ddof=1), std, rtol=0.025)
    assert np.all(np.abs(noise[:, SELECTED].mean(axis=0)) < 4 * std / np.sqrt(20_001))
    # independent from step to step
    lag_correlation = np.corrcoef(noise[1:, 4], noise[:-1, 4])[0, 1]
    assert abs(lag_correlation) < 0.03


def test_bias_is_constant_within_an_episode_and_redrawn_with_the_declared_std() -> None:
    env = ObservationBias(CounterEnv(), 0.3, SELECTED)
    runs = episodes(env, 4_000, 3)
    bias = runs - CLEAN[:4]
    np.testing.assert_array_equal(bias[:, :, UNSELECTED], 0.0)
    np.testing.assert_allclose(bias - bias[:, :1], 0.0, atol=1e-12)  # constant within each episode
    per_episode = bias[:, 0, SELECTED].ravel()  # 12,000 draws
    assert np.unique(per_episode).size == per_episode.size  # redrawn at every reset
    assert per_episode.std(ddof=1) == pytest.approx(0.3, rel=0.03)
    assert abs(per_episode.mean()) < 4 * 0.3 / np.sqrt(per_episode.size)


def test_drift_starts_at_zero_and_its_increments_have_the_declared_std() -> None:
    env = ObservationDrift(CounterEnv(), np.array([0.01, 0.2, 1.0]), SELECTED)
    runs = episodes(env, 40, 500)
    drift = runs - CLEAN[:501]
    np.testing.assert_array_equal(drift[:, :, UNSELECTED], 0.0)
    np.testing.assert_array_equal(drift[:, 0], 0.0)  # every episode starts without drift
    increments = np.diff(drift[:, :, SELECTED], axis=1).reshape(-1, 3)  # 20,000 per channel
    np.testing.assert_allclose(increments.std(axis=0, ddof=1), [0.01, 0.2, 1.0], rtol=0.025)
    # a random walk, not white noise: the drift after 500 steps has std sqrt(500) * increment std
    assert np.abs(drift[:, -1, 4]).mean() > 10.0  # E|N(0, sqrt(500))| = 17.8


# --------------------------------------------------------------------------------------------------------
# Dropout, quantization, clipping, sample-and-hold
# --------------------------------------------------------------------------------------------------------


def test_dropout_zero_loses_readings_at_the_declared_rate() -> None:
    observations, _ = rollout(ObservationDropout(CounterEnv(), 0.3, "zero", SELECTED), 20_000)
    np.testing.assert_array_equal(observations[:, UNSELECTED], CLEAN[:, UNSELECTED])
    np.testing.assert_array_equal(observations[0], CLEAN[0])  # the reset observation is delivered
    selected, clean = observations[1:, SELECTED], CLEAN[1:, SELECTED]
    lost = selected == 0.0
    np.testing.assert_array_equal(selected[~lost], clean[~lost])  # a delivered reading is exact
    assert lost.mean() == pytest.approx(0.3, abs=0.012)  # 60,000 trials: std 0.0019
    assert np.abs(lost.mean(axis=0) - 0.3).max() < 0.02  # each channel independently


def test_dropout_hold_repeats_the_last_delivered_value() -> None:
    observations, _ = rollout(ObservationDropout(CounterEnv(), 0.6, "hold", SELECTED), 20_000)
    np.testing.assert_array_equal(observations[:, UNSELECTED], CLEAN[:, UNSELECTED])
    np.testing.assert_array_equal(observations[0], CLEAN[0])
    selected, clean = observations[:, SELECTED], CLEAN[:, SELECTED]
    lost = selected[1:] != clean[1:]  # the counter never repeats, so a held reading differs
    np.testing.assert_array_equal(selected[1:][lost], selected[:-1][lost])
    assert lost.mean() == pytest.approx(0.6, abs=0.012)


def test_dropout_probability_one_holds_the_reset_observation() -> None:
    observations, _ = rollout(ObservationDropout(CounterEnv(), 1.0, "hold"), 5)
    np.testing.assert_array_equal(observations, np.broadcast_to(CLEAN[0], observations.shape))


def test_quantization_rounds_to_the_nearest_multiple_exactly() -> None:
    step = np.array([0.25, 0.3, 4.0])
    observations, _ = rollout(ObservationQuantization(CounterEnv(), step, SELECTED), 50)
    np.testing.assert_array_equal(observations[:, UNSELECTED], CLEAN[:51, UNSELECTED])
    expected = np.round(CLEAN[:51, SELECTED] / step) * step
    np.testing.assert_array_equal(observations[:, SELECTED], expected)
    assert np.all(np.abs(observations[:, SELECTED] - CLEAN[:51, SELECTED]) <= step / 2 + 1e-12)
    assert observations[2, 4] == 8.0 and observations[0, 4] == 4.0  # 9 → 8, 3 → 4 at step 4.0


def test_clip_limits_readings_to_the_measurement_range_exactly() -> None:
    env = ObservationClip(
        CounterEnv(), low=np.array([-1.0, 1.5, -np.inf]), high=[5.0, 3.0, 20.0], channels=SELECTED
    )
    observations, _ = rollout(env, 30)
    expected = CLEAN[:31].copy()
    expected[:, SELECTED] = np.clip(expected[:, SELECTED], [-1.0, 1.5, -np.inf], [5.0, 3.0, 20.0])
    np.testing.assert_array_equal(observations, expected)


@pytest.mark.parametrize("period", [1, 2, 5])
def test_sample_and_hold_updates_exactly_every_period_steps(period: int) -> None:
    env = SampleAndHold(CounterEnv(), period, SELECTED)
    for seed in (0, None):  # and again after a reset
        observations, _ = rollout(env, 23, seed)
        sampled_at = (np.arange(24) // period) * period
        np.testing.assert_array_equal(observations[:, SELECTED], CLEAN[sampled_at][:, SELECTED])
        np.testing.assert_array_equal(observations[:, UNSELECTED], CLEAN[:24, UNSELECTED])


# --------------------------------------------------------------------------------------------------------
# Every effect: seeding, spaces, dtypes, bounds, Gymnasium's checker
# --------------------------------------------------------------------------------------------------------

RANDOM_EFFECTS: dict[str, Callable[..., gym.Env]] = {
    "noise": lambda env, **kw: ObservationNoise(env, 0.5, **kw),
    "bias": lambda env, **kw: ObservationBias(env, 0.5, **kw),
    "drift": lambda env, **kw: ObservationDrift(env, 0.5, **kw),
    "dropout": lambda env, **kw: ObservationDropout(env, 0.5, "zero", **kw),
    "delay": lambda env, **kw: ObservationDelay(env, 0, 8, **kw),
}
EFFECTS: dict[str, Callable[..., gym.Env]] = {
    **RANDOM_EFFECTS,
    "dropout_hold": lambda env, **kw: ObservationDropout(env, 0.5, "hold", **kw),
    "quantization": lambda env, **kw: ObservationQuantization(env, 0.3, **kw),
    "clip": lambda env, **kw: ObservationClip(env, -0.5, 0.5, **kw),
    "sample_and_hold": lambda env, **kw: SampleAndHold(env, 3, **kw),
}


@pytest.mark.parametrize("effect", RANDOM_EFFECTS.values(), ids=RANDOM_EFFECTS.keys())
def test_same_seed_same_readings_and_another_seed_other_readings(effect) -> None:
    def readings(seed: int) -> np.ndarray:
        return episodes(effect(CounterEnv()), 3, 12, seed)  # the unseeded resets continue the stream

    np.testing.assert_array_equal(readings(7), readings(7))
    assert not np.array_equal(readings(7), readings(8))


@pytest.mark.parametrize("effect", RANDOM_EFFECTS.values(), ids=RANDOM_EFFECTS.keys())
def test_streams_with_different_names_draw_different_numbers(effect) -> None:
    def readings(stream: str) -> np.ndarray:
        return episodes(effect(CounterEnv(), stream=stream), 3, 12, seed=7)

    np.testing.assert_array_equal(readings("sensor/0"), readings("sensor/0"))
    assert not np.array_equal(readings("sensor/0"), readings("sensor/1"))


@pytest.mark.parametrize("effect", EFFECTS.values(), ids=EFFECTS.keys())
def test_space_and_dtype_are_kept_and_bounded_readings_stay_in_bounds(effect) -> None:
    inner = CounterEnv(dtype=np.float32, bound=3.0)
    env = effect(inner)
    assert env.observation_space == inner.observation_space
    assert env.action_space == inner.action_space
    observations, _ = rollout(env, 40)
    assert observations.dtype == np.float32
    assert all(observation in env.observation_space for observation in observations)


@pytest.mark.parametrize("effect", EFFECTS.values(), ids=EFFECTS.keys())
def test_gymnasium_check_env_passes(effect) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_env(effect(gym.make("Pendulum-v1")), skip_render_check=True)


def test_effects_compose_in_the_documented_order() -> None:
    env = CounterEnv()
    env = SampleAndHold(env, 2, SELECTED)
    env = ObservationBias(env, 0.1, SELECTED)
    env = ObservationDrift(env, 0.01, SELECTED)
    env = ObservationNoise(env, 0.1, SELECTED)
    env = ObservationQuantization(env, 0.05, SELECTED)
    env = ObservationClip(env, -50.0, 50.0, SELECTED)
    env = ObservationDropout(env, 0.1, "hold", SELECTED)
    env = ObservationDelay(env, 1, 1)
    observations, _ = rollout(env, 30)
    np.testing.assert_array_equal(
        observations[:, UNSELECTED], CLEAN[np.maximum(np.arange(31) - 1, 0)][:, UNSELECTED]
    )
    assert np.all(np.abs(observations[:, SELECTED]) <= 50.0)
    assert np.any(observations[:, SELECTED] != CLEAN[np.maximum(np.arange(31) - 1, 0)][:, SELECTED])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_env(env, skip_render_check=True)


# --------------------------------------------------------------------------------------------------------
# Argument checks
# --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "argument"),
    [
        (lambda env: ObservationNoise(env, -0.1), "std"),
        (lambda env: ObservationNoise(env, [0.1, 0.2], channels=SELECTED), "std"),
        (lambda env: ObservationNoise(env, float("nan")), "std"),
        (lambda env: ObservationBias(env, -1.0), "std"),
        (lambda env: ObservationDrift(env, [0.1, -0.1, 0.1], channels=SELECTED), "std"),
        (lambda env: ObservationDropout(env, 1.5), "probability"),
        (lambda env: ObservationDropout(env, -0.1), "probability"),
        (lambda env: ObservationDropout(env, 0.1, mode="drop"), "mode"),
        (lambda env: ObservationQuantization(env, 0.0), "step"),
        (lambda env: ObservationClip(env, 2.0, 1.0), "low"),
        (lambda env: ObservationClip(env, float("nan"), 1.0), "low"),
        (lambda env: SampleAndHold(env, 0), "period"),
        (lambda env: SampleAndHold(env, 2.5), "period"),
        (lambda env: ObservationDelay(env, 3, 1), "min_delay"),
        (lambda env: ObservationDelay(env, -1, 1), "min_delay"),
        (lambda env: ObservationDelay(env, 0, 1.5), "max_delay"),
        (lambda env: ObservationNoise(env, 0.1, channels=np.array([6])), "channels"),
        (lambda env: ObservationNoise(env, 0.1, channels=np.array([1, 1])), "channels"),
        (lambda env: ObservationNoise(env, 0.1, channels=np.array([], dtype=int)), "channels"),
        (lambda env: ObservationNoise(env, 0.1, channels=np.array([0.5])), "channels"),
    ],
)
def test_invalid_arguments_raise_value_error_naming_the_argument(make, argument: str) -> None:
    with pytest.raises(ValueError, match=rf"^{argument}\b"):
        make(CounterEnv())


def test_a_non_box_observation_space_is_refused() -> None:
    with pytest.raises(ValueError, match=r"^env: ObservationNoise needs a 1-D float Box"):
        ObservationNoise(gym.make("FrozenLake-v1"), 0.1)


def test_negative_channel_indices_count_from_the_end_and_order_follows_per_channel_arguments() -> None:
    observations, _ = rollout(
        ObservationClip(CounterEnv(), [0.0, -1e9], [0.0, 1e9], channels=np.array([-1, 0])), 2
    )
    np.testing.assert_array_equal(observations[:, 5], 0.0)  # channel -1 is channel 5, clipped to [0, 0]
    np.testing.assert_array_equal(observations[:, 0], CLEAN[:3, 0])


def test_observed_channels_leave_the_others_out_and_rename_for_later_models() -> None:
    from rlkit.config.schema import EnvConfig
    from rlkit.envs import make_env

    config = EnvConfig(
        id="CartPole-v1",
        sensors={"observed": [0, 2], "models": [{"channels": ["obs[2]"], "noise_std": 0.5}]},
    )
    env, full = make_env(config), gym.make("CartPole-v1")
    obs, _ = env.reset(seed=3)
    true_obs, _ = full.reset(seed=3)
    assert env.observation_space.shape == (2,)
    assert env.get_wrapper_attr("observation_names") == ["obs[0]", "obs[2]"]
    assert obs[0] == true_obs[0]  # cart position: observed, no sensor model
    assert obs[1] != true_obs[2]  # pole angle: observed through a noisy sensor
    assert abs(obs[1] - true_obs[2]) < 3.0
    with pytest.raises(RlkitError, match=r"env.sensors.observed: .*out of range"):
        make_env(EnvConfig(id="CartPole-v1", sensors={"observed": [4]}))
