"""Shared torch networks for rlkit agents: MLPs, CNNs, recurrent cores, heads and action distributions.

Typical use builds an encoder from the observation space and puts heads on its features::

    encoder = build_encoder(env.observation_space, hidden_sizes=(64, 64))
    policy_head = CategoricalHead(encoder.output_dim, env.action_space.n)
    action = policy_head(encoder(obs)).sample()
"""

from rlkit.nn.activations import ActivationName, activation_gain, make_activation
from rlkit.nn.cnn import ImpalaCNN, NatureCNN
from rlkit.nn.distributions import Categorical, DiagGaussian
from rlkit.nn.encoders import (
    DictEncoder,
    DiscreteEncoder,
    Encoder,
    FlatEncoder,
    ImageEncoder,
    build_encoder,
    is_image_space,
)
from rlkit.nn.heads import CategoricalHead, DuelingQHead, GaussianHead, QHead, ValueHead
from rlkit.nn.init import orthogonal_init, recurrent_init
from rlkit.nn.memory import RecurrentCore, RecurrentState
from rlkit.nn.mlp import MLP
from rlkit.nn.noisy_linear import NoisyLinear, reset_noise
from rlkit.nn.parameter_estimator import ParameterEstimator
from rlkit.nn.temporal_cnn import TemporalCNN

__all__ = [
    "MLP",
    "ActivationName",
    "Categorical",
    "CategoricalHead",
    "DiagGaussian",
    "DictEncoder",
    "DiscreteEncoder",
    "DuelingQHead",
    "Encoder",
    "FlatEncoder",
    "GaussianHead",
    "ImageEncoder",
    "ImpalaCNN",
    "NatureCNN",
    "NoisyLinear",
    "ParameterEstimator",
    "QHead",
    "RecurrentCore",
    "RecurrentState",
    "TemporalCNN",
    "ValueHead",
    "activation_gain",
    "build_encoder",
    "is_image_space",
    "make_activation",
    "orthogonal_init",
    "recurrent_init",
    "reset_noise",
]
