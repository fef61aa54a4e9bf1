"""An SB3 ``VecEnv`` whose steps are taken by rlkit's training loop: SB3's ``learn()`` runs unchanged in a
worker thread and, whenever it steps its env, hands its actions to the loop and waits for the outcome.

The two threads strictly alternate (one always waits on the other), so a run is as deterministic as either
loop alone, and the loop can evaluate, checkpoint or stop while ``learn()`` waits inside ``step_wait``.

Gymnasium's ``SAME_STEP`` autoreset (rlkit's vector envs) gives the next episode's first observation in the
next ``explore(obs)`` call, while :class:`~rlkit.agents.base.StepResult` carries the finished episode's final
one; SB3 wants both from one ``step_wait`` (the first as the observation, the final one as
``info["terminal_observation"]``). So the loop's step is delivered when the next ``explore`` arrives, or at
once (:meth:`LoopBridge.flush`) for the run's last step, so that SB3 still learns from it.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from stable_baselines3.common.vec_env.base_vec_env import VecEnv

from rlkit.agents.base import StepResult
from rlkit.errors import RlkitError


class _StopLearningError(Exception):
    """Raised inside ``learn()`` to end the worker thread when the agent goes away."""


class LoopBridge(VecEnv):
    """The env SB3 learns on; its other side is driven by the rlkit agent.

    Args:
        num_envs: Envs the rlkit loop steps in parallel.
        observation_space: A single env's observation space.
        action_space: A single env's action space.
    """

    def __init__(
        self, num_envs: int, observation_space: gym.Space[Any], action_space: gym.Space[Any]
    ) -> None:
        self.render_mode = None
        super().__init__(num_envs, observation_space, action_space)
        self._to_learner: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=1)
        self._to_loop: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=1)
        self._thread: threading.Thread | None = None
        self._pending: StepResult | None = None
        self._actions: np.ndarray | None = None
        #: ``learn()`` returned (its own ``total_timesteps`` reached); the agent acts with its policy alone.
        self.finished = False

    # ---------------------------------------------------------------- the rlkit loop's side

    def actions_for(self, obs: Any, learn: Callable[[], None]) -> np.ndarray | None:
        """Deliver the pending step with ``obs`` (starting ``learn`` on the first call) and return the actions
        SB3 chose for ``obs``; None once ``learn()`` has returned."""
        if self.finished:
            return None
        if self._thread is None:
            self._thread = threading.Thread(target=self._learn, args=(learn,), name="sb3-learn", daemon=True)
            self._thread.start()
            self._to_learner.put(("reset", obs))
        elif self._pending is not None:
            self._to_learner.put(("step", self._sb3_step(self._pending, obs)))
            self._pending = None
        return self._receive()

    def record(self, step: StepResult) -> None:
        """Keep the loop's step until the next observation arrives."""
        self._pending = step

    def flush(self) -> None:
        """Deliver the pending step now (the run's last), and let SB3 learn from it."""
        if self._pending is None or self._thread is None or self.finished:
            return
        step, self._pending = self._pending, None
        self._to_learner.put(("step", self._sb3_step(step, step.next_obs)))
        self._receive()

    def cut_episodes(self, envs: np.ndarray | None) -> None:
        """The loop reset ``envs`` (None: all): end their episodes in the pending step as time-outs."""
        if self._pending is None:
            return
        mask = np.ones(self.num_envs, bool) if envs is None else np.asarray(envs, bool)
        step = self._pending
        self._pending = StepResult(step.rewards, step.terminated, step.truncated | mask, step.next_obs)

    def stop(self) -> None:
        """End the worker thread (it is waiting for the loop)."""
        if self._thread is not None and self._thread.is_alive() and not self.finished:
            self._to_learner.put(("stop", None))

    def _receive(self) -> np.ndarray | None:
        kind, payload = self._to_loop.get()
        if kind == "error":
            self.finished = True
            if isinstance(payload, AssertionError | ValueError | TypeError):
                # SB3 checks many hyperparameters only once it trains (batch sizes, buffer shapes): the
                # user's config, not a bug, so one line rather than a traceback from the learner thread
                reason = (
                    str(payload).strip().splitlines()[0] if str(payload).strip() else type(payload).__name__
                )
                raise RlkitError(
                    f"stable-baselines3 stopped while training: {reason} (check agent.hyperparameters)"
                ) from payload
            raise payload
        if kind == "finished":
            self.finished = True
            return None
        return payload

    def _learn(self, learn: Callable[[], None]) -> None:
        try:
            learn()
        except _StopLearningError:
            return
        except BaseException as exc:  # handed to the loop's thread, which raises it
            self._to_loop.put(("error", exc))
            return
        self._to_loop.put(("finished", None))

    def _sb3_step(self, step: StepResult, obs: Any) -> tuple[Any, np.ndarray, np.ndarray, list[dict]]:
        """SB3's ``(obs, rewards, dones, infos)``: the final observations as ``terminal_observation``."""
        dones = np.asarray(step.terminated) | np.asarray(step.truncated)
        infos: list[dict[str, Any]] = [{} for _ in range(self.num_envs)]
        for index in np.flatnonzero(dones):
            final = step.next_obs
            infos[index] = {
                "terminal_observation": (
                    {key: value[index] for key, value in final.items()}
                    if isinstance(final, dict)
                    else final[index]
                ),
                "TimeLimit.truncated": bool(step.truncated[index] and not step.terminated[index]),
            }
        return obs, np.asarray(step.rewards, dtype=np.float32), dones, infos

    # ---------------------------------------------------------------- SB3's side (the worker thread)

    def _wait_for_loop(self) -> Any:
        kind, payload = self._to_learner.get()
        if kind == "stop":
            raise _StopLearningError
        return payload

    def reset(self) -> Any:
        return self._wait_for_loop()

    def step_async(self, actions: np.ndarray) -> None:
        self._actions = actions

    def step_wait(self) -> tuple[Any, np.ndarray, np.ndarray, list[dict]]:
        self._to_loop.put(("actions", self._actions))
        return self._wait_for_loop()

    def close(self) -> None:
        self.stop()

    def get_attr(self, attr_name: str, indices: Any = None) -> list[Any]:
        return [getattr(self, attr_name, None)] * len(self._indices(indices))

    def set_attr(self, attr_name: str, value: Any, indices: Any = None) -> None:
        """The envs are rlkit's: nothing to set here."""

    def env_method(self, method_name: str, *args: Any, indices: Any = None, **kwargs: Any) -> list[Any]:
        raise NotImplementedError(f"rlkit steps these envs; SB3 cannot call '{method_name}' on them")

    def env_is_wrapped(self, wrapper_class: type, indices: Any = None) -> list[bool]:
        return [False] * len(self._indices(indices))

    def _indices(self, indices: Any) -> Sequence[int]:
        if indices is None:
            return range(self.num_envs)
        return [indices] if isinstance(indices, int) else list(indices)
