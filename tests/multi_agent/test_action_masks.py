"""Action masks: a masked policy never chooses an illegal move; rows not on turn learn nothing."""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch

from rlkit.agents.actor_critic import ActorCritic, flatten_observation
from rlkit.agents.ppo.losses import clipped_surrogate_loss, masked_mean, normalize_advantages
from rlkit.config.schema import EnvConfig, NetworkConfig
from rlkit.envs import make_env
from rlkit.envs.multi_agent import TurnGame
from rlkit.errors import RlkitError
from rlkit.evaluate.matches import play_matches, random_player

CONNECT_FOUR = "pettingzoo.classic:connect_four_v3"
SPACE = gym.spaces.Dict(
    {
        "policy": gym.spaces.Box(-np.inf, np.inf, (3,), np.float32),
        "action_mask": gym.spaces.Box(0, 1, (4,), np.int8),
    }
)


def masked_model(normalize: bool = False) -> ActorCritic:
    torch.manual_seed(0)
    return ActorCritic(SPACE, gym.spaces.Discrete(4), NetworkConfig(), normalize_observations=normalize)


def test_a_masked_policy_samples_and_picks_only_legal_moves() -> None:
    model = masked_model()
    rng = np.random.default_rng(0)
    masks = rng.integers(0, 2, size=(512, 4)).astype(np.int8)
    masks[:, rng.integers(0, 4)] = 1  # at least one legal move per row
    obs = {"policy": rng.normal(size=(512, 3)).astype(np.float32), "action_mask": masks}
    flat = torch.as_tensor(flatten_observation(obs))
    dist = model.distribution(flat)
    for actions in (dist.sample(torch.Generator().manual_seed(1)), dist.mode()):
        assert masks[np.arange(512), actions.numpy()].all()
    assert torch.all(dist.probs[torch.as_tensor(masks) == 0] == 0)


def test_a_row_with_no_legal_move_keeps_every_move_and_is_not_acting() -> None:
    model = masked_model()
    obs = {
        "policy": np.zeros((2, 3), np.float32),
        "action_mask": np.array([[0, 0, 0, 0], [0, 1, 0, 0]], np.int8),
    }
    flat = torch.as_tensor(flatten_observation(obs))
    probs = model.distribution(flat).probs
    assert torch.all(probs[0] > 0) and torch.isfinite(probs).all()
    assert model.acting(flat).tolist() == [False, True]


def test_the_mask_columns_are_never_normalized_nor_read_by_the_networks() -> None:
    model = masked_model(normalize=True)
    obs = torch.tensor([[1.0, 2.0, 3.0, 1, 0, 1, 1], [3.0, 2.0, 1.0, 0, 1, 1, 0]])
    model.observe(obs)
    assert model.obs_normalizer is not None and model.obs_normalizer.stats.mean.shape == (3,)
    normalized = model.normalize(obs)
    torch.testing.assert_close(normalized[:, 3:], obs[:, 3:])
    other_mask = obs.clone()
    other_mask[:, 3:] = 1.0
    torch.testing.assert_close(model.value(normalized), model.value(model.normalize(other_mask)))


def test_a_mask_needs_a_discrete_action_space_of_its_width() -> None:
    with pytest.raises(RlkitError, match=r"needs a Discrete\(4\) action space"):
        ActorCritic(SPACE, gym.spaces.Discrete(5), NetworkConfig())


def test_rows_not_acting_are_left_out_of_the_policy_loss() -> None:
    """Hand-checked: ratio 1 everywhere, advantages (2, -4, 100) with the last row not acting: the loss is
    -(2 - 4) / 2 = 1; the normalized advantages use the acting rows' mean -1 and std 4.2426."""
    log_probs = torch.zeros(3)
    acting = torch.tensor([True, True, False])
    advantages = torch.tensor([2.0, -4.0, 100.0])
    loss, _ = clipped_surrogate_loss(log_probs, log_probs, advantages, 0.2, acting)
    assert loss.item() == pytest.approx(1.0)
    normalized = normalize_advantages(advantages, acting=acting)
    std = float(torch.tensor([2.0, -4.0]).std())
    assert normalized[:2].tolist() == pytest.approx([3.0 / std, -3.0 / std], rel=1e-5)
    assert masked_mean(torch.tensor([1.0, 3.0, 50.0]), acting).item() == pytest.approx(2.0)


def test_connect_four_takes_turns_and_only_the_mover_has_legal_moves() -> None:
    env = make_env(EnvConfig(id=CONNECT_FOUR))
    assert isinstance(env.unwrapped, TurnGame)
    obs, _ = env.reset(seed=0)
    assert obs["action_masks"].tolist() == [[1] * 7, [0] * 7]
    obs, _, _, _, info = env.step(np.array([3, 5]))  # player_0 drops in column 3
    assert obs["action_masks"].tolist() == [[0] * 7, [1] * 7]
    assert info["agents_active"].tolist() == [True, False]  # who moved
    board = obs["observations"].reshape(2, 6, 7, 2)
    assert board[1, 5, 3, 1] == 1  # player_1 sees the opponent's piece at the bottom of column 3
    for _ in range(3):  # player_0 stacks column 3, player_1 column 4: player_0 wins on its 4th move
        env.step(np.array([0, 4]))
        obs, _, terminated, truncated, info = env.step(np.array([3, 0]))
    assert terminated and not truncated
    assert info["agent_rewards"].tolist() == [1.0, -1.0]


