"""Observation encoders built from a Gymnasium observation space.

:func:`build_encoder` picks the network from the space, so agents never special-case observation types:

* ``Box`` of ``uint8`` with 3 dims -> image, :class:`~rlkit.nn.cnn.NatureCNN` or
  :class:`~rlkit.nn.cnn.ImpalaCNN` (:class:`ImageEncoder`). Channel-first ``(C, H, W)`` is the canonical
  layout. A shape whose last dim is 1, 3 or 4 while its first dim is not (e.g. ``(84, 84, 3)``) is taken
  as channel-last ``(H, W, C)`` and permuted to channel-first inside the encoder, so observations can be
  fed exactly as the environment returns them.
* ``Box`` of ``uint8`` with 2 dims ``(H, W)`` -> a one-channel image.
* Any other ``Box`` -> flattened to a vector, then :class:`~rlkit.nn.mlp.MLP` (:class:`FlatEncoder`).
* ``Discrete`` -> one-hot, then an MLP (:class:`DiscreteEncoder`).
* ``Dict`` -> one encoder per key, in sorted key order, outputs concatenated (:class:`DictEncoder`).

Every encoder maps observations with any leading batch dims ``(..., *obs_shape)`` to features
``(..., output_dim)``.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any, Generic, Literal, TypeVar

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812  (the conventional alias)
from gymnasium import spaces
from torch import nn

from rlkit.nn.cnn import ImpalaCNN, NatureCNN
from rlkit.nn.mlp import MLP

CnnName = Literal["nature", "impala"]
ImageLayout = Literal["chw", "hwc", "hw"]

Observation = torch.Tensor | Mapping[str, "Observation"]
"""A batch of observations: a tensor, or for ``Dict`` spaces a mapping from key to observation."""

ObservationT = TypeVar("ObservationT")
"""What an encoder's ``forward`` takes: a tensor, or a mapping of observations for :class:`DictEncoder`."""

_CHANNEL_COUNTS = (1, 3, 4)

_SUPPORTED = (
    "supported spaces are Box (vectors or arrays, flattened; uint8 images shaped (C, H, W), (H, W, C) or "
    "(H, W)), Discrete, and Dict of those"
)


class Encoder(nn.Module, ABC, Generic[ObservationT]):
    """Base class of observation encoders: an ``nn.Module`` with an ``output_dim``.

    Generic in the observation its ``forward`` takes (a tensor, or a mapping for :class:`DictEncoder`).

    Attributes:
        output_dim: Size of the feature vector the encoder produces.
    """

    output_dim: int
    # Registered as a buffer in __init__; declared here so its type is known.
    _dtype_anchor: torch.Tensor

    def __init__(self) -> None:
        super().__init__()
        # Empty buffer that follows .to(dtype)/.double(), so forward can cast inputs to the encoder's dtype
        # without looking up a parameter on every call.
        self.register_buffer("_dtype_anchor", torch.empty(0), persistent=False)

    @property
    def dtype(self) -> torch.dtype:
        """Floating-point dtype the encoder computes in."""
        return self._dtype_anchor.dtype

    @abstractmethod
    def forward(self, observation: ObservationT) -> torch.Tensor:
        """Encode a batch of observations into ``(..., output_dim)`` features."""


class FlatEncoder(Encoder[torch.Tensor]):
    """Flattens array observations to vectors, casts them to the encoder's dtype, and applies an MLP.

    Integer observations (e.g. a 1-D ``uint8`` Box) are cast, not rescaled; only image Boxes get the 1/255
    scaling.

    Attributes:
        observation_shape: Shape of one observation.
        mlp: The MLP applied to the flattened observation.
    """

    def __init__(
        self,
        observation_shape: Sequence[int],
        hidden_sizes: Sequence[int] = (64, 64),
        activation: str = "tanh",
        layer_norm: bool = False,
    ) -> None:
        """Build the encoder.

        Args:
            observation_shape: Shape of one observation; all of it is flattened.
            hidden_sizes: Hidden layer widths of the MLP; empty for no MLP (identity on the flat vector).
            activation: MLP activation.
            layer_norm: Whether the MLP uses LayerNorm.
        """
        super().__init__()
        self.observation_shape = tuple(int(d) for d in observation_shape)
        self.mlp = MLP(math.prod(self.observation_shape), hidden_sizes, activation, layer_norm)
        self.output_dim = self.mlp.output_dim
        self._obs_ndim = len(self.observation_shape)

    def forward(self, observation: torch.Tensor) -> torch.Tensor:
        """Encode ``(..., *observation_shape)`` observations into ``(..., output_dim)`` features."""
        if self._obs_ndim != 1:
            if self._obs_ndim == 0:
                observation = observation.unsqueeze(-1)
            else:
                observation = observation.flatten(start_dim=-self._obs_ndim)
        dtype = self._dtype_anchor.dtype
        if observation.dtype != dtype:
            observation = observation.to(dtype)
        return self.mlp(observation)


