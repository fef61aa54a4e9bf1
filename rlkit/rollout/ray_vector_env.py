"""The ``ray`` rollout backend: envs stepped by Ray actors, on this machine or across a cluster.

Each actor (:class:`~rlkit.rollout.ray_worker.RolloutWorker`) steps its envs in ``SAME_STEP`` autoreset
mode as a ``SyncVectorEnv``, or, with ``rollout.worker_backend`` ``batched`` (or ``auto``, for an env the
batched backend can run), as one batch of sims on ``rollout.threads`` threads (None: 1), for which it reserves
as many CPUs: a few such workers, one per machine of a cluster, each step a big share of the envs on all of
their machine's cores. The results are the same on either. Two ways to drive them:

* **The policy in the learner** (``rollout.inference: learner``): every step sends each actor its slice of
  the batched actions, in one remote call per actor (all issued before any is awaited), and gets numpy
  arrays back. The batch is bit-identical to the ``sync`` backend's for the same seeds. Each step costs a
  Ray round trip (about 1 ms), so this suits costly envs and big networks on a GPU.
* **The policy on the workers** (``worker``): :meth:`RayVectorEnv.attach_agent` gives every actor a CPU copy
  of the agent; :meth:`RayVectorEnv.request_fragments` sends the learner's weights once (through the object
  store) and every actor acts a whole fragment of steps on its own; :meth:`RayVectorEnv.fragments` waits
  for them. :mod:`rlkit.training.collectors` drives this.

A worker that dies (its process killed, its node lost) is replaced by a new actor, scheduled anywhere in the
cluster. Its envs restart from fresh deterministic seeds (their last seeds plus
``RESTART_SEED_OFFSET`` times the worker's restart count). With the policy in the learner, the step that
noticed the loss reports, for those envs only, a truncated episode: the new episode's first observation,
reward 0, ``truncated`` True, ``info["final_obs"]`` the last observation those envs delivered, and the mask
``info["worker_restarted"]`` (with ``info["_worker_restarted"]``) so that statistics can leave the cut
episodes out. With the policy on the workers, the lost fragment is collected again by the replacement, from
its new episodes, and :meth:`RayVectorEnv.fragments` names the envs that restarted: no step reaches the
learner twice, and none is missing from a fragment.

Ray is started (a local instance) or joined (``rollout.ray_address``) on first use, unless this process has
already initialized it, and left running until the process exits (Ray shuts it down at exit): later vector
envs in the same process reuse it instead of paying its start-up again.
"""

from __future__ import annotations

import contextlib
import logging
import math
import socket
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.vector.utils import batch_space

try:
    import ray
    import ray.exceptions
except ModuleNotFoundError:  # Ray is optional (pip install 'rlkit[ray]'): connect_ray says so when needed
    _HAVE_RAY = False
else:
    _HAVE_RAY = True

from rlkit.buffers.batches import concatenate, map_batches, take
from rlkit.config.schema import EnvConfig, RolloutConfig, RunConfig
from rlkit.errors import RlkitError
from rlkit.rollout.env_seeds import RESTART_SEED_OFFSET
from rlkit.rollout.ray_worker import Fragment, RolloutWorker
from rlkit.seeding import per_env_seeds, stream_seed

logger = logging.getLogger(__name__)


#: How many replacements in a row may fail before the loss is an error rather than bad luck.
_MAX_REPLACEMENT_ATTEMPTS = 3

#: Seconds to wait for a TCP connection to ``rollout.ray_address`` before calling it unreachable.
_CONNECT_TIMEOUT_S = 5.0


