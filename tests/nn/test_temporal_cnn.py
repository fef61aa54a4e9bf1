"""The temporal convolution over an observation history: its output length, its reading layout and its
refusal of a history too short for its kernels."""

from __future__ import annotations

import pytest
import torch

from rlkit.nn.temporal_cnn import TemporalCNN, convolved_length


def test_rmas_convolutions_leave_three_steps_of_fifty() -> None:
    # 50 -> (50 - 8) // 4 + 1 = 11 -> 7 -> 3
    assert convolved_length(50, [8, 5, 5], [4, 1, 1]) == 3
    assert convolved_length(20, [8, 5, 5], [4, 1, 1]) == 0  # 20 -> 4: the second kernel does not fit


def test_features_have_the_declared_width() -> None:
    cnn = TemporalCNN(
        6, 3, step_features=4, conv_channels=[5], kernel_sizes=[3], strides=[1], hidden_sizes=[7]
    )
    assert cnn.output_dim == 7 and cnn(torch.randn(2, 6 * 3)).shape == (2, 7)


def test_each_output_step_sees_only_its_own_readings() -> None:
    """Readings come flat and oldest first; a kernel of 2 makes output step t of readings t and t + 1: the
    convolution runs along time, not along a reading's values."""
    torch.manual_seed(0)
    cnn = TemporalCNN(4, 3, step_features=5, conv_channels=[2], kernel_sizes=[2], strides=[1])
    histories = torch.randn(1, 4 * 3)
    # no MLP after the convolutions: the features are (2 channels x 3 steps), channel by channel
    assert cnn.output_dim == 6

    def changed_steps(reading: int) -> set[int]:
        moved = histories.clone()
        moved[0, reading * 3 : (reading + 1) * 3] += 1.0
        changed = (cnn(moved) - cnn(histories)).abs().reshape(2, 3).amax(dim=0) > 0
        return {int(step) for step in changed.nonzero()}

    assert changed_steps(0) == {0}  # the oldest reading reaches the first step only
    assert changed_steps(1) == {0, 1}
    assert changed_steps(3) == {2}  # the latest, the last step only


def test_a_history_too_short_for_the_kernels_is_refused() -> None:
    with pytest.raises(ValueError, match="do not fit a history of 4 readings"):
        TemporalCNN(4, 3, 8, [8], [5], [1])
