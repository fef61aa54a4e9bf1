"""The backends whose envs step in the calling process, ``sync`` and ``batched``, and ``auto``'s choice
between them.

``auto`` runs the envs on the ``batched`` backend where it can (a MuJoCo task it batches or MPE's
simple_spread, no setting it refuses, no render mode), else on ``sync``. The two compute the same results to
the bit for the same seeds, so the choice changes the speed, never the data. The ``ray`` backend's workers
build their envs here too (``rollout.worker_backend``).
"""

from __future__ import annotations

import gymnasium as gym
import mujoco
from gymnasium.vector import AutoresetMode

from rlkit.config.schema import EnvConfig, RolloutConfig
from rlkit.envs import make_env
from rlkit.envs.multi_agent.spread_batch import SpreadGames, spread_game
from rlkit.errors import RlkitError
from rlkit.rollout.agent_rows import AgentRowsVectorEnv
from rlkit.rollout.batched import BatchedVectorEnv, batched_vector_env

#: The backends this module builds: ``auto`` picks one of the other two.
IN_PROCESS_BACKENDS = ("sync", "batched", "auto")

#: A vector env stepped in this process.
InProcessVectorEnv = gym.vector.SyncVectorEnv | BatchedVectorEnv


def make_in_process_vector_env(
    env_config: EnvConfig,
    num_envs: int,
    backend: str,
    rollout: RolloutConfig | None = None,
    render_mode: str | None = None,
    first: gym.Env | None = None,
    teacher_view: bool = False,
) -> InProcessVectorEnv:
    """Build ``num_envs`` envs of ``env_config`` on ``backend`` (``sync``, ``batched`` or ``auto``).

    Args:
        env_config: The ``env`` section.
        num_envs: Envs stepped in parallel.
        backend: ``sync``, ``batched``, or ``auto`` (``batched`` where :func:`batched_or_refusal` builds one,
            else ``sync``).
        rollout: The ``rollout`` section, for ``threads`` of a batched env (None: one per CPU core).
        render_mode: Passed to every env; a batched env does not render, so ``auto`` picks ``sync``.
        first: Env 0 of a ``sync`` env, already built (and checked) by the caller; closed when not used.
        teacher_view: Report what a privileged teacher observes in every env's ``info`` (``rlkit distill``).

    Raises:
        RlkitError: ``backend`` is ``batched`` and the env cannot be batched, or asks to render.
    """
    if backend not in IN_PROCESS_BACKENDS:
        raise ValueError(f"unknown in-process backend '{backend}' (valid: {', '.join(IN_PROCESS_BACKENDS)})")
    if backend == "batched":
        if first is not None:
            first.close()
        if render_mode is not None:
            raise RlkitError("rollout.backend batched does not render yet; use rollout.backend sync")
        return batched_vector_env(env_config, num_envs, rollout, teacher_view=teacher_view)
    if backend == "auto":
        batched = batched_or_refusal(env_config, num_envs, rollout, render_mode, teacher_view)
        if isinstance(batched, BatchedVectorEnv):
            if first is not None:
                first.close()
            return batched
    env0 = (
        first
        if first is not None
        else make_env(env_config, render_mode=render_mode, check=False, teacher_view=teacher_view)
    )
    makers = [lambda: env0] + [
        lambda: make_env(env_config, render_mode=render_mode, check=False, teacher_view=teacher_view)
    ] * (num_envs - 1)
    return gym.vector.SyncVectorEnv(makers, autoreset_mode=AutoresetMode.SAME_STEP)


def batched_or_refusal(
    env_config: EnvConfig,
    num_envs: int,
    rollout: RolloutConfig | None = None,
    render_mode: str | None = None,
    teacher_view: bool = False,
) -> BatchedVectorEnv | str:
    """A batched env of ``num_envs`` envs of ``env_config``, or the one-line reason it cannot be built
    (the batched backend's own error: the setting or the env it cannot run yet, or the render mode)."""
    if render_mode is not None:
        return f"render_mode '{render_mode}': the batched backend does not render"
    try:
        return batched_vector_env(env_config, num_envs, rollout, teacher_view=teacher_view)
    except RlkitError as refusal:  # its advice, to use sync, is what auto does
        return str(refusal).removesuffix("; use rollout.backend sync")


def describe_auto_choice(env: gym.vector.VectorEnv, env_config: EnvConfig) -> str | None:
    """What ``auto`` picked for ``env`` (built from ``env_config``) and why, in one line for a run's log;
    None for an env that is neither a MuJoCo sim nor a game the backend batches (``sync`` is then the only
    choice, and nothing to explain). A multi-agent vector's choice is its games'."""
    env = _games(env)
    if isinstance(env, gym.vector.SyncVectorEnv) and not _batchable_kind(env.envs[0]):
        return None
    if isinstance(env, BatchedVectorEnv):
        threads = f"{env.threads} thread" + ("s" if env.threads != 1 else "")
        if isinstance(env.handed_to, SpreadGames):  # no sims: the games are arrays, stepped on one thread
            return f"batched ({env.num_envs} games as NumPy arrays)"
        return f"batched ({env.num_envs} envs as one batch of sims on {threads})"
    refusal = batched_or_refusal(env_config, 1)
    if isinstance(refusal, BatchedVectorEnv):  # batchable after all: the env was built to render
        refusal.close()
        refusal = "its envs render"
    return f"sync (the batched backend cannot run it: {refusal})"


def _batchable_kind(env: gym.Env) -> bool:
    """Whether ``env`` is of a kind the batched backend runs: a MuJoCo sim (rlkit's tasks, Gymnasium's MuJoCo
    envs) or MPE's simple_spread."""
    return isinstance(getattr(env.unwrapped, "model", None), mujoco.MjModel) or spread_game(env) is not None


def _games(env: gym.vector.VectorEnv) -> gym.vector.VectorEnv:
    """The vector env that steps ``env``'s envs: a multi-agent vector's games, else ``env`` itself."""
    return env.games if isinstance(env, AgentRowsVectorEnv) else env


def backend_name(env: gym.vector.VectorEnv) -> str:
    """``batched`` for a batched env (or a multi-agent vector of batched games), else ``sync``: the
    in-process backend ``env`` steps on."""
    return "batched" if isinstance(_games(env), BatchedVectorEnv) else "sync"