class RayVectorEnv(gym.vector.VectorEnv):
    """``num_envs`` envs stepped by ``rollout.num_workers`` Ray actors, with the ``sync`` backend's semantics
    (and, once :meth:`attach_agent` was called, acting on their own in fragments).

    Args:
        env_config: The ``env`` section; every actor builds its envs from it with :func:`rlkit.envs.make_env`.
        num_envs: Envs stepped in parallel (a multiple of the number of workers).
        rollout: The ``rollout`` section: ``num_workers`` (None: one per CPU of the cluster, at most
            ``num_envs``, rounded down to a divisor of ``num_envs``), ``ray_address``, and each worker's
            ``worker_backend`` and ``threads``.
        render_mode: Passed to every env.

    Attributes:
        worker_restarts: Workers replaced after being lost, since construction.
        restarts: The same, for each worker.
        worker_backend: The in-process backend the workers step their envs on: ``sync`` or ``batched``.

    Raises:
        RlkitError: Ray cannot be started, or the cluster at ``rollout.ray_address`` cannot be reached.
        ValueError: ``num_envs`` is not a multiple of ``num_workers``.
    """

    def __init__(
        self,
        env_config: EnvConfig,
        num_envs: int,
        rollout: RolloutConfig | None = None,
        render_mode: str | None = None,
    ) -> None:
        rollout = rollout if rollout is not None else RolloutConfig(backend="ray")
        connect_ray(rollout.ray_address)  # first: it explains a missing Ray

        num_workers = rollout.num_workers or _default_num_workers(num_envs)
        if num_envs % num_workers:
            raise ValueError(f"num_envs ({num_envs}) must be a multiple of num_workers ({num_workers})")
        self.num_envs = num_envs
        self.num_workers = num_workers
        self.envs_per_worker = num_envs // num_workers
        self.restarts = [0] * num_workers
        self.worker_restarts = 0
        self._env_config = env_config
        self._render_mode = render_mode
        self._rollout = rollout
        self._actor_class = ray.remote(RolloutWorker)
        # Reserve up to one CPU per worker (a batched one: its threads) so that Ray spreads them over the
        # cluster's cores; less when the cluster is busy, so that a second vector env (or one on a small
        # cluster) never waits forever.
        wanted = float(rollout.threads or 1) if rollout.worker_backend != "sync" else 1.0
        available = ray.available_resources().get("CPU", 0.0)
        self._cpus_per_worker = math.floor(min(wanted, available / num_workers) * 1e4) / 1e4
        self._workers = [self._start_worker(self._cpus_per_worker) for _ in range(num_workers)]
        self._seeds: list[int | None] = [None] * num_envs
        self._last_obs: list[Any] = [None] * num_workers
        # A replaced worker's reset (observations, infos), reported by the next step.
        self._pending: dict[int, tuple[Any, dict[str, Any]]] = {}
        # The latest set_* call and set_attr of each name, replayed on a replacement so that state the
        # learner pushed into the envs (the curriculum's randomization scale) survives it.
        self._replay: dict[tuple[str, str], tuple[Any, ...]] = {}
        self._agent_config: RunConfig | None = None  # the run whose agent the workers act with
        self._request: tuple[Any, int, int] | None = None  # the fragments asked for: (state, steps, length)
        self._fragment_refs: dict[int, Any] = {}

        description = ray.get(self._workers[0].describe.remote())
        self.single_observation_space = description["observation_space"]
        self.single_action_space = description["action_space"]
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self.action_space = batch_space(self.single_action_space, num_envs)
        self.metadata = description["metadata"]
        self.render_mode = description["render_mode"]
        self.spec = description["spec"]
        self.worker_backend: str = description["backend"]

    # -----------------------------------------------------------------------------------------------------
    # The VectorEnv API
    # -----------------------------------------------------------------------------------------------------

    def reset(
        self, *, seed: int | list[int | None] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        """Reset every env (or those in ``options["reset_mask"]``); env ``i`` gets ``seed[i]``
        (an int ``seed``: ``seed + i``; None: unseeded), as on the ``sync`` backend."""
        seeds = per_env_seeds(seed, self.num_envs)
        options = dict(options) if options is not None else None
        mask = None if options is None else options.pop("reset_mask", None)
        if mask is None:
            self._seeds = seeds
        else:
            pairs = zip(self._seeds, seeds, mask, strict=True)
            self._seeds = [new if reset else old for old, new, reset in pairs]

        calls: dict[int, tuple[list[int | None], dict[str, Any] | None]] = {}
        for index in range(self.num_workers):
            rows = self._rows(index)
            if mask is None:
                calls[index] = (seeds[rows], options)
            elif mask[rows].any():  # a worker none of whose envs reset is left alone
                calls[index] = (seeds[rows], {**(options or {}), "reset_mask": np.asarray(mask[rows])})
        results = self._gather({index: self._workers[index].reset.remote(*calls[index]) for index in calls})
        for index, result in results.items():
            if isinstance(result, _Lost):  # replace it, then reset the replacement as asked
                self._replace(index, result.reason)
                result = self._retry(index, "reset", *calls[index])
            reset_options = calls[index][1]
            if reset_options is None or "reset_mask" not in reset_options:
                self._pending.pop(index, None)  # a full reset starts new episodes anyway
            results[index] = result
            self._last_obs[index] = result[0]
        observations = concatenate([self._last_obs[index] for index in range(self.num_workers)])
        infos: dict[str, Any] = {}
        for index, (_, part) in sorted(results.items()):
            self._merge_infos(infos, part, self._rows(index).start)
        return observations, infos

    def step(self, actions: Any) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Step every env, with ``SAME_STEP`` autoreset; one remote call per worker."""
        refs = {
            index: self._workers[index].step.remote(take(actions, self._rows(index)))
            for index in range(self.num_workers)
            if index not in self._pending
        }
        results = self._gather(refs)
        for index, result in results.items():
            if isinstance(result, _Lost):
                self._replace(index, result.reason)

        parts = []
        for index in range(self.num_workers):
            result = results.get(index)
            if result is None or isinstance(result, _Lost):
                observations, reset_infos = self._pending[index]
                count = self.envs_per_worker
                result = (
                    observations,
                    np.zeros(count),
                    np.zeros(count, dtype=np.bool_),
                    np.ones(count, dtype=np.bool_),
                    reset_infos,
                )
            parts.append(result)

        infos: dict[str, Any] = {}
        for index, part in enumerate(parts):
            self._merge_infos(infos, part[4], self._rows(index).start)
        for index in sorted(self._pending):
            last = self._last_obs[index]
            for row, env_index in enumerate(range(*self._rows(index).indices(self.num_envs))):
                final = {
                    "final_obs": map_batches(np.array, take(last, row)),
                    "final_info": {},
                    "worker_restarted": True,
                }
                infos = self._add_info(infos, final, env_index)
        self._pending.clear()
        for index, part in enumerate(parts):
            self._last_obs[index] = part[0]
        return (
            concatenate([part[0] for part in parts]),
            np.concatenate([part[1] for part in parts]),
            np.concatenate([part[2] for part in parts]),
            np.concatenate([part[3] for part in parts]),
            infos,
        )

    # -----------------------------------------------------------------------------------------------------
    # Acting on the workers (rollout.inference: worker)
    # -----------------------------------------------------------------------------------------------------

    def attach_agent(self, config: RunConfig) -> None:
        """Give every worker a CPU copy of ``config``'s agent to act with (and every replacement too);
        worker ``w``'s copy, after ``r`` replacements, is seeded with the stream
        ``acting/worker{w}/restart{r}`` of ``train.seed`` (:mod:`rlkit.seeding`)."""
        self._agent_config = config
        ray.get([self._attach(index, worker) for index, worker in enumerate(self._workers)])

    def _attach(self, index: int, worker: Any) -> Any:
        assert self._agent_config is not None
        name = f"acting/worker{index}/restart{self.restarts[index]}"
        seed = stream_seed(self._agent_config.train.seed, name)
        return worker.attach_agent.remote(self._agent_config, seed)

    def request_fragments(self, acting_state: dict[str, Any], env_steps: int, steps: int) -> None:
        """Ask every worker for its next ``steps`` vector steps, acted with the learner's ``acting_state``,
        starting at the learner's ``env_steps``, without waiting: the workers collect while the learner
        goes on."""
        state = ray.put(acting_state)  # one copy in the object store, shared by every worker
        self._request = (state, env_steps, steps)
        self._fragment_refs = {
            index: worker.collect.remote(state, env_steps, self.num_envs, steps)
            for index, worker in enumerate(self._workers)
        }

    def fragments(self) -> tuple[Fragment, np.ndarray]:
        """Wait for the requested fragments: every env's steps, joined in env order, and the mask of envs
        whose worker was lost and replaced meanwhile (their fragment is the replacement's, from episodes
        it started afresh; the lost worker's steps never reached the learner)."""
        if self._request is None:
            raise RuntimeError("fragments() called without request_fragments()")
        results = self._gather(self._fragment_refs)
        restarted = np.zeros(self.num_envs, dtype=bool)
        for index, result in results.items():
            if isinstance(result, _Lost):
                self._replace(index, result.reason)
                self._pending.pop(index, None)  # the replacement keeps its reset observations itself
                state, env_steps, steps = self._request
                results[index] = self._retry(index, "collect", state, env_steps, self.num_envs, steps)
                restarted[self._rows(index)] = True
        self._request, self._fragment_refs = None, {}
        return Fragment.join([results[index] for index in range(self.num_workers)]), restarted

    def call(self, name: str, *args: Any, **kwargs: Any) -> tuple[Any, ...]:
        """``name(*args, **kwargs)`` on every env (or the value of attribute ``name``), in env order."""
        results = self._gather(
            {index: worker.call.remote(name, args, kwargs) for index, worker in enumerate(self._workers)}
        )
        for index, result in results.items():
            if isinstance(result, _Lost):
                self._replace(index, result.reason)
                results[index] = self._retry(index, "call", name, args, kwargs)
        if name.startswith("set_"):
            self._replay["call", name] = (args, kwargs)
        return tuple(value for index in range(self.num_workers) for value in results[index])

    def get_attr(self, name: str) -> tuple[Any, ...]:
        """The attribute ``name`` of every env."""
        return self.call(name)

    def set_attr(self, name: str, values: list[Any] | tuple[Any, ...] | Any) -> None:
        """Set attribute ``name`` of every env: to ``values[i]`` for env ``i`` (a list or tuple), else to
        ``values``."""
        if not isinstance(values, list | tuple):
            values = [values] * self.num_envs
        if len(values) != self.num_envs:
            raise ValueError(f"set_attr got {len(values)} values for {self.num_envs} envs")
        values = list(values)
        results = self._gather(
            {
                index: worker.set_attr.remote(name, values[self._rows(index)])
                for index, worker in enumerate(self._workers)
            }
        )
        for index, result in results.items():
            if isinstance(result, _Lost):
                self._replace(index, result.reason)
                self._retry(index, "set_attr", name, values[self._rows(index)])
        self._replay["set_attr", name] = (values,)

    def render(self) -> tuple[Any, ...]:
        """Every env's frame, in env order."""
        return self.call("render")

    def close_extras(self, **kwargs: Any) -> None:
        """Close the envs and end the actors (Ray itself keeps running until the process exits)."""
        workers = getattr(self, "_workers", [])  # none when the constructor failed
        if not workers:
            return
        if not ray.is_initialized():  # shut down already (at exit): the actors went with it
            return
        # Let the envs release what they hold (renderers) before the processes go; a lost or stuck worker
        # is killed all the same.
        with contextlib.suppress(Exception):
            ray.get([worker.close.remote() for worker in workers], timeout=10)
        for worker in workers:
            ray.kill(worker)
        self._workers = []

    # -----------------------------------------------------------------------------------------------------
    # Introspection
    # -----------------------------------------------------------------------------------------------------

    @property
    def workers(self) -> list[Any]:
        """The worker actors' handles, worker ``w`` stepping envs ``w * envs_per_worker`` onwards."""
        return list(self._workers)

    def worker_nodes(self) -> list[str]:
        """The id of the Ray node each worker runs on."""
        return ray.get([worker.node_id.remote() for worker in self._workers])

    # -----------------------------------------------------------------------------------------------------
    # Workers and their replacement
    # -----------------------------------------------------------------------------------------------------

    def _rows(self, index: int) -> slice:
        return slice(index * self.envs_per_worker, (index + 1) * self.envs_per_worker)

    def _start_worker(self, cpus: float) -> Any:
        # Ray's own actor restarts are off (max_restarts=0): a restarted actor would come back with fresh
        # envs and no word to the learner. SPREAD places the workers on as many nodes as it can.
        return self._actor_class.options(num_cpus=cpus, max_restarts=0, scheduling_strategy="SPREAD").remote(
            self._env_config, self.envs_per_worker, self._render_mode, self._rollout
        )

    def _gather(self, refs: dict[int, Any]) -> dict[int, Any]:
        """Wait for one call per worker; a worker that is lost gets a :class:`_Lost`."""
        try:
            return dict(zip(refs, ray.get(list(refs.values())), strict=True))
        except _worker_lost_errors():
            pass
        results: dict[int, Any] = {}
        for index, ref in refs.items():  # find which were lost; the others' results are ready or nearly
            try:
                results[index] = ray.get(ref)
            except _worker_lost_errors() as error:
                results[index] = _Lost(_first_line(error))
        return results

    def _retry(self, index: int, method: str, *args: Any) -> Any:
        """Call ``method`` on worker ``index`` (a fresh replacement), replacing it again if it is lost."""
        for _ in range(_MAX_REPLACEMENT_ATTEMPTS):
            try:
                return ray.get(getattr(self._workers[index], method).remote(*args))
            except _worker_lost_errors() as error:
                self._replace(index, _first_line(error))
        raise RuntimeError(
            f"ray rollout {self._describe(index)} was lost {_MAX_REPLACEMENT_ATTEMPTS} times in a row"
        )

    def _replace(self, index: int, reason: str) -> None:
        """Start a new actor in place of lost worker ``index`` and reset its envs from fresh seeds; the next
        step reports the cut episodes."""
        for _ in range(_MAX_REPLACEMENT_ATTEMPTS):
            self.restarts[index] += 1
            self.worker_restarts += 1
            with contextlib.suppress(Exception):  # it may linger (its node unreachable): make sure it is gone
                ray.kill(self._workers[index])
            # The lost worker's CPUs may be gone with its node: take none rather than wait for them.
            free = ray.available_resources().get("CPU", 0.0)
            worker = self._start_worker(self._cpus_per_worker if free >= self._cpus_per_worker else 0.0)
            self._workers[index] = worker
            rows = self._rows(index)
            offset = RESTART_SEED_OFFSET * self.restarts[index]
            seeds = [None if seed is None else seed + offset for seed in self._seeds[rows]]
            try:
                if self._agent_config is not None:
                    ray.get(self._attach(index, worker))
                for (kind, name), arguments in self._replay.items():
                    if kind == "call":
                        ray.get(worker.call.remote(name, *arguments))
                    else:
                        ray.get(worker.set_attr.remote(name, arguments[0][rows]))
                self._pending[index] = ray.get(worker.reset.remote(seeds, None))
            except _worker_lost_errors() as error:
                reason = _first_line(error)
                continue
            logger.warning(
                "ray rollout %s was lost (%s); replaced it on node %s (restart %d) and truncated the "
                "episodes of its envs",
                self._describe(index),
                reason,
                ray.get(worker.node_id.remote())[:12],
                self.restarts[index],
            )
            return
        raise RuntimeError(f"ray rollout {self._describe(index)} could not be replaced: {reason}")

    def _describe(self, index: int) -> str:
        """``worker 1 (envs 4-7)``, for messages."""
        rows = self._rows(index)
        if self.envs_per_worker == 1:
            return f"worker {index} (env {rows.start})"
        return f"worker {index} (envs {rows.start}-{rows.stop - 1})"

    def _merge_infos(self, infos: dict[str, Any], part: dict[str, Any], start: int) -> dict[str, Any]:
        """Put one worker's vectorized infos into ``infos`` at rows ``start`` onwards, creating each key's
        array as ``SyncVectorEnv`` would (zeros of the value's dtype, or None for objects)."""
        for key, value in part.items():
            if isinstance(value, dict):
                infos[key] = self._merge_infos(infos.get(key, {}), value, start)
                continue
            if key not in infos:
                shape = (self.num_envs, *value.shape[1:])
                objects = value.dtype == object
                infos[key] = np.full(shape, None, dtype=object) if objects else np.zeros(shape, value.dtype)
            infos[key][start : start + len(value)] = value
        return infos


@dataclass(frozen=True)
class _Lost:
    """A worker's call that found the worker gone."""

    reason: str


def connect_ray(address: str | None) -> None:
    """Initialize Ray for this process unless it already is: join the cluster at ``address``, or start a
    local instance of its own (None, even where ``RAY_ADDRESS`` or ``ray start`` names a running cluster:
    ``rollout.ray_address: auto`` joins that), quietly (no dashboard, worker output not forwarded).

    Raises:
        RlkitError: The address cannot be reached, or Ray fails to start or connect.
    """
    if not _HAVE_RAY:
        raise RlkitError("rollout.backend 'ray' needs Ray: pip install 'rlkit[ray]' (or 'ray>=2.60')")

    if ray.is_initialized():
        return
    _check_reachable(address)
    try:
        if address is None:  # "local": a plain ray.init() would join a cluster running on the machine
            ray.init(
                address="local", include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR
            )
        else:
            ray.init(address=address, log_to_driver=False, logging_level=logging.ERROR)
    except Exception as error:  # Ray raises ConnectionError, RuntimeError, ValueError... all mean the same
        where = "a local Ray instance" if address is None else f"rollout.ray_address '{address}'"
        raise RlkitError(f"cannot connect to {where}: {_first_line(error)}") from None


def _check_reachable(address: str | None) -> None:
    """Fail fast on an explicit ``host:port`` nobody listens on: Ray itself retries it for minutes."""
    if address is None or address in ("auto", "local"):
        return
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        return  # not host:port; let Ray judge it
    try:
        socket.create_connection((host, int(port)), timeout=_CONNECT_TIMEOUT_S).close()
    except OSError as error:
        raise RlkitError(f"cannot connect to rollout.ray_address '{address}': {_first_line(error)}") from None


def _default_num_workers(num_envs: int) -> int:
    """One worker per CPU of the cluster, at most ``num_envs``, rounded down to a divisor of ``num_envs``."""
    cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
    return max(count for count in range(1, min(cpus, num_envs) + 1) if num_envs % count == 0)


def _worker_lost_errors() -> tuple[type[BaseException], ...]:
    """Errors that mean a worker (or the node it ran on) is gone, not that its env raised."""
    return (ray.exceptions.RayActorError, ray.exceptions.ObjectLostError)


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
