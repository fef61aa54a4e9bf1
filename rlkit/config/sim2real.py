"""The sim2real sections of ``env``: an XML robot's task, physics randomization, sensor and actuator models.

Each section maps onto wrappers that :func:`rlkit.envs.make_env` applies in one fixed order (see that
function's docstring). Every section is off by default, so a config without them builds the plain environment.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar

from pydantic import (
    BaseModel,
    Field,
    SerializerFunctionWrapHandler,
    create_model,
    field_validator,
    model_serializer,
    model_validator,
)

from rlkit.config.base import StrictModel
from rlkit.config.sim2real_effects import (
    ACTUATOR_EFFECTS,
    OBSERVATION_LATENCY,
    SENSOR_MODEL_EFFECTS,
    LatencyConfig,
    section_fields,
)

# --------------------------------------------------------------------------------------------------------
# Task of a robot given as an XML file (the no-Python way to plug a robot in)
# --------------------------------------------------------------------------------------------------------


class _Term(StrictModel):
    weight: float = Field(
        default=1.0, description="the term's value is multiplied by this and added to the reward"
    )


class ForwardVelocityTerm(_Term):
    """Velocity of a body along a world axis, from its position before and after the step."""

    term: Literal["forward_velocity"]
    body: str = Field(..., description="body whose velocity is rewarded")
    axis: Literal["x", "y", "z"] = Field(default="x", description="world axis of the velocity")


class BodyHeightTerm(_Term):
    """Height (world z) of a body."""

    term: Literal["body_height"]
    body: str = Field(..., description="body whose height is rewarded")


class UprightTerm(_Term):
    """Cosine of the angle between a body's z axis and the world's z axis: 1 upright, -1 upside down."""

    term: Literal["upright"]
    body: str = Field(..., description="body whose up-ness is rewarded")


class SiteDistanceTerm(_Term):
    """Minus the distance between two sites (the reward grows as they approach)."""

    term: Literal["site_distance"]
    site_a: str = Field(..., description="first site")
    site_b: str = Field(..., description="second site")


class SiteApproachTerm(_Term):
    """How fast two sites approach each other over the step just taken: the fall of their distance over the
    step's duration, m/s (negative as they part). Summed over an episode it is how much nearer they ended
    than they began, whatever the path: a shaping that does not change which policy is best."""

    term: Literal["site_approach"]
    site_a: str = Field(..., description="first site")
    site_b: str = Field(..., description="second site")


class ControlCostTerm(_Term):
    """Minus the sum of squared controls."""

    term: Literal["control_cost"]


class ActionRateCostTerm(_Term):
    """Minus the sum of squared changes of the controls since the previous step."""

    term: Literal["action_rate_cost"]


class AliveBonusTerm(_Term):
    """One per step."""

    term: Literal["alive_bonus"]


class BaseHeightTerm(_Term):
    """Minus the squared distance of a body's height above the ground (env.task.terrain's, else z = 0) from a
    target (0 at the target)."""

    term: Literal["base_height"]
    body: str = Field(..., description="the body (a robot's base)")
    target: float = Field(..., description="the height above the ground it should keep, metres")


class OrientationTerm(_Term):
    """Minus the squared horizontal part of gravity in a body's frame: 0 level, 1 on its side."""

    term: Literal["orientation"]
    body: str = Field(..., description="the body (a robot's base)")


class VerticalVelocityTerm(_Term):
    """Minus the squared vertical velocity of a floating base, in its own frame."""

    term: Literal["vertical_velocity"]
    body: str = Field(..., description="the base: a body with a free joint")


class RollPitchRatesTerm(_Term):
    """Minus the squared roll and pitch rates of a floating base, in its own frame."""

    term: Literal["roll_pitch_rates"]
    body: str = Field(..., description="the base: a body with a free joint")


class ActuatorForcesTerm(_Term):
    """Minus the sum of squared actuator forces (joint torques, for actuators of gear 1)."""

    term: Literal["actuator_forces"]


class JointLimitsTerm(_Term):
    """Minus how far the limited hinge and slide joints are past a soft part of their ranges, summed."""

    term: Literal["joint_limits"]
    soft_fraction: float = Field(
        default=0.9, gt=0, le=1, description="the soft range: this fraction of each range, about its middle"
    )


