"""The shipped legged robots' solver settings converge where walking is hardest: feet and shins on a slippery
floor. Newton's solver capped at 4 iterations (MuJoCo Playground's setting for MJX) left such substeps
unconverged, and their contact impulses launched the trunk: most falls of a trained quadruped at friction
x0.4 came from there, not from its policy."""

from __future__ import annotations

from importlib import resources

import mujoco
import numpy as np
import pytest


@pytest.mark.parametrize("robot", ["quadruped", "a1"])
def test_newton_converges_before_its_cap_while_the_legs_flail_on_a_slippery_floor(robot: str) -> None:
    model = mujoco.MjModel.from_xml_path(str(resources.files("rlkit.envs.tasks") / "assets" / f"{robot}.xml"))
    model.geom_friction[:, 0] *= 0.4
    data = mujoco.MjData(model)
    mujoco.mj_resetDataKeyframe(model, data, model.key("home").id)
    home = data.ctrl.copy()
    low, high = model.actuator_ctrlrange.T
    rng = np.random.default_rng(0)
    iterations = []
    for substep in range(2000):  # 10 s: the robot stumbles, kneels and falls, shins and thighs on the floor
        if substep % 10 == 0:
            data.ctrl[:] = np.clip(home + rng.normal(0.0, 0.5, model.nu), low, high)
        mujoco.mj_step(model, data)
        iterations.append(int(data.solver_niter[0]))
    assert max(iterations) > 4  # the hard substeps are there
    assert max(iterations) < model.opt.iterations  # and every one converged before the cap
