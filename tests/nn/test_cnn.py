"""Tests for rlkit.nn.cnn."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from rlkit.nn.activations import activation_gain
from rlkit.nn.cnn import NATURE_MIN_IMAGE_SIZE, ImpalaCNN, NatureCNN


def _random_uint8_images(*shape: int) -> torch.Tensor:
    return torch.randint(0, 256, shape, dtype=torch.uint8)


@pytest.mark.parametrize(
    ("shape", "flat_size"), [((4, 84, 84), 3136), ((3, 64, 64), 1024), ((1, 36, 36), 64)]
)
def test_nature_flatten_size_and_output_shape(shape: tuple[int, int, int], flat_size: int) -> None:
    cnn = NatureCNN(shape, features_dim=32)
    assert cnn.fc.in_features == flat_size
    assert cnn.output_dim == 32
    assert cnn(_random_uint8_images(2, *shape)).shape == (2, 32)


def test_nature_default_features_dim_is_512() -> None:
    assert NatureCNN((3, 64, 64)).output_dim == 512


def test_nature_layer_structure() -> None:
    cnn = NatureCNN((3, 64, 64))
    convs = [m for m in cnn.conv if isinstance(m, nn.Conv2d)]
    assert [(c.out_channels, c.kernel_size, c.stride) for c in convs] == [
        (32, (8, 8), (4, 4)),
        (64, (4, 4), (2, 2)),
        (64, (3, 3), (1, 1)),
    ]


@pytest.mark.parametrize("shape", [(3, 35, 64), (3, 64, 35), (1, 8, 8)])
def test_nature_rejects_small_images(shape: tuple[int, int, int]) -> None:
    with pytest.raises(ValueError, match=f"at least {NATURE_MIN_IMAGE_SIZE}x{NATURE_MIN_IMAGE_SIZE}"):
        NatureCNN(shape)


@pytest.mark.parametrize("cnn_type", [NatureCNN, ImpalaCNN])
def test_rejects_non_image_shapes(cnn_type: type[nn.Module]) -> None:
    with pytest.raises(ValueError, match=r"\(C, H, W\)"):
        cnn_type((64, 64))
    with pytest.raises(ValueError, match=r"\(C, H, W\)"):
        cnn_type((0, 64, 64))


@pytest.mark.parametrize("make_cnn", [lambda: NatureCNN((3, 40, 48)), lambda: ImpalaCNN((3, 12, 10))])
def test_pixels_are_scaled_by_1_over_255_once_whatever_their_dtype(make_cnn) -> None:
    cnn = make_cnn()
    images = _random_uint8_images(3, *cnn.observation_shape)
    from_uint8 = cnn(images)
    as_float = images.float()
    torch.testing.assert_close(from_uint8, cnn(as_float))
    assert torch.equal(as_float, images.float())  # the caller's float tensor is left as it was
    # what the convolutions see is [0, 1]: feeding [0, 1] values again scales them a second time
    assert not torch.allclose(from_uint8, cnn(images.float() / 255.0))


@pytest.mark.parametrize("make_cnn", [lambda: NatureCNN((2, 36, 40)), lambda: ImpalaCNN((2, 9, 9))])
def test_any_leading_dims(make_cnn) -> None:
    cnn = make_cnn()
    images = torch.rand(4, 3, *cnn.observation_shape)
    out = cnn(images)
    assert out.shape == (4, 3, cnn.output_dim)
    torch.testing.assert_close(out.reshape(12, -1), cnn(images.reshape(12, *cnn.observation_shape)))
    single = cnn(images[1, 2])
    assert single.shape == (cnn.output_dim,)
    torch.testing.assert_close(single, out[1, 2])


def test_impala_flatten_size_halves_each_stage() -> None:
    # 64 -> 32 -> 16 -> 8 pixels; 32 channels in the last stage.
    assert ImpalaCNN((3, 64, 64)).fc.in_features == 32 * 8 * 8
    # Odd sizes round up: 9 -> 5 -> 3 pixels.
    assert ImpalaCNN((3, 9, 9), channels=(8, 4)).fc.in_features == 4 * 3 * 3


def test_impala_output_shape_and_defaults() -> None:
    cnn = ImpalaCNN((3, 16, 16))
    assert cnn.output_dim == 256
    assert cnn(_random_uint8_images(2, 3, 16, 16)).shape == (2, 256)
    assert ImpalaCNN((1, 1, 1), channels=(4,), features_dim=7)(torch.rand(5, 1, 1, 1)).shape == (5, 7)


def test_impala_residual_blocks_add_their_input() -> None:
    cnn = ImpalaCNN((3, 8, 8), channels=(4,))
    block = cnn.conv[0].res0
    nn.init.zeros_(block.conv1.weight)
    nn.init.zeros_(block.conv1.bias)
    x = torch.randn(2, 4, 4, 4)
    assert torch.equal(block(x), x)


def test_impala_rejects_bad_channels() -> None:
    with pytest.raises(ValueError, match="channels"):
        ImpalaCNN((3, 16, 16), channels=())
    with pytest.raises(ValueError, match="channels"):
        ImpalaCNN((3, 16, 16), channels=(16, 0))


def test_conv_and_linear_layers_are_orthogonally_initialised(assert_orthogonal) -> None:
    cnn = NatureCNN((3, 36, 36), activation="relu")
    gain = activation_gain("relu")
    for module in cnn.modules():
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            assert_orthogonal(module.weight, gain)
            assert torch.all(module.bias == 0.0)


def test_gradients_reach_every_parameter() -> None:
    cnn = ImpalaCNN((3, 8, 8), channels=(4, 4), features_dim=8)
    cnn(torch.rand(2, 3, 8, 8)).sum().backward()
    for name, param in cnn.named_parameters():
        assert param.grad is not None and param.grad.abs().sum() > 0, name


def test_double_precision_module_scales_uint8_in_its_dtype() -> None:
    cnn = ImpalaCNN((1, 4, 4), channels=(2,), features_dim=3).double()
    images = _random_uint8_images(2, 1, 4, 4)
    out = cnn(images)
    assert out.dtype == torch.float64
    assert torch.equal(out, cnn(images.double()))  # both scaled by 1/255 in float64
