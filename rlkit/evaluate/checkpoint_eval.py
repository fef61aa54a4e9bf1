"""``rlkit eval``: rebuild a policy from a checkpoint alone, evaluate it, optionally record a video."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rlkit.errors import ConfigError
from rlkit.evaluate.evaluator import EVAL_SEED_OFFSET, evaluate_policy, write_eval_json
from rlkit.evaluate.matches import opponent_policy, play_matches
from rlkit.evaluate.restore import restore_agent
from rlkit.evaluate.video import PolicySource, VideoSettings, record_video
from rlkit.runs.checkpoint import run_dir_of


@dataclass(frozen=True)
class CheckpointEvaluation:
    """The summary written to ``eval.json`` and where it and the video went."""

    summary: dict[str, Any]
    eval_path: Path
    video_path: Path | None


EVAL_OVERRIDE_SECTIONS = ("env", "eval")


def evaluate_checkpoint(
    target: str | Path,
    episodes: int | None = None,
    seed: int | None = None,
    video: bool = False,
    overrides: Sequence[str] = (),
    output: Path | None = None,
    agent_view: bool = False,
    opponent: str | None = None,
) -> CheckpointEvaluation:
    """Evaluate the policy in a checkpoint (or a run directory's latest) and write ``eval.json``.

    Args:
        target: A run directory or a checkpoint file.
        episodes: Episodes to run (default: the run's ``eval.episodes``).
        seed: First evaluation seed (default: the run's training seed + the evaluation offset).
        video: Also render ``eval.video_episodes`` episodes into ``videos/<checkpoint>.mp4``.
        overrides: ``env.*`` and ``eval.*`` overrides of the training config, e.g. heavier bodies or
            added latency to measure how robust the policy is.
        output: Where to write the summary (default: ``eval.json`` in the run directory).
        agent_view: In the video, show beside the render what a pixel policy saw.
        opponent: For a multi-agent game, also play ``episodes`` matches against ``random`` or another run
            (a directory or checkpoint) and add the wins, draws, losses and illegal moves
            (:func:`rlkit.evaluate.matches.play_matches`).
    """
    for override in overrides:
        if override.split(".", 1)[0] not in EVAL_OVERRIDE_SECTIONS:
            raise ConfigError(f"override '{override}': rlkit eval takes env.* and eval.* overrides only")
    restored = restore_agent(target, overrides)
    path, payload, config, agent = restored.checkpoint, restored.payload, restored.config, restored.agent
    episodes = episodes or config.eval.episodes
    seed = config.train.seed + EVAL_SEED_OFFSET if seed is None else seed

    policy = agent.make_policy(deterministic=config.eval.deterministic)
    # the opponent first: a bad one fails before anything runs or is written
    against = None if opponent is None else opponent_policy(opponent, config.env, seed)
    summary: dict[str, Any] = {
        **evaluate_policy(policy, config.env, episodes, seed).summary(),
        "env_steps": int(payload.get("env_steps", 0)),
        "checkpoint": str(path),
        "seed": seed,
        "deterministic": config.eval.deterministic,
        "overrides": list(overrides),
    }
    if opponent is not None and against is not None:
        matches = play_matches(policy, against, config.env, episodes, seed)
        summary["matches"] = {"opponent": opponent, **matches.summary()}
    run_dir = run_dir_of(path)
    video_path = None
    if video:
        video_path = run_dir / "videos" / f"{path.stem}.mp4"
        recorded = record_video(
            policy,
            config.env,
            config.eval.video_episodes,
            seed,
            video_path,
            agent_view=agent_view,
            settings=VideoSettings.from_config(config.eval),
            source=PolicySource(str(path), tuple(overrides), config.eval.deterministic),
        )
        summary["video"] = str(video_path)
        summary["video_returns"] = recorded.returns
    eval_path = output if output is not None else run_dir / "eval.json"
    write_eval_json(eval_path, summary)
    return CheckpointEvaluation(summary, eval_path, video_path)
