"""rlkit from Python: train a run and load its policy, as the command line does (the CLI is a thin layer
over these two functions).

    import rlkit

    run = rlkit.train("cartpole-ppo", "train.total_steps=20000", run_dir="runs/cartpole")
    print(run.evaluation["mean_return"], run.metrics[-1]["env_steps"])

    policy = rlkit.load("runs/cartpole")
    env = policy.make_env()
    observation, _ = env.reset(seed=0)
    action = policy.act(observation)

The building blocks are exported from their packages: :func:`rlkit.config.load_config` (the validated run
config from a preset, a YAML file or a mapping), :func:`rlkit.envs.make_env` (one env, with the sim2real
layers its config asks for) and :func:`rlkit.rollout.make_vector_env` (a vector env on any rollout backend).
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from rlkit.buffers.batches import map_batches
from rlkit.config.loading import ConfigSource, load_named_config
from rlkit.config.schema import RunConfig
from rlkit.envs import make_env
from rlkit.errors import ConfigError
from rlkit.evaluate.restore import restore_agent
from rlkit.policy import Policy
from rlkit.registry import import_attr
from rlkit.rollout.agent_rows import GAME_OBSERVATIONS, agent_rows
from rlkit.runs.stop_signals import stop_on_signals
from rlkit.training.run import check_new_run_dir, default_run_dir, finish_run, open_run_dir, resume_run
from rlkit.training.trainer import Trainer

#: A user's env factory: called with no arguments (or with ``env.kwargs``), it returns a fresh Gymnasium env.
EnvFactory = Callable[..., gym.Env]

#: Gymnasium id namespace of env factories registered in this process (lambdas, closures, ``__main__``).
IN_PROCESS_NAMESPACE = "rlkit-python"


@dataclass(frozen=True)
class Run:
    """A training run that ended: trained its budget, reached its target return, or was stopped by Ctrl-C
    (or SIGTERM) with a checkpoint to resume from (``rlkit train --resume RUN_DIR``)."""

    #: The run directory: ``config.yaml``, ``metrics.csv``, ``checkpoints/``, ``eval.json``.
    run_dir: Path
    #: The resolved config the run trained with.
    config: RunConfig
    #: Env steps trained.
    env_steps: int
    #: Seconds spent training, over every session of the run (resumes included).
    wall_time: float
    #: The last checkpoint written (``final.pt``, or ``interrupted.pt`` after a stop).
    checkpoint: Path
    #: Whether a stop signal ended training early (then there is no final evaluation).
    interrupted: bool
    #: Whether training stopped at ``train.target_return``.
    reached_target: bool
    #: The final deterministic evaluation as written to ``eval.json`` (None when there was none).
    evaluation: dict[str, Any] | None
    #: ``metrics.csv``: one row per log interval, empty cells left out.
    metrics: list[dict[str, float]] = field(repr=False)
    #: 0, or the status of the stop signal (130 SIGINT, 143 SIGTERM) that ended training or cut the final
    #: evaluation short (then the trained policy is saved but ``evaluation`` is None).
    exit_status: int = 0

    def load(self, deterministic: bool = True) -> LoadedPolicy:
        """The policy of this run's last checkpoint (:func:`load`)."""
        return load(self.checkpoint, deterministic=deterministic)


class LoadedPolicy:
    """A trained policy that acts on one observation at a time, on the CPU.

    Built by :func:`load`. ``act`` takes one observation of the run's env (its observation space, sensor
    models and frame stacking included) and returns one action valid in its action space. A policy with
    memory (recurrent PPO, R2D2) carries it from call to call: call :meth:`reset` at every new episode.
    """

    def __init__(self, target: str | os.PathLike[str], deterministic: bool = True) -> None:
        restored = restore_agent(Path(target))
        #: The run's config (``env`` builds its env: :meth:`make_env`).
        self.config: RunConfig = restored.config
        #: The checkpoint the policy was loaded from.
        self.checkpoint: Path = restored.checkpoint
        #: Env steps the policy was trained for.
        self.env_steps: int = int(restored.payload.get("env_steps", 0))
        self.observation_space: gym.Space[Any] = restored.agent.observation_space
        self.action_space: gym.Space[Any] = restored.agent.action_space
        self._policy: Policy = restored.agent.make_policy(deterministic)
        self._episode_start = True

    def act(self, observation: Any) -> Any:
        """The action for ``observation`` (an array, or a dict of arrays for a Dict observation space).

        A multi-agent game's observation (its env's ``{observations, state, ...}``) gets the joint action:
        one row per agent, in the game's agent order, every agent acting with the policy it trained with.
        """
        batch = map_batches(lambda leaf: np.asarray(leaf)[None], observation)
        if self._is_game_observation(batch):
            rows = agent_rows(batch, self.config.env.agents.agent_id)
            agents = np.asarray(batch[GAME_OBSERVATIONS]).shape[1]
            actions = self._policy(rows, np.full(agents, self._episode_start))
            self._episode_start = False
            return actions
        actions = self._policy(batch, np.array([self._episode_start]))
        self._episode_start = False
        return actions[0]

    def _is_game_observation(self, batch: Any) -> bool:
        """Whether ``batch`` is a multi-agent game's observation: agents' observations stacked, which the
        policy (trained on one agent's row) does not observe as such."""
        rows_space = self.observation_space
        return (
            isinstance(batch, dict)
            and GAME_OBSERVATIONS in batch
            and not (isinstance(rows_space, gym.spaces.Dict) and GAME_OBSERVATIONS in rows_space.spaces)
        )

    def reset(self) -> None:
        """Start a new episode: the next :meth:`act` begins with a fresh memory (no-op without memory)."""
        self._episode_start = True

    def make_env(self, render_mode: str | None = None) -> gym.Env:
        """A fresh env of the run, built from its config as training built each of its envs."""
        return make_env(self.config.env, render_mode=render_mode)


