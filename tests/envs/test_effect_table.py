"""The effect tables are the one place a sensor or actuator effect is declared: every consumer (the config
sections, the per-env wrappers, the batched chains, the sweep axes, ``--help`` and the sweep's nominal world)
reads every entry, so a new entry reaches all of them. And the effect the table added last, the gain error,
checked by hand."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import pytest

from rlkit.cli.main import build_parser
from rlkit.config.perturbations import PERTURBATIONS, PushSetting, apply_perturbation
from rlkit.config.schema import EnvConfig
from rlkit.config.sim2real import ActuatorModelConfig, SensorModelConfig, SensorsConfig
from rlkit.config.sim2real_effects import ACTUATOR_EFFECTS, OBSERVATION_LATENCY, SENSOR_MODEL_EFFECTS, Effect
from rlkit.envs import make_env
from rlkit.envs.actuators import ActuatorWrapper
from rlkit.envs.effects import ActuatorChain, SensorChain, SensorGain
from rlkit.envs.effects.layers import Layer
from rlkit.envs.sensors import ChannelWrapper, SensorEffectWrapper
from rlkit.evaluate.sweep_world import nominal_env_config
from rlkit.registry import import_attr
from tests.envs.counter_env import CounterEnv

#: A value that turns each effect on.
ON: dict[str, Any] = {
    "update_every": 3,
    "gain_std": 0.1,
    "bias_std": 0.2,
    "drift_std": 0.01,
    "noise_std": 0.05,
    "quantization": 0.1,
    "clip": (-5.0, 5.0),
    "dropout": 0.2,
    "latency": {"min": 1, "max": 2},
    "rate_limit": 0.2,
    "saturation": 0.8,
    "repeat": 2,
}
ALL = [*SENSOR_MODEL_EFFECTS, OBSERVATION_LATENCY, *ACTUATOR_EFFECTS]


def wrappers(env: gym.Env) -> list[gym.Env]:
    """The wrapper stack of ``env``, outermost first."""
    stack = []
    while isinstance(env, gym.Wrapper):
        stack.append(env)
        env = env.env
    return stack


def test_every_effect_has_a_value_that_turns_it_on() -> None:
    assert sorted(ON) == sorted({effect.key for effect in ALL})


@pytest.mark.parametrize("effect", ALL, ids=lambda e: e.key)
def test_each_effect_is_a_config_field_whose_default_is_its_nominal_value(effect: Effect) -> None:
    owner = SensorModelConfig if effect in SENSOR_MODEL_EFFECTS else ActuatorModelConfig
    if effect is OBSERVATION_LATENCY:
        owner = SensorsConfig
    assert owner.model_fields[effect.key].default == effect.nominal
    assert owner.model_fields[effect.key].description
    assert not effect.is_on(owner())


@pytest.mark.parametrize("effect", SENSOR_MODEL_EFFECTS, ids=lambda e: e.key)
def test_a_sensor_effect_turned_on_alone_is_one_wrapper_and_one_batched_effect(effect: Effect) -> None:
    config = EnvConfig(
        id="Pendulum-v1", sensors={"models": [{"channels": [0, 2], effect.key: ON[effect.key]}]}
    )
    stack = [w for w in wrappers(make_env(config, check=False)) if isinstance(w, ChannelWrapper)]
    assert [type(w.effect) for w in stack] == [import_attr(effect.effect, "effect")]
    np.testing.assert_array_equal(stack[0].channels, [0, 2])
    env = gym.make("Pendulum-v1")
    chain = SensorChain(config.sensors, env.observation_space, ["cos", "sin", "velocity"], 4)
    assert [type(e) for e in chain.effects] == [import_attr(effect.effect, "effect")]


@pytest.mark.parametrize("effect", [e for e in ACTUATOR_EFFECTS if e.effect is not None], ids=lambda e: e.key)
def test_an_actuator_effect_turned_on_alone_is_one_wrapper_and_one_batched_effect(effect: Effect) -> None:
    config = EnvConfig(id="Pendulum-v1", actuators={effect.key: ON[effect.key]})
    stack = [w for w in wrappers(make_env(config, check=False)) if isinstance(w, ActuatorWrapper)]
    assert [type(w.effect) for w in stack] == [import_attr(effect.effect, "effect")]
    chain = ActuatorChain(config.actuators, gym.make("Pendulum-v1").action_space, 4)
    assert [type(e) for e in chain.effects] == [import_attr(effect.effect, "effect")]


def test_every_effect_on_at_once_stacks_in_the_tables_order_on_both_paths() -> None:
    sensors = {"models": [{"channels": ".*", **{e.key: ON[e.key] for e in SENSOR_MODEL_EFFECTS}}]}
    actuators = {e.key: ON[e.key] for e in ACTUATOR_EFFECTS}
    config = EnvConfig(id="Pendulum-v1", sensors=sensors, actuators=actuators)
    stack = wrappers(make_env(config, check=False))
    read = [type(w.effect) for w in reversed(stack) if isinstance(w, ChannelWrapper)]  # innermost first
    acted = [type(w.effect) for w in stack if isinstance(w, ActuatorWrapper)]  # outermost first
    sensor_order = [import_attr(e.effect, "effect") for e in SENSOR_MODEL_EFFECTS]
    actuator_order = [import_attr(e.effect, "effect") for e in ACTUATOR_EFFECTS if e.effect is not None]
    assert read == sensor_order
    assert acted == actuator_order
    space = gym.make("Pendulum-v1")
    chain = SensorChain(config.sensors, space.observation_space, ["cos", "sin", "velocity"], 2)
    assert [type(e) for e in chain.effects] == sensor_order
    assert [type(e) for e in ActuatorChain(config.actuators, space.action_space, 2).effects] == actuator_order


@pytest.mark.parametrize("effect", [e for e in ALL if e.sweep is not None], ids=lambda e: e.sweep.name)
def test_each_declared_sweep_axis_is_a_perturbation_listed_in_help_that_sets_its_effect(
    effect: Effect,
) -> None:
    axis = effect.sweep
    assert axis is not None
    assert PERTURBATIONS[axis.name].nominal == axis.nominal
    assert PERTURBATIONS[axis.name].whole_steps == axis.whole_steps
    help_text = " ".join(build_parser().format_help().split()) + " ".join(_eval_help().split())
    assert axis.name in help_text
    raw = EnvConfig(id="Pendulum-v1").model_dump()
    apply_perturbation(raw, axis.name, 1.0, PushSetting(None, (1, 1), 1))
    env = EnvConfig.model_validate(raw)
    section = env.sensors.models[-1] if effect in SENSOR_MODEL_EFFECTS else None
    if effect is OBSERVATION_LATENCY:
        section = env.sensors
    if effect in ACTUATOR_EFFECTS:
        section = env.actuators
    assert effect.is_on(section)


def _eval_help() -> str:
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return subparsers.choices["eval"].format_help()


def test_the_sweeps_nominal_world_turns_off_exactly_the_noise_effects() -> None:
    sensors = {
        "models": [{"channels": ".*", **{e.key: ON[e.key] for e in SENSOR_MODEL_EFFECTS}}],
        "latency": ON["latency"],
    }
    actuators = {e.key: ON[e.key] for e in ACTUATOR_EFFECTS}
    nominal = nominal_env_config(EnvConfig(id="Pendulum-v1", sensors=sensors, actuators=actuators))
    for effect in SENSOR_MODEL_EFFECTS:
        assert effect.is_on(nominal.sensors.models[0]) != effect.noise, effect.key
    assert OBSERVATION_LATENCY.is_on(nominal.sensors) != OBSERVATION_LATENCY.noise
    for effect in ACTUATOR_EFFECTS:
        assert effect.is_on(nominal.actuators) != effect.noise, effect.key


def test_a_layer_is_named_by_its_wrapper_or_by_its_effect_where_it_has_none() -> None:
    by_key = {e.key: e for e in SENSOR_MODEL_EFFECTS}
    assert Layer(by_key["noise_std"]).name == "ObservationNoise"
    assert Layer(by_key["gain_std"]).name == "SensorGain"


# The gain error, by hand -----------------------------------------------------------------------------------


def test_the_gain_is_drawn_once_per_episode_from_n_1_std_and_multiplies_every_reading() -> None:
    space = CounterEnv().observation_space
    gain = SensorGain(space, 2, [0.1, 0.3], np.array([1, 3]))
    observations = np.tile(np.arange(1.0, space.shape[0] + 1.0), (2, 1))
    first = gain.reset(observations, seeds=[5, 6])
    drawn = gain.gain.copy()
    np.testing.assert_allclose(first[:, [1, 3]], observations[:, [1, 3]] * drawn)
    np.testing.assert_array_equal(np.delete(first, [1, 3], axis=1), np.delete(observations, [1, 3], axis=1))
    for _ in range(3):  # constant within the episode
        np.testing.assert_allclose(gain(observations)[:, [1, 3]], observations[:, [1, 3]] * drawn)
    assert not np.allclose(drawn, 1.0)
    gain.reset(observations, rows=np.array([1]))  # only env 1 starts a new episode: only its gain changes
    np.testing.assert_array_equal(gain.gain[0], drawn[0])
    assert not np.allclose(gain.gain[1], drawn[1])


def test_the_gains_spread_is_std_and_a_zero_std_reads_the_truth() -> None:
    space = CounterEnv().observation_space
    gain = SensorGain(space, 4000, 0.2, np.array([0]))
    gain.reset(np.ones((4000, space.shape[0])), seeds=list(range(4000)))
    assert abs(gain.gain.mean() - 1.0) < 0.02
    assert abs(gain.gain.std() - 0.2) < 0.01
    exact = SensorGain(space, 1, 0.0)
    observation = np.arange(space.shape[0], dtype=np.float64)[None]
    np.testing.assert_array_equal(exact.reset(observation, seeds=[0]), observation)


def test_the_generic_wrapper_applies_an_effect_to_one_env() -> None:
    env = SensorEffectWrapper(CounterEnv(), SensorGain, std=0.5)
    observation, _ = env.reset(seed=3)
    truth, _ = CounterEnv().reset(seed=3)
    np.testing.assert_allclose(observation, np.asarray(truth) * env.effect.gain[0], rtol=1e-6)