class ImageEncoder(Encoder[torch.Tensor]):
    """Applies a CNN to image observations after bringing them into channel-first layout.

    It is built for ``uint8`` image spaces, so its inputs are pixel values in [0, 255], ``uint8`` or float
    (agents and replay buffers turn observations into float tensors); the CNN scales them to [0, 1].

    Attributes:
        observation_shape: Shape of one observation as the space gives it.
        layout: ``"chw"``, ``"hwc"`` (permuted to channel-first here) or ``"hw"`` (given one channel).
        cnn: The :class:`~rlkit.nn.cnn.NatureCNN` or :class:`~rlkit.nn.cnn.ImpalaCNN`.
    """

    def __init__(
        self, observation_shape: Sequence[int], cnn: CnnName = "nature", features_dim: int | None = None
    ) -> None:
        """Build the encoder.

        Args:
            observation_shape: ``(C, H, W)``, ``(H, W, C)`` or ``(H, W)``; see :func:`image_layout`.
            cnn: ``"nature"`` or ``"impala"``.
            features_dim: CNN output size; the CNN's default (512 Nature, 256 IMPALA) if ``None``.

        Raises:
            ValueError: If ``cnn`` is unknown or the image is too small for the CNN.
        """
        super().__init__()
        self.observation_shape = tuple(int(d) for d in observation_shape)
        self.layout = image_layout(self.observation_shape)
        shape = self.observation_shape  # 2-D for "hw", 3-D otherwise (image_layout checked)
        chw_shape: tuple[int, int, int]
        if self.layout == "hw":
            chw_shape = (1, shape[0], shape[1])
        elif self.layout == "hwc":
            chw_shape = (shape[2], shape[0], shape[1])
        else:
            chw_shape = (shape[0], shape[1], shape[2])
        if cnn == "nature":
            self.cnn: NatureCNN | ImpalaCNN = (
                NatureCNN(chw_shape)
                if features_dim is None
                else NatureCNN(chw_shape, features_dim=features_dim)
            )
        elif cnn == "impala":
            self.cnn = (
                ImpalaCNN(chw_shape)
                if features_dim is None
                else ImpalaCNN(chw_shape, features_dim=features_dim)
            )
        else:
            raise ValueError(f"unknown cnn {cnn!r}; valid cnns are: nature, impala")
        self.output_dim = self.cnn.output_dim

    def forward(self, observation: torch.Tensor) -> torch.Tensor:
        """Encode ``(..., *observation_shape)`` images into ``(..., output_dim)`` features."""
        if self.layout == "hwc":
            observation = observation.movedim(-1, -3)
        elif self.layout == "hw":
            observation = observation.unsqueeze(-3)
        return self.cnn(observation)


class DiscreteEncoder(Encoder[torch.Tensor]):
    """One-hot encodes integer observations of a ``Discrete(n, start)`` space, then applies an MLP.

    Attributes:
        n: Number of values.
        start: Smallest value.
        mlp: The MLP applied to the one-hot vector.
    """

    def __init__(
        self,
        n: int,
        start: int = 0,
        hidden_sizes: Sequence[int] = (64, 64),
        activation: str = "tanh",
        layer_norm: bool = False,
    ) -> None:
        """Build the encoder.

        Args:
            n: Number of values of the space.
            start: Smallest value of the space.
            hidden_sizes: Hidden layer widths of the MLP; empty for the bare one-hot vector.
            activation: MLP activation.
            layer_norm: Whether the MLP uses LayerNorm.
        """
        super().__init__()
        self.n = int(n)
        self.start = int(start)
        self.mlp = MLP(self.n, hidden_sizes, activation, layer_norm)
        self.output_dim = self.mlp.output_dim

    def forward(self, observation: torch.Tensor) -> torch.Tensor:
        """Encode ``(...)`` integer observations into ``(..., output_dim)`` features."""
        indices = observation.long()
        if self.start != 0:
            indices = indices - self.start
        one_hot = F.one_hot(indices, self.n).to(self._dtype_anchor.dtype)
        return self.mlp(one_hot)