class UndesiredContactsTerm(_Term):
    """Minus the number of watched bodies touching anything (a knee or the base on the ground)."""

    term: Literal["undesired_contacts"]
    bodies: str = Field(..., description="a regular expression over body names, e.g. '.*_thigh|.*_calf'")


class TerminatedTerm(_Term):
    """1 on the step a condition of env.task.termination ends the episode (a fall), else 0: give it a
    negative weight (Isaac Lab's is_terminated penalty). Added after env.task.reward_floor, so that the floor
    does not hide it (as legged_gym adds its termination reward)."""

    term: Literal["terminated"]


class TrackLinearVelocityTerm(_Term):
    """How closely the base's planar velocity (in its own frame) follows the command:
    ``exp(-|command_xy - velocity_xy|² / sigma)``, 1 on the command (needs env.task.commands)."""

    term: Literal["track_linear_velocity"]
    sigma: float = Field(default=0.25, gt=0, description="the kernel's width, (m/s)²")


class TrackAngularVelocityTerm(_Term):
    """How closely the base's yaw rate follows the command: ``exp(-(command_yaw - yaw_rate)² / sigma)``,
    1 on the command (needs env.task.commands)."""

    term: Literal["track_angular_velocity"]
    sigma: float = Field(default=0.25, gt=0, description="the kernel's width, (rad/s)²")


class FeetAirTimeTerm(_Term):
    """At each foot's touchdown, its time in the air minus ``threshold``, summed over the feet (positive for
    long steps); zero while the command is to stand (legged_gym's feet_air_time; needs env.task.feet)."""

    term: Literal["feet_air_time"]
    threshold: float = Field(default=0.5, ge=0, description="seconds of air time that earn nothing")


class FeetSlipTerm(_Term):
    """Minus the squared planar speed of the feet touching the ground, summed (needs env.task.feet)."""

    term: Literal["feet_slip"]


class FeetClearanceTerm(_Term):
    """Minus each moving foot's squared miss of a swing height, weighted by its planar speed, summed: a
    foot that moves should move at ``height`` (needs env.task.feet)."""

    term: Literal["feet_clearance"]
    height: float = Field(default=0.08, gt=0, description="the swing height, metres above the ground")


class StandingStillTerm(_Term):
    """Minus how far the joints are from the default pose (summed absolute angles) while the command is to
    stand (|command| < 0.1); zero otherwise (needs env.task.commands)."""

    term: Literal["standing_still"]


class JointAccelerationsTerm(_Term):
    """Minus the summed squared accelerations of the hinge and slide joints over the step just taken."""

    term: Literal["joint_accelerations"]


RewardTerm = Annotated[
    ForwardVelocityTerm
    | BodyHeightTerm
    | UprightTerm
    | SiteDistanceTerm
    | SiteApproachTerm
    | ControlCostTerm
    | ActionRateCostTerm
    | AliveBonusTerm
    | BaseHeightTerm
    | OrientationTerm
    | VerticalVelocityTerm
    | RollPitchRatesTerm
    | ActuatorForcesTerm
    | JointLimitsTerm
    | UndesiredContactsTerm
    | TerminatedTerm
    | TrackLinearVelocityTerm
    | TrackAngularVelocityTerm
    | FeetAirTimeTerm
    | FeetSlipTerm
    | FeetClearanceTerm
    | StandingStillTerm
    | JointAccelerationsTerm,
    Field(discriminator="term"),
]


class _RangeTerm(StrictModel):
    min: float | None = Field(default=None, description="terminate below this (None: no lower bound)")
    max: float | None = Field(default=None, description="terminate above this (None: no upper bound)")

    @model_validator(mode="after")
    def _ordered(self) -> _RangeTerm:
        if self.min is not None and self.max is not None and self.min >= self.max:
            raise ValueError(f"min ({self.min}) must be below max ({self.max})")
        if self.min is None and self.max is None:
            raise ValueError("give min, max or both")
        return self


class BodyHeightTermination(_RangeTerm):
    """End the episode when a body's height leaves [min, max]."""

    term: Literal["body_height"]
    body: str = Field(..., description="body whose height is watched")


