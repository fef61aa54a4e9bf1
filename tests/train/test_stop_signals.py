"""SIGINT and SIGTERM become a clean stop while training, and never cut a checkpoint in half."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest
import torch

from rlkit.runs import checkpoint as checkpoint_module
from rlkit.runs.checkpoint import LATEST, load_checkpoint, save_checkpoint
from rlkit.runs.stop_signals import StopRequested, deferred, exit_status, reclaim, stop_on_signals


@pytest.mark.parametrize(("stop", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_stop_signal_raises_a_keyboard_interrupt_with_the_conventional_status(
    stop: signal.Signals, status: int
) -> None:
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # as a script's background job inherits it
    try:
        with pytest.raises(KeyboardInterrupt) as caught, stop_on_signals():
            os.kill(os.getpid(), stop)
            for _ in range(1000):  # the handler runs between bytecodes
                pass
        assert isinstance(caught.value, StopRequested)
        assert exit_status(caught.value) == status
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN  # restored afterwards
    finally:
        signal.signal(signal.SIGINT, previous)


def test_a_signal_during_a_checkpoint_write_waits_until_it_is_whole(tmp_path: Path, monkeypatch) -> None:
    real_save = torch.save

    def save_while_signalled(obj, handle) -> None:
        os.kill(os.getpid(), signal.SIGTERM)  # arrives mid-write
        real_save(obj, handle)

    monkeypatch.setattr(checkpoint_module.torch, "save", save_while_signalled)
    with pytest.raises(StopRequested) as caught, stop_on_signals():
        save_checkpoint(tmp_path, "step_8.pt", {"env_steps": 8})
    assert caught.value.signum == signal.SIGTERM
    assert (tmp_path / LATEST).read_text().strip() == "step_8.pt"
    assert load_checkpoint(tmp_path / "step_8.pt")["env_steps"] == 8


def test_deferred_raises_nothing_without_a_signal() -> None:
    with stop_on_signals(), deferred():
        pass


def test_a_failed_write_raises_its_own_error_and_forgets_the_signal() -> None:
    with stop_on_signals():
        with pytest.raises(OSError, match="disk full"), deferred():
            os.kill(os.getpid(), signal.SIGTERM)
            raise OSError("disk full")
        with deferred():  # a later write is not stopped by the old signal
            pass


def test_reclaim_takes_the_handlers_back_from_a_library() -> None:
    with pytest.raises(StopRequested), stop_on_signals():
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(signum))  # what ray.init installs
        reclaim()
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(1000):
            pass


def test_reclaim_outside_a_run_changes_nothing() -> None:
    before = signal.getsignal(signal.SIGTERM)
    reclaim()
    assert signal.getsignal(signal.SIGTERM) is before
