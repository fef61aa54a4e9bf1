"""The names other rlkit packages import from rlkit.nn."""

from __future__ import annotations

import rlkit.nn

PUBLIC_NAMES = [
    "MLP",
    "NatureCNN",
    "ImpalaCNN",
    "RecurrentCore",
    "Categorical",
    "DiagGaussian",
    "CategoricalHead",
    "GaussianHead",
    "QHead",
    "ValueHead",
    "build_encoder",
    "make_activation",
    "orthogonal_init",
]


def test_public_names_are_exported() -> None:
    for name in PUBLIC_NAMES:
        assert name in rlkit.nn.__all__, name
        assert getattr(rlkit.nn, name).__module__.startswith("rlkit.nn."), name


def test_all_lists_only_existing_names() -> None:
    for name in rlkit.nn.__all__:
        assert hasattr(rlkit.nn, name), name
