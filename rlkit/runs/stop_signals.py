"""Stopping a training run cleanly on SIGINT (Ctrl-C) or SIGTERM (a scheduler, ``docker stop``).

Python raises :class:`KeyboardInterrupt` on SIGINT only if SIGINT was not ignored when the interpreter
started: a run launched as a background job of a non-interactive shell inherits an ignored SIGINT and
could not be stopped, and SIGTERM's default action kills the process without a checkpoint. While training,
rlkit therefore installs its own handler for both signals, whatever their disposition was. The handler
raises :class:`StopRequested` (a :class:`KeyboardInterrupt`, so every phase that already stops on Ctrl-C
stops on either signal) carrying the signal, and the process exits with the conventional status
``128 + signal number`` (130 for SIGINT, 143 for SIGTERM).

A checkpoint write is never cut in half: inside :func:`deferred` a signal is only noted, and raised when
the block ends. A library that installs its own handler while the run starts (``ray.init`` makes SIGTERM a
plain ``sys.exit``, which would skip the checkpoint) is overruled with :func:`reclaim`.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopRequested(KeyboardInterrupt):
    """SIGINT or SIGTERM arrived while training.

    Attributes:
        signum: The signal's number.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_status(self) -> int:
        """The shell's convention for a process stopped by this signal: 128 + its number."""
        return 128 + self.signum


class _State:
    holding = 0  # nesting of stop_on_signals blocks that installed the handler
    depth = 0  # nesting of deferred blocks
    pending: int | None = None  # a signal that arrived inside one


def _handle(signum: int, frame: FrameType | None) -> None:
    if _State.depth > 0:
        _State.pending = signum
        return
    raise StopRequested(signum)


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """Turn SIGINT and SIGTERM into :class:`StopRequested` inside the block (main thread only; elsewhere
    the block runs unchanged), then restore the handlers that were there before."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[int, Any] = {signum: signal.signal(signum, _handle) for signum in STOP_SIGNALS}
    _State.holding += 1
    try:
        yield
    finally:
        _State.holding -= 1
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def reclaim() -> None:
    """Inside :func:`stop_on_signals`, install the handler again where a library replaced it (``ray.init``
    sets its own SIGTERM handler); elsewhere do nothing."""
    if _State.holding and threading.current_thread() is threading.main_thread():
        for signum in STOP_SIGNALS:
            signal.signal(signum, _handle)


@contextmanager
def deferred() -> Iterator[None]:
    """Hold a stop signal until the block (a checkpoint write) is done, then raise it.

    A block that fails raises its own error (the run stops on it all the same) and forgets the signal, which
    must not fire later in a block it was not sent to.
    """
    _State.depth += 1
    try:
        yield
    except BaseException:
        if _State.depth == 1:
            _State.pending = None
        raise
    finally:
        _State.depth -= 1
    if _State.depth == 0 and _State.pending is not None:
        signum, _State.pending = _State.pending, None
        raise StopRequested(signum)


def exit_status(interrupt: KeyboardInterrupt) -> int:
    """The exit status for a run stopped by ``interrupt``: 143 after SIGTERM, 130 after SIGINT."""
    return interrupt.exit_status if isinstance(interrupt, StopRequested) else 128 + signal.SIGINT
