"""The typed run configuration: sections ``env``, ``agent``, ``rollout``, ``train``, ``eval``, ``log``.

Every field carries a one-line description (shown by ``rlkit train --help-config``). Unknown keys, wrong types
and bad values fail at load time with the key's dotted path. The ``agent`` section is validated by the
config class of the agent that ``agent.name`` selects (see :mod:`agents`), so each agent declares exactly
the hyperparameters it understands; they all share the optimization fields of :class:`AgentConfig`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, SerializeAsAny, field_validator, model_validator

from rlkit.config.base import StrictModel
from rlkit.config.calibration import CalibrateConfig
from rlkit.config.camera import CameraModelConfig
from rlkit.config.sim2real import (
    ActuatorModelConfig,
    RandomizationConfig,
    SensorsConfig,
    TaskConfig,
)
from rlkit.config.simulator import SimulatorConfig
from rlkit.config.vision import PixelsConfig, VisualRandomizationConfig
from rlkit.nn.activations import ActivationName


class AgentsConfig(StrictModel):
    """How a multi-agent game's agents are trained: every agent a row of one parameter-shared policy, or of
    a policy of its own."""

    agent_id: bool = Field(
        default=True, description="append a one-hot agent index to each agent's observation (shared policy)"
    )
    pad: bool = Field(
        default=False,
        description="agents whose spaces differ share the policy: observations zero-padded to the widest, "
        "Discrete moves to the most (the others masked), Box actions to the most dimensions",
    )
    parameter_sharing: bool = Field(
        default=True,
        description="one policy for every agent (its rows all learn it); false: a network of its own per "
        "agent, each learning from its own rows (heterogeneous agents; exported one file per agent)",
    )
    critic: Literal["own", "state", "observations"] = Field(
        default="own",
        description="what the value function reads besides the agent's own observation: own (nothing: "
        "IPPO), state (the game's global state: MAPPO) or observations (every agent's: MAPPO)",
    )


class EnvConfig(StrictModel):
    """Which environment to build, and how."""

    id: str = Field(
        default="CartPole-v1",
        description="Gymnasium id (CartPole-v1), an rlkit/... id, module:Class, or a PettingZoo Parallel env "
        "(module:factory, mpe2:simple_spread_v3)",
    )
    kwargs: dict[str, Any] = Field(
        default_factory=dict, description="keyword arguments for the env constructor"
    )
    max_episode_steps: int | None = Field(
        default=None,
        ge=1,
        description="truncate episodes after this many steps (None: the env's own, 1000 for an XML)",
    )
    truncation_is_termination: bool = Field(
        default=False,
        description="the episode's time limit is the task's end: no bootstrapping past it (fixed-length "
        "tasks such as MPE's, as MARL benchmarks score them)",
    )
    task: TaskConfig | None = Field(
        default=None, description="for env.id: robot.xml, what it observes, its reward terms and termination"
    )
    simulator: SimulatorConfig | None = Field(
        default=None,
        description="for rlkit's MuJoCo tasks: integrator, solver, timestep, contact softness and actuator "
        "lag replacing the XML's (a transfer check's changes)",
    )
    randomization: RandomizationConfig = Field(
        default_factory=RandomizationConfig, description="physics domain randomization"
    )
    actuators: ActuatorModelConfig = Field(
        default_factory=ActuatorModelConfig, description="actuator model between policy and simulator"
    )
    sensors: SensorsConfig = Field(default_factory=SensorsConfig, description="sensor models and latency")
    discrete_actions: int | None = Field(
        default=None,
        ge=2,
        description="discretize a Box action space into this many levels per dimension (for DQN)",
    )
    pixels: PixelsConfig | None = Field(
        default=None, description="observe rendered MuJoCo cameras, alone or with the state (None: the state)"
    )
    camera: CameraModelConfig | None = Field(
        default=None,
        description="camera model applied to the pixels: noise, blur, exposure, colour, JPEG, shifts",
    )
    visual_randomization: VisualRandomizationConfig | None = Field(
        default=None, description="per-episode lights, colours, textures and camera pose (None: off)"
    )
    frame_stack: int = Field(
        default=1,
        ge=1,
        description="observe the last k frames of the pixels, stacked along channels (1: off)",
    )
    agents: AgentsConfig = Field(
        default_factory=AgentsConfig,
        description="for a multi-agent env (PettingZoo): agent index and what the critic reads",
    )


class NetworkConfig(StrictModel):
    """Shape of the networks an agent builds through ``rlkit.nn``."""

    hidden_sizes: list[int] = Field(default=[64, 64], description="widths of the MLP hidden layers")
    activation: ActivationName = Field(
        default="tanh", description="activation: relu, tanh, elu, gelu or silu"
    )
    layer_norm: bool = Field(default=False, description="LayerNorm after each hidden Linear layer")
    cnn: Literal["nature", "impala"] = Field(
        default="nature", description="image encoder: nature (DQN) or impala"
    )
    shared_encoder: bool = Field(
        default=False, description="actor and critic share one encoder (policy-gradient agents)"
    )

    @field_validator("hidden_sizes")
    @classmethod
    def _positive_widths(cls, widths: list[int]) -> list[int]:
        if any(w < 1 for w in widths):
            raise ValueError("every hidden size must be a positive integer")
        return widths


class MemoryConfig(StrictModel):
    """The recurrent memory core between a recurrent agent's encoder and its heads."""

    cell: Literal["lstm", "gru"] = Field(default="lstm", description="recurrent cell: lstm or gru")
    hidden_size: int = Field(default=64, ge=1, description="size of the recurrent state")
    num_layers: int = Field(default=1, ge=1, description="stacked recurrent layers")


