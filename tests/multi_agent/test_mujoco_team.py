"""MuJoCo teams of robots: each robot an agent, picked by name prefix, with per-robot and team terms."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import mujoco
import numpy as np
import pytest
from pettingzoo.test import parallel_api_test

from rlkit.api import train
from rlkit.config.loading import load_config
from rlkit.config.schema import EnvConfig, RolloutConfig
from rlkit.envs import make_env
from rlkit.envs.multi_agent import MujocoTeam, ParallelGame
from rlkit.errors import RlkitError
from rlkit.evaluate.evaluator import evaluate_policy
from rlkit.evaluate.matches import play_matches
from rlkit.export.policy_export import export_policies, export_policy
from rlkit.rollout.batched import BatchedTeamVectorEnv, BatchedVectorEnv
from rlkit.rollout.vector_env import make_vector_env

TWO_PUCKS = """
<mujoco>
  <option timestep="0.01"/>
  <worldbody>
    <site name="centre" pos="0 0 0.1"/>
    <body name="a_base" pos="-0.5 0 0.1">
      <joint name="a_x" type="slide" axis="1 0 0" damping="5"/>
      <geom type="sphere" size="0.1" mass="1"/>
      <site name="a_centre"/>
    </body>
    <body name="b_base" pos="0.5 0 0.1">
      <joint name="b_x" type="slide" axis="1 0 0" damping="5"/>
      <geom type="sphere" size="0.1" mass="1"/>
      <site name="b_centre"/>
    </body>
  </worldbody>
  <actuator>
    <motor name="a_x" joint="a_x" ctrlrange="-1 1" ctrllimited="true"/>
    <motor name="b_x" joint="b_x" ctrlrange="-1 1" ctrllimited="true"/>
    {extra}
  </actuator>
  <sensor>
    <jointpos name="a_position" joint="a_x"/>
    <jointpos name="b_position" joint="b_x"/>
    <framepos name="centre_position" objtype="site" objname="centre"/>
  </sensor>
