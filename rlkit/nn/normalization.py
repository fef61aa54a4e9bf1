"""Running statistics for observation and return normalization."""

from __future__ import annotations

import torch


class RunningMeanStd(torch.nn.Module):
    """Mean and variance of a stream of batches, merged with the parallel (Chan et al.) update.

    Kept as buffers of an ``nn.Module`` so the statistics travel with the policy's state dict: a checkpoint
    or an exported policy normalizes exactly as training did.

    Args:
        shape: Shape of one sample.
        epsilon: Initial count, which keeps the first update from dividing by zero.
    """

    # Registered as buffers in __init__; declared here so their type is known.
    mean: torch.Tensor
    var: torch.Tensor
    count: torch.Tensor

    def __init__(self, shape: tuple[int, ...] = (), epsilon: float = 1e-4) -> None:
        super().__init__()
        self.register_buffer("mean", torch.zeros(shape, dtype=torch.float64))
        self.register_buffer("var", torch.ones(shape, dtype=torch.float64))
        self.register_buffer("count", torch.tensor(epsilon, dtype=torch.float64))

    @torch.no_grad()
    def update(self, batch: torch.Tensor) -> None:
        """Merge a batch whose first dimension indexes samples."""
        batch = batch.to(torch.float64)
        batch_mean = batch.mean(dim=0)
        batch_var = batch.var(dim=0, unbiased=False)
        batch_count = batch.shape[0]
        delta = batch_mean - self.mean
        total = self.count + batch_count
        self.mean += delta * batch_count / total
        m2 = (
            self.var * self.count
            + batch_var * batch_count
            + delta.square() * self.count * batch_count / total
        )
        self.var.copy_(m2 / total)
        self.count.copy_(total)


class ObservationNormalizer(torch.nn.Module):
    """Standardizes observations with running statistics and clips them to ``[-clip, clip]``.

    For vector observations only: image observations (``rlkit.nn.is_image_space``) get no normalizer, as the
    CNN scales pixels to [0, 1] itself and standardized pixels would be scaled twice.
    """

    def __init__(self, shape: tuple[int, ...], clip: float = 10.0, epsilon: float = 1e-8) -> None:
        super().__init__()
        self.stats = RunningMeanStd(shape)
        self.clip = clip
        self.epsilon = epsilon

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """Normalize ``obs`` (statistics unchanged)."""
        mean = self.stats.mean.to(obs.dtype)
        std = (self.stats.var + self.epsilon).sqrt().to(obs.dtype)
        return ((obs - mean) / std).clamp(-self.clip, self.clip)


class ReturnNormalizer:
    """Scales rewards by the running standard deviation of the discounted return, per env.

    Dividing rewards (not standardizing them) keeps their sign; the return's scale is what the value
    function has to fit, so that is what is normalized.
    """

    def __init__(self, num_envs: int, gamma: float, clip: float = 10.0, epsilon: float = 1e-8) -> None:
        self.stats = RunningMeanStd(())
        self.returns = torch.zeros(num_envs, dtype=torch.float64)
        self.gamma = gamma
        self.clip = clip
        self.epsilon = epsilon

    def __call__(self, rewards: torch.Tensor, dones: torch.Tensor) -> torch.Tensor:
        """Update the running return with ``rewards`` and return them scaled; ``dones`` resets envs."""
        self.returns = self.returns * self.gamma + rewards.to(torch.float64)
        self.stats.update(self.returns)
        scaled = rewards / (self.stats.var + self.epsilon).sqrt().to(rewards.dtype)
        self.returns = self.returns * (~dones).to(torch.float64)
        return scaled.clamp(-self.clip, self.clip)

    def state_dict(self) -> dict[str, torch.Tensor]:
        """Statistics and per-env running returns."""
        return {**self.stats.state_dict(), "returns": self.returns.clone()}

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        """Restore what :meth:`state_dict` returned."""
        state = dict(state)
        self.returns = state.pop("returns").clone()
        self.stats.load_state_dict(state)


class ValueNormalizer(torch.nn.Module):
    """MAPPO's value normalization (Yu et al. 2022, "ValueNorm"): the critic predicts value targets
    standardized by running statistics of the targets, and its outputs are mapped back before they enter GAE.

    The statistics are exponential moving averages of the targets' mean and mean square with weight ``beta``
    per update, debiased as Adam debiases its moments (divided by ``1 - beta^k`` after ``k`` updates): with
    ``beta`` near 1 they are close to the plain mean over every target seen. The variance is floored at
    ``min_var``, so a critic whose targets barely vary is not asked to resolve them at a huge scale.

    Args:
        beta: Weight of the old statistics at each update (MAPPO: 0.99999).
        epsilon: Floor of the debiasing term (before any update the statistics read 0 and 1).
        min_var: Floor of the variance.
    """

    running_mean: torch.Tensor
    running_mean_sq: torch.Tensor
    debiasing_term: torch.Tensor

    def __init__(self, beta: float = 0.99999, epsilon: float = 1e-5, min_var: float = 1e-2) -> None:
        super().__init__()
        self.beta = beta
        self.epsilon = epsilon
        self.min_var = min_var
        self.register_buffer("running_mean", torch.zeros((), dtype=torch.float64))
        self.register_buffer("running_mean_sq", torch.zeros((), dtype=torch.float64))
        self.register_buffer("debiasing_term", torch.zeros((), dtype=torch.float64))

    def mean_var(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The debiased mean and (floored) variance of the targets seen."""
        weight = self.debiasing_term.clamp(min=self.epsilon)
        mean = self.running_mean / weight
        var = (self.running_mean_sq / weight - mean.square()).clamp(min=self.min_var)
        return mean, var

    @torch.no_grad()
    def update(self, targets: torch.Tensor) -> None:
        """Move the statistics towards one batch of value targets (one update, whatever the batch's size)."""
        targets = targets.detach().to(torch.float64)
        self.running_mean.mul_(self.beta).add_((1.0 - self.beta) * targets.mean())
        self.running_mean_sq.mul_(self.beta).add_((1.0 - self.beta) * targets.square().mean())
        self.debiasing_term.mul_(self.beta).add_(1.0 - self.beta)

    def normalize(self, values: torch.Tensor) -> torch.Tensor:
        """Targets in the critic's standardized units."""
        mean, var = self.mean_var()
        return ((values - mean) / var.sqrt()).to(values.dtype)

    def denormalize(self, values: torch.Tensor) -> torch.Tensor:
        """The critic's standardized outputs in the return's units."""
        mean, var = self.mean_var()
        return (values * var.sqrt() + mean).to(values.dtype)