LRScheduleName = Literal["constant", "linear", "cosine", "step", "adaptive_kl"]
OptimizerName = Literal["adam", "adamw", "sgd", "rmsprop"]


class AgentConfig(StrictModel):
    """What every agent's section has: the agent's name. The agent's own config class, selected by the name,
    validates the rest of the section."""

    name: str = Field(..., description="agent: ppo, dqn (rlkit list shows all), or module:Class")


class OptimizedAgentConfig(AgentConfig):
    """The network shape and the optimization settings rlkit's own agents share (an agent built on another
    library, such as the ``sb3:`` agents, declares its own)."""

    network: NetworkConfig = Field(default_factory=NetworkConfig, description="network shape")
    optimizer: OptimizerName = Field(default="adam", description="optimizer: adam, adamw, sgd or rmsprop")
    lr: float = Field(
        default=3e-4, gt=0, description="learning rate (the initial one when a schedule is set)"
    )
    lr_schedule: LRScheduleName = Field(
        default="constant", description="lr schedule: constant, linear, cosine, step, adaptive_kl (PPO)"
    )
    lr_end_factor: float = Field(
        default=0.0, ge=0, le=1, description="linear/cosine: final lr as a fraction of lr"
    )
    lr_warmup_fraction: float = Field(
        default=0.0, ge=0, lt=1, description="cosine: fraction of training spent warming the lr up from 0"
    )
    lr_step_fraction: float = Field(
        default=0.25,
        gt=0,
        le=1,
        description="step: multiply the lr by lr_step_gamma every this fraction of training",
    )
    lr_step_gamma: float = Field(default=0.5, gt=0, le=1, description="step: factor applied at each step")
    weight_decay: float = Field(default=0.0, ge=0, description="weight decay (decoupled for adamw)")
    momentum: float = Field(default=0.0, ge=0, lt=1, description="sgd and rmsprop momentum")
    nesterov: bool = Field(default=False, description="sgd: Nesterov momentum (needs momentum > 0)")
    optimizer_eps: float = Field(default=1e-8, gt=0, description="adam/adamw/rmsprop epsilon")
    max_grad_norm: float | None = Field(
        default=0.5, gt=0, description="clip the global gradient norm (None: off)"
    )


