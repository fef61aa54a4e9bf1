"""Does training with visual randomization make a pixel policy robust to a look it never saw?

Each run's policy is evaluated on its own env stack (pixels, camera model, frame stack) with the visual
randomization replaced by one fixed condition at a time: the nominal look, then lighting and colours outside
the ranges that ``cartpole-balance-pixels-ppo-randomized`` trains with (its lights' intensity factors span
[0.5, 1.5] with a ±0.3 tint, its geom colours ±0.2 per channel). The table shows each policy's return per
condition and the share of its nominal return it keeps.

    rlkit train cartpole-balance-pixels-ppo train.target_return=null --run-dir runs/pixels
    rlkit train cartpole-balance-pixels-ppo-randomized train.target_return=null --run-dir runs/pixels-vr
    rlkit train --resume runs/pixels-vr train.total_steps=200000    # randomized looks take longer to learn
    python benchmarks/visual_robustness.py runs/pixels runs/pixels-vr --episodes 20
"""

from __future__ import annotations

import argparse
from pathlib import Path

from results_file import write_results

from rlkit.config.vision import VisualRandomizationConfig
from rlkit.evaluate.checkpoint_eval import restore_agent
from rlkit.evaluate.evaluator import EVAL_SEED_OFFSET, evaluate_policy
from rlkit.evaluate.sweep_result import kept_fraction

RESULTS = Path(__file__).resolve().parent / "results" / "visual_robustness.md"

#: Unseen looks: every value lies outside the randomized preset's training ranges.
CONDITIONS: dict[str, dict | None] = {
    "nominal": None,
    "dim light (×0.25)": {"lights": {"headlight": True, "diffuse": [0.25, 0.25], "ambient": [0.25, 0.25]}},
    "bright tinted light (×2, ±0.6 tint)": {
        "lights": {"headlight": True, "diffuse": [2.0, 2.0], "ambient": [2.0, 2.0], "tint": 0.6}
    },
    "recoloured (±0.45 per channel)": {"geom_colors": {"offset": 0.45}},
    "dim and recoloured": {
        "lights": {"headlight": True, "diffuse": [0.25, 0.25], "ambient": [0.25, 0.25]},
        "geom_colors": {"offset": 0.45},
    },
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("runs", nargs="+", type=Path, help="run directories (or checkpoints) to compare")
    parser.add_argument("--episodes", type=int, default=20, help="evaluation episodes per condition")
    args = parser.parse_args()

    header = ["policy", *CONDITIONS]
    lines = [
        "# Visual robustness: pixel policies under lighting and colours they never saw",
        "",
        f"`python benchmarks/visual_robustness.py {' '.join(str(run) for run in args.runs)} "
        f"--episodes {args.episodes}`; mean return over {args.episodes} episodes (seeds from the evaluation "
        "offset), and in brackets the share of the policy's nominal return.",
        "",
        "| " + " | ".join(header) + " |",
        "|---|" + "---:|" * len(CONDITIONS),
    ]
    for target in args.runs:
        restored = restore_agent(target)
        policy = restored.agent.make_policy()
        returns = {}
        for name, look in CONDITIONS.items():
            env = restored.config.env.model_copy(
                update={"visual_randomization": None if look is None else VisualRandomizationConfig(**look)}
            )
            returns[name] = evaluate_policy(policy, env, args.episodes, EVAL_SEED_OFFSET).summary()[
                "mean_return"
            ]
            print(f"{target}: {name}: {returns[name]:.1f}", flush=True)
        nominal = returns["nominal"]
        cells = [f"{returns['nominal']:.1f}"] + [
            f"{value:.1f} ({kept_fraction(value, nominal):.0%})"
            for name, value in returns.items()
            if name != "nominal"
        ]
        lines.append(f"| {target.name} | " + " | ".join(cells) + " |")
    text = "\n".join(lines) + "\n"
    print("\n" + text)
    write_results(RESULTS, text)


if __name__ == "__main__":
    main()
