"""Quadruped joystick: a 12-joint quadruped of the Unitree Go1's size follows velocity commands.

The task is declared entirely with the task-term library, as a user declares one in YAML for their own robot:
legged_gym's flat-terrain observations, command ranges and termination on base contact, joint targets offset
from the standing pose, and its core reward terms (command tracking with exponential kernels; vertical
velocity, roll and pitch rates, tilt, torques and action rate as costs) and an alive bonus, without the
gait-shaping ones (air time, slip, clearance): on 2 CPU cores those slow the first minutes of learning more
than they shape it. The bonus makes a fall cost what the rest of the episode would have paid: with gamma
0.97 the tracking terms alone look about 30 steps ahead, too short to make a randomized robot care about
falling.
"""

from __future__ import annotations

from importlib import resources

from rlkit.config.sim2real import TaskConfig
from rlkit.envs.mujoco_env import MujocoEnv

QUADRUPED_JOYSTICK_TASK = TaskConfig.model_validate(
    {
        "frame_skip": 4,  # 200 Hz physics, 50 Hz control
        "sensors": False,
        "keyframe": "home",
        "init_noise": 0.1,
        "action": {"mode": "joint_offset", "scale": 0.25},
        "commands": {
            "body": "trunk",
            "forward": [-1.0, 1.0],
            "lateral": [-0.5, 0.5],
            "yaw_rate": [-1.0, 1.0],
            "standing": 0.1,
            "resample_seconds": [5.0, 10.0],
        },
        "feet": ".._foot",
        "observations": [
            {"term": "base_linear_velocity", "body": "trunk"},
            {"term": "base_angular_velocity", "body": "trunk"},
            {"term": "projected_gravity", "body": "trunk"},
            {"term": "commands"},
            {"term": "joint_positions"},
            {"term": "joint_velocities"},
            {"term": "last_action"},
        ],
        "camera": "track",
        "reward": [
            {"term": "track_linear_velocity", "weight": 1.0, "sigma": 0.25},
            {"term": "track_angular_velocity", "weight": 0.5, "sigma": 0.25},
            {"term": "alive_bonus", "weight": 0.5},
            {"term": "vertical_velocity", "body": "trunk", "weight": 2.0},
            {"term": "roll_pitch_rates", "body": "trunk", "weight": 0.05},
            {"term": "orientation", "body": "trunk", "weight": 1.0},
            {"term": "actuator_forces", "weight": 1.0e-4},
            {"term": "action_rate_cost", "weight": 0.01},
        ],
        "reward_floor": 0.0,
        "termination": [
            {"term": "body_contact", "bodies": "trunk|.._hip"},
            {"term": "body_tilt", "body": "trunk", "max": 1.0},
        ],
    }
)


class Quadruped(MujocoEnv):
    """Twelve position actuators (hip abduction, hip, knee per leg) targeting offsets from the standing pose.

    Observes the base's velocity, angular velocity and gravity direction in its own frame, the command, the
    joints relative to the standing pose, their velocities and the last action (48 numbers). Rewarded for
    following the command (forward, lateral speed and yaw rate), with legged_gym's core penalties; the episode
    (20 s) ends when the trunk or a hip touches the ground or the trunk tilts past 1 rad.
    """

    MODEL = str(resources.files("rlkit.envs.tasks") / "assets" / "quadruped.xml")
    TASK = QUADRUPED_JOYSTICK_TASK