class RolloutConfig(StrictModel):
    """How experience is collected."""

    num_envs: int = Field(default=8, ge=1, description="environments stepped in parallel")
    backend: Literal["sync", "subprocess", "ray", "batched", "auto"] = Field(
        default="auto",
        description="where envs step: sync (in this process), subprocess (worker processes, shared "
        "memory), ray (Ray actors, on this machine or a cluster), batched (MuJoCo tasks as one batch of "
        "sims stepped by one call on rollout.threads threads, task terms and sim2real effects on arrays) "
        "or auto (batched where it can run the env, else sync: the same results to the bit, faster)",
    )
    threads: int | None = Field(
        default=None,
        ge=1,
        description="batched: threads that step the batch's sims (None: one per CPU core; a ray worker "
        "with a batched env: 1)",
    )
    worker_backend: Literal["sync", "batched", "auto"] = Field(
        default="sync",
        description="ray: how each worker steps its envs: sync, batched (one batch of sims on "
        "rollout.threads threads, which the worker reserves) or auto (batched where it can run the env)",
    )
    num_workers: int | None = Field(
        default=None,
        ge=1,
        description="subprocess/ray: worker processes or actors, each stepping num_envs / num_workers envs "
        "(None: one per CPU core, at most num_envs)",
    )
    ray_address: str | None = Field(
        default=None,
        description="ray: the cluster to join, e.g. 'auto' (the one RAY_ADDRESS or ray start names) or "
        "'ray://head:10001' (None: a local Ray instance of the run's own)",
    )
    inference: Literal["auto", "learner", "worker"] = Field(
        default="auto",
        description="ray: who runs the policy while collecting. worker: each actor acts with a CPU copy "
        "of the agent and sends whole fragments (on-policy agents sync weights every rollout; off-policy "
        "agents stream fragments while the learner updates); learner: one batched forward pass per step "
        "in the learner (a big network on a GPU). auto: worker for ray when the agent supports it",
    )
    fragment_steps: int = Field(
        default=64,
        ge=1,
        description="ray with worker inference, off-policy agents: vector steps per fragment a worker "
        "sends (on-policy agents send one rollout, n_steps)",
    )

    @model_validator(mode="after")
    def _workers_split_envs(self) -> RolloutConfig:
        if self.num_workers is not None and self.num_envs % self.num_workers:
            raise ValueError(
                f"num_envs ({self.num_envs}) must be a multiple of num_workers ({self.num_workers})"
            )
        if self.inference == "worker" and self.backend != "ray":
            raise ValueError(f"inference 'worker' needs backend 'ray' (backend is '{self.backend}')")
        if self.worker_backend != "sync" and self.backend != "ray":
            raise ValueError(
                f"worker_backend '{self.worker_backend}' needs backend 'ray' (backend is '{self.backend}')"
            )
        return self


class TrainConfig(StrictModel):
    """The training loop."""

    total_steps: int = Field(
        default=100_000, ge=1, description="environment steps to train for (summed over envs)"
    )
    seed: int = Field(
        default=0, ge=0, description="seeds torch, every env (seed + index) and every random stream"
    )
    device: str = Field(default="auto", description="auto (CUDA when present, else CPU), cpu, cuda or cuda:N")
    torch_threads: int | None = Field(
        default=1,
        ge=1,
        description="CPU threads for torch (small networks run fastest on 1; None: torch's default)",
    )
    compile: bool = Field(
        default=False,
        description="torch.compile the observation encoders: 1.6x faster pixel-CNN updates on a CPU after "
        "a few seconds of compiling; slower for small MLPs",
    )
    target_return: float | None = Field(
        default=None, description="stop early once the periodic evaluation's mean return reaches this"
    )
    checkpoint_interval: int = Field(default=50_000, ge=1, description="env steps between checkpoints")
    keep_checkpoints: int = Field(default=3, ge=1, description="how many periodic checkpoints to keep")

    @field_validator("device")
    @classmethod
    def _known_device(cls, device: str) -> str:
        if device in ("auto", "cpu", "cuda") or (device.startswith("cuda:") and device[5:].isdigit()):
            return device
        raise ValueError("must be auto, cpu, cuda or cuda:N")