class BodyTiltTermination(_RangeTerm):
    """End the episode when a body's tilt (radians between its z axis and world z) leaves [min, max]."""

    term: Literal["body_tilt"]
    body: str = Field(..., description="body whose tilt is watched")


class BodyContactTermination(StrictModel):
    """End the episode when any of some bodies touches anything (a base or a knee hitting the ground)."""

    term: Literal["body_contact"]
    bodies: str = Field(
        ..., description="a regular expression over body names, e.g. 'trunk|.*_thigh' (each must match whole)"
    )


class SiteDistanceTermination(_RangeTerm):
    """End the episode when the distance between two sites leaves [min, max] (``min``: they have met, as
    an object reaching its goal; ``max``: one has strayed, as a robot leaving a ring around a site)."""

    term: Literal["site_distance"]
    site_a: str = Field(..., description="first site")
    site_b: str = Field(..., description="second site")


TerminationTerm = Annotated[
    BodyHeightTermination | BodyTiltTermination | BodyContactTermination | SiteDistanceTermination,
    Field(discriminator="term"),
]

#: Written in a name of a team's per-robot term, stands for each robot's name prefix.
ROBOT_PLACEHOLDER = "{robot}"

_AnyTerm = TypeVar("_AnyTerm", bound=StrictModel)


def for_robot(term: _AnyTerm, prefix: str) -> _AnyTerm:
    """A per-robot term of one robot: ``{robot}`` in each of its names replaced by the robot's prefix."""
    names = {
        key: value.replace(ROBOT_PLACEHOLDER, prefix)
        for key, value in term
        if isinstance(value, str) and ROBOT_PLACEHOLDER in value
    }
    return term.model_copy(update=names)


class TeamConfig(StrictModel):
    """Several robots in one model, each one agent: its actuators, sensors, bodies and joints are those
    whose names start with its prefix (PettingZoo's Parallel API; rlkit.envs.multi_agent.mujoco_team)."""

    robots: list[str] = Field(
        default=[],
        description="each robot's name prefix (e.g. [red_, blue_]), two or more (a task class's own when "
        "left out); the agent is named after it",
    )
    reward: list[RewardTerm] = Field(
        default=[],
        description="each robot's own reward terms, '{robot}' in a name standing for its prefix (e.g. "
        "{term: site_distance, site_a: '{robot}nose', site_b: box}); the task's reward is the team's, "
        "paid to every robot",
    )
    zero_sum: bool = Field(
        default=False,
        description="a competition: each robot's own terms minus the mean of the others' (what one gains "
        "the others lose)",
    )
    lose: list[TerminationTerm] = Field(
        default=[],
        description="conditions per robot, '{robot}' standing for its prefix: a robot that meets one loses "
        "and the episode ends",
    )
    win_reward: float = Field(default=1.0, description="paid to each robot still in when another loses")
    lose_reward: float = Field(default=-1.0, description="paid to each robot that loses")
    success: list[TerminationTerm] = Field(
        default=[],
        description="conditions of the team's goal (e.g. {term: site_distance, site_a: box, site_b: goal, "
        "min: 0.1}): when all hold, the episode ends as a success (info is_success)",
    )
    success_reward: float = Field(default=0.0, description="paid to every robot when the team succeeds")

    @field_validator("robots")
    @classmethod
    def _distinct(cls, robots: list[str]) -> list[str]:
        if len(robots) == 1:
            raise ValueError("name two robots or more (one robot is a single-agent task: leave team out)")
        for i, prefix in enumerate(robots):
            if not prefix:
                raise ValueError(f"robots[{i}] is empty: give the name prefix of the robot's parts")
            others = [other for other in robots[:i] if other.startswith(prefix) or prefix.startswith(other)]
            if others:
                raise ValueError(f"robots[{i}] '{prefix}' and '{others[0]}' overlap: one prefixes the other")
        return robots

    def watched_terms(self) -> list[tuple[str, RewardTerm | TerminationTerm]]:
        """``(config path, term)`` of every term of every robot (its names filled in) and of the team's
        success: what the env adds sensors for."""
        terms: list[tuple[str, RewardTerm | TerminationTerm]] = []
        for robot in self.robots:
            terms += [(f"env.task.team.reward[{i}]", for_robot(t, robot)) for i, t in enumerate(self.reward)]
            terms += [(f"env.task.team.lose[{i}]", for_robot(t, robot)) for i, t in enumerate(self.lose)]
        terms += [(f"env.task.team.success[{i}]", t) for i, t in enumerate(self.success)]
        return terms