</mujoco>
"""


def pucks(extra: str = "", **team: Any) -> str:
    """The two-puck model, written to a string with ``extra`` actuators."""
    return TWO_PUCKS.replace("{extra}", extra)


def team_of(config: EnvConfig) -> MujocoTeam:
    game = make_env(config).unwrapped
    assert isinstance(game, ParallelGame) and isinstance(game.game, MujocoTeam)
    return game.game


def puck_config(tmp_path: Any, team: dict[str, Any], extra: str = "", **env: Any) -> EnvConfig:
    path = tmp_path / "pucks.xml"
    path.write_text(pucks(extra))
    return EnvConfig.model_validate(
        {"id": str(path), "max_episode_steps": 50, "task": {"team": {"robots": ["a_", "b_"], **team}}, **env}
    )


@pytest.mark.parametrize("env_id", ["rlkit/TeamPush-v0", "rlkit/Sumo-v0"])
def test_shipped_team_tasks_follow_the_parallel_api(env_id: str) -> None:
    parallel_api_test(team_of(EnvConfig(id=env_id)), num_cycles=50)


@pytest.mark.parametrize("env_id", ["rlkit/TeamPush-v0", "rlkit/Sumo-v0"])
def test_team_tasks_follow_the_parallel_api_under_the_sim2real_stack(env_id: str) -> None:
    config = EnvConfig.model_validate(
        {
            "id": env_id,
            "randomization": {"parameters": [{"parameter": "body_mass", "low": 0.5, "high": 1.5}]},
            "actuators": {"noise_std": 0.1, "latency": {"min": 0, "max": 2}},
            "sensors": {"models": [{"channels": ".*", "noise_std": 0.01}]},
        }
    )
    parallel_api_test(team_of(config), num_cycles=30)


def test_each_robot_observes_itself_then_the_shared_channels_then_the_others() -> None:
    team = team_of(EnvConfig(id="rlkit/TeamPush-v0"))
    observations, _ = team.reset(seed=3)
    for _ in range(3):
        observations, *_ = team.step({"red": np.array([1.0, 0.5]), "blue": np.array([-0.5, 1.0])})
    data = team.base.data
    site = {name: data.site(f"{name}_centre").xpos for name in ("red", "blue", "box", "goal")}
    velocity = {name: data.sensor(f"{name}_velocity").data for name in ("red", "blue", "box")}
    for agent, other in (("red", "blue"), ("blue", "red")):
        seen = observations[agent]
        np.testing.assert_allclose(seen[0:3], velocity[agent], atol=1e-6)
        np.testing.assert_allclose(seen[3:6], site["box"] - site[agent], atol=1e-6)
        np.testing.assert_allclose(seen[6:9], site["goal"] - site["box"], atol=1e-6)
        np.testing.assert_allclose(seen[9:12], velocity["box"], atol=1e-6)
        np.testing.assert_allclose(seen[12:15], velocity[other], atol=1e-6)
        np.testing.assert_allclose(seen[15:18], site["box"] - site[other], atol=1e-6)
    assert sorted(team.state().tolist()) == sorted(observations["red"].tolist())  # every channel, once


def test_each_robot_drives_its_own_actuators_only() -> None:
    team = team_of(EnvConfig(id="rlkit/Sumo-v0"))
    team.reset(seed=0)
    team.step(
        {"red": np.array([0.5, -1.0], dtype=np.float32), "blue": np.array([0.0, 0.25], dtype=np.float32)}
    )
    np.testing.assert_allclose(team.base.data.ctrl, [0.5, -1.0, 0.0, 0.25])


def test_sumo_pays_zero_sum_and_ends_when_a_robot_leaves_the_ring() -> None:
    team = team_of(EnvConfig(id="rlkit/Sumo-v0"))
    team.reset(seed=0)
    _, rewards, terminations, *_ = team.step({"red": np.zeros(2), "blue": np.zeros(2)})
    assert rewards["red"] == pytest.approx(-rewards["blue"])
    assert not any(terminations.values())
    model, data = team.base.model, team.base.data
    data.qpos[model.joint("red_x").qposadr[0]] = -0.75  # the body starts at x = -0.5: now 1.25 m out
    data.qvel[:] = 0.0
    mujoco.mj_forward(model, data)
    action = {"red": np.array([0.0, 0.0]), "blue": np.array([1.0, 0.0])}
    _, rewards, terminations, truncations, infos = team.step(action)
    centre = data.site("ring_centre").xpos
    red = np.linalg.norm(data.site("red_centre").xpos - centre)
    blue = np.linalg.norm(data.site("blue_centre").xpos - centre)
    red_own, blue_own = -0.1 * red, -0.1 * blue - 0.01 * 1.0  # blue pays for its control
    assert red > 1.0
    assert rewards["red"] == pytest.approx(red_own - blue_own - 10.0)
    assert rewards["blue"] == pytest.approx(blue_own - red_own + 10.0)
    assert terminations == {"red": True, "blue": True} and not any(truncations.values())
    assert infos["red"]["lost"] and not infos["blue"]["lost"]
    assert team.agents == []


def test_team_push_succeeds_when_the_box_reaches_the_goal() -> None:
    team = team_of(EnvConfig(id="rlkit/TeamPush-v0"))
    team.reset(seed=1)
    _, _, terminations, _, infos = team.step({"red": np.zeros(2), "blue": np.zeros(2)})
    assert not infos["red"]["is_success"] and not any(terminations.values())
    model, data = team.base.model, team.base.data
    goal = data.mocap_pos[model.body("goal").mocapid[0]]
    data.qpos[model.joint("box_x").qposadr[0]] = goal[0] - model.body("box").pos[0]
    data.qpos[model.joint("box_y").qposadr[0]] = goal[1] - model.body("box").pos[1]
    data.qvel[:] = 0.0
    mujoco.mj_forward(model, data)
    _, rewards, terminations, _, infos = team.step({"red": np.zeros(2), "blue": np.zeros(2)})
    assert infos["red"]["is_success"] and infos["blue"]["is_success"]
    assert all(terminations.values())
    distance = np.linalg.norm(data.site("box_centre").xpos - data.site("goal_centre").xpos)
    red_to_box = np.linalg.norm(data.site("red_centre").xpos - data.site("box_centre").xpos)
    assert rewards["red"] == pytest.approx(-distance - 0.2 * red_to_box + 5.0)


def test_physics_randomization_draws_per_robot() -> None:
    config = EnvConfig.model_validate(
        {
            "id": "rlkit/Sumo-v0",
            "randomization": {
                "parameters": [{"parameter": "body_mass", "names": ".*_base", "low": 0.5, "high": 2}]
            },
        }
    )
    team = team_of(config)
    model = team.base.model
    masses = []
    for seed in range(3):
        team.reset(seed=seed)
        masses.append((model.body("red_base").mass[0], model.body("blue_base").mass[0]))
    assert all(red != blue for red, blue in masses)
    assert len(set(masses)) == 3


def test_same_seed_same_episode_and_games_differ() -> None:
    def first_steps(seed: int) -> list[np.ndarray]:
        env = make_env(EnvConfig(id="rlkit/TeamPush-v0", actuators={"noise_std": 0.2}))
        obs, _ = env.reset(seed=seed)
        seen = [obs["observations"]]
        for _ in range(5):
            obs, *_ = env.step(np.full((2, 2), 0.5))
            seen.append(obs["observations"])
        return seen

    np.testing.assert_array_equal(first_steps(7), first_steps(7))
    assert not np.array_equal(first_steps(7)[-1], first_steps(8)[-1])


def test_evaluation_reports_the_success_rate(tmp_path: Any) -> None:
    # the goal is met as soon as the pucks are within 5 m of each other: every episode succeeds at once
    config = puck_config(
        tmp_path,
        {"success": [{"term": "site_distance", "site_a": "a_centre", "site_b": "b_centre", "min": 5.0}]},
    )

    def still(obs: Any, starts: np.ndarray) -> np.ndarray:
        return np.zeros((len(starts), 1))

    summary = evaluate_policy(still, config, episodes=3, seed=0).summary()
    assert summary["success_rate"] == 1.0
    assert summary["mean_length"] == 1.0
    never = puck_config(
        tmp_path,
        {"success": [{"term": "site_distance", "site_a": "a_centre", "site_b": "b_centre", "min": 0.01}]},
    )
    assert evaluate_policy(still, never, episodes=3, seed=0).summary()["success_rate"] == 0.0


def test_an_actuator_of_no_robot_is_refused(tmp_path: Any) -> None:
    config = puck_config(tmp_path, {}, extra='<motor name="spare" joint="a_x"/>')
    with pytest.raises(RlkitError, match="actuator 'spare' belongs to no robot"):
        make_env(config)


def test_a_robot_without_actuators_is_refused(tmp_path: Any) -> None:
    path = tmp_path / "pucks.xml"
    path.write_text(pucks())
    config = EnvConfig.model_validate({"id": str(path), "task": {"team": {"robots": ["a_", "c_"]}}})
    with pytest.raises(RlkitError, match="belongs to no robot"):
        make_env(config)


def test_a_whole_model_term_is_refused_as_a_robots_own(tmp_path: Any) -> None:
    config = puck_config(tmp_path, {"reward": [{"term": "actuator_forces"}]})
    with pytest.raises(RlkitError, match=r"env.task.team.reward\[0\]: actuator_forces sums over every robot"):
        make_env(config)


def test_a_misspelled_robot_name_is_reported_with_its_robot(tmp_path: Any) -> None:
    config = puck_config(
        tmp_path, {"lose": [{"term": "site_distance", "site_a": "{robot}nose", "site_b": "centre", "max": 1}]}
    )
    with pytest.raises(
        RlkitError, match=r"env.task.team.lose\[0\].site_a: the model has no site named 'a_nose'"
    ):
        make_env(config)


def test_robots_must_be_two_or_more_distinct_prefixes(tmp_path: Any) -> None:
    with pytest.raises(Exception, match="overlap"):
        puck_config(tmp_path, {"robots": ["a", "a_"]})
    with pytest.raises(Exception, match="name two robots or more"):
        puck_config(tmp_path, {"robots": ["a_"]})
    path = tmp_path / "pucks.xml"
    config = EnvConfig.model_validate({"id": str(path), "task": {"team": {}}})
    with pytest.raises(RlkitError, match=r"env\.task\.team\.robots: name each robot's prefix"):
        make_env(config)


@pytest.mark.parametrize(
    ("setting", "key"),
    [
        ({"pixels": {}}, "env.pixels"),
        ({"discrete_actions": 3}, "env.discrete_actions"),
        ({"actuators": {"repeat": 2}}, "env.actuators.repeat"),
        (
            {
                "randomization": {
                    "parameters": [{"parameter": "body_mass", "low": 0.5, "high": 1.5}],
                    "privileged_observation": True,
                }
            },
            "env.randomization.privileged_observation",
        ),
    ],
)
def test_layers_a_team_cannot_split_are_refused(tmp_path: Any, setting: dict[str, Any], key: str) -> None:
    config = puck_config(tmp_path, {}, **setting)
    with pytest.raises(RlkitError, match=f"{key} cannot be applied to the team of robots"):
        make_env(config)


def test_a_team_runs_batched_as_games_only() -> None:
    with pytest.raises(RlkitError, match="runs batched as games"):
        BatchedVectorEnv(EnvConfig(id="rlkit/Sumo-v0"), 2, RolloutConfig(backend="batched"))
    env = make_vector_env(EnvConfig(id="rlkit/Sumo-v0"), 2, RolloutConfig(num_envs=2, backend="auto"))
    assert isinstance(env.games, BatchedTeamVectorEnv)
    env.close()


def rollout_rows(config: EnvConfig, backend: str, steps: int, games: int = 6) -> list[Any]:
    """Every step's rows (observations, rewards, ends, final observations and successes) on ``backend``."""
    env = make_vector_env(config, games, RolloutConfig(num_envs=games, backend=backend))
    rng = np.random.default_rng(0)
    seen: list[Any] = [env.reset(seed=11)[0]]
    for _ in range(steps):
        obs, rewards, terminated, truncated, info = env.step(rng.uniform(-1, 1, (env.num_envs, 2)))
        final = info.get("final_obs", np.full(env.num_envs, None))
        successes = info.get("final_info", {}).get("is_success")
        seen.append((obs, rewards, terminated, truncated, list(final), successes, info["agent_active"]))
    env.close()
    return seen


