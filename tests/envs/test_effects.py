"""Array effects on a batch of envs: the numbers of one per-env wrapper per env, to the bit, with per-env
state reset by mask only for the envs that start an episode."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np
import pytest

from rlkit.envs.actuators import ActionDelay, ActionNoise, ActionRateLimit, ActionSaturation
from rlkit.envs.effects import (
    ActionEffect,
    ActuatorDelay,
    ActuatorNoise,
    ActuatorRateLimit,
    ActuatorSaturation,
    ChannelEffect,
    ObservationLatency,
    RepeatedSteps,
    SensorBias,
    SensorClip,
    SensorDrift,
    SensorDropout,
    SensorGain,
    SensorNoise,
    SensorQuantization,
    SensorSampleAndHold,
)
from rlkit.envs.sensors import (
    ObservationBias,
    ObservationClip,
    ObservationDelay,
    ObservationDrift,
    ObservationDropout,
    ObservationNoise,
    ObservationQuantization,
    SampleAndHold,
    SensorEffectWrapper,
)
from tests.envs.counter_env import CounterEnv

NUM_ENVS = 5
SELECTED = np.array([1, 3, 4])
SPACE = CounterEnv().observation_space

Pair = tuple[Callable[[gym.Env], gym.Env], Callable[[], Any]]

SENSORS: dict[str, Pair] = {
    "noise": (
        lambda env: ObservationNoise(env, [0.1, 0.5, 2.0], SELECTED),
        lambda: SensorNoise(SPACE, NUM_ENVS, [0.1, 0.5, 2.0], SELECTED),
    ),
    "gain": (
        lambda env: SensorEffectWrapper(env, SensorGain, std=[0.1, 0.2, 0.3], channels=SELECTED),
        lambda: SensorGain(SPACE, NUM_ENVS, [0.1, 0.2, 0.3], SELECTED),
    ),
    "bias": (
        lambda env: ObservationBias(env, 0.3, SELECTED),
        lambda: SensorBias(SPACE, NUM_ENVS, 0.3, SELECTED),
    ),
    "drift": (
        lambda env: ObservationDrift(env, 0.2, np.array([4, 0])),
        lambda: SensorDrift(SPACE, NUM_ENVS, 0.2, np.array([4, 0])),
    ),
    "dropout_zero": (
        lambda env: ObservationDropout(env, 0.3, "zero", SELECTED),
        lambda: SensorDropout(SPACE, NUM_ENVS, 0.3, "zero", SELECTED),
    ),
    "dropout_hold": (
        lambda env: ObservationDropout(env, 0.6, "hold"),
        lambda: SensorDropout(SPACE, NUM_ENVS, 0.6, "hold"),
    ),
    "quantization": (
        lambda env: ObservationQuantization(env, 0.3, SELECTED),
        lambda: SensorQuantization(SPACE, NUM_ENVS, 0.3, SELECTED),
    ),
    "clip": (
        lambda env: ObservationClip(env, -5.0, 7.0),
        lambda: SensorClip(SPACE, NUM_ENVS, -5.0, 7.0),
    ),
    "sample_and_hold": (
        lambda env: SampleAndHold(env, 3, SELECTED),
        lambda: SensorSampleAndHold(SPACE, NUM_ENVS, 3, SELECTED),
    ),
    "latency": (
        lambda env: ObservationDelay(env, 0, 4),
        lambda: ObservationLatency(NUM_ENVS, 0, 4),
    ),
}

ACTION_SPACE = CounterEnv(action_low=[-1.0, 0.5, -4.0], action_high=[1.0, 2.0, 4.0]).action_space
ACTUATORS: dict[str, tuple[Callable[[gym.Env], gym.Env], Callable[[], ActionEffect]]] = {
    "noise": (lambda env: ActionNoise(env, 0.3), lambda: ActuatorNoise(ACTION_SPACE, NUM_ENVS, 0.3)),
    "saturation": (
        lambda env: ActionSaturation(env, 0.5),
        lambda: ActuatorSaturation(ACTION_SPACE, NUM_ENVS, 0.5),
    ),
    "rate_limit": (
        lambda env: ActionRateLimit(env, 0.1),
        lambda: ActuatorRateLimit(ACTION_SPACE, NUM_ENVS, 0.1),
    ),
    "delay": (lambda env: ActionDelay(env, 0, 3), lambda: ActuatorDelay(ACTION_SPACE, NUM_ENVS, 0, 3)),
}


def counter() -> CounterEnv:
    return CounterEnv(action_low=[-1.0, 0.5, -4.0], action_high=[1.0, 2.0, 4.0])


def reset_plan(steps: int, seed: int = 0) -> list[tuple[np.ndarray, list[int | None]]]:
    """For each step, the envs that start an episode after it (a random subset, none at most steps) and
    their seeds (mostly None: the stream continues, as at an autoreset; sometimes a fresh seed)."""
    rng = np.random.default_rng(seed)
    plan = []
    for _ in range(steps):
        mask = rng.random(NUM_ENVS) < 0.08
        fresh, draws = rng.integers(0, 1000, NUM_ENVS), rng.random(NUM_ENVS)
        seeds = [int(s) if r < 0.2 else None for s, r in zip(fresh, draws, strict=True)]
        plan.append((np.flatnonzero(mask), [seeds[i] for i in np.flatnonzero(mask)]))
    return plan


@pytest.mark.parametrize("name", SENSORS)
def test_a_sensor_effect_on_a_batch_reads_as_one_wrapper_per_env(name: str) -> None:
    make_wrapper, make_effect = SENSORS[name]
    wrapped = [make_wrapper(CounterEnv()) for _ in range(NUM_ENVS)]
    raw = [CounterEnv() for _ in range(NUM_ENVS)]
    effect = make_effect()
    expected = np.stack([env.reset(seed=10 + i)[0] for i, env in enumerate(wrapped)])
    clean = np.stack([env.reset()[0] for env in raw])
    got = effect.reset(clean, slice(None), [10 + i for i in range(NUM_ENVS)])
    np.testing.assert_array_equal(got, expected)
    action = np.zeros(3, dtype=np.float32)
    resets = 0
    for step, (ids, seeds) in enumerate(reset_plan(300)):
        expected = np.stack([env.step(action)[0] for env in wrapped])
        got = effect(np.stack([env.step(action)[0] for env in raw]))
        np.testing.assert_array_equal(got, expected, err_msg=f"step {step}")
        if len(ids):
            resets += len(ids)
            expected = np.stack([wrapped[i].reset(seed=s)[0] for i, s in zip(ids, seeds, strict=True)])
            clean = np.stack([raw[i].reset()[0] for i in ids])
            got = effect.reset(clean, ids, seeds)
            np.testing.assert_array_equal(got, expected, err_msg=f"reset after step {step}")
    assert resets > 50


@pytest.mark.parametrize("name", ACTUATORS)
def test_an_actuator_effect_on_a_batch_applies_what_one_wrapper_per_env_applies(name: str) -> None:
    make_wrapper, make_effect = ACTUATORS[name]
    wrapped = [make_wrapper(counter()) for _ in range(NUM_ENVS)]
    effect = make_effect()
    for i, env in enumerate(wrapped):
        env.reset(seed=10 + i)
    effect.reset(slice(None), [10 + i for i in range(NUM_ENVS)])
    rng = np.random.default_rng(1)
    for step, (ids, seeds) in enumerate(reset_plan(300)):
        actions = rng.uniform(-5.0, 5.0, (NUM_ENVS, 3)).astype(np.float32)
        expected = np.stack([env.step(a)[-1]["action"] for env, a in zip(wrapped, actions, strict=True)])
        got = effect(actions)
        assert got.dtype == np.float32
        np.testing.assert_array_equal(got, expected, err_msg=f"step {step}")
        for i, s in zip(ids, seeds, strict=True):
            wrapped[i].reset(seed=s)
        if len(ids):
            effect.reset(ids, seeds)


def test_a_reset_by_mask_starts_only_the_masked_envs_episodes() -> None:
    drift = SensorDrift(SPACE, 3, 1.0)
    hold = SensorSampleAndHold(SPACE, 3, 4)
    delay = ActuatorDelay(ACTION_SPACE, 3, 2, 2)
    clean = np.ones((3, 6))
    for effect in (drift, hold):
        effect.reset(clean, slice(None), [0, 1, 2])
    delay.reset(slice(None), [0, 1, 2])
    for _ in range(3):
        drift(clean)
        hold(clean * 2)
        delay(np.full((3, 3), 0.7, dtype=np.float32))
    before = drift.drift.copy()
    drift.reset(clean[[1]], np.array([1]))
    np.testing.assert_array_equal(drift.drift[1], 0.0)
    np.testing.assert_array_equal(drift.drift[[0, 2]], before[[0, 2]])
    hold.reset(clean[[2]] * 3, np.array([2]))
    np.testing.assert_array_equal(hold.steps, [3, 3, 0])
    np.testing.assert_array_equal(hold(clean * 5)[:, 0], [5.0, 5.0, 3.0])  # step 4 samples, step 1 holds
    delay.reset(np.array([0]))
    applied = delay(np.full((3, 3), 0.9, dtype=np.float32))
    np.testing.assert_array_equal(applied[0], delay.neutral.astype(np.float32))  # pipeline refilled
    np.testing.assert_array_equal(applied[1:], np.float32(0.7))  # sent two steps earlier


def test_repeated_steps_sum_rewards_and_stop_the_envs_that_ended() -> None:
    steps = RepeatedSteps(3)
    steps.start(3)
    stepped = []
    while (ids := steps.stepping()) is not None:
        stepped.append(ids.tolist())
        steps.record(ids, np.full(len(ids), 0.5), ids == 1)
    assert stepped == [[0, 1, 2], [0, 2], [0, 2]]
    np.testing.assert_array_equal(steps.totals, [1.5, 0.5, 1.5])
    with pytest.raises(ValueError, match=r"^repeat"):
        RepeatedSteps(0)


def test_every_effect_is_a_channel_or_action_effect() -> None:
    for _, make_effect in SENSORS.values():
        assert isinstance(make_effect(), ChannelEffect | ObservationLatency)