class ObservationTerm(StrictModel):
    """An observation named by what it is, computed from the model's state (no sensor needed)."""

    term: Literal[
        "projected_gravity",
        "base_linear_velocity",
        "base_angular_velocity",
        "joint_positions",
        "joint_velocities",
        "last_action",
        "commands",
        "height_scan",
    ] = Field(
        ...,
        description="projected_gravity: the gravity direction in the base's frame; base_linear_velocity, "
        "base_angular_velocity: the base's velocity in its own frame; joint_positions: every hinge and slide "
        "joint's angle minus the default pose's (env.task.keyframe, else the model's qpos0); "
        "joint_velocities: theirs; last_action: the action of the step just taken (0 at an episode's start); "
        "commands: the velocity command (forward, lateral, yaw rate; env.task.commands); height_scan: the "
        "height of the base (or of each site of sites) above the ground at a grid of points around it, "
        "turning with the base's heading (env.task.terrain's ground, else the floor at z = 0)",
    )
    body: str | None = Field(
        default=None,
        description="the base body, with a free joint (the projected_gravity, base_ and height_scan terms)",
    )
    sites: str | None = Field(
        default=None,
        description="height_scan: a regular expression over site names (e.g. the feet): a grid around each "
        "(None: one grid around the base)",
    )
    size: tuple[float, float] = Field(
        default=(1.6, 1.0), description="height_scan: the grid's length (forward) and width, metres"
    )
    spacing: float = Field(default=0.1, gt=0, description="height_scan: the grid's spacing, metres")

    @model_validator(mode="after")
    def _scan_fields(self) -> ObservationTerm:
        defaults = {name: type(self).model_fields[name].default for name in ("sites", "size", "spacing")}
        scan_only = {name for name, default in defaults.items() if getattr(self, name) != default}
        if self.term != "height_scan" and scan_only:
            raise ValueError(f"{', '.join(sorted(scan_only))}: only the height_scan term has them")
        if min(self.size) < 0:
            raise ValueError(f"size {self.size}: a grid's sides are not negative")
        return self


class TorqueSpeedConfig(StrictModel):
    """A motor's torque-speed curve: its full torque (the actuator's forcerange) up to one joint speed,
    falling linearly to none at its top speed, as electric motors' datasheets draw it."""

    actuators: str = Field(default=".*", description="a regular expression over actuator names")
    full_torque_speed: float = Field(
        ..., ge=0, description="joint speed, rad/s, up to which all torque is there"
    )
    max_speed: float = Field(..., gt=0, description="joint speed, rad/s, at which no torque is left")

    @model_validator(mode="after")
    def _ordered(self) -> TorqueSpeedConfig:
        if self.full_torque_speed >= self.max_speed:
            raise ValueError(
                f"full_torque_speed {self.full_torque_speed} must be below max_speed {self.max_speed}"
            )
        return self


class PdGainsConfig(StrictModel):
    """The PD law's gains of the motors whose names a pattern matches (``pd_torque``)."""

    actuators: str = Field(default=".*", description="a regular expression over actuator names")
    kp: float = Field(..., gt=0, description="stiffness, N·m/rad (N/m on a slide joint)")
    kd: float = Field(..., ge=0, description="damping, N·m·s/rad (N·s/m on a slide joint)")

    @field_validator("actuators")
    @classmethod
    def _a_regular_expression(cls, pattern: str) -> str:
        try:
            re.compile(pattern)
        except re.error as error:
            raise ValueError(f"'{pattern}' is not a regular expression: {error}") from None
        return pattern


