"""The loop's state in a checkpoint: the plain dict it was before it was typed, loadable with weights_only."""

from __future__ import annotations

import io

import torch

from rlkit.training.loop_state import LoopState

#: A ``"trainer"`` entry as the loop wrote it when its state was a dict.
WRITTEN_BEFORE = {
    "env_steps": 2048,
    "episodes": 31,
    "wall_time": 12.5,
    "recent_returns": [20.0, 31.0],
    "recent_lengths": [20, 31],
    "resets": 1,
    "worker_restarts": 2,
    "episode_returns": [4.0, 0.0],
    "episode_lengths": [4, 0],
}


def test_a_checkpoint_entry_reads_and_writes_back_unchanged() -> None:
    state = LoopState.from_dict(WRITTEN_BEFORE)
    assert state.env_steps == 2048 and state.episodes == 31 and state.resets == 1
    assert state.episode_returns == [4.0, 0.0] and state.extra == {}
    saved = state.to_dict()
    assert saved == WRITTEN_BEFORE
    assert list(saved) == list(WRITTEN_BEFORE)  # the same keys, in the same order


def test_the_entry_loads_with_weights_only() -> None:
    buffer = io.BytesIO()
    torch.save({"trainer": LoopState.from_dict(WRITTEN_BEFORE).to_dict()}, buffer)
    buffer.seek(0)
    assert torch.load(buffer, weights_only=True)["trainer"] == WRITTEN_BEFORE


def test_a_new_run_saves_no_episodes_in_flight_before_it_has_any() -> None:
    assert LoopState().to_dict() == {
        "env_steps": 0,
        "episodes": 0,
        "wall_time": 0.0,
        "recent_returns": [],
        "recent_lengths": [],
        "resets": 0,
        "worker_restarts": 0,
    }


def test_a_distillation_checkpoint_has_the_step_count_only() -> None:
    state = LoopState.from_dict({"env_steps": 5000})
    assert state == LoopState(env_steps=5000)


def test_keys_of_another_version_are_carried_into_the_next_checkpoint() -> None:
    state = LoopState.from_dict({**WRITTEN_BEFORE, "best_eval_return": 180.0})
    assert state.extra == {"best_eval_return": 180.0}
    state.env_steps += 8
    assert state.to_dict() == {**WRITTEN_BEFORE, "env_steps": 2056, "best_eval_return": 180.0}


def test_the_saved_lists_are_copies() -> None:
    state = LoopState(recent_returns=[1.0])
    saved = state.to_dict()
    state.recent_returns.append(2.0)
    assert saved["recent_returns"] == [1.0]