class DictEncoder(Encoder[Mapping[str, Observation]]):
    """Encodes each entry of a dict observation with its own encoder and concatenates the features.

    Keys are processed in sorted order, so the feature layout does not depend on dict insertion order.

    Attributes:
        keys: The sorted keys.
        encoders: One encoder per key, in the order of ``keys``.
    """

    def __init__(self, encoders: Mapping[str, Encoder[Any]]) -> None:
        """Build the encoder.

        Args:
            encoders: Encoder per observation key; must not be empty.

        Raises:
            ValueError: If ``encoders`` is empty.
        """
        super().__init__()
        if not encoders:
            raise ValueError("DictEncoder needs at least one key")
        self.keys = tuple(sorted(encoders))
        # A ModuleList rather than a ModuleDict: observation keys may contain "." which ModuleDict rejects.
        self.encoders = nn.ModuleList(encoders[key] for key in self.keys)
        self.output_dim = sum(encoders[key].output_dim for key in self.keys)

    def encoder(self, key: str) -> Encoder[Any]:
        """The sub-encoder of ``key``."""
        encoder = self.encoders[self.keys.index(key)]
        assert isinstance(encoder, Encoder)  # __init__ only puts encoders in the list
        return encoder

    def forward(self, observation: Mapping[str, Observation]) -> torch.Tensor:
        """Encode a dict of ``(..., *shape)`` tensors into ``(..., output_dim)`` concatenated features."""
        features = [encoder(observation[key]) for key, encoder in zip(self.keys, self.encoders, strict=True)]
        return torch.cat(features, dim=-1)


def image_layout(shape: Sequence[int]) -> ImageLayout:
    """Guess the layout of an image observation shape.

    Args:
        shape: A 2-D or 3-D image shape.

    Returns:
        ``"hw"`` for 2-D shapes; ``"hwc"`` for 3-D shapes whose last dim is 1, 3 or 4 while the first is
        not; ``"chw"`` otherwise (ambiguous shapes such as ``(3, 64, 4)`` count as channel-first).

    Raises:
        ValueError: If ``shape`` is neither 2-D nor 3-D.
    """
    if len(shape) == 2:
        return "hw"
    if len(shape) != 3:
        raise ValueError(f"an image shape must be (C, H, W), (H, W, C) or (H, W), got {tuple(shape)}")
    if shape[-1] in _CHANNEL_COUNTS and shape[0] not in _CHANNEL_COUNTS:
        return "hwc"
    return "chw"


def is_image_space(space: spaces.Space) -> bool:
    """Whether ``space`` holds images: a ``uint8`` Box of 2 or 3 dims (what :func:`build_encoder` gives a CNN,
    which scales pixels to [0, 1] itself)."""
    return isinstance(space, spaces.Box) and space.dtype == np.uint8 and len(space.shape) in (2, 3)


def build_encoder(
    observation_space: spaces.Space,
    hidden_sizes: Sequence[int] = (64, 64),
    activation: str = "tanh",
    layer_norm: bool = False,
    cnn: CnnName = "nature",
    cnn_features_dim: int | None = None,
) -> Encoder[Any]:
    """Build the encoder that fits an observation space (rules in the module docstring).

    Args:
        observation_space: The environment's (single, not vectorised) observation space.
        hidden_sizes: MLP hidden widths for vector and discrete observations.
        activation: MLP activation for vector and discrete observations; CNNs always use ReLU.
        layer_norm: Whether MLPs use LayerNorm.
        cnn: Which CNN encodes images, ``"nature"`` or ``"impala"``.
        cnn_features_dim: CNN output size; the CNN's default (512 Nature, 256 IMPALA) if ``None``.

    Returns:
        An :class:`Encoder` with ``output_dim`` set.

    Raises:
        ValueError: If the space (or a ``Dict`` entry) is not supported, naming the space and the
            supported ones, or if an image is too small for the chosen CNN.
    """
    if isinstance(observation_space, spaces.Box):
        if is_image_space(observation_space):
            return ImageEncoder(observation_space.shape, cnn, cnn_features_dim)
        return FlatEncoder(observation_space.shape, hidden_sizes, activation, layer_norm)
    if isinstance(observation_space, spaces.Discrete):
        return DiscreteEncoder(
            int(observation_space.n), int(observation_space.start), hidden_sizes, activation, layer_norm
        )
    if isinstance(observation_space, spaces.Dict):
        if len(observation_space.spaces) == 0:
            raise ValueError(f"cannot build an encoder for an empty Dict space {observation_space!r}")
        return DictEncoder(
            {
                key: build_encoder(subspace, hidden_sizes, activation, layer_norm, cnn, cnn_features_dim)
                for key, subspace in observation_space.spaces.items()
            }
        )
    raise ValueError(f"cannot build an encoder for observation space {observation_space!r}; {_SUPPORTED}")