class ActionConfig(StrictModel):
    """How the policy's action becomes the actuators' controls."""

    mode: Literal["direct", "joint_offset", "pd_torque"] = Field(
        default="direct",
        description="direct: the action is the control, within ctrlrange; joint_offset: each position "
        "actuator's target is its joint's angle in env.task.keyframe plus scale × the action; pd_torque: "
        "the same targets for <motor> actuators, whose torque a PD law (gains) computes at every physics "
        "step, clipped to the motor's limit",
    )
    scale: float = Field(
        default=1.0, gt=0, description="joint_offset, pd_torque: radians (or metres) per unit of action"
    )
    gains: list[PdGainsConfig] = Field(
        default=[],
        description="pd_torque: kp and kd per actuator, the first entry whose pattern matches its name "
        "(e.g. [{actuators: '.*_knee', kp: 40, kd: 1}, {kp: 20, kd: 0.5}])",
    )

    @model_validator(mode="after")
    def _gains_with_pd_torque(self) -> ActionConfig:
        if self.mode == "pd_torque" and not self.gains:
            raise ValueError("mode pd_torque needs gains, e.g. [{actuators: '.*', kp: 20, kd: 0.5}]")
        if self.mode != "pd_torque" and self.gains:
            raise ValueError(f"gains are pd_torque's PD law; mode {self.mode} does not use them")
        return self

    torque_speed: list[TorqueSpeedConfig] = Field(
        default=[],
        description="torque-speed curves limiting the actuators' forcerange by their joints' speed, updated "
        "every control step (e.g. {actuators: '.*_calf', full_torque_speed: 10, max_speed: 20})",
    )


class VelocityCommandsConfig(StrictModel):
    """Velocity commands, as a joystick gives them: forward and lateral speed in the base's frame and a yaw
    rate, drawn uniformly at each episode's start and redrawn at random intervals; a share of the draws is
    the command to stand still."""

    body: str = Field(..., description="the base body (with a free joint) whose velocity follows the command")
    forward: tuple[float, float] = Field(default=(-1.0, 1.0), description="forward speed range, m/s")
    lateral: tuple[float, float] = Field(default=(-0.5, 0.5), description="lateral speed range, m/s")
    yaw_rate: tuple[float, float] = Field(default=(-1.0, 1.0), description="yaw rate range, rad/s")
    standing: float = Field(default=0.1, ge=0, le=1, description="share of draws that command standing still")
    resample_seconds: tuple[float, float] = Field(
        default=(5.0, 10.0), description="a command holds for a time drawn from this range, in seconds"
    )

    @model_validator(mode="after")
    def _ranges_ordered(self) -> VelocityCommandsConfig:
        for name in ("forward", "lateral", "yaw_rate", "resample_seconds"):
            low, high = getattr(self, name)
            if low > high:
                raise ValueError(f"{name}: low {low} is above high {high}")
        if self.resample_seconds[0] <= 0:
            raise ValueError(f"resample_seconds must be positive, got {self.resample_seconds}")
        return self


class TerrainCurriculumConfig(StrictModel):
    """Each env's terrain level follows how well it tracks its commands: an episode that tracked them (its
    mean planar velocity miss at most ``promote_below``, and not ended by a termination) moves the env one
    level up, one that did not (a miss above ``demote_above``, or a fall) one level down; an env past the top
    level goes to a random level, so that no level is forgotten (legged_gym's terrain curriculum)."""

    start_levels: int = Field(
        default=1, ge=1, description="envs start on a level drawn uniformly below this one"
    )
    # The training policy explores (its actions are noisy), so it tracks worse than it is evaluated:
    # thresholds that a deterministic policy would pass easily are what a learning one meets.
    promote_below: float = Field(
        default=0.5, gt=0, description="an episode's mean tracking error, m/s, at or below which it moves up"
    )
    demote_above: float = Field(
        default=0.8, gt=0, description="an episode's mean tracking error, m/s, above which it moves down"
    )

    @model_validator(mode="after")
    def _ordered(self) -> TerrainCurriculumConfig:
        if self.promote_below > self.demote_above:
            raise ValueError(
                f"promote_below {self.promote_below} must not be above demote_above {self.demote_above}"
            )
        return self


