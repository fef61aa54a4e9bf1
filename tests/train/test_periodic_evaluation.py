"""Evaluation during training: due every ``eval.interval`` steps, and the target return ends the run."""

from __future__ import annotations

from rlkit.training.intervals import Interval
from rlkit.training.periodic_evaluation import PeriodicEvaluation


class FakeEvaluation:
    def __init__(self, means: list[float]) -> None:
        self.means = means
        self.calls = 0

    def __call__(self) -> dict[str, float]:
        mean = self.means[self.calls]
        self.calls += 1
        return {"mean_return": mean, "std_return": mean / 10, "min_return": 0.0}


def test_due_evaluations_give_the_row_columns_and_check_the_target() -> None:
    evaluate = FakeEvaluation([50.0, 120.0])
    evaluation = PeriodicEvaluation(evaluate, Interval(1_000), target_return=100.0)
    assert evaluation.run_if_due(999) == {}
    assert evaluate.calls == 0
    assert evaluation.run_if_due(1_004) == {"eval/return_mean": 50.0, "eval/return_std": 5.0}
    assert not evaluation.reached_target
    assert evaluation.run_if_due(1_500) == {}
    assert evaluation.run_if_due(2_000) == {"eval/return_mean": 120.0, "eval/return_std": 12.0}
    assert evaluation.reached_target and evaluate.calls == 2


def test_the_target_is_reached_at_equality_and_never_without_one() -> None:
    exactly = PeriodicEvaluation(FakeEvaluation([100.0]), Interval(10), target_return=100.0)
    exactly.run_if_due(10)
    assert exactly.reached_target
    none = PeriodicEvaluation(FakeEvaluation([1e9]), Interval(10), target_return=None)
    none.run_if_due(10)
    assert not none.reached_target


def test_without_an_interval_nothing_is_evaluated() -> None:
    evaluate = FakeEvaluation([])
    evaluation = PeriodicEvaluation(evaluate, Interval(0), target_return=0.0)
    assert all(evaluation.run_if_due(steps) == {} for steps in range(0, 100_000, 1_000))
    assert evaluate.calls == 0 and not evaluation.reached_target