@pytest.mark.parametrize("env_id", ["rlkit/TeamPush-v0", "rlkit/Sumo-v0"])
def test_the_batched_backend_steps_a_team_as_sync_does(env_id: str) -> None:
    config = EnvConfig.model_validate(
        {
            "id": env_id,
            "agents": {"critic": "state"},
            "randomization": {"parameters": [{"parameter": "body_mass", "low": 0.5, "high": 1.5}]},
            "actuators": {"noise_std": 0.1, "latency": {"min": 0, "max": 2}},
            "sensors": {"models": [{"channels": ".*", "noise_std": 0.01}]},
            # short games and an easy goal, so that games end by every rule within the steps compared
            "max_episode_steps": 40,
            "task": {
                "team": {
                    "success": [
                        {"term": "site_distance", "site_a": "red_centre", "site_b": "blue_centre", "min": 0.5}
                    ]
                }
            }
            if env_id == "rlkit/TeamPush-v0"
            else None,
        }
    )
    sync, batched = rollout_rows(config, "sync", 120), rollout_rows(config, "batched", 120)
    ended = 0
    for step, (expected, got) in enumerate(zip(sync, batched, strict=True)):
        if step == 0:
            for key in expected:
                np.testing.assert_array_equal(got[key], expected[key])
            continue
        for key in expected[0]:
            np.testing.assert_array_equal(got[0][key], expected[0][key], err_msg=f"step {step} {key}")
        for index in range(1, 4):
            np.testing.assert_array_equal(got[index], expected[index], err_msg=f"step {step}")
        for final_got, final_expected in zip(got[4], expected[4], strict=True):
            assert (final_got is None) == (final_expected is None)
            if final_expected is not None:
                ended += 1
                for key in final_expected:
                    np.testing.assert_array_equal(final_got[key], final_expected[key])
        np.testing.assert_array_equal(got[5], expected[5])
        np.testing.assert_array_equal(got[6], expected[6])
    assert ended > 0