class TerrainConfig(StrictModel):
    """Rough ground as a heightfield added to the model at load: a grid of square tiles, one row of tiles per
    difficulty level, each tile a pyramid slope under random bumps, both growing with the level (level 0 is
    flat). Each episode starts at the centre of a tile of the env's level; the model's own floor stays
    around the field."""

    levels: int = Field(default=10, ge=1, description="difficulty levels: rows of tiles along x")
    tiles_per_level: int = Field(default=4, ge=1, description="tiles per level, side by side along y")
    tile_size: float = Field(default=8.0, gt=0, description="a tile's side, metres")
    roughness: float = Field(
        default=0.08, ge=0, description="the bumps' largest height at the top level, metres"
    )
    bump_size: float = Field(default=0.25, gt=0, description="the bumps' horizontal spacing, metres")
    slope: float = Field(
        default=0.0, ge=0, description="the tiles' pyramid slope at the top level, rise over run"
    )
    resolution: float = Field(default=0.1, gt=0, description="the heightfield's grid spacing, metres")
    seed: int = Field(default=0, ge=0, description="the terrain's own random seed (every env shares it)")
    spawn_radius: float = Field(
        default=1.0, ge=0, description="episodes start within this distance of the tile's centre, metres"
    )
    curriculum: TerrainCurriculumConfig | None = Field(
        default=None,
        description="terrain levels following each env's command tracking (None: a random level each "
        "episode)",
    )

    @model_validator(mode="after")
    def _fits(self) -> TerrainConfig:
        if self.curriculum is not None and self.curriculum.start_levels > self.levels:
            raise ValueError(
                f"curriculum.start_levels {self.curriculum.start_levels} is above levels {self.levels}"
            )
        if self.spawn_radius >= self.tile_size / 2:
            raise ValueError(
                f"spawn_radius {self.spawn_radius} must be below half the tile_size {self.tile_size}"
            )
        if self.resolution > self.tile_size / 4:
            raise ValueError(f"resolution {self.resolution} must be at most a quarter of tile_size")
        return self


def _given(model: BaseModel, dumped: dict[str, Any]) -> dict[str, Any]:
    """``dumped`` (``model``'s dump) with only the fields set on ``model``, sections (models) likewise."""
    kept = {}
    # a field the dump left out (exclude, exclude_defaults, exclude_none) stays out
    for name in (field for field in type(model).model_fields if field in model.model_fields_set):
        if name not in dumped:
            continue
        value, data = getattr(model, name), dumped[name]
        kept[name] = _given(value, data) if isinstance(value, BaseModel) and isinstance(data, dict) else data
    return kept