class EvalConfig(StrictModel):
    """Evaluation with the deterministic policy, during training and by ``rlkit eval``."""

    episodes: int = Field(default=10, ge=1, description="episodes per evaluation")
    interval: int = Field(
        default=10_000, ge=0, description="env steps between evaluations during training (0: only at the end)"
    )
    deterministic: bool = Field(default=True, description="act with the policy's mode instead of sampling")
    video_episodes: int = Field(default=2, ge=1, description="episodes recorded by rlkit eval --video")
    video_fps: float | None = Field(
        default=None,
        gt=0,
        description="frames per second of recorded videos (None: real time, the env's render_fps)",
    )
    video_width: int | None = Field(
        default=None,
        ge=16,
        le=4096,
        description="width of video frames in pixels (None: the env's own, 480 for rlkit's MuJoCo envs)",
    )
    video_height: int | None = Field(
        default=None, ge=16, le=4096, description="height of video frames in pixels (None: the env's own)"
    )
    video_quality: Literal["low", "medium", "high"] = Field(
        default="medium",
        description="video look and cost: high (the model's own: MuJoCo's 4096 shadow map, 4x "
        "multisampling), medium (shadows and reflections, 1024 shadow map, 2x: looks alike, about twice as "
        "fast on a CPU), low (no shadows, reflections or multisampling: flat, fastest)",
    )
    video_workers: int | None = Field(
        default=None,
        ge=1,
        description="processes rendering the video's episodes side by side (None: one per core)",
    )


class LogConfig(StrictModel):
    """What is recorded while training."""

    interval: int = Field(default=2_000, ge=1, description="env steps between rows of metrics.csv")
    tensorboard: bool = Field(
        default=True, description="write TensorBoard event files into the run directory"
    )
    progress: bool = Field(
        default=True, description="show progress: a bar on a terminal, else a line per log row"
    )
    episode_window: int = Field(
        default=20, ge=1, description="recent episodes averaged for the reported return"
    )


class AdaptationModuleConfig(StrictModel):
    """The adaptation module of ``rlkit distill`` with ``distill.method: adaptation`` (Rapid Motor
    Adaptation): from the student's observation history to the teacher's privileged parameters."""

    encoder: Literal["mlp", "tcn"] = Field(
        default="mlp",
        description="mlp (the whole history as one vector) or tcn (RMA's: each reading embedded, then 1-D "
        "convolutions over time)",
    )
    hidden_sizes: list[int] = Field(
        default=[256, 128], description="widths of the MLP hidden layers (tcn: those after the convolutions)"
    )
    activation: ActivationName = Field(default="elu", description="activation: relu, tanh, elu, gelu or silu")
    step_features: int = Field(default=32, ge=1, description="tcn: features each reading is embedded into")
    channels: list[int] = Field(default=[32, 32, 32], description="tcn: output channels of each convolution")
    kernel_sizes: list[int] = Field(default=[8, 5, 5], description="tcn: kernel size of each convolution")
    strides: list[int] = Field(default=[4, 1, 1], description="tcn: stride of each convolution")

    @field_validator("hidden_sizes", "channels", "kernel_sizes", "strides")
    @classmethod
    def _positive_sizes(cls, sizes: list[int]) -> list[int]:
        if any(size < 1 for size in sizes):
            raise ValueError("every entry must be a positive integer")
        return sizes

    @model_validator(mode="after")
    def _one_entry_per_convolution(self) -> AdaptationModuleConfig:
        if not len(self.channels) == len(self.kernel_sizes) == len(self.strides):
            raise ValueError(
                f"channels, kernel_sizes and strides describe one convolution each entry: they have "
                f"{len(self.channels)}, {len(self.kernel_sizes)} and {len(self.strides)} entries"
            )
        return self


