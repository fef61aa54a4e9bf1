"""The worker process of the ``subprocess`` rollout backend, and the message protocol it speaks.

A worker builds a contiguous slice of a vector env's envs and steps them in sequence, exactly as
:class:`gymnasium.vector.SyncVectorEnv` does in ``SAME_STEP`` autoreset mode. Observations, rewards,
terminations, truncations and (for array action spaces) actions live in one shared-memory block (see
:class:`~rlkit.rollout.shared_arrays.SharedArrays`), so a step costs one message each way:

* parent → worker: one byte, the observation slot to write (0 or 1). Observations alternate between two
  slots so that the previous step's observations survive a worker that dies half-way through writing the
  next ones: they are the ``final_obs`` of the episodes that a crash cuts short.
* worker → parent: ``b""`` when no env produced an info and no episode ended, else the pickled infos of
  this worker's envs, laid out as ``SyncVectorEnv`` lays them out for all envs (``final_obs`` and
  ``final_info`` of the episodes that ended included), for the parent to fold together; or
  :data:`FAILED` followed by a one-line description of the exception the envs raised, after which the
  worker exits. Building the infos here keeps that work off the parent, which waits for every worker.

Other commands (``reset``, ``call``, ``set``, ``step`` with pickled actions, ``close``) are pickled
``(command, payload)`` pairs, answered by a pickled value. This module is what the worker imports: it
stays free of the parent-side machinery.
"""

from __future__ import annotations

import pickle
import signal
import traceback
from collections.abc import Iterator
from multiprocessing.connection import Connection
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.vector import VectorEnv

from rlkit.config.schema import EnvConfig
from rlkit.envs import make_env
from rlkit.rollout.shared_arrays import ArraySpec, SharedArrays

#: First byte of a reply that reports an exception in the envs (pickles start with b"\x80").
FAILED = b"!"

#: Spaces whose batch is one NumPy array, so that they fit one shared array.
ARRAY_SPACES = (gym.spaces.Box, gym.spaces.Discrete, gym.spaces.MultiDiscrete, gym.spaces.MultiBinary)


def observation_leaves(space: gym.Space) -> list[tuple[Any, ...]]:
    """The paths (dict keys, tuple positions) to the array spaces inside ``space``, in a fixed order.

    Raises:
        TypeError: A part of the space is not an array space, a Dict or a Tuple.
    """
    if isinstance(space, ARRAY_SPACES):
        return [()]
    if isinstance(space, gym.spaces.Dict):
        items: Iterator[tuple[Any, gym.Space]] = iter(space.spaces.items())
    elif isinstance(space, gym.spaces.Tuple):
        items = enumerate(space.spaces)
    else:
        raise TypeError(type(space).__name__)
    return [(key, *path) for key, sub in items for path in observation_leaves(sub)]


def leaf_space(space: gym.Space, path: tuple[Any, ...]) -> gym.Space:
    """The array space at ``path`` inside ``space``."""
    for key in path:
        # observation_leaves gives keys only inside Dict and Tuple spaces.
        assert isinstance(space, (gym.spaces.Dict, gym.spaces.Tuple))
        space = space[key]
    return space


def describe_exception(exc: BaseException) -> str:
    """``Type: first line of the message (file:line)``, the line where it was raised."""
    lines = str(exc).strip().splitlines()
    text = f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__
    frames = traceback.extract_tb(exc.__traceback__)
    if frames:
        text += f" ({frames[-1].filename}:{frames[-1].lineno})"
    return text


class EnvError(Exception):
    """An env raised while stepping or resetting; the message names it and the exception, in one line."""


class _InfoLayout(VectorEnv):
    """Only for Gymnasium's ``VectorEnv._add_info``: infos in exactly the layout ``SyncVectorEnv`` builds."""

    def __init__(self, num_envs: int) -> None:
        super().__init__()
        self.num_envs = num_envs


