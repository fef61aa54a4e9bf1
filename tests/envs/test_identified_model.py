"""``env.simulator.parameters`` (identified values on the compiled model) and ``env.simulator.hang_base`` (the
test stand a legged robot is identified on)."""

from __future__ import annotations

import mujoco
import numpy as np
import pytest

from rlkit.config.schema import EnvConfig
from rlkit.envs.factory import make_env
from rlkit.envs.mujoco_env import MujocoEnv
from rlkit.errors import RlkitError

QUADRUPED = "rlkit/Quadruped-v0"


def _env(**simulator: object) -> object:
    return make_env(EnvConfig.model_validate({"id": QUADRUPED, "simulator": simulator}), check=False)


def _body(model: mujoco.MjModel, name: str) -> int:
    return mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_BODY, name)


def test_identified_parameters_set_the_model_and_its_derived_fields() -> None:
    plain = _env().unwrapped
    identified = _env(
        parameters=[
            {"parameter": "body_mass", "names": ".*_calf", "value": 1.2},
            {"parameter": "actuator_kp", "names": "FR_.*", "value": 0.8},
            {"parameter": "dof_armature", "names": "RL_calf_joint", "mode": "offset", "value": 0.01},
        ]
    ).unwrapped
    calf, thigh = _body(plain.model, "FR_calf"), _body(plain.model, "FR_thigh")
    assert identified.model.body_mass[calf] == pytest.approx(1.2 * plain.model.body_mass[calf])
    assert identified.model.body_mass[thigh] == plain.model.body_mass[thigh]
    # the inertia follows the mass, and the constants MuJoCo derives from them were recomputed
    np.testing.assert_allclose(identified.model.body_inertia[calf], 1.2 * plain.model.body_inertia[calf])
    assert not np.allclose(identified.model.body_invweight0[calf], plain.model.body_invweight0[calf])
    # a position servo's stiffness is its gain and its bias together
    np.testing.assert_allclose(
        identified.model.actuator_gainprm[:3, 0], 0.8 * plain.model.actuator_gainprm[:3, 0]
    )
    np.testing.assert_allclose(
        identified.model.actuator_biasprm[:3, 1], 0.8 * plain.model.actuator_biasprm[:3, 1]
    )
    np.testing.assert_array_equal(
        identified.model.actuator_gainprm[3:, 0], plain.model.actuator_gainprm[3:, 0]
    )
    joint = mujoco.mj_name2id(plain.model, mujoco.mjtObj.mjOBJ_JOINT, "RL_calf_joint")
    dof = plain.model.jnt_dofadr[joint]
    assert identified.model.dof_armature[dof] == pytest.approx(plain.model.dof_armature[dof] + 0.01)


def test_randomization_draws_around_the_identified_values() -> None:
    config = EnvConfig.model_validate(
        {
            "id": QUADRUPED,
            "simulator": {"parameters": [{"parameter": "body_mass", "names": "trunk", "value": 1.5}]},
            "randomization": {
                "parameters": [{"parameter": "body_mass", "names": "trunk", "low": 0.9, "high": 1.1}]
            },
        }
    )
    env = make_env(config, check=False)
    nominal = _env().unwrapped.model.body_mass[_body(env.unwrapped.model, "trunk")]
    masses = []
    for seed in range(8):
        env.reset(seed=seed)
        masses.append(env.unwrapped.model.body_mass[_body(env.unwrapped.model, "trunk")] / nominal)
    assert min(masses) >= 1.5 * 0.9 - 1e-9
    assert max(masses) <= 1.5 * 1.1 + 1e-9
    assert max(masses) - min(masses) > 0.05


def test_an_identified_parameter_that_selects_nothing_is_refused_in_one_line() -> None:
    with pytest.raises(
        RlkitError, match=r"env\.simulator\.parameters: body_mass: names 'wing' matches no body"
    ):
        _env(parameters=[{"parameter": "body_mass", "names": "wing", "value": 1.1}])


def test_the_stand_holds_the_base_in_the_air_whatever_the_legs_do() -> None:
    env = _env(hang_base=0.3)
    model, data = env.unwrapped.model, env.unwrapped.data
    env.reset(seed=0)
    start = data.qpos[:3].copy()
    assert start[2] == pytest.approx(model.key_qpos[0][2], abs=1e-9)  # the keyframe is lifted with it
    assert start[2] == pytest.approx(_env().unwrapped.model.key_qpos[0][2] + 0.3)
    rng = np.random.default_rng(0)
    for _ in range(150):
        _, _, terminated, _, _ = env.step(rng.uniform(-1, 1, env.action_space.shape))
        assert not terminated
        assert np.linalg.norm(data.qpos[:3] - start) < 0.03
        assert data.ncon == 0  # the feet never reach the ground
    joints = data.qpos[7:]
    assert np.ptp(joints) > 0.2  # the legs moved


def test_a_robot_without_a_floating_base_cannot_hang() -> None:
    arm = """<mujoco><worldbody><body><joint name="shoulder"/><geom size="0.1"/></body></worldbody>
    <actuator><motor joint="shoulder"/></actuator></mujoco>"""
    with pytest.raises(RlkitError, match="no floating base to hang"):
        MujocoEnv(arm, simulator={"hang_base": 0.2})