class TaskConfig(StrictModel):
    """What a robot given as ``env.id: robot.xml`` observes, is rewarded for, and when its episode ends."""

    frame_skip: int = Field(default=1, ge=1, description="physics steps per env step")
    sensors: bool = Field(default=True, description="observe the model's <sensor> readings")
    qpos: bool = Field(default=False, description="also observe joint positions (qpos)")
    qvel: bool = Field(default=False, description="also observe joint velocities (qvel)")
    exclude_joints: list[str] = Field(
        default=[],
        description="joints left out of qpos/qvel observations (e.g. a free root); an unnamed joint is "
        "jointN, N its index",
    )
    observations: list[ObservationTerm] = Field(
        default=[],
        description="named observation terms, after the sensors, qpos and qvel (e.g. {term: "
        "projected_gravity, body: trunk})",
    )
    keyframe: str | None = Field(
        default=None,
        description="start each episode from this <key>'s qpos and qvel (None: the model's qpos0 at rest)",
    )
    action: ActionConfig = Field(
        default_factory=ActionConfig, description="how actions drive the actuators (mode, scale)"
    )
    commands: VelocityCommandsConfig | None = Field(
        default=None, description="velocity commands the policy follows (None: none)"
    )
    feet: str | None = Field(
        default=None,
        description="a regular expression over site names: the robot's feet (their contacts, air time, "
        "slip and clearance)",
    )
    terrain: TerrainConfig | None = Field(
        default=None,
        description="rough ground with difficulty levels and a curriculum (None: the model's own floor)",
    )
    init_noise: float = Field(
        default=0.01,
        ge=0,
        description="initial qpos and qvel are the start plus uniform noise of this half-width, except a "
        "free joint's (a floating base is not tilted or sunk)",
    )
    camera: str | None = Field(
        default=None, description="named camera for rgb_array rendering (None: free camera)"
    )
    reward: list[RewardTerm] = Field(
        default=[], description="reward terms, summed with their weights (each term: larger is better)"
    )
    reward_floor: float | None = Field(
        default=None,
        description="a step's summed reward is raised to at least this (None: not); 0 is legged_gym's "
        "only_positive_rewards, which keeps a policy whose penalties outweigh its rewards early in training "
        "from learning to end its episodes",
    )
    termination: list[TerminationTerm] = Field(default=[], description="conditions that end an episode")
    team: TeamConfig | None = Field(
        default=None,
        description="several robots in the model, each an agent of a multi-agent game (None: one robot)",
    )

    @model_serializer(mode="wrap")
    def _given_keys(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # The keys a config gives and no others: a task class's own task fills in the rest
        # (rlkit.envs.mujoco_env.merged_task), so a saved run must not pin the defaults over it.
        return _given(self, handler(self))


# --------------------------------------------------------------------------------------------------------
# Physics domain randomization
# --------------------------------------------------------------------------------------------------------

PhysicsParameter = Literal[
    "body_mass",
    "geom_friction",
    "dof_damping",
    "dof_armature",
    "dof_frictionloss",
    "joint_stiffness",
    "actuator_gain",
    "actuator_kp",
    "actuator_kd",
    "actuator_gear",
    "actuator_ctrlrange",
    "gravity",
    "timestep",
]


class ParameterRandomization(StrictModel):
    """One model parameter, sampled per episode as a scale of (or offset from) its nominal value."""

    parameter: PhysicsParameter = Field(..., description="which model parameter")
    names: str = Field(
        default=".*",
        description="regular expression selecting bodies/geoms/joints/actuators by name (full match)",
    )
    mode: Literal["scale", "offset"] = Field(
        default="scale", description="nominal × sample, or nominal + sample"
    )
    distribution: Literal["uniform", "loguniform", "gaussian"] = Field(
        default="uniform", description="uniform or loguniform over [low, high], or gaussian(mean, std)"
    )
    low: float = Field(default=1.0, description="uniform/loguniform: lower end")
    high: float = Field(default=1.0, description="uniform/loguniform: upper end")
    mean: float = Field(default=1.0, description="gaussian: mean")
    std: float = Field(default=0.0, ge=0, description="gaussian: standard deviation")
    shared: bool = Field(
        default=False, description="one sample for every selected element (False: one per element)"
    )
    friction: Literal["sliding", "torsional", "rolling", "all"] = Field(
        default="sliding", description="geom_friction: which coefficient(s)"
    )

    @model_validator(mode="after")
    def _valid_range(self) -> ParameterRandomization:
        if self.distribution != "gaussian" and self.low > self.high:
            raise ValueError(f"low ({self.low}) must not exceed high ({self.high})")
        if self.distribution == "loguniform" and self.low <= 0:
            raise ValueError("loguniform needs low > 0")
        if self.mode == "scale" and self.distribution == "uniform" and self.low < 0:
            raise ValueError("a scale must not be negative")
        return self


class PushConfig(StrictModel):
    """Random external force/torque impulses on a body, at random intervals."""

    body: str = Field(..., description="body that is pushed")
    interval: tuple[int, int] = Field(
        default=(100, 300), description="env steps between pushes, uniform over [min, max]"
    )
    duration: int = Field(default=1, ge=1, description="env steps each push lasts")
    force: tuple[float, float] = Field(
        default=(0.0, 0.0),
        description="force magnitude (N), uniform over [min, max], in a random horizontal direction",
    )
    torque: tuple[float, float] = Field(
        default=(0.0, 0.0), description="torque magnitude (N·m), uniform over [min, max], about a random axis"
    )

    @field_validator("interval")
    @classmethod
    def _interval(cls, value: tuple[int, int]) -> tuple[int, int]:
        if not 1 <= value[0] <= value[1]:
            raise ValueError("interval must be [min, max] with 1 <= min <= max")
        return value

    @field_validator("force", "torque")
    @classmethod
    def _magnitude(cls, value: tuple[float, float]) -> tuple[float, float]:
        if not 0 <= value[0] <= value[1]:
            raise ValueError("must be [min, max] with 0 <= min <= max")
        return value


class CurriculumConfig(StrictModel):
    """Widen randomization with training progress: every sample is pulled toward nominal by a scale."""

    start: float = Field(
        default=0.0, ge=0, le=1, description="scale at the start of training (0: nominal only)"
    )
    end: float = Field(
        default=1.0, ge=0, le=1, description="scale reached at end_fraction (1: the declared ranges)"
    )
    end_fraction: float = Field(
        default=0.5, gt=0, le=1, description="fraction of training after which the scale stays at end"
    )

    def scale(self, progress: float) -> float:
        """The scale at ``progress`` (0 to 1) through training: linear from start to end, then constant."""
        fraction = min(max(progress / self.end_fraction, 0.0), 1.0)
        return self.start + fraction * (self.end - self.start)


class RandomizationConfig(StrictModel):
    """Physics domain randomization, resampled at every reset from the model's nominal values."""

    parameters: list[ParameterRandomization] = Field(default=[], description="the randomized parameters")
    pushes: PushConfig | None = Field(default=None, description="random pushes (None: off)")
    privileged_observation: bool = Field(
        default=False,
        description="observe a Dict {policy, privileged}: the sampled values as a critic-only observation",
    )
    observe_parameters: bool = Field(
        default=False,
        description="append the sampled values to the observation itself: a privileged teacher whose actor "
        "sees the physics (for rlkit distill)",
    )
    curriculum: CurriculumConfig | None = Field(
        default=None, description="widen the ranges with training progress (None: full ranges from the start)"
    )


# --------------------------------------------------------------------------------------------------------
# Sensor and actuator models
# --------------------------------------------------------------------------------------------------------


# The fields of these two sections are the effects' own, declared once in rlkit.config.sim2real_effects.
if TYPE_CHECKING:  # built at run time from the tables: statically, a section's fields read as Any

    class SensorModelConfig(StrictModel):
        """A model of the sensors behind some observation channels."""

        channels: str | list[str | int]

        def __getattr__(self, name: str) -> Any: ...

    class ActuatorModelConfig(StrictModel):
        """A model of the actuators between the policy and the simulator."""

        def __getattr__(self, name: str) -> Any: ...

else:
    SensorModelConfig = create_model(
        "SensorModelConfig",
        __base__=StrictModel,
        __doc__="A model of the sensors behind some observation channels.\n\nEffects apply in this order: "
        + ", ".join(effect.key for effect in SENSOR_MODEL_EFFECTS)
        + ".",
        __module__=__name__,
        channels=(
            str | list[str | int],
            Field(
                default=".*",
                description="channels: a regular expression over channel names, or a list of names and "
                "indices",
            ),
        ),
        **section_fields(SENSOR_MODEL_EFFECTS),
    )

    ActuatorModelConfig = create_model(
        "ActuatorModelConfig",
        __base__=StrictModel,
        __doc__="A model of the actuators between the policy and the simulator.\n\nEffects apply in this "
        "order: " + ", ".join(effect.key for effect in ACTUATOR_EFFECTS) + ".",
        __module__=__name__,
        **section_fields(ACTUATOR_EFFECTS),
    )


class SensorsConfig(StrictModel):
    """Which channels are observed, sensor models per channel group, and the observation latency."""

    observed: str | list[str | int] | None = Field(
        default=None,
        description="observe only these channels, a regex or names/indices (None: all); "
        "leave velocities out for a partially observable task",
    )
    models: list[SensorModelConfig] = Field(
        default=[], description="sensor models, each for a group of channels"
    )
    latency: LatencyConfig | None = Field(
        default=OBSERVATION_LATENCY.nominal, description=OBSERVATION_LATENCY.field.description
    )
    history: int = Field(
        default=1,
        ge=1,
        description="observe the last k readings (after the sensor models and latency) side by side, oldest "
        "first; an episode starts with its first reading repeated (1: the current reading only)",
    )