def test_random_players_never_move_illegally_and_every_game_has_an_outcome() -> None:
    result = play_matches(
        random_player(0, gym.spaces.Discrete(7)),
        random_player(1, gym.spaces.Discrete(7)),
        EnvConfig(id=CONNECT_FOUR),
        20,
        seed=0,
    )
    assert result.games == 20 and result.wins + result.draws + result.losses == 20
    assert result.illegal_moves == 0 and result.moves > 20 * 3


def test_an_unmasked_player_is_caught_moving_illegally() -> None:
    def column_zero(obs: dict[str, np.ndarray], starts: np.ndarray) -> np.ndarray:
        return np.zeros(len(starts), dtype=np.int64)

    # both players fill column 0, alternating colours: its seventh piece is illegal
    result = play_matches(column_zero, column_zero, EnvConfig(id=CONNECT_FOUR), 2, seed=0)
    assert result.illegal_moves == 1  # the game that seats the policy first: its fourth move
    assert result.losses == 1  # PettingZoo ends the game there, against the player who moved illegally


def test_a_masked_policy_exports_with_its_mask_and_keeps_to_legal_moves(tmp_path: Path) -> None:
    from rlkit.config.loading import load_config
    from rlkit.export.policy_export import export_policy
    from rlkit.training.trainer import Trainer

    overrides = [f"env.id={CONNECT_FOUR}", "train.total_steps=256", "rollout.num_envs=4", "eval.interval=0"]
    Trainer(load_config("cartpole-ppo", [*overrides, "eval.episodes=2"]), tmp_path / "run").run()
    result = export_policy(tmp_path / "run", parity_steps=60)
    assert result.spec.observation_shape == (84 + 2 + 7,)  # board, seat, then the legal columns
    assert result.parity.passed
    runner_input = np.zeros((1, 93), np.float32)
    runner_input[0, -7:] = [0, 0, 0, 0, 0, 1, 0]  # only column 5 is legal
    module = restore_deployable(tmp_path / "run")
    assert int(module(torch.as_tensor(runner_input))[0]) == 5


def restore_deployable(run: Path) -> torch.nn.Module:
    from rlkit.evaluate.restore import restore_agent

    return restore_agent(run).agent.deployable_policy().module


def test_a_recurrent_actor_keeps_to_the_mask_over_a_sequence() -> None:
    from rlkit.agents.recurrent_actor_critic import RecurrentActorCritic
    from rlkit.config.schema import MemoryConfig

    torch.manual_seed(0)
    model = RecurrentActorCritic(SPACE, gym.spaces.Discrete(4), NetworkConfig(), MemoryConfig(hidden_size=8))
    rng = np.random.default_rng(0)
    masks = np.zeros((5, 6, 4), np.float32)  # (T, B, moves): one legal move per step
    masks[np.arange(5)[:, None], np.arange(6)[None, :], rng.integers(0, 4, size=(5, 6))] = 1
    obs = torch.as_tensor(np.concatenate([rng.normal(size=(5, 6, 3)).astype(np.float32), masks], axis=-1))
    starts = torch.zeros(5, 6, dtype=torch.bool)
    dist, _ = model.distribution_sequence(obs, model.actor_core.initial_state(6), starts)
    chosen = dist.sample(torch.Generator().manual_seed(0)).reshape(5, 6).numpy()
    assert masks.reshape(30, 4)[np.arange(30), chosen.reshape(-1)].all()
    values, _ = model.value_sequence(obs, model.critic_core.initial_state(6), starts)
    assert values.shape == (30,)


def test_dqn_explores_and_exploits_only_legal_moves() -> None:
    from rlkit.agents.dqn import DQN, DQNConfig

    space = gym.spaces.Dict(
        {
            "policy": gym.spaces.Box(-1, 1, (3,), np.float32),
            "action_mask": gym.spaces.Box(0, 1, (4,), np.int8),
        }
    )
    rng = np.random.default_rng(0)
    masks = np.zeros((256, 4), np.int8)
    masks[np.arange(256), rng.integers(0, 4, size=256)] = 1
    masks[:8] = 0  # agents not on turn: any move
    obs = {"policy": rng.normal(size=(256, 3)).astype(np.float32), "action_mask": masks}
    for epsilon in (1.0, 0.0):
        config = DQNConfig(learning_starts=0, exploration_initial_eps=epsilon, exploration_final_eps=epsilon)
        agent = DQN(config, space, gym.spaces.Discrete(4), 256, 1000, torch.device("cpu"), 0)
        for actions in (agent.explore(obs, 0), agent.act(obs, deterministic=True)):
            assert masks[8 + np.arange(248), actions[8:]].all()


def test_double_dqn_targets_take_the_best_legal_next_move() -> None:
    """Hand-checked: online Q(s') = (5, 9, 1) with move 1 illegal picks move 0, whose target value is 2:
    target = 1 + 0.5 * 2 = 2; plain DQN takes the legal max of the target network's (2, 7, 3), 3:
    1 + 0.5 * 3 = 2.5."""
    from rlkit.agents.dqn.agent import legal_only
    from rlkit.agents.dqn.losses import td_target

    legal = torch.tensor([[True, False, True]])
    online = legal_only(torch.tensor([[5.0, 9.0, 1.0]]), legal)
    target = legal_only(torch.tensor([[2.0, 7.0, 3.0]]), legal)
    reward, terminated = torch.tensor([1.0]), torch.tensor([0.0])
    assert td_target(reward, online, target, terminated, 0.5, double_q=True).item() == 2.0
    assert td_target(reward, online, target, terminated, 0.5, double_q=False).item() == 2.5
