"""Optimizers from the config and learning-rate schedules on worked values."""

import pytest
import torch

from rlkit.agents.ppo import PPOConfig
from rlkit.errors import ConfigError
from rlkit.optim import (
    AdaptiveKLSchedule,
    ProgressSchedule,
    build_lr_schedule,
    build_optimizer,
    clip_gradients,
)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("adam", torch.optim.Adam),
        ("adamw", torch.optim.AdamW),
        ("sgd", torch.optim.SGD),
        ("rmsprop", torch.optim.RMSprop),
    ],
)
def test_build_optimizer(name: str, expected: type) -> None:
    config = PPOConfig(optimizer=name, lr=0.01, weight_decay=0.1, momentum=0.9, nesterov=name == "sgd")
    optimizer = build_optimizer([torch.nn.Parameter(torch.zeros(2))], config)
    assert type(optimizer) is expected
    group = optimizer.param_groups[0]
    assert group["lr"] == 0.01 and group["weight_decay"] == 0.1
    if name == "sgd":
        assert group["nesterov"] and group["momentum"] == 0.9


def test_nesterov_without_momentum_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"agent\.nesterov"):
        build_optimizer([torch.nn.Parameter(torch.zeros(1))], PPOConfig(optimizer="sgd", nesterov=True))


def test_progress_schedules() -> None:
    assert ProgressSchedule("constant", 1.0)(0.7) == 1.0
    linear = ProgressSchedule("linear", 1.0, end_factor=0.1)
    assert [linear(p) for p in (0.0, 0.5, 1.0)] == pytest.approx([1.0, 0.55, 0.1])
    cosine = ProgressSchedule("cosine", 1.0, end_factor=0.0, warmup_fraction=0.2)
    assert cosine(0.1) == pytest.approx(0.5)  # halfway through warmup
    assert cosine(0.2) == pytest.approx(1.0)
    assert cosine(0.6) == pytest.approx(0.5)  # halfway through the cosine
    assert cosine(1.0) == pytest.approx(0.0, abs=1e-12)
    step = ProgressSchedule("step", 1.0, step_fraction=0.25, step_gamma=0.5)
    assert [step(p) for p in (0.0, 0.24, 0.25, 0.5, 0.99)] == pytest.approx([1.0, 1.0, 0.5, 0.25, 0.125])


def test_adaptive_kl_schedule() -> None:
    schedule = AdaptiveKLSchedule(1e-3, target_kl=0.01)
    assert schedule.observe_kl(0.05) == pytest.approx(1e-3 / 1.5)  # KL above 2x target: slow down
    assert schedule.observe_kl(0.01) == pytest.approx(1e-3 / 1.5)  # within band: unchanged
    assert schedule.observe_kl(0.001) == pytest.approx(1e-3)  # below half: speed up
    for _ in range(100):
        schedule.observe_kl(1.0)
    assert schedule.lr == schedule.min_lr


def test_adaptive_kl_needs_a_target() -> None:
    with pytest.raises(ConfigError, match=r"adaptive_kl needs agent\.target_kl"):
        build_lr_schedule(PPOConfig(lr_schedule="adaptive_kl"))
    assert isinstance(
        build_lr_schedule(PPOConfig(lr_schedule="adaptive_kl", target_kl=0.01), 0.01), AdaptiveKLSchedule
    )


@pytest.mark.parametrize("scale", [0.01, 3.0])
def test_clip_gradients_matches_torch(scale: float) -> None:
    torch.manual_seed(0)
    ours = [torch.nn.Parameter(torch.randn(5, 3)) for _ in range(3)]
    reference = [torch.nn.Parameter(p.detach().clone()) for p in ours]
    for mine, theirs in zip(ours, reference, strict=True):
        grad = torch.randn_like(mine) * scale
        mine.grad, theirs.grad = grad.clone(), grad.clone()
    norm = clip_gradients(ours, 0.5)
    expected = torch.nn.utils.clip_grad_norm_(reference, 0.5)
    assert norm.item() == pytest.approx(expected.item(), rel=1e-6)
    for mine, theirs in zip(ours, reference, strict=True):
        torch.testing.assert_close(mine.grad, theirs.grad)
    assert clip_gradients(ours, None) is None
