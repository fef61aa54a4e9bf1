"""What ``train.compile`` buys: one minibatch step (forward, backward, Adam) of rlkit's actor-critic on CPU,
eager against the encoders compiled as ``train.compile`` compiles them (``compile_encoders``).

    python benchmarks/compile_speed.py

Two networks at batch 256: CartPole's 64x64 MLP and the 48x48, 3-frame pixel CNN of
``cartpole-balance-pixels-ppo``. Prints milliseconds per step after warm-up, and the seconds the first five
steps took (that is where compiling happens), and writes ``benchmarks/results/compile_speed.md``.
"""

from __future__ import annotations

import time
from pathlib import Path
from types import SimpleNamespace

import gymnasium as gym
import numpy as np
import torch
from results_file import write_results

from rlkit.agents.actor_critic import ActorCritic
from rlkit.config.schema import NetworkConfig
from rlkit.runs.build import compile_encoders

RESULTS = Path(__file__).resolve().parent / "results" / "compile_speed.md"

CASES = {
    "CartPole MLP 64x64": (gym.spaces.Box(-1, 1, (4,), np.float32), NetworkConfig(hidden_sizes=[64, 64])),
    "pixel CNN 9x48x48": (
        gym.spaces.Box(0, 255, (9, 48, 48), np.uint8),
        NetworkConfig(hidden_sizes=[256], activation="relu", shared_encoder=True),
    ),
}


def milliseconds_per_step(space: gym.Space, network: NetworkConfig, compiled: bool, steps: int) -> tuple:
    torch.manual_seed(0)
    policy = ActorCritic(space, gym.spaces.Discrete(2), network)
    optimizer = torch.optim.Adam(policy.parameters(), 3e-4)
    obs = torch.rand(256, *space.shape) * (255.0 if space.dtype == np.uint8 else 1.0)
    actions = torch.randint(0, 2, (256,))

    def loss_of(observations: torch.Tensor, taken: torch.Tensor) -> torch.Tensor:
        dist, values = policy(observations)
        return -dist.log_prob(taken).mean() + values.pow(2).mean()

    if compiled:
        compile_encoders(SimpleNamespace(policy=policy))

    def step() -> None:
        loss = loss_of(obs, actions)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    start = time.perf_counter()
    for _ in range(5):
        step()
    warm_up = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return 1e3 * (time.perf_counter() - start) / steps, warm_up


def main() -> None:
    torch.set_num_threads(2)
    lines = [
        "# train.compile: one actor-critic minibatch step on CPU, eager vs compiled encoders",
        "",
        "`python benchmarks/compile_speed.py` (batch 256, 2 torch threads)",
        "",
        "| network | eager ms/step | compiled ms/step | speed-up | first 5 compiled steps (s) |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, (space, network) in CASES.items():
        steps = 200 if len(space.shape) == 1 else 30
        eager, _ = milliseconds_per_step(space, network, False, steps)
        compiled, warm_up = milliseconds_per_step(space, network, True, steps)
        lines.append(f"| {name} | {eager:.2f} | {compiled:.2f} | {eager / compiled:.2f}× | {warm_up:.1f} |")
        print(lines[-1], flush=True)
    write_results(RESULTS, "\n".join(lines))


if __name__ == "__main__":
    main()