#: Called with the run directory, its config and the env steps already trained (a resume's), once the
#: directory is written and before training starts (the command line prints the run's line).
OnStart = Callable[[Path, RunConfig, int], None]


def train(
    config: ConfigSource,
    *overrides: str,
    run_dir: str | os.PathLike[str] | None = None,
    env: EnvFactory | None = None,
    on_start: OnStart | None = None,
) -> Run:
    """Train a run, evaluate its final policy and return it, as ``rlkit train`` does.

    Args:
        config: A preset name (``cartpole-ppo``), a YAML file, or a mapping with the sections of one.
        overrides: ``dotted.key=value`` strings, as on the command line (``"train.total_steps=20000"``).
        run_dir: Where the run is written (default: ``runs/<name>-<date>-<time>``); it must not hold a run.
        env: Your own env factory, called with ``env.kwargs`` to build each env; the config's other
            ``env`` sections (randomization, sensors, actuators, pixels...) wrap it as they wrap ``env.id``.
            A module-level function or class is stored in the run by name (``module:name``), so that
            ``rlkit eval``, ``--resume`` and the subprocess and Ray backends rebuild it anywhere; a lambda or
            closure is registered in this process only (train and load here, with the ``sync`` backend).
        on_start: Called with the run directory, config and steps trained (0) before training starts.

    Raises:
        rlkit.errors.RlkitError: Bad input (config, overrides, run directory): nothing is written.
    """
    loaded, name = load_named_config(config, overrides)
    if env is not None:
        loaded = loaded.model_copy(update={"env": loaded.env.model_copy(update={"id": env_id_of(env)})})
    directory = Path(run_dir) if run_dir is not None else default_run_dir(name)
    check_new_run_dir(directory)
    with stop_on_signals():  # Ctrl-C or SIGTERM: a checkpoint to resume from, and an interrupted Run
        trainer = Trainer(loaded, directory)
        open_run_dir(directory, loaded, trainer.env.close)
        return _train(trainer, on_start)


def resume(run_dir: str | os.PathLike[str], *overrides: str, on_start: OnStart | None = None) -> Run:
    """Continue a run from its latest checkpoint, as ``rlkit train --resume`` does (a larger
    ``train.total_steps`` override trains further).

    Raises:
        rlkit.errors.RlkitError: No such run, a checkpoint of another run, or a budget already trained:
            nothing is changed.
    """
    with stop_on_signals():
        return _train(resume_run(Path(run_dir), overrides), on_start)


def _train(trainer: Trainer, on_start: OnStart | None) -> Run:
    """Train a started run, evaluate it, and describe it."""
    if on_start is not None:
        on_start(trainer.run_dir, trainer.config, trainer.state.env_steps)
    result = finish_run(trainer)
    outcome = result.outcome
    return Run(
        run_dir=trainer.run_dir,
        config=trainer.config,
        env_steps=outcome.env_steps,
        wall_time=outcome.wall_time,
        checkpoint=outcome.checkpoint,
        interrupted=outcome.interrupted,
        reached_target=outcome.reached_target,
        evaluation=result.evaluation,
        metrics=read_metrics(trainer.run_dir / "metrics.csv"),
        exit_status=outcome.exit_status or result.evaluation_stopped,
    )


def load(run_dir_or_checkpoint: str | os.PathLike[str], deterministic: bool = True) -> LoadedPolicy:
    """The policy of a run directory's latest checkpoint, or of a checkpoint file (loaded without pickle).

    Args:
        run_dir_or_checkpoint: A run directory, its ``checkpoints/`` folder, or a ``.pt`` file.
        deterministic: Act with the policy's mode (evaluation) rather than by sampling.
    """
    return LoadedPolicy(run_dir_or_checkpoint, deterministic)


def read_metrics(path: Path) -> list[dict[str, float]]:
    """The rows of a run's ``metrics.csv`` as numbers (a cell left empty in a row is left out of it)."""
    if not path.is_file():
        return []
    with path.open(newline="") as handle:
        return [{key: float(value) for key, value in row.items() if value} for row in csv.DictReader(handle)]


def env_id_of(factory: EnvFactory) -> str:
    """The ``env.id`` under which the run stores a user's env factory.

    ``module:qualname`` when the factory can be imported back by that name (a module-level function or
    class): every process, now or later, rebuilds it. Otherwise (a lambda, a closure, a function of the
    script being run) it is registered with Gymnasium in this process under ``rlkit-python/<name>-v0``.
    """
    if not callable(factory):
        raise ConfigError(f"env= must be a function or class that builds a gymnasium.Env; got {factory!r}")
    module = getattr(factory, "__module__", None)
    qualname = getattr(factory, "__qualname__", "")
    if module and module != "__main__" and "<" not in qualname:
        spec = f"{module}:{qualname}"
        try:
            if import_attr(spec, "environment") is factory:
                return spec
        except Exception:  # not importable by its name after all: registered below instead
            pass
    name = re.sub(r"[^\w.-]+", "_", qualname or type(factory).__name__).strip("_") or "env"
    env_id = f"{IN_PROCESS_NAMESPACE}/{name}-v0"
    suffix = 1
    while env_id in gym.registry and gym.registry[env_id].entry_point is not factory:
        suffix += 1
        env_id = f"{IN_PROCESS_NAMESPACE}/{name}-v{suffix}"
    if env_id not in gym.registry:
        gym.register(env_id, entry_point=factory)
    return env_id
