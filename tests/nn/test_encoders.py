"""Tests for rlkit.nn.encoders."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from gymnasium import spaces
from torch import nn

from rlkit.nn.cnn import ImpalaCNN, NatureCNN
from rlkit.nn.encoders import (
    DictEncoder,
    DiscreteEncoder,
    Encoder,
    FlatEncoder,
    ImageEncoder,
    build_encoder,
    image_layout,
)


def _image_space(*shape: int) -> spaces.Box:
    return spaces.Box(0, 255, shape, dtype=np.uint8)


def _uint8_images(*shape: int) -> torch.Tensor:
    return torch.randint(0, 256, shape, dtype=torch.uint8)


def test_vector_box_gives_mlp_encoder() -> None:
    encoder = build_encoder(spaces.Box(-1, 1, (4,), np.float32), hidden_sizes=(32, 16), activation="relu")
    assert isinstance(encoder, FlatEncoder)
    assert encoder.output_dim == 16 == encoder.mlp.output_dim
    assert encoder.mlp.input_dim == 4
    obs = torch.randn(8, 4)
    assert torch.equal(encoder(obs), encoder.mlp(obs))
    assert isinstance(encoder.mlp.net[1], nn.ReLU)


def test_empty_hidden_sizes_pass_the_flat_observation_through() -> None:
    encoder = build_encoder(spaces.Box(-1, 1, (2, 3), np.float32), hidden_sizes=())
    assert encoder.output_dim == 6
    obs = torch.randn(5, 2, 3)
    assert torch.equal(encoder(obs), obs.reshape(5, 6))


def test_multi_dim_box_is_flattened() -> None:
    encoder = build_encoder(spaces.Box(-1, 1, (3, 4), np.float32))
    assert encoder.mlp.input_dim == 12
    obs = torch.randn(7, 3, 4)
    torch.testing.assert_close(encoder(obs), encoder.mlp(obs.reshape(7, 12)))
    assert encoder(torch.randn(2, 7, 3, 4)).shape == (2, 7, 64)


def test_float_3d_box_is_not_treated_as_image() -> None:
    assert isinstance(build_encoder(spaces.Box(0, 1, (3, 64, 64), np.float32)), FlatEncoder)


def test_float64_and_integer_observations_are_cast_to_the_encoder_dtype() -> None:
    encoder = build_encoder(spaces.Box(-10, 10, (3,), np.float64))
    obs = torch.tensor([[1.0, -2.0, 3.0]], dtype=torch.float64)
    assert encoder(obs).dtype == torch.float32
    torch.testing.assert_close(encoder(obs), encoder(obs.float()))
    torch.testing.assert_close(encoder(obs.long()), encoder(obs.float()))
    double_encoder = encoder.double()
    assert double_encoder(obs.float()).dtype == torch.float64


@pytest.mark.parametrize(
    ("cnn", "cnn_type", "default_dim"), [("nature", NatureCNN, 512), ("impala", ImpalaCNN, 256)]
)
def test_image_box_gives_cnn(cnn: str, cnn_type: type[nn.Module], default_dim: int) -> None:
    encoder = build_encoder(_image_space(4, 64, 64), cnn=cnn)
    assert isinstance(encoder, ImageEncoder)
    assert isinstance(encoder.cnn, cnn_type)
    assert encoder.layout == "chw"
    assert encoder.output_dim == default_dim
    assert build_encoder(_image_space(4, 64, 64), cnn=cnn, cnn_features_dim=48).output_dim == 48
    assert encoder(_uint8_images(2, 4, 64, 64)).shape == (2, default_dim)


def test_image_encoder_sees_pixels_in_0_1_whatever_their_dtype() -> None:
    # Agents turn observations into float tensors: the pixels are still 0-255 and must be scaled once.
    encoder = build_encoder(_image_space(3, 40, 40))
    images = _uint8_images(2, 3, 40, 40)
    torch.testing.assert_close(encoder(images), encoder(images.float()))
    assert not torch.allclose(encoder(images.float()), encoder(images.float() / 255.0))  # scaled once


def test_channel_last_images_are_permuted_to_channel_first() -> None:
    channel_last = build_encoder(_image_space(48, 40, 3))
    channel_first = build_encoder(_image_space(3, 48, 40))
    assert channel_last.layout == "hwc"
    assert channel_last.cnn.observation_shape == (3, 48, 40)
    channel_first.load_state_dict(channel_last.state_dict())
    images_hwc = _uint8_images(2, 48, 40, 3)
    images_chw = images_hwc.permute(0, 3, 1, 2)
    torch.testing.assert_close(channel_last(images_hwc), channel_first(images_chw))
    # A layout mix-up would not even run: the CNN expects 3 input channels.
    with pytest.raises(RuntimeError):
        channel_last(images_chw)


def test_two_dim_uint8_box_is_a_one_channel_image() -> None:
    encoder = build_encoder(_image_space(40, 44), cnn="impala")
    assert encoder.layout == "hw"
    assert encoder.cnn.observation_shape == (1, 40, 44)
    images = _uint8_images(3, 40, 44)
    torch.testing.assert_close(encoder(images), encoder.cnn(images.unsqueeze(1)))


@pytest.mark.parametrize(
    ("shape", "layout"),
    [
        ((84, 84), "hw"),
        ((4, 84, 84), "chw"),
        ((84, 84, 4), "hwc"),
        ((64, 64, 1), "hwc"),
        ((3, 64, 4), "chw"),
        ((1, 8, 8), "chw"),
    ],
)
def test_image_layout_detection(shape: tuple[int, ...], layout: str) -> None:
    assert image_layout(shape) == layout


def test_discrete_space_is_one_hot_encoded() -> None:
    encoder = build_encoder(spaces.Discrete(5, start=2), hidden_sizes=())
    assert isinstance(encoder, DiscreteEncoder)
    assert encoder.output_dim == 5
    one_hot = encoder(torch.tensor([2, 6, 4]))
    assert torch.equal(one_hot, torch.eye(5)[[0, 4, 2]])
    with_mlp = build_encoder(spaces.Discrete(5, start=2), hidden_sizes=(8,))
    assert with_mlp(torch.tensor([3, 2])).shape == (2, 8)
    torch.testing.assert_close(with_mlp(torch.tensor([3])), with_mlp.mlp(torch.eye(5)[[1]]))


def test_dict_space_concatenates_sorted_sub_encoders() -> None:
    space = spaces.Dict({"vector": spaces.Box(-1, 1, (5,), np.float32), "image": _image_space(3, 36, 36)})
    encoder = build_encoder(space, hidden_sizes=(16,), cnn_features_dim=32)
    assert isinstance(encoder, DictEncoder)
    assert encoder.keys == ("image", "vector")
    assert encoder.output_dim == 32 + 16
    obs = {"vector": torch.randn(4, 5), "image": _uint8_images(4, 3, 36, 36)}
    features = encoder(obs)
    assert features.shape == (4, 48)
    torch.testing.assert_close(features[:, :32], encoder.encoder("image")(obs["image"]))
    torch.testing.assert_close(features[:, 32:], encoder.encoder("vector")(obs["vector"]))


def test_dict_encoder_sorts_keys_whatever_the_insertion_order() -> None:
    encoder = DictEncoder(
        {"z": DiscreteEncoder(2, hidden_sizes=()), "a": DiscreteEncoder(3, hidden_sizes=())}
    )
    assert encoder.keys == ("a", "z")
    assert encoder.output_dim == 5
    features = encoder({"z": torch.tensor([1]), "a": torch.tensor([0])})
    assert torch.equal(features, torch.tensor([[1.0, 0.0, 0.0, 0.0, 1.0]]))


def test_nested_dict_and_dotted_keys() -> None:
    space = spaces.Dict(
        {"z.pos": spaces.Box(-1, 1, (2,), np.float32), "a": spaces.Dict({"k": spaces.Discrete(3)})}
    )
    encoder = build_encoder(space, hidden_sizes=())
    assert encoder.keys == ("a", "z.pos")
    assert encoder.output_dim == 3 + 2
    features = encoder({"z.pos": torch.tensor([[0.5, -0.5]]), "a": {"k": torch.tensor([1])}})
    assert torch.equal(features, torch.tensor([[0.0, 1.0, 0.0, 0.5, -0.5]]))


@pytest.mark.parametrize(
    "space",
    [
        spaces.Box(-1, 1, (4,), np.float32),
        _image_space(3, 36, 36),
        spaces.Discrete(3),
        spaces.Dict({"x": spaces.Discrete(2)}),
    ],
)
def test_every_encoder_is_an_encoder_module(space: spaces.Space) -> None:
    encoder = build_encoder(space)
    assert isinstance(encoder, Encoder) and isinstance(encoder, nn.Module)
    assert isinstance(encoder.output_dim, int) and encoder.output_dim > 0
    # The dtype anchor is not a real buffer: it must not appear in checkpoints.
    assert not any("dtype_anchor" in key for key in encoder.state_dict())


@pytest.mark.parametrize(
    ("space", "named"),
    [
        (spaces.MultiBinary(4), "MultiBinary(4)"),
        (spaces.Tuple((spaces.Discrete(2),)), "Tuple(Discrete(2))"),
        (spaces.MultiDiscrete([2, 3]), "MultiDiscrete([2 3])"),
        (spaces.Dict({"ok": spaces.Discrete(2), "bad": spaces.MultiBinary(2)}), "MultiBinary(2)"),
    ],
)
def test_unsupported_space_raises_value_error_naming_it(space: spaces.Space, named: str) -> None:
    with pytest.raises(ValueError, match="supported spaces are") as excinfo:
        build_encoder(space)
    assert named in str(excinfo.value)


def test_other_errors() -> None:
    with pytest.raises(ValueError, match="empty Dict"):
        build_encoder(spaces.Dict({}))
    with pytest.raises(ValueError, match="nature, impala"):
        build_encoder(_image_space(3, 64, 64), cnn="resnet")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least 36x36"):
        build_encoder(_image_space(3, 16, 16), cnn="nature")