def test_matches_between_robots_with_continuous_actions() -> None:
    def charge(obs: Any, starts: np.ndarray) -> np.ndarray:  # drive at the opponent (6:9: where it is)
        return np.clip(5.0 * np.asarray(obs)[:, 6:8], -1.0, 1.0)

    def still(obs: Any, starts: np.ndarray) -> np.ndarray:
        return np.zeros((len(starts), 2))

    result = play_matches(charge, still, EnvConfig(id="rlkit/Sumo-v0"), games=6, seed=0)
    assert (result.games, result.wins) == (6, 6)  # each robot's seat in turn
    result = play_matches(still, charge, EnvConfig(id="rlkit/Sumo-v0"), games=4, seed=0)
    assert result.losses == 4


def test_a_recurrent_team_policy_exports_with_a_memory_per_robot(tmp_path: Path) -> None:
    # the parity replay carries each robot's recurrent state on its own rows, not from one robot to the next
    overrides = ["agent.name=recurrent_ppo", "agent.sequence_length=16", "agent.n_steps=32"]
    overrides += ["agent.batch_size=256", "rollout.num_envs=8", "train.total_steps=512", "eval.episodes=1"]
    train("sumo-selfplay", *overrides, "self_play=null", run_dir=tmp_path / "run")
    result = export_policy(tmp_path / "run", parity_steps=40)
    assert result.parity.passed and result.spec.recurrent


