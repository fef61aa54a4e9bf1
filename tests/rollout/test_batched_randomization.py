"""The ``batched`` backend with ``env.randomization``: the same observations, rewards and infos as ``sync`` to
the bit, with every physics parameter kind, pushes, the observed samples and the curriculum; parameters drawn
per env at its reset only, derived constants recomputed for the resetting sims only."""

from __future__ import annotations

from typing import Any

import mujoco
import numpy as np
import pytest

from rlkit.config.loading import load_config
from rlkit.config.schema import EnvConfig, RolloutConfig
from rlkit.rollout.batched import BatchedVectorEnv
from rlkit.rollout.vector_env import make_vector_env
from tests.rollout.helpers import assert_same

BATCHED = RolloutConfig(backend="batched", threads=2)
NUM_ENVS = 3

#: Every parameter kind; the cart-pole's slider is a position servo (its bias scales with the gain).
EVERY_KIND: dict[str, list[dict[str, Any]]] = {
    "rlkit/Walker-v0": [
        {"parameter": "body_mass", "names": "torso|.*thigh", "low": 0.6, "high": 1.6},
        {"parameter": "geom_friction", "names": ".*foot.*", "friction": "all", "low": 0.4, "high": 1.2},
        {"parameter": "dof_damping", "distribution": "loguniform", "low": 0.5, "high": 2.0},
        {"parameter": "dof_armature", "mode": "offset", "low": 0.0, "high": 0.05},
        {"parameter": "dof_frictionloss", "mode": "offset", "low": 0.0, "high": 0.1},
        {"parameter": "joint_stiffness", "names": ".*knee.*", "mode": "offset", "low": 0.0, "high": 2.0},
        {"parameter": "actuator_gain", "low": 0.8, "high": 1.2},
        {"parameter": "actuator_gear", "names": ".*hip.*", "low": 0.8, "high": 1.2},
        {"parameter": "actuator_ctrlrange", "names": ".*knee.*", "low": 0.6, "high": 0.9},
        {"parameter": "gravity", "mode": "offset", "distribution": "gaussian", "mean": 0.0, "std": 0.5},
        {"parameter": "timestep", "low": 0.8, "high": 1.2},
    ],
    "rlkit/CartPoleSwingup-v0": [
        {"parameter": "body_mass", "low": 0.5, "high": 2.0},
        {"parameter": "actuator_gain", "low": 0.5, "high": 1.5},
        {"parameter": "dof_damping", "mode": "offset", "low": 0.0, "high": 0.2},
        {"parameter": "timestep", "low": 0.7, "high": 1.3},
    ],
}
PUSHES = {"rlkit/Walker-v0": "torso", "rlkit/CartPoleSwingup-v0": "pole"}


def _config(env_id: str, **randomization: Any) -> EnvConfig:
    return EnvConfig(
        id=env_id,
        max_episode_steps=40,
        randomization={"parameters": EVERY_KIND[env_id], **randomization},
        actuators={"noise_std": 0.05, "repeat": 2, "latency": {"min": 0, "max": 1}},
        sensors={"models": [{"noise_std": 0.01}], "latency": {"min": 0, "max": 2}},
    )


def _pushes(env_id: str) -> dict[str, Any]:
    return {"body": PUSHES[env_id], "interval": [2, 9], "duration": 3, "force": [5, 40], "torque": [0, 2]}


def _run_both(config: EnvConfig, steps: int, scale: float | None = None) -> BatchedVectorEnv:
    """Step ``sync`` and ``batched`` with the same seeds and actions, compare everything, with a masked
    reset halfway; returns the batched env."""
    sync = make_vector_env(config, NUM_ENVS)
    batched = make_vector_env(config, NUM_ENVS, BATCHED)
    assert isinstance(batched, BatchedVectorEnv)
    assert batched.single_observation_space == sync.single_observation_space
    if scale is not None:
        assert_same(
            sync.call("set_randomization_scale", scale), batched.call("set_randomization_scale", scale)
        )
        assert_same(sync.get_attr("randomization_scale"), batched.get_attr("randomization_scale"))
    assert_same(sync.reset(seed=5), batched.reset(seed=5), "reset")
    rng = np.random.default_rng(1)
    ended = 0
    for step in range(steps):
        if step == steps // 2:
            seeds, mask = [11, None, None], np.array([True, False, True])
            expected = sync.reset(seed=seeds, options={"reset_mask": mask.copy()})
            assert_same(expected, batched.reset(seed=seeds, options={"reset_mask": mask.copy()}), "masked")
        actions = rng.uniform(-1.2, 1.2, (NUM_ENVS, *sync.single_action_space.shape)).astype(np.float32)
        expected = sync.step(actions)
        assert_same(expected, batched.step(actions), f"step {step}")
        ended += int((expected[2] | expected[3]).sum())
    assert_same(sync.get_attr("dt"), batched.get_attr("dt"), "dt")
    assert ended >= 2 * NUM_ENVS, ended  # every env has autoreset, and drawn its parameters again
    return batched


@pytest.mark.parametrize("env_id", sorted(EVERY_KIND))
def test_every_parameter_kind_and_pushes_equal_sync_to_the_bit(env_id: str) -> None:
    batched = _run_both(_config(env_id, pushes=_pushes(env_id)), 240)
    _, _, _, _, info = batched.step(np.zeros((NUM_ENVS, *batched.single_action_space.shape)))
    assert set(info["randomization"]) >= {
        f"_{name}" for name in batched.randomization.parameters.sampled_names
    }
    assert "push" in info


