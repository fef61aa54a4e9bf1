"""Drawing the per-episode samples of a :class:`ParameterRandomization`, and the curriculum that narrows them.

A sample is a scale factor (``mode="scale"``: value = nominal × sample) or an offset (``mode="offset"``:
value = nominal + sample). The curriculum pulls every sample toward the identity (1 for a scale, 0 for an
offset) so that a scale of 0 gives the nominal model and 1 the declared distribution.
"""

from __future__ import annotations

import numpy as np

from rlkit.config.sim2real import ParameterRandomization


def identity_sample(mode: str) -> float:
    """The sample that leaves a value at nominal: 1 for ``"scale"``, 0 for ``"offset"``."""
    return 1.0 if mode == "scale" else 0.0


def draw_samples(config: ParameterRandomization, generator: np.random.Generator, count: int) -> np.ndarray:
    """Draw ``count`` samples (one per selected element) from the distribution ``config`` declares.

    Args:
        config: The parameter's randomization.
        generator: The stream to draw from.
        count: Number of selected elements.

    Returns:
        A float64 array of shape ``(count,)``; with ``config.shared`` every entry is the same single draw.
    """
    draws = 1 if config.shared else count
    if config.distribution == "uniform":
        samples = generator.uniform(config.low, config.high, draws)
    elif config.distribution == "loguniform":
        samples = np.exp(generator.uniform(np.log(config.low), np.log(config.high), draws))
    else:
        samples = generator.normal(config.mean, config.std, draws)
    return np.repeat(samples, count) if config.shared else samples


def scale_toward_identity(samples: np.ndarray, mode: str, scale: float) -> np.ndarray:
    """Pull samples toward the identity: ``identity + scale * (sample - identity)``.

    A scale of exactly 1 returns the samples unchanged (bit for bit), and 0 returns the identity exactly.
    """
    if scale == 1.0:
        return samples
    identity = identity_sample(mode)
    return identity + scale * (samples - identity)
