"""Convolutional image encoders: the Nature-DQN CNN and the IMPALA residual CNN.

Both take image batches in channel-first layout ``(..., C, H, W)`` of pixel values in [0, 255], ``uint8``
(so replay buffers and rollouts can keep images compact) or float, converted to the network's float dtype
and divided by 255 inside the module.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from rlkit.nn.activations import activation_gain, make_activation
from rlkit.nn.init import orthogonal_init

NATURE_MIN_IMAGE_SIZE = 36
"""Smallest height/width NatureCNN accepts: 36 -> 8 -> 3 -> 1 pixels through its three convolutions."""


def _check_image_shape(observation_shape: Sequence[int], owner: str) -> tuple[int, int, int]:
    shape = tuple(int(d) for d in observation_shape)
    if len(shape) != 3 or any(d <= 0 for d in shape):
        raise ValueError(
            f"{owner} needs a channel-first observation_shape (C, H, W) of positive sizes, got {shape}"
        )
    return shape


def _images_to_float(images: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """Pixel values in [0, 255] (``uint8`` or float) as [0, 1] in ``dtype``."""
    if images.dtype == torch.uint8:
        # The conversion already made a new tensor, so dividing it in place costs no extra allocation.
        return images.to(dtype).div_(255.0)
    return images.to(dtype) / 255.0  # out of place: .to may return the caller's own tensor


def _flat_size(conv: nn.Module, observation_shape: tuple[int, int, int]) -> int:
    """Number of features ``conv`` produces for one image, found by running it on zeros."""
    with torch.no_grad():
        return int(conv(torch.zeros(1, *observation_shape)).shape[1])


class _ImageEncoder(nn.Module):
    """Shared forward for the CNNs: any leading batch dims, uint8 scaling, ``conv -> fc -> activation``."""

    output_dim: int
    conv: nn.Sequential
    fc: nn.Linear
    fc_activation: nn.Module

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Encode images.

        Args:
            images: Channel-first images of shape ``(..., C, H, W)``, pixel values in [0, 255] as ``uint8``
                or float (scaled by 1/255 here). Any number of leading dims, including none, is accepted.

        Returns:
            Features of shape ``(..., output_dim)``.
        """
        leading_shape = images.shape[:-3]
        if images.dim() != 4:
            images = images.reshape(-1, *images.shape[-3:])
        features = self.fc_activation(self.fc(self.conv(_images_to_float(images, self.fc.weight.dtype))))
        if len(leading_shape) != 1:
            features = features.reshape(*leading_shape, self.output_dim)
        return features


class NatureCNN(_ImageEncoder):
    """The three-layer convolutional encoder of the Nature DQN paper (Mnih et al., 2015).

    ``conv 32x8x8 stride 4 -> conv 64x4x4 stride 2 -> conv 64x3x3 stride 1 -> flatten -> Linear ->
    activation``, with an activation after every conv. All layers are orthogonally initialised with the
    activation's gain. Images must be at least :data:`NATURE_MIN_IMAGE_SIZE` (36) pixels high and wide;
    84x84 gives a 3136-wide flatten, 64x64 a 1024-wide one.

    Attributes:
        observation_shape: The ``(C, H, W)`` shape the encoder was built for.
        output_dim: ``features_dim``.
    """

    def __init__(
        self, observation_shape: tuple[int, int, int], features_dim: int = 512, activation: str = "relu"
    ) -> None:
        """Build the encoder.

        Args:
            observation_shape: Channel-first image shape ``(C, H, W)``.
            features_dim: Size of the output features.
            activation: Activation after every layer.

        Raises:
            ValueError: If the shape is not 3-D, the image is smaller than 36x36, ``features_dim`` is not
                positive, or ``activation`` is unknown.
        """
        super().__init__()
        shape = _check_image_shape(observation_shape, "NatureCNN")
        _, height, width = shape
        if height < NATURE_MIN_IMAGE_SIZE or width < NATURE_MIN_IMAGE_SIZE:
            raise ValueError(
                f"NatureCNN needs images of at least {NATURE_MIN_IMAGE_SIZE}x{NATURE_MIN_IMAGE_SIZE} pixels, "
                f"got H x W = {height}x{width} from observation_shape {shape}; use ImpalaCNN for small images"
            )
        if features_dim <= 0:
            raise ValueError(f"NatureCNN features_dim must be positive, got {features_dim}")
        gain = activation_gain(activation)
        self.conv = nn.Sequential(
            orthogonal_init(nn.Conv2d(shape[0], 32, kernel_size=8, stride=4), gain),
            make_activation(activation),
            orthogonal_init(nn.Conv2d(32, 64, kernel_size=4, stride=2), gain),
            make_activation(activation),
            orthogonal_init(nn.Conv2d(64, 64, kernel_size=3, stride=1), gain),
            make_activation(activation),
            nn.Flatten(),
        )
        self.fc = orthogonal_init(nn.Linear(_flat_size(self.conv, shape), features_dim), gain)
        self.fc_activation = make_activation(activation)
        self.observation_shape = shape
        self.output_dim = features_dim


