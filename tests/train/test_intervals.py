"""When logging, evaluation and checkpoints are due: at the first count on or past each multiple."""

from __future__ import annotations

import pytest

from rlkit.training.intervals import Interval


def due_at(interval: Interval, counts: range) -> list[int]:
    return [steps for steps in counts if interval.due(steps)]


def test_due_once_per_multiple_even_when_a_vector_step_passes_it() -> None:
    # 3 envs: the count goes 3, 6, ..., 100 is passed at 102, 200 at 201, 300 is hit and 400 passed at 402
    assert due_at(Interval(100), range(3, 405, 3)) == [102, 201, 300, 402]


def test_a_count_past_several_multiples_is_due_once_and_next_at_the_multiple_after_it() -> None:
    interval = Interval(100)
    assert interval.due(250) and interval.next == 300
    assert not interval.due(299)
    assert interval.due(300) and interval.next == 400


def test_a_resume_between_multiples_is_due_at_the_next_multiple() -> None:
    interval = Interval(500, start=1_234)
    assert interval.next == 1_500
    assert due_at(interval, range(1_238, 3_000, 4)) == [1_502, 2_002, 2_502]


def test_a_resumed_run_is_due_where_an_uninterrupted_run_is() -> None:
    straight = due_at(Interval(300), range(7, 2_000, 7))
    stop = 847  # a checkpoint between two due points
    after = due_at(Interval(300, start=stop), range(stop + 7, 2_000, 7))
    assert [s for s in straight if s <= stop] + after == straight


def test_a_resume_exactly_on_a_multiple_is_due_at_the_next_one() -> None:
    assert Interval(100, start=200).next == 300


@pytest.mark.parametrize("every", [0, None])
def test_no_interval_is_never_due(every: int | None) -> None:
    interval = Interval(every, start=0)
    assert interval.next is None
    assert due_at(interval, range(1, 10_000, 97)) == []