class DistillConfig(StrictModel):
    """``rlkit distill``: from a privileged teacher into a student that sees only its sensors, by DAgger, or
    by estimating the teacher's privileged parameters from the observation history (RMA)."""

    method: Literal["dagger", "adaptation"] = Field(
        default="dagger",
        description="dagger (the student's own actor is fitted to the teacher's actions) or adaptation (RMA: "
        "the teacher's policy, frozen, acts on the parameters an adaptation module estimates from "
        "env.sensors.history readings; the student's run gets agent rma)",
    )
    iterations: int = Field(
        default=10, ge=1, description="iterations: collect, label, aggregate, fit (and evaluate)"
    )
    steps_per_iteration: int = Field(
        default=4096, ge=1, description="env steps collected per iteration (summed over envs)"
    )
    beta_start: float = Field(
        default=1.0,
        ge=0,
        le=1,
        description="chance that the teacher, not the student, acts in the first iteration",
    )
    beta_decay: float = Field(
        default=0.5, ge=0, le=1, description="the chance is multiplied by this per iteration"
    )
    epochs: int = Field(default=4, ge=1, description="passes over the aggregated dataset per iteration")
    batch_size: int = Field(default=256, ge=1, description="samples per gradient step")
    dataset_size: int = Field(
        default=200_000, ge=1, description="labelled samples kept (the oldest are dropped beyond this)"
    )
    adaptation: AdaptationModuleConfig = Field(
        default_factory=AdaptationModuleConfig, description="adaptation: the adaptation module's network"
    )
    adaptation_lr: float = Field(
        default=5e-4, gt=0, description="adaptation: Adam's learning rate for the adaptation module"
    )


class SelfPlayConfig(StrictModel):
    """Self-play in a multi-agent game: the policy takes one seat of each game, past versions of itself the
    others."""

    snapshot_interval: int = Field(
        default=100_000,
        ge=1,
        description="env steps between snapshots of the policy joining the opponent pool",
    )
    pool_size: int = Field(default=10, ge=1, description="the most recent snapshots kept as opponents")
    latest_share: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="share of games against the newest snapshot; the others against one drawn uniformly "
        "from the whole pool",
    )
    random_share: float = Field(
        default=0.0,
        ge=0,
        le=1,
        description="share of games against a player choosing uniformly among the legal moves (the Elo "
        "scale's anchor at 1000), so that the policy also meets play unlike its own",
    )
    elo_k: float = Field(default=16.0, gt=0, description="Elo K-factor: rating points moved by one game")
    deterministic_opponents: bool = Field(
        default=False, description="opponents play their policy's mode instead of sampling it"
    )


class RunConfig(StrictModel):
    """A whole run: what to train, on what, for how long, and how to record it."""

    env: EnvConfig = Field(default_factory=EnvConfig, description="environment")
    agent: SerializeAsAny[AgentConfig] = Field(..., description="agent and its hyperparameters")
    rollout: RolloutConfig = Field(default_factory=RolloutConfig, description="experience collection")
    train: TrainConfig = Field(default_factory=TrainConfig, description="training loop")
    eval: EvalConfig = Field(default_factory=EvalConfig, description="evaluation")
    log: LogConfig = Field(default_factory=LogConfig, description="logging")
    distill: DistillConfig = Field(
        default_factory=DistillConfig,
        description="rlkit distill: teacher-student distillation (DAgger, or RMA adaptation)",
    )
    calibrate: CalibrateConfig | None = Field(
        default=None,
        description="rlkit calibrate: the parameters, sensor delays and biases to identify from logs",
    )
    self_play: SelfPlayConfig | None = Field(
        default=None,
        description="for a multi-agent game: play against a pool of past policies, rated by Elo (None: "
        "the policy plays every seat itself)",
    )
