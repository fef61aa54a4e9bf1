"""The ``subprocess`` rollout backend: envs stepped in worker processes, data exchanged in shared memory.

:class:`SubprocessVectorEnv` computes exactly what the ``sync`` backend's
``SyncVectorEnv(autoreset_mode=SAME_STEP)`` computes (the same seeds give bit-identical observations,
rewards and ``final_obs``), with ``num_workers`` processes each stepping ``num_envs / num_workers`` envs in
sequence. A step writes the actions to shared memory, sends every worker one byte, then waits for every
worker's reply; observations, rewards and episode ends come back through shared memory, and through the
pipe only infos, when there are any (the ``final_obs`` of episodes that ended among them). Protocol in
:mod:`rlkit.rollout.subprocess_worker`.

A worker that dies while stepping (killed, a segfault, an exception in an env) is replaced: the new worker
builds the same envs, resets them with fresh seeds, and the step returns for its envs the first observation
of a new episode, reward 0, ``truncated`` True, ``info["final_obs"]`` the last observation they delivered
and ``info["worker_restarted"]`` True (:attr:`SubprocessVectorEnv.worker_restarts` counts them). The
replacement first repeats the latest ``call`` with arguments and ``set_attr`` of each name, so that it goes
on in the world the caller configured. A failure while building or resetting envs is an error instead, so
that a broken env cannot restart forever.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing as mp
import os
import pickle
import signal
import time
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext, SpawnContext
from multiprocessing.process import BaseProcess
from typing import Any

import gymnasium as gym
import numpy as np
import numpy.typing as npt
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space, create_empty_array, iterate

from rlkit.config.schema import EnvConfig, RolloutConfig
from rlkit.errors import RlkitError
from rlkit.rollout.env_seeds import RESTART_SEED_OFFSET
from rlkit.rollout.shared_arrays import SharedArrays
from rlkit.rollout.subprocess_worker import (
    ARRAY_SPACES,
    FAILED,
    leaf_space,
    observation_leaves,
    run_worker,
)
from rlkit.seeding import per_env_seeds

logger = logging.getLogger(__name__)


#: Seconds a closing worker gets to close its envs before it is killed.
_CLOSE_TIMEOUT = 5.0

#: Modules the fork server imports once, so that each worker (and each replacement) starts by forking a
#: process that has them, instead of importing torch, MuJoCo and Gymnasium anew.
_PRELOAD = ["__main__", "rlkit.envs", "rlkit.rollout.subprocess_worker"]


@dataclass
class _WorkerHandle:
    """The parent's side of one worker process."""

    index: int
    first: int
    count: int
    process: BaseProcess
    conn: Connection
    restarts: int = 0
    #: Why the worker is known to be dead (a failed send, or a reply that reports a failure).
    dead: str | None = None
    #: A replacement started between steps: the next step returns its restart (these are its reset infos).
    pending: dict[str, Any] | None = None

    @property
    def envs(self) -> slice:
        return slice(self.first, self.first + self.count)

    def describe(self) -> str:
        """``worker 1 (envs 4-7)``, for messages."""
        if self.count == 1:
            return f"worker {self.index} (env {self.first})"
        return f"worker {self.index} (envs {self.first}-{self.first + self.count - 1})"


