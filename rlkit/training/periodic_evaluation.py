"""Evaluation during training: the policy's return every ``eval.interval`` env steps, and the target check."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rlkit.training.intervals import Interval


class PeriodicEvaluation:
    """Evaluates the policy when due and tells whether its mean return reached the run's target.

    Args:
        evaluate: Runs one evaluation; returns its summary with ``mean_return`` and ``std_return`` (as
            :meth:`rlkit.training.trainer.Trainer.evaluate` does).
        interval: When an evaluation is due.
        target_return: The mean return that ends the run (``train.target_return``); None: no target.

    Attributes:
        reached_target: The latest evaluation's mean return reached ``target_return``.
    """

    def __init__(
        self, evaluate: Callable[[], dict[str, Any]], interval: Interval, target_return: float | None
    ) -> None:
        self.evaluate = evaluate
        self.interval = interval
        self.target_return = target_return
        self.reached_target = False

    def run_if_due(self, steps: int) -> dict[str, float]:
        """Evaluate if an evaluation is due at the loop's count ``steps``.

        Returns:
            The evaluation's columns of the metrics row (``eval/return_mean``, ``eval/return_std``); empty
            when none was due.
        """
        if not self.interval.due(steps):
            return {}
        summary = self.evaluate()
        target = self.target_return
        self.reached_target = target is not None and summary["mean_return"] >= target
        return {"eval/return_mean": summary["mean_return"], "eval/return_std": summary["std_return"]}
