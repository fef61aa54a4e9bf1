"""One game of a PettingZoo Parallel env as one Gymnasium env, every agent's part stacked along a first axis.

PettingZoo's Parallel API speaks in dicts keyed by agent name, with agents that may leave the game before it
ends; rlkit's rollout backends step Gymnasium envs. :class:`ParallelGame` is the bridge: the game's agents,
in the order of ``possible_agents``, become rows of its observation, action and per-agent reward, so that
every backend (sync, subprocess, Ray) steps a game as it steps any env, and
:class:`rlkit.rollout.agent_rows.AgentRowsVectorEnv` turns a vector of games into a vector of agents, the
form a parameter-shared policy acts and learns in.

Observation (a Dict):

- ``observations``: (agents, d) each agent's own observation (zeros for an agent no longer in the game);
- ``state``: the global state a centralized critic reads (``env.agents.critic``): the env's own
  ``state()`` for ``state``, every agent's observation side by side for ``observations``; absent for ``own``;
- ``action_masks``: (agents, actions) 1 where a move is legal, for games whose observations carry PettingZoo's
  ``action_mask`` (turn-based games mask every move of the agent not on turn).

The reward is the team's (the agents' rewards summed); ``info`` carries ``agent_rewards`` (agents,) and
``agents_active`` (agents,), whether each agent was still in the game when the step began, and
``is_success`` where an agent's info reports it (a team's goal reached). The game ends
(``terminated``) when every agent has terminated, and is cut off (``truncated``) when the env ends it
otherwise.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from rlkit.errors import RlkitError

#: What ``env.agents.critic`` may name: what the value function reads besides the agent's own observation.
CRITIC_INPUTS = ("own", "state", "observations")


class ParallelGame(gym.Env[dict[str, np.ndarray], np.ndarray]):
    """A PettingZoo ``ParallelEnv`` whose agents share one observation and one action space, as a
    Gymnasium env over all of them.

    Args:
        game: The PettingZoo Parallel env (its ``possible_agents`` fix the rows).
        critic: What the observation's ``state`` holds (:data:`CRITIC_INPUTS`).
        name: How the env is named in messages (its ``env.id``).
        pad: Agents whose spaces differ share one policy: observations are zero-padded to the widest
            agent's, Discrete moves to the most an agent has (the others masked out), Box actions to the
            most dimensions (the others dropped).

    Raises:
        RlkitError: The agents' spaces differ (without ``pad``), an observation is not a Box (or
            PettingZoo's ``{observation, action_mask}`` Dict of one), or ``critic: state`` for an env
            without ``state()``.
    """

    #: Whether every observation carries action masks, whatever the game's own observations hold (a
    #: turn-based game marks the agents not on turn with all-zero masks).
    always_masked = False

    def __init__(self, game: Any, critic: str = "own", name: str = "", pad: bool = False) -> None:
        self.game = game
        self.name = name or type(game).__name__
        self.agent_names: tuple[str, ...] = tuple(game.possible_agents)
        if not self.agent_names:
            raise RlkitError(f"environment '{self.name}' has no agents (its possible_agents is empty)")
        if critic not in CRITIC_INPUTS:
            raise RlkitError(f"env.agents.critic '{critic}' is not one of {', '.join(CRITIC_INPUTS)}")
        self.critic = critic
        self.metadata = dict(getattr(game, "metadata", {}))
        self.render_mode = getattr(game, "render_mode", None)
        observations = [game.observation_space(agent) for agent in self.agent_names]
        actions = [game.action_space(agent) for agent in self.agent_names]
        differs = [
            agent
            for agent, o, a in zip(self.agent_names, observations, actions, strict=True)
            if o != observations[0] or a != actions[0]
        ]
        if differs and not pad:
            different = differs[0]
            raise RlkitError(
                f"environment '{self.name}': agents '{self.agent_names[0]}' and '{different}' have different "
                "observation or action spaces; set env.agents.pad: true to pad them to one shared policy's"
            )
        #: Whether the game's own observations are PettingZoo's ``{observation, action_mask}`` Dicts.
        self.game_masks = all(
            isinstance(space, gym.spaces.Dict) and "action_mask" in space.spaces for space in observations
        )
        owns = [space["observation"] if self.game_masks else space for space in observations]
        for agent, own_space, action_space in zip(self.agent_names, owns, actions, strict=True):
            if not isinstance(own_space, gym.spaces.Box):
                raise RlkitError(
                    f"environment '{self.name}': agent observations must be Boxes (or PettingZoo's "
                    f"{{observation, action_mask}} Dict of one), agent '{agent}' has {observations[0]}"
                )
            if not isinstance(action_space, gym.spaces.Discrete | gym.spaces.Box):
                raise RlkitError(
                    f"environment '{self.name}': agent actions must be Discrete or Box, agent '{agent}' has "
                    f"{action_space}"
                )
        #: Each agent's own observation width (flattened: a board's planes become one vector).
        self._widths = [int(np.prod(space.shape)) for space in owns]
        agent_action = padded_action_space(self.name, actions)
        #: Each agent's number of moves (Discrete) or action dimensions (Box), before padding.
        self._action_sizes = [_action_size(space) for space in actions]
        self._agent_actions = actions
        padded_moves = (
            isinstance(agent_action, gym.spaces.Discrete) and min(self._action_sizes) < agent_action.n
        )
        self.masked = self.game_masks or self.always_masked or padded_moves
        own = gym.spaces.Box(-np.inf, np.inf, (max(self._widths),), np.float32)
        #: One agent's own observation, flattened, zero-padded to the widest agent's.
        self.agent_observation_space = own
        self.agent_action_space: gym.spaces.Discrete | gym.spaces.Box = agent_action
        count = len(self.agent_names)
        flat = int(np.prod(own.shape))
        spaces: dict[str, gym.Space[Any]] = {
            "observations": gym.spaces.Box(-np.inf, np.inf, (count, flat), np.float32)
        }
        if critic == "state":
            state_space = getattr(game, "state_space", None)
            if state_space is None or not callable(getattr(game, "state", None)):
                raise RlkitError(
                    f"environment '{self.name}' has no global state (state() and state_space); use "
                    "env.agents.critic observations (every agent's observation) or own"
                )
            spaces["state"] = gym.spaces.Box(-np.inf, np.inf, (int(np.prod(state_space.shape)),), np.float32)
        elif critic == "observations":
            spaces["state"] = gym.spaces.Box(-np.inf, np.inf, (count * flat,), np.float32)
        if self.masked:
            if not isinstance(agent_action, gym.spaces.Discrete):
                raise RlkitError(
                    f"environment '{self.name}': a game whose agents take turns or mask their moves needs "
                    f"Discrete actions, got {agent_action}"
                )
            spaces["action_masks"] = gym.spaces.Box(0, 1, (count, int(agent_action.n)), np.int8)
        self.observation_space = gym.spaces.Dict(spaces)  # type: ignore[assignment]
        self._flat = flat
        if isinstance(agent_action, gym.spaces.Discrete):
            self.action_space = gym.spaces.MultiDiscrete(np.full(count, agent_action.n), dtype=np.int64)
        else:
            low = np.broadcast_to(agent_action.low, (count, *agent_action.shape))
            high = np.broadcast_to(agent_action.high, (count, *agent_action.shape))
            self.action_space = gym.spaces.Box(low, high, dtype=agent_action.dtype)
        self._active = np.zeros(count, dtype=bool)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        super().reset(seed=seed)
        observations, _ = self.game.reset(seed=seed, options=options)
        self._active = np.array([agent in observations for agent in self.agent_names])
        info = {"agents_active": self._active.copy()}
        return self._observation(observations), info

    def step(self, action: np.ndarray) -> tuple[dict[str, np.ndarray], float, bool, bool, dict[str, Any]]:
        actions = np.asarray(action)
        active = self._active.copy()
        orders = {
            agent: self._agent_action(actions[row], row)
            for row, agent in enumerate(self.agent_names)
            if agent in self.game.agents
        }
        observations, rewards, _, truncations, game_infos = self.game.step(orders)
        agent_rewards = np.array([float(rewards.get(agent, 0.0)) for agent in self.agent_names])
        self._active = np.array([agent in self.game.agents for agent in self.agent_names])
        ended = not self._active.any()
        # a game that ends with an agent cut off is truncated (its value is bootstrapped), else terminated
        truncated = ended and any(truncations.get(agent, False) for agent in self.agent_names)
        terminated = ended and not truncated
        info: dict[str, Any] = {"agent_rewards": agent_rewards, "agents_active": active}
        successes = [
            agent_info["is_success"] for agent_info in game_infos.values() if "is_success" in agent_info
        ]
        if successes:  # a team's goal reached (Gymnasium's and SB3's key)
            info["is_success"] = any(successes)
        return self._observation(observations), float(agent_rewards.sum()), terminated, truncated, info

    def render(self) -> Any:
        return self.game.render()

    def close(self) -> None:
        self.game.close()

    def _agent_action(self, action: np.ndarray, row: int) -> Any:
        """Agent ``row``'s action as PettingZoo takes it: an int for a Discrete space, an array for a Box
        (its own dimensions)."""
        if isinstance(self.agent_action_space, gym.spaces.Discrete):
            return int(action)
        own = self._agent_actions[row]
        assert isinstance(own, gym.spaces.Box)
        return np.clip(np.asarray(action)[: self._action_sizes[row]], own.low, own.high).astype(own.dtype)

    def _observation(self, observations: dict[str, Any]) -> dict[str, np.ndarray]:
        """The stacked observation of the agents in ``observations`` (zeros for the others)."""
        count = len(self.agent_names)
        own = np.zeros((count, self._flat), dtype=np.float32)
        masks = np.zeros((count, int(getattr(self.agent_action_space, "n", 0))), dtype=np.int8)
        for row, agent in enumerate(self.agent_names):
            if agent not in observations:
                continue
            observation = observations[agent]
            moves = self._action_sizes[row]
            if self.game_masks:
                masks[row, :moves] = observation["action_mask"]
                observation = observation["observation"]
            elif self.masked:
                masks[row, :moves] = 1  # the agent's own moves; a padded move is never legal
            own[row, : self._widths[row]] = np.asarray(observation, dtype=np.float32).reshape(-1)
        stacked: dict[str, np.ndarray] = {"observations": own}
        if self.critic == "state":
            stacked["state"] = np.asarray(self.game.state(), dtype=np.float32).reshape(-1)
        elif self.critic == "observations":
            stacked["state"] = own.reshape(-1)
        if self.masked:
            stacked["action_masks"] = self._turn_masks(masks)
        return stacked

    def _turn_masks(self, masks: np.ndarray) -> np.ndarray:
        """The masks of the agents that act next (every agent of a parallel game acts at every step)."""
        return masks


def _action_size(space: gym.Space[Any]) -> int:
    """A Discrete space's moves, or a Box's dimensions."""
    return int(space.n) if isinstance(space, gym.spaces.Discrete) else int(np.prod(space.shape or ()))


def padded_action_space(name: str, spaces: list[gym.Space[Any]]) -> gym.spaces.Discrete | gym.spaces.Box:
    """One action space for every agent: the most moves, or the most Box dimensions, each bounded by the
    widest bounds any agent has there.

    Raises:
        RlkitError: The agents mix Discrete and Box actions, or a Box is not 1-D.
    """
    if all(isinstance(space, gym.spaces.Discrete) for space in spaces):
        return gym.spaces.Discrete(max(_action_size(space) for space in spaces))
    boxes = [space for space in spaces if isinstance(space, gym.spaces.Box) and len(space.shape) == 1]
    if len(boxes) != len(spaces):
        raise RlkitError(
            f"environment '{name}': agents with different action spaces must all have Discrete or all 1-D "
            f"Box actions, got {sorted({str(space) for space in spaces})}"
        )
    if all(box == boxes[0] for box in boxes):
        return boxes[0]
    widest = max(boxes, key=lambda box: box.shape[0])
    low = np.full(widest.shape, np.inf, np.float32)
    high = np.full(widest.shape, -np.inf, np.float32)
    for box in boxes:
        low[: box.shape[0]] = np.minimum(low[: box.shape[0]], box.low)
        high[: box.shape[0]] = np.maximum(high[: box.shape[0]], box.high)
    return gym.spaces.Box(low, high, dtype=np.float32)
