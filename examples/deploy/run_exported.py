"""Run an exported ONNX policy with onnxruntime against the run's env, as a deployed controller would.

    rlkit export runs/X --format onnx
    python examples/deploy/run_exported.py runs/X [--episodes 5] [--seed 0]

Nothing here imports the agents: the policy is ``RUN/export/policy.onnx`` alone (observation
normalization and the action mapping are inside it), the env is built by ``rlkit.envs.make_env`` from the
run's config (``config.yaml``; the same sensor models, noise and latency the policy trained with). A recurrent
policy's state is explicit: it is fed back every step, with ``episode_start = 1`` on an episode's first step.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import onnxruntime as ort
import yaml

from rlkit.config.loading import config_from_dict
from rlkit.envs import make_env
from rlkit.runs.checkpoint import load_checkpoint


def load_policy(run_dir: Path) -> tuple[ort.InferenceSession, dict]:
    """The ONNX session and the export's description (shapes, state names, reset rule)."""
    path = run_dir / "export" / "policy.onnx"
    if not path.is_file():
        raise SystemExit(f"{path} does not exist: run 'rlkit export {run_dir} --format onnx' first")
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    metadata = json.loads(session.get_modelmeta().custom_metadata_map["rlkit_export"])
    return session, metadata


def run_config(run_dir: Path) -> dict:
    """The run's resolved config: ``config.yaml``, else the one inside its latest checkpoint."""
    if (run_dir / "config.yaml").is_file():
        return yaml.safe_load((run_dir / "config.yaml").read_text())
    return load_checkpoint(run_dir)["config"]  # torch.load(weights_only=True): no pickle


def run_episode(session: ort.InferenceSession, metadata: dict, env, seed: int) -> float:
    """One episode; returns its return."""
    inputs = metadata["inputs"]
    states = {
        name: np.zeros([1 if d == "batch" else d for d in info["shape"]], dtype=np.float32)
        for name, info in inputs.items()
        if name not in ("obs", "episode_start")
    }
    obs, _ = env.reset(seed=seed)
    start, total, done = True, 0.0, False
    while not done:
        if isinstance(obs, dict):  # a privileged observation: the policy reads its sensors alone
            obs = obs["policy"]
        feed = {"obs": np.asarray(obs, dtype=inputs["obs"]["dtype"])[None], **states}
        if metadata["recurrent"]:
            feed["episode_start"] = np.array([1.0 if start else 0.0], dtype=np.float32)
        action, *new_states = session.run(None, feed)
        states = dict(zip(states, new_states, strict=True))  # outputs next_<name> follow the inputs' order
        obs, reward, terminated, truncated, _ = env.step(action[0])
        total += float(reward)
        start, done = False, bool(terminated or truncated)
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path, help="a run directory with export/policy.onnx")
    parser.add_argument("--episodes", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    session, metadata = load_policy(args.run_dir)
    config = config_from_dict(run_config(args.run_dir))
    print(f"{metadata['agent']} policy on {metadata['env_id']}; inputs: {', '.join(metadata['inputs'])}")
    if metadata["recurrent"]:
        print(f"recurrent state: {metadata['reset_rule']}")
    env = make_env(config.env)
    try:
        returns = [run_episode(session, metadata, env, args.seed + i) for i in range(args.episodes)]
    finally:
        env.close()
    for i, value in enumerate(returns):
        print(f"episode {i}: return {value:.1f}")
    print(f"mean return {np.mean(returns):.1f} over {len(returns)} episodes")


if __name__ == "__main__":
    main()
