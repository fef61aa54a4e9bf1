"""R2D2's hyperparameters; defaults follow Kapturowski et al. (2019) where they suit a one-process learner."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from rlkit.config.schema import MemoryConfig, NetworkConfig, OptimizedAgentConfig


class R2D2Config(OptimizedAgentConfig):
    """Recurrent replay distributed DQN, single process: an LSTM Q-network learned from replayed sequences
    with stored recurrent states, burn-in, n-step Double-DQN targets, value rescaling and prioritized replay.

    Value rescaling is on by default as in the paper: it costs nothing on small returns (``h`` is close to the
    identity near 0) and keeps the Q-values of long, densely rewarded episodes in a range one network fits.

    Sequences follow the paper: 40 burn-in steps, 80 trained steps, and a new sequence every 40 stored steps,
    so consecutive training windows overlap by 40 steps; each stored sequence also holds the step after its
    last trained step, which that step bootstraps from, so every one of the 80 steps gets a loss. The target
    network is copied every 2,500 learner updates (gradient steps), not env steps.

    Importance weights: the paper mixes priorities as ``0.9 max|δ| + 0.1 mean|δ|`` with exponent 0.9 (kept
    here) and lists a fixed importance-sampling exponent of 0.6 (Acme's default too), while its text reports
    no benefit from the correction. rlkit starts at ``priority_beta_start`` (0.6) and anneals β linearly to 1
    over the run, as prioritized replay (Schaul et al., 2016) does: sharp priorities (α = 0.9) sample far
    from uniformly, which biases the uncorrected updates most, and annealing makes the updates that shape
    the final policy unbiased; ``priority_beta_start=1`` corrects fully from the start.
    """

    name: str = Field("r2d2", description="agent name")
    network: NetworkConfig = Field(
        default_factory=lambda: NetworkConfig(hidden_sizes=[64], activation="relu"),
        description="encoder before the recurrent core",
    )
    memory: MemoryConfig = Field(default_factory=MemoryConfig, description="the recurrent core (lstm or gru)")
    lr: float = Field(1e-4, gt=0, description="learning rate (the initial one when a schedule is set)")
    optimizer_eps: float = Field(1e-3, gt=0, description="adam/adamw/rmsprop epsilon (R2D2: 1e-3)")
    max_grad_norm: float | None = Field(40.0, gt=0, description="clip the global gradient norm (None: off)")
    buffer_size: int = Field(10_000, ge=1, description="sequences kept in the replay buffer")
    burn_in: int = Field(
        40, ge=0, description="steps at a sequence's start that only warm the memory up (no loss or gradient)"
    )
    sequence_length: int = Field(80, ge=2, description="steps after the burn-in that are trained on")
    sequence_overlap: int = Field(
        40,
        ge=0,
        description="training steps shared by consecutive sequences of one env: a sequence starts every "
        "sequence_length - sequence_overlap stored steps (R2D2: 80 - 40, a start every 40 steps)",
    )
    learning_starts: int = Field(1000, ge=0, description="env steps collected before the first update")
    batch_size: int = Field(32, ge=1, description="sequences per gradient step")
    gamma: float = Field(0.997, ge=0, le=1, description="discount factor")
    n_step: int = Field(5, ge=1, description="rewards summed per target (cut at episode and sequence ends)")
    train_freq: int = Field(4, ge=1, description="env steps between updates")
    gradient_steps: int = Field(1, ge=1, description="gradient steps per update")
    target_update_interval: int = Field(
        2500, ge=1, description="learner updates (gradient steps) between target-network updates (R2D2: 2500)"
    )
    tau: float = Field(1.0, gt=0, le=1, description="target update: 1 copies (hard), < 1 Polyak-averages")
    double_q: bool = Field(True, description="Double-DQN targets (online net picks, target net evaluates)")
    dueling: bool = Field(True, description="dueling head: Q = V + A - mean(A)")
    loss: Literal["huber", "mse"] = Field("huber", description="TD loss: huber (smooth L1) or mse")
    value_rescaling: bool = Field(
        True, description="learn h(Q) with h(x) = sign(x)(sqrt(|x|+1)-1)+eps*x, bootstrap through h^-1"
    )
    value_rescaling_eps: float = Field(1e-3, gt=0, description="value rescaling: eps of h")
    exploration_fraction: float = Field(
        0.1, ge=0, le=1, description="fraction of training over which epsilon decays linearly"
    )
    exploration_initial_eps: float = Field(1.0, ge=0, le=1, description="epsilon at the start")
    exploration_final_eps: float = Field(0.01, ge=0, le=1, description="epsilon after the decay")
    priority_alpha: float = Field(
        0.9, ge=0, description="priority exponent alpha (0: uniform sampling; R2D2: 0.9)"
    )
    priority_eta: float = Field(
        0.9,
        ge=0,
        le=1,
        description="sequence priority: eta*max|TD| + (1-eta)*mean|TD| over its steps (R2D2: 0.9)",
    )
    priority_beta_start: float = Field(
        0.6,
        ge=0,
        le=1,
        description="importance-weight exponent beta at the start, annealed linearly to 1 so the last "
        "updates are unbiased (R2D2 keeps 0.6 fixed)",
    )
    priority_eps: float = Field(1e-6, gt=0, description="added to sequence priorities")

    @model_validator(mode="after")
    def _overlap_fits(self) -> R2D2Config:
        if self.sequence_overlap >= self.sequence_length:
            raise ValueError(
                f"sequence_overlap ({self.sequence_overlap}) must be below sequence_length "
                f"({self.sequence_length}): consecutive sequences must start at different steps"
            )
        return self

    @property
    def sequence_period(self) -> int:
        """Stored steps between the starts of consecutive sequences of one env."""
        return self.sequence_length - self.sequence_overlap

    @property
    def stored_length(self) -> int:
        """Stored steps per sequence: the burn-in, the trained steps, and one more step whose Q-value the
        last trained step bootstraps from, so that every trained step has a target (as Acme stores
        ``burn_in + trace_length + 1``)."""
        return self.burn_in + self.sequence_length + 1