class _Worker:
    """The worker's envs and its views of the shared arrays."""

    def __init__(
        self, envs: list[gym.Env], first: int, num_envs: int, specs: tuple[ArraySpec, ...], name: str
    ) -> None:
        self.envs = envs
        self.first = first
        self.add_info = _InfoLayout(num_envs)._add_info
        self.shared = SharedArrays(specs, name)
        arrays = self.shared.arrays
        local = slice(first, first + len(envs))
        self.paths = observation_leaves(envs[0].observation_space)
        self.single_leaf = self.paths == [()]
        count = len(self.paths)
        # Per slot, per leaf: this worker's rows. Built once: the step loop only indexes them.
        self.slots = [[arrays[f"obs{j}"][slot, local] for j in range(count)] for slot in (0, 1)]
        self.actions = arrays["actions"][local] if "actions" in arrays else None
        self.rewards = arrays["rewards"][local]
        self.terminated = arrays["terminated"][local]
        self.truncated = arrays["truncated"][local]

    def write(self, rows: list[np.ndarray], index: int, obs: Any) -> None:
        if self.single_leaf:
            rows[0][index] = obs
            return
        for row, path in zip(rows, self.paths, strict=True):
            value = obs
            for key in path:
                value = value[key]
            row[index] = value

    def step(self, slot: int, actions: Any) -> bytes:
        rows = self.slots[slot]
        infos: dict[str, Any] = {}
        index = 0
        try:
            for index, env in enumerate(self.envs):
                obs, reward, terminated, truncated, info = env.step(actions[index])
                self.rewards[index] = reward
                self.terminated[index] = terminated
                self.truncated[index] = truncated
                if terminated or truncated:
                    infos = self.add_info(infos, {"final_obs": obs, "final_info": info}, self.first + index)
                    obs, info = env.reset()
                if info:
                    infos = self.add_info(infos, info, self.first + index)
                self.write(rows, index, obs)
        except Exception as exc:
            raise EnvError(f"env {self.first + index}: {describe_exception(exc)}") from exc
        return pickle.dumps(infos, pickle.HIGHEST_PROTOCOL) if infos else b""

    def reset(self, slot: int, seeds: list[int | None], options: dict | None) -> dict[str, Any]:
        infos: dict[str, Any] = {}
        index = 0
        try:
            for index, (env, seed) in enumerate(zip(self.envs, seeds, strict=True)):
                obs, info = env.reset(seed=seed, options=options)
                self.write(self.slots[slot], index, obs)
                infos = self.add_info(infos, info, self.first + index)
        except Exception as exc:
            raise EnvError(f"env {self.first + index}: {describe_exception(exc)}") from exc
        return infos

    def call(self, name: str, args: tuple, kwargs: dict) -> list[Any]:
        results = []
        for env in self.envs:
            function = env.get_wrapper_attr(name)
            results.append(function(*args, **kwargs) if callable(function) else function)
        return results

    def close(self) -> None:
        for env in self.envs:
            env.close()
        self.shared.close()


def run_worker(
    conn: Connection,
    env_config: EnvConfig,
    render_mode: str | None,
    first: int,
    count: int,
    num_envs: int,
    check: bool,
) -> None:
    """A worker's whole life: build envs ``first .. first + count - 1``, then serve commands until ``close``
    or until the parent goes away.

    The first message says whether the envs could be built: ``("ready", observation_space, action_space,
    metadata, render_mode)`` or ``("error", env index, description)``. The parent answers with
    ``("attach", shared-memory name, layout)``.

    Args:
        conn: This worker's end of its pipe.
        env_config: The ``env`` section.
        render_mode: Passed to every env.
        first: Index of the first env in the vector env.
        count: Envs this worker steps.
        num_envs: Envs of the whole vector env (the length of the info arrays).
        check: Wrap env 0 of the vector env in Gymnasium's env checker (as the ``sync`` backend does).
    """
    # Ctrl-C reaches the whole process group: the parent handles it and closes its workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    envs: list[gym.Env] = []
    try:
        for index in range(first, first + count):
            envs.append(make_env(env_config, render_mode=render_mode, check=check and index == 0))
    except Exception as exc:
        conn.send(("error", first + len(envs), describe_exception(exc)))
        return
    conn.send(
        (
            "ready",
            envs[0].observation_space,
            envs[0].action_space,
            dict(envs[0].metadata),
            envs[0].render_mode,
        )
    )
    try:
        message = conn.recv()
    except EOFError:
        return
    if message[0] != "attach":  # closed before it started (another worker failed to build its envs)
        return
    _, name, specs = message
    worker = _Worker(envs, first, num_envs, specs, name)
    try:
        _serve(conn, worker)
    finally:
        worker.close()


def _serve(conn: Connection, worker: _Worker) -> None:
    while True:
        try:
            message = conn.recv_bytes()
        except (EOFError, OSError):  # the parent is gone
            return
        if len(message) == 1:  # the hot path: step with the actions in shared memory
            # The parent sends this only when actions fit shared memory, so the worker has their view.
            assert worker.actions is not None
            # A fresh copy: an env may keep the action it was given (a latency queue).
            actions = worker.actions.copy()
            try:
                reply = worker.step(message[0], actions)
            except EnvError as failure:
                conn.send_bytes(FAILED + str(failure).encode())
                return
            conn.send_bytes(reply)
            continue
        command, payload = pickle.loads(message)
        if command in ("step", "reset"):  # a step's actions travel pickled when they do not fit shared memory
            try:
                if command == "step":
                    reply = worker.step(*payload)
                else:
                    reply = pickle.dumps(worker.reset(*payload), pickle.HIGHEST_PROTOCOL)
            except EnvError as failure:
                conn.send_bytes(FAILED + str(failure).encode())
                return
            conn.send_bytes(reply)
        elif command in ("call", "set"):
            try:
                if command == "call":
                    value: Any = ("ok", worker.call(*payload))
                else:
                    name, values = payload
                    for env, item in zip(worker.envs, values, strict=True):
                        env.set_wrapper_attr(name, item)
                    value = ("ok", None)
            except Exception as exc:  # the caller's mistake (say, an unknown name): raised in the parent
                value = ("raise", exc)
            try:
                reply = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
            except Exception:  # an unpicklable result or exception
                reply = pickle.dumps(("raise", RuntimeError(repr(value[1]))), pickle.HIGHEST_PROTOCOL)
            conn.send_bytes(reply)
        elif command == "close":
            conn.send_bytes(b"")
            return
        else:
            raise ValueError(f"unknown worker command {command!r}")