@pytest.mark.parametrize("form", ["privileged_observation", "observe_parameters"])
def test_observed_samples_equal_sync_to_the_bit(form: str) -> None:
    batched = _run_both(_config("rlkit/CartPoleSwingup-v0", **{form: True}), 120)
    obs, _ = batched.reset(seed=0)
    samples = batched.randomization.parameters.samples.astype(np.float32)
    observed = obs["privileged"] if form == "privileged_observation" else obs[:, -samples.shape[1] :]
    assert np.array_equal(observed, samples) and np.any(samples != 1.0)


def test_the_curriculum_scale_reaches_the_batched_env_as_it_reaches_sync() -> None:
    batched = _run_both(_config("rlkit/CartPoleSwingup-v0"), 80, scale=0.25)
    assert batched.call("randomization_scale") == (0.25,) * NUM_ENVS
    batched.call("set_randomization_scale", 0.0)
    batched.reset(seed=0)
    samples = batched.randomization.parameters.samples
    assert set(np.unique(samples).tolist()) == {0.0, 1.0}  # every sample the identity: scale 1, offset 0


def test_walker_ppo_sim2real_equals_sync_to_the_bit() -> None:
    sections = load_config("walker-ppo-sim2real").env.model_dump(
        include={"randomization", "actuators", "sensors"}
    )
    sections["randomization"]["pushes"]["interval"] = [3, 12]
    _run_both(EnvConfig(id="rlkit/Walker-v0", max_episode_steps=50, **sections), 200)


def test_parameters_are_drawn_per_env_at_its_reset_only() -> None:
    batched = make_vector_env(_config("rlkit/Walker-v0"), NUM_ENVS, BATCHED)
    assert isinstance(batched, BatchedVectorEnv)
    batch = batched.sims.batch
    batched.reset(seed=0)
    fields = ["body_mass", "geom_friction", "dof_damping", "actuator_gainprm", "opt.gravity", "opt.timestep"]
    drawn = {name: batch.expanded(name).copy() for name in fields}
    for name, values in drawn.items():
        assert not np.array_equal(values[0], values[1]), name  # each env its own draw
    actions = np.zeros((NUM_ENVS, 6), dtype=np.float32)
    resets = 0
    for step in range(30):
        if step == 5:  # env 1 starts over: from now on the envs' episodes end at different steps
            mask = np.array([False, True, False])
            batched.reset(options={"reset_mask": mask})
            now = {name: batch.expanded(name).copy() for name in fields}
            for name in fields:
                assert np.array_equal(now[name][~mask], drawn[name][~mask]), name
                assert not np.array_equal(now[name][1], drawn[name][1]), name
            drawn = now
        *_, terminated, truncated, _ = batched.step(actions)
        ended = terminated | truncated
        resets += int(ended.sum())
        now = {name: batch.expanded(name).copy() for name in fields}
        for name in fields:
            # an env that ran on kept its values; one that reset drew new ones
            assert np.array_equal(now[name][~ended], drawn[name][~ended]), name
            assert not np.any([np.array_equal(now[name][i], drawn[name][i]) for i in np.flatnonzero(ended)])
        drawn = now
    assert resets >= NUM_ENVS


def _recording_set_const(env: BatchedVectorEnv) -> list[list[int]]:
    """The sims of each ``set_const`` call the env makes from now on (the calls still run)."""
    calls: list[list[int]] = []
    sims, run = env.sims, env.sims.set_const

    def record(ids: np.ndarray) -> None:
        calls.append(np.asarray(ids).tolist())
        run(ids)

    sims.set_const = record  # type: ignore[method-assign]
    return calls


def test_derived_constants_are_recomputed_for_the_resetting_sims_only() -> None:
    config = EnvConfig(
        id="rlkit/CartPoleSwingup-v0",
        randomization={"parameters": [{"parameter": "body_mass", "names": "cart", "low": 2.0, "high": 4.0}]},
    )
    batched = make_vector_env(config, NUM_ENVS, BATCHED)
    assert isinstance(batched, BatchedVectorEnv)
    batch, model = batched.sims.batch, batched.sims.model
    calls = _recording_set_const(batched)
    batched.reset(seed=0)
    assert calls == [[0, 1, 2]]
    first = batch.expanded("body_invweight0").copy()
    assert not np.array_equal(first[0], model.body_invweight0)
    assert not np.array_equal(first[0], first[1])
    for sim in range(NUM_ENVS):  # each sim's constants are those of its own masses
        single = batch.get_model(sim)
        expected = single.body_invweight0.copy()
        mujoco.mj_setConst(single, mujoco.MjData(single))
        assert np.array_equal(single.body_invweight0, expected)
    # A mass written into sim 1 behind the randomization's back: a set_const of sim 1 would show it.
    batched.sims.expand("body_mass")[1, model.body("cart").id] *= 3.0
    batched.reset(seed=[7, None, None], options={"reset_mask": np.array([True, False, False])})
    assert calls[1:] == [[0]]
    after = batch.expanded("body_invweight0")
    assert not np.array_equal(after[0], first[0])
    assert np.array_equal(after[1:], first[1:])
    # gravity and the timestep enter no derived constant: they alone never recompute them
    plain = EnvConfig(
        id="rlkit/CartPoleSwingup-v0",
        randomization={
            "parameters": [
                {"parameter": "gravity", "mode": "offset", "low": -1, "high": 1},
                {"parameter": "timestep", "low": 0.8, "high": 1.2},
            ]
        },
    )
    unconstrained = make_vector_env(plain, NUM_ENVS, BATCHED)
    assert isinstance(unconstrained, BatchedVectorEnv)
    calls = _recording_set_const(unconstrained)
    unconstrained.reset(seed=0)
    assert calls == []