class SubprocessVectorEnv(VectorEnv):
    """``num_envs`` envs in ``rollout.num_workers`` worker processes, with ``sync``'s exact semantics.

    Gymnasium's ``SAME_STEP`` autoreset: a finished episode's last observation is in ``info["final_obs"]``
    (its last info in ``info["final_info"]``), ``step`` returns the next episode's first one. Observations
    may be arrays (Box, Discrete, MultiDiscrete, MultiBinary) or Dicts and Tuples of them, one shared array
    per part; actions of those kinds travel in shared memory, others pickled.

    Attributes:
        worker_restarts: Workers replaced after dying, since construction.

    Args:
        env_config: The ``env`` section; each worker builds its envs with :func:`rlkit.envs.make_env`.
        num_envs: Envs stepped in parallel.
        rollout: The ``rollout`` section, for ``num_workers`` (None: one worker per CPU core, at most
            ``num_envs``, and a divisor of it).
        render_mode: Passed to every env.
        start_method: ``forkserver`` (None: the default where there is one, else ``spawn``) or ``spawn``.
            Not ``fork``: the parent has torch loaded, and forking it copies its threads' locks.

    Raises:
        RlkitError: An env could not be built (names the env and the exception).
    """

    def __init__(
        self,
        env_config: EnvConfig,
        num_envs: int,
        rollout: RolloutConfig | None = None,
        render_mode: str | None = None,
        *,
        start_method: str | None = None,
    ) -> None:
        super().__init__()
        num_workers = _worker_count(num_envs, rollout.num_workers if rollout is not None else None)
        self.env_config = env_config
        self.num_envs = num_envs
        self.worker_restarts = 0
        self._render_mode = render_mode
        self._context = _context(start_method)
        self._workers: list[_WorkerHandle] = []
        self._shared: list[SharedArrays] = []  # a list so that the finalizer sees what is made later
        self._finalizer = weakref.finalize(self, _release, self._workers, self._shared)
        per_worker = num_envs // num_workers
        try:
            # Start every worker before waiting for any: they build their envs in parallel.
            for index in range(num_workers):
                self._workers.append(self._launch(index, index * per_worker, per_worker))
            ready = [self._await_ready(worker, "building its envs") for worker in self._workers]
            self._set_spaces(ready[0])
            for worker, description in zip(self._workers, ready, strict=True):
                self._check_spaces(worker, description)
            self._allocate()
            for worker in self._workers:
                worker.conn.send(("attach", self._shared[0].name, self._shared[0].specs))
        except BaseException:
            self.close()
            raise
        self._seeds: list[int | None] = [None] * num_envs
        self._slot = 0
        self._step_slot = 1
        #: Calls with arguments and ``set_attr`` values, latest per name: replayed on a replacement worker
        #: before it resets, so that it continues in the world the caller configured (the curriculum scale).
        self._settings: dict[tuple[str, str], tuple[Any, ...]] = {}

    # ------------------------------------------------------------------------------------------------
    # Construction

    def _launch(self, index: int, first: int, count: int) -> _WorkerHandle:
        return _WorkerHandle(index, first, count, *self._start_process(first, count))

    def _start_process(self, first: int, count: int) -> tuple[BaseProcess, Connection]:
        parent_conn, child_conn = self._context.Pipe()
        process = self._context.Process(
            target=run_worker,
            args=(child_conn, self.env_config, self._render_mode, first, count, self.num_envs, True),
            name=f"rlkit-env-worker-{first // count}",
            daemon=True,
        )
        process.start()
        child_conn.close()  # only the child holds its end now: a dead child reads as EOF here
        return process, parent_conn

    def _await_ready(self, worker: _WorkerHandle, doing: str) -> tuple[Any, ...]:
        try:
            message = worker.conn.recv()
        except (EOFError, OSError):
            worker.process.join(timeout=1.0)
            raise RlkitError(
                f"environment '{self.env_config.id}': rollout {worker.describe()} {_exit_reason(worker)} "
                f"while {doing}"
            ) from None
        if message[0] == "error":
            raise RlkitError(
                f"environment '{self.env_config.id}' failed to start in rollout {worker.describe()}, "
                f"env {message[1]}: {message[2]}"
            )
        return message

    def _set_spaces(self, ready: tuple[Any, ...]) -> None:
        _, observation_space, action_space, metadata, render_mode = ready
        try:
            self._paths = observation_leaves(observation_space)
        except TypeError as exc:
            raise RlkitError(
                f"environment '{self.env_config.id}' has {exc} observations; the subprocess rollout backend "
                "shares Box, Discrete, MultiDiscrete and MultiBinary ones (also inside Dict and Tuple "
                "spaces), rollout.backend=sync takes any"
            ) from None
        self.single_observation_space = observation_space
        self.single_action_space = action_space
        self.observation_space = batch_space(observation_space, self.num_envs)
        self.action_space = batch_space(action_space, self.num_envs)
        self.metadata = dict(metadata)
        self.metadata["autoreset_mode"] = AutoresetMode.SAME_STEP
        self.render_mode = render_mode

    def _check_spaces(self, worker: _WorkerHandle, ready: tuple[Any, ...]) -> None:
        if ready[1] != self.single_observation_space or ready[2] != self.single_action_space:
            raise RuntimeError(
                f"the envs of rollout {worker.describe()} have spaces {ready[1]}, {ready[2]}; those of "
                f"worker 0 are {self.single_observation_space}, {self.single_action_space}"
            )

    def _allocate(self) -> None:
        n = self.num_envs
        arrays: list[tuple[str, tuple[int, ...], npt.DTypeLike]] = []
        for index, path in enumerate(self._paths):
            empty = create_empty_array(leaf_space(self.single_observation_space, path), n=n, fn=np.zeros)
            assert isinstance(empty, np.ndarray)  # the leaves are array spaces (observation_leaves)
            arrays.append((f"obs{index}", (2, *empty.shape), empty.dtype))
        if isinstance(self.single_action_space, ARRAY_SPACES):
            empty = create_empty_array(self.single_action_space, n=n, fn=np.zeros)
            assert isinstance(empty, np.ndarray)
            arrays.append(("actions", empty.shape, empty.dtype))
        arrays += [
            ("rewards", (n,), np.float64),
            ("terminated", (n,), np.bool_),
            ("truncated", (n,), np.bool_),
        ]
        self._shared.append(SharedArrays(SharedArrays.layout(arrays)))
        views = self._shared[0].arrays
        self._obs = [views[f"obs{index}"] for index in range(len(self._paths))]
        self._actions = views.get("actions")
        self._rewards, self._terminated, self._truncated = (
            views["rewards"],
            views["terminated"],
            views["truncated"],
        )
        self._slot_messages = (b"\x00", b"\x01")

    # ------------------------------------------------------------------------------------------------
    # The VectorEnv API

    def reset(
        self, *, seed: int | list[int | None] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        """Reset every env; env ``i`` gets ``seed[i]`` (an int ``seed`` means ``seed + i``).

        Raises:
            RlkitError: An env raised while resetting, or a worker died.
        """
        seeds = per_env_seeds(seed, self.num_envs)
        if options is not None and "reset_mask" in options:
            raise NotImplementedError("the subprocess rollout backend resets every env (no reset_mask)")
        slot = 1 - self._slot
        for worker in self._workers:
            worker.pending = None
            self._send(worker, pickle.dumps(("reset", (slot, seeds[worker.envs], options))))
        replies = [self._receive(worker) for worker in self._workers]  # all of them, failed or not
        for worker, (_, failure) in zip(self._workers, replies, strict=True):
            if failure is not None:
                raise RlkitError(
                    f"environment '{self.env_config.id}' could not reset: rollout {worker.describe()} "
                    f"{failure}"
                )
        infos: dict[str, Any] = {}
        for reply, _ in replies:
            infos = _merge_infos(infos, pickle.loads(reply))
        self._seeds = seeds
        self._slot = slot
        return self._observations(slot), infos

    def step_async(self, actions: Any) -> None:
        """Hand every worker its actions and let them step (their results: :meth:`step_wait`)."""
        slot = 1 - self._slot
        buffer = self._actions
        if (
            buffer is not None
            and isinstance(actions, np.ndarray)
            and actions.dtype == buffer.dtype
            and actions.shape == buffer.shape
        ):
            np.copyto(buffer, actions)
            items = None
        else:  # other types or dtypes travel as they are, so the envs see exactly what sync gives them
            items = list(iterate(self.action_space, actions))
        for worker in self._workers:
            if worker.pending is None and worker.dead is None:
                message = (
                    self._slot_messages[slot]
                    if items is None
                    else pickle.dumps(("step", (slot, items[worker.envs])), pickle.HIGHEST_PROTOCOL)
                )
                self._send(worker, message)
        self._step_slot = slot

    def step_wait(self) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Wait for every worker; replace those that died, truncating their envs' episodes."""
        slot = self._step_slot
        infos: dict[str, Any] = {}
        restarted: list[_WorkerHandle] = []
        for worker in self._workers:
            if worker.pending is None:
                reply, failure = self._receive(worker)
                if failure is not None:
                    worker.pending = self._restart(worker, slot, failure)
                elif reply:
                    infos = _merge_infos(infos, pickle.loads(reply))
            if worker.pending is not None:
                infos = _merge_infos(infos, self._restart_infos(worker, slot))
                restarted.append(worker)
        self._slot = slot
        observations = self._observations(slot)
        rewards = self._rewards.copy()
        terminated = self._terminated.copy()
        truncated = self._truncated.copy()
        for worker in restarted:
            envs = worker.envs
            rewards[envs], terminated[envs], truncated[envs] = 0.0, False, True
        return observations, rewards, terminated, truncated, infos

    def _restart_infos(self, worker: _WorkerHandle, slot: int) -> dict[str, Any]:
        """The infos of a replaced worker's envs: their cut episodes' last observations (the other slot,
        intact) as ``final_obs``, the new episodes' reset infos, and ``worker_restarted``."""
        envs = range(worker.first, worker.first + worker.count)
        infos: dict[str, Any] = {}
        for index in envs:
            final_obs = self._assemble(view[1 - slot][index].copy() for view in self._obs)
            infos = self._add_info(infos, {"final_obs": final_obs, "final_info": {}}, index)
        infos = _merge_infos(infos, worker.pending or {})
        for index in envs:
            infos = self._add_info(infos, {"worker_restarted": True}, index)
        worker.pending = None
        return infos

    def step(self, actions: Any) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Step every env with its action (``step_async`` then ``step_wait``)."""
        self.step_async(actions)
        return self.step_wait()

    def call(self, name: str, *args: Any, **kwargs: Any) -> tuple[Any, ...]:
        """Call method ``name`` of every env (through its wrappers), or read the attribute; one result each.

        Calls with arguments are remembered, latest per name, and replayed on a replacement worker.
        """
        results = self._broadcast("call", [(name, args, kwargs)] * len(self._workers))
        if args or kwargs:
            self._settings[("call", name)] = (name, args, kwargs)
        return tuple(result for worker_results in results for result in worker_results)

    def get_attr(self, name: str) -> tuple[Any, ...]:
        """The attribute ``name`` of every env."""
        return self.call(name)

    def set_attr(self, name: str, values: list[Any] | tuple[Any, ...] | Any) -> None:
        """Set attribute ``name`` of every env: to ``values[i]`` for env ``i``, or to ``values`` for all."""
        if not isinstance(values, (list, tuple)):
            values = [values] * self.num_envs
        if len(values) != self.num_envs:
            raise ValueError(
                "Values must be a list or tuple with length equal to the number of environments. "
                f"Got `{len(values)}` values for {self.num_envs} environments."
            )
        self._broadcast("set", [(name, list(values[worker.envs])) for worker in self._workers])
        self._settings[("set", name)] = (name, list(values))

    def render(self) -> tuple[Any, ...]:
        """Every env's rendered frame."""
        return self.call("render")

    def close_extras(self, **kwargs: Any) -> None:
        """Stop the workers (they close their envs) and free the shared memory."""
        self._finalizer()

    # ------------------------------------------------------------------------------------------------
    # Messages, observations and restarts

    def _send(self, worker: _WorkerHandle, message: bytes) -> None:
        try:
            worker.conn.send_bytes(message)
        except OSError:  # BrokenPipeError and friends: it died
            worker.process.join(timeout=1.0)
            worker.dead = worker.dead or _exit_reason(worker)

    def _receive(self, worker: _WorkerHandle) -> tuple[bytes, str | None]:
        """A worker's reply, or why there is none (the worker is then dead or about to exit)."""
        if worker.dead is None:
            try:
                reply = worker.conn.recv_bytes()
            except (EOFError, OSError):
                pass
            else:
                if not reply.startswith(FAILED):
                    return reply, None
                worker.dead = "failed in " + reply[len(FAILED) :].decode(errors="replace")
        worker.process.join(timeout=1.0)
        return b"", worker.dead or _exit_reason(worker)

    def _broadcast(self, command: str, payloads: list[Any]) -> list[Any]:
        """Send ``command`` to every worker, and gather the results; a dead worker is replaced (its restart
        is the next step's) and asked again."""
        message = [pickle.dumps((command, payload), pickle.HIGHEST_PROTOCOL) for payload in payloads]
        for worker in self._workers:
            if worker.dead is None:
                self._send(worker, message[worker.index])
        results, error = [], None
        for worker in self._workers:
            reply, failure = self._receive(worker)
            if failure is not None:
                worker.pending = self._restart(worker, 1 - self._slot, failure)
                self._send(worker, message[worker.index])
                reply, failure = self._receive(worker)
                if failure is not None:
                    raise RlkitError(
                        f"environment '{self.env_config.id}': rollout {worker.describe()} {failure} "
                        f"(in '{command}', right after a restart)"
                    )
            status, value = pickle.loads(reply)
            if status == "raise":
                error = error or value
            results.append(value)
        if error is not None:
            raise error
        return results

    def _restart(self, worker: _WorkerHandle, slot: int, failure: str) -> dict[str, Any]:
        """Replace a dead worker in place: same envs, same settings, fresh seeds; reset observations go to
        ``slot``. Returns the reset infos.

        Raises:
            RlkitError: The replacement failed to build or reset its envs.
        """
        restarts = worker.restarts + 1
        logger.warning(
            "rollout %s %s; restarted it (restart %d) and truncated its envs' episodes",
            worker.describe(),
            failure,
            restarts,
        )
        _reap(worker, timeout=0.0)  # it is dead, or as good as: no goodbye
        worker.process, worker.conn = self._start_process(worker.first, worker.count)
        worker.restarts, worker.dead = restarts, None
        self.worker_restarts += 1
        doing = f"replacing it (it {failure})"
        self._check_spaces(worker, self._await_ready(worker, doing))
        worker.conn.send(("attach", self._shared[0].name, self._shared[0].specs))
        for (command, _), payload in self._settings.items():
            if command == "set":
                name, values = payload
                payload = (name, values[worker.envs])
            self._send(worker, pickle.dumps((command, payload), pickle.HIGHEST_PROTOCOL))
            reply, reason = self._receive(worker)
            status, value = ("raise", reason) if reason is not None else pickle.loads(reply)
            if status != "ok":
                raise RlkitError(
                    f"environment '{self.env_config.id}': rollout {worker.describe()} failed to repeat "
                    f"'{command} {payload[0]}' while {doing}: {value}"
                )
        seeds = [
            None if seed is None else seed + RESTART_SEED_OFFSET * restarts
            for seed in self._seeds[worker.envs]
        ]
        self._send(worker, pickle.dumps(("reset", (slot, seeds, None)), pickle.HIGHEST_PROTOCOL))
        reply, reason = self._receive(worker)
        if reason is not None:
            raise RlkitError(
                f"environment '{self.env_config.id}': rollout {worker.describe()} {reason} while {doing}"
            )
        return pickle.loads(reply)

    def _observations(self, slot: int) -> Any:
        """A copy of the observations in ``slot``: the caller keeps them while the workers write on."""
        if len(self._obs) == 1 and not self._paths[0]:  # a plain array space: skip the structure
            return self._obs[0][slot].copy()
        return self._assemble(view[slot].copy() for view in self._obs)

    def _assemble(self, leaves: Iterator[Any]) -> Any:
        """Arrange one value per observation leaf into the observation space's structure."""
        return _nest(self.single_observation_space, leaves)


def _merge_infos(into: dict[str, Any], part: dict[str, Any]) -> dict[str, Any]:
    """Fold the vector infos of later envs (``part``, from ``_add_info``) into those of earlier ones
    (``into``, modified), with the result ``_add_info`` gives adding them one env after another: new keys
    go last, each with its mask ``_key``, and masked entries land in the existing arrays."""
    if not into:
        return part
    for key, value in part.items():
        mask_key = f"_{key}"
        if mask_key not in part:  # a mask itself: handled with its key
            continue
        mask = part[mask_key]
        if key not in into:
            into[key], into[mask_key] = value, mask
            continue
        if isinstance(value, dict):
            into[key] = _merge_infos(into[key], value)
        else:
            into[key][mask] = value[mask]
        into[mask_key] = into[mask_key] | mask
    return into


def _nest(space: gym.Space, leaves: Iterator[Any]) -> Any:
    if isinstance(space, gym.spaces.Dict):
        return {key: _nest(sub, leaves) for key, sub in space.spaces.items()}
    if isinstance(space, gym.spaces.Tuple):
        return tuple(_nest(sub, leaves) for sub in space.spaces)
    return next(leaves)


def _worker_count(num_envs: int, requested: int | None) -> int:
    if requested is not None:
        if num_envs % requested:
            raise ValueError(f"num_envs ({num_envs}) must be a multiple of num_workers ({requested})")
        return requested
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    # The most workers that the cores can run at once and that split the envs evenly.
    return max(count for count in range(1, min(cores, num_envs) + 1) if num_envs % count == 0)


def _context(start_method: str | None) -> ForkServerContext | SpawnContext:
    """The fork server where there is one, else spawn. A fork server forks each worker (and replacement)
    from a process that has imported torch, MuJoCo and the envs once: on 2 CPU cores, 2 workers start (and
    reset CartPole) in 0.94 s the first time in a process and 0.02 s after that, spawn takes 1.0 s every
    time (``benchmarks/vector_env_throughput.py --startup``)."""
    if start_method is None:
        start_method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
    if start_method not in ("forkserver", "spawn"):
        raise ValueError(f"start_method must be forkserver or spawn, got {start_method!r}")
    if start_method == "forkserver":
        context = mp.get_context("forkserver")
        context.set_forkserver_preload(_PRELOAD)  # takes effect when the server starts, the first time
        return context
    return mp.get_context("spawn")


def _exit_reason(worker: _WorkerHandle) -> str:
    code = worker.process.exitcode
    if code is None:
        return "stopped answering"
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with code {code}"


def _ask_to_close(worker: _WorkerHandle) -> None:
    """Ask a worker that may still listen to close its envs and exit."""
    if worker.process.is_alive():
        with contextlib.suppress(OSError):
            worker.conn.send_bytes(pickle.dumps(("close", None)))


def _reap(worker: _WorkerHandle, timeout: float) -> None:
    """Wait up to ``timeout`` seconds for a worker to exit, kill it if it has not, and drop its pipe."""
    worker.process.join(timeout)
    if worker.process.is_alive():
        worker.process.kill()
        worker.process.join()
    worker.conn.close()


def _release(workers: list[_WorkerHandle], shared: list[SharedArrays]) -> None:
    """Stop every worker, then free the shared memory (the finalizer's body: runs once)."""
    for worker in workers:  # all asked first: they close their envs in parallel
        _ask_to_close(worker)
    # One grace period for all of them (a worker busy in a slow step, as when Ctrl-C stops training, does
    # not answer): the parent stops within it however many workers there are.
    deadline = time.monotonic() + _CLOSE_TIMEOUT
    for worker in workers:
        _reap(worker, max(deadline - time.monotonic(), 0.0))
    for block in shared:
        block.close()