def test_each_robot_draws_its_own_action_latency() -> None:
    team = team_of(
        EnvConfig.model_validate({"id": "rlkit/Sumo-v0", "actuators": {"latency": {"min": 0, "max": 2}}})
    )
    drawn = []
    for seed in range(12):
        team.reset(seed=seed)
        delays = team.env.get_wrapper_attr("delay")
        drawn.append(tuple(int(d) for d in delays))
        if delays[0] != delays[1]:
            break
    red, blue = drawn[-1]
    assert red != blue, drawn
    for step in range(5):
        value = 0.1 * (step + 1)
        team.step({"red": np.array([value, 0.0]), "blue": np.array([-value, 0.0])})
        sent_red, sent_blue = step - red, step - blue  # the step whose action arrives now
        expected_red = 0.1 * (sent_red + 1) if sent_red >= 0 else 0.0
        expected_blue = -0.1 * (sent_blue + 1) if sent_blue >= 0 else 0.0
        np.testing.assert_allclose(team.base.data.ctrl[[0, 2]], [expected_red, expected_blue], atol=1e-6)


def test_the_team_succeeds_only_when_every_success_condition_holds(tmp_path: Any) -> None:
    always = {"term": "site_distance", "site_a": "a_centre", "site_b": "b_centre", "min": 5.0}
    never = {"term": "site_distance", "site_a": "a_centre", "site_b": "b_centre", "min": 0.01}

    def still(obs: Any, starts: np.ndarray) -> np.ndarray:
        return np.zeros((len(starts), 1))

    both = evaluate_policy(still, puck_config(tmp_path, {"success": [always, always]}), episodes=2, seed=0)
    assert both.summary()["success_rate"] == 1.0
    one = evaluate_policy(still, puck_config(tmp_path, {"success": [always, never]}), episodes=2, seed=0)
    assert one.summary()["success_rate"] == 0.0 and one.summary()["mean_length"] == 50


def test_a_team_of_two_different_arms_from_yaml_alone(tmp_path: Path) -> None:
    config = load_config("examples/robot_team/two_arms.yaml")
    team = team_of(config.env)
    assert [team.observation_space(agent).shape for agent in team.possible_agents] == [(16,), (16,)]
    assert [team.action_space(agent).shape for agent in team.possible_agents] == [(3,), (2,)]
    parallel_api_test(team, num_cycles=30)
    overrides = ["train.total_steps=1024", "agent.n_steps=64", "agent.batch_size=128", "eval.episodes=2"]
    run = train("examples/robot_team/two_arms.yaml", *overrides, "eval.interval=0", run_dir=tmp_path / "arms")
    summary = json.loads((run.run_dir / "eval.json").read_text())
    assert set(summary["agent_returns"]) == {"left", "right"} and "success_rate" in summary
    assert [result.path.name for result in export_policies(run.run_dir, parity_steps=20)] == [
        "policy_left.onnx",
        "policy_right.onnx",
    ]