class _ResidualBlock(nn.Module):
    """``x + conv(act(conv(act(x))))`` with 3x3 same-padding convolutions."""

    def __init__(self, channels: int, activation: str, gain: float) -> None:
        super().__init__()
        self.activation = make_activation(activation)
        self.conv0 = orthogonal_init(nn.Conv2d(channels, channels, kernel_size=3, padding=1), gain)
        self.conv1 = orthogonal_init(nn.Conv2d(channels, channels, kernel_size=3, padding=1), gain)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv1(self.activation(self.conv0(self.activation(x))))


class _ImpalaStage(nn.Module):
    """``conv 3x3 -> max-pool 3x3 stride 2 -> residual block -> residual block``; halves H and W."""

    def __init__(self, in_channels: int, out_channels: int, activation: str, gain: float) -> None:
        super().__init__()
        self.conv = orthogonal_init(nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1), gain)
        self.pool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.res0 = _ResidualBlock(out_channels, activation, gain)
        self.res1 = _ResidualBlock(out_channels, activation, gain)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.res1(self.res0(self.pool(self.conv(x))))


class ImpalaCNN(_ImageEncoder):
    """The residual encoder of IMPALA (Espeholt et al., 2018).

    One stage per entry of ``channels``: ``conv 3x3 -> max-pool 3x3 stride 2 -> 2 residual blocks``, each
    stage halving H and W (rounding up). Then ``activation -> flatten -> Linear -> activation``. Padding
    keeps every size at least 1, so any image of 1x1 pixels or more works.

    Attributes:
        observation_shape: The ``(C, H, W)`` shape the encoder was built for.
        output_dim: ``features_dim``.
    """

    def __init__(
        self,
        observation_shape: tuple[int, int, int],
        channels: Sequence[int] = (16, 32, 32),
        features_dim: int = 256,
        activation: str = "relu",
    ) -> None:
        """Build the encoder.

        Args:
            observation_shape: Channel-first image shape ``(C, H, W)``.
            channels: Output channels of each stage; at least one stage.
            features_dim: Size of the output features.
            activation: Activation used in the residual blocks and after the flatten and the Linear.

        Raises:
            ValueError: If the shape is not 3-D, ``channels`` is empty or has a non-positive entry,
                ``features_dim`` is not positive, or ``activation`` is unknown.
        """
        super().__init__()
        shape = _check_image_shape(observation_shape, "ImpalaCNN")
        stage_channels = [int(c) for c in channels]
        if not stage_channels or any(c <= 0 for c in stage_channels):
            raise ValueError(f"ImpalaCNN channels must be a non-empty list of positive ints, got {channels}")
        if features_dim <= 0:
            raise ValueError(f"ImpalaCNN features_dim must be positive, got {features_dim}")
        gain = activation_gain(activation)
        stages: list[nn.Module] = []
        in_channels = shape[0]
        for out_channels in stage_channels:
            stages.append(_ImpalaStage(in_channels, out_channels, activation, gain))
            in_channels = out_channels
        self.conv = nn.Sequential(*stages, make_activation(activation), nn.Flatten())
        self.fc = orthogonal_init(nn.Linear(_flat_size(self.conv, shape), features_dim), gain)
        self.fc_activation = make_activation(activation)
        self.observation_shape = shape
        self.output_dim = features_dim
