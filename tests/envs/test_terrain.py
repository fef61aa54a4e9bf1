"""Rough terrain: the heightfield's tiles and levels, the ground's height as MuJoCo's collision sees it,
where episodes start, the tracking-driven level curriculum, the height scan, and batched == sync."""

import csv
from importlib import resources
from pathlib import Path

import mujoco
import numpy as np
import pytest
import torch

from rlkit.cli.main import main
from rlkit.config.schema import EnvConfig, RolloutConfig
from rlkit.config.sim2real import TerrainConfig
from rlkit.envs.env_state import capture_envs, restore_envs
from rlkit.envs.mujoco_env import MujocoEnv
from rlkit.envs.tasks.quadruped import Quadruped
from rlkit.envs.terrain import TERRAIN_NAME, terrain_heights
from rlkit.errors import RlkitError
from rlkit.rollout.vector_env import make_vector_env
from tests.rollout.helpers import assert_same

QUADRUPED = str(resources.files("rlkit.envs.tasks") / "assets" / "quadruped.xml")
SMALL = {"levels": 4, "tiles_per_level": 2, "tile_size": 4.0, "roughness": 0.1, "slope": 0.2}


def test_level_zero_is_flat_and_the_bumps_and_slope_grow_to_the_top_level() -> None:
    config = TerrainConfig(**SMALL, resolution=0.05)
    heights = terrain_heights(config)
    per_tile = round(config.tile_size / config.resolution)
    assert heights.shape == (2 * per_tile + 1, 4 * per_tile + 1)
    level = [heights[:, i * per_tile + 1 : (i + 1) * per_tile] for i in range(4)]
    assert np.all(level[0] == 0.0)
    peaks = [tile.max() for tile in level]
    assert peaks == sorted(peaks) and peaks[0] < peaks[1]
    # the top level: a pyramid of slope 0.2 from its edges to the 1 m platform, under bumps of at most 0.1 m
    assert peaks[3] <= 0.2 * (2.0 - 1.0) + 0.1 + 1e-12
    centre = heights[per_tile // 2, 3 * per_tile + per_tile // 2]
    assert 0.2 <= centre <= 0.3


def test_the_ground_height_is_what_mujoco_collides_with() -> None:
    env = Quadruped(task={"terrain": {**SMALL, "seed": 3}})
    terrain = env.task_state.terrain.terrain
    model, data = env.model, env.data
    geom = model.geom(TERRAIN_NAME).id
    rng = np.random.default_rng(0)
    x, y = rng.uniform(0, 16, 200), rng.uniform(0, 8, 200)
    hit = np.zeros(1, np.int32)
    on_ray = np.array(
        [
            10.0
            - mujoco.mj_ray(model, data, np.array([a, b, 10.0]), np.array([0, 0, -1.0]), None, 1, -1, hit)
            for a, b in zip(x, y, strict=True)
        ]
    )
    # bilinear between the samples where MuJoCo draws two triangles: within a few millimetres, not exact
    np.testing.assert_allclose(terrain.height(x, y), on_ray, atol=0.01)
    # at the samples themselves, exact (float32 as MuJoCo stores them)
    grid_x, grid_y = np.array([4.0, 8.1, 14.3]), np.array([2.0, 5.5, 7.9])
    sample_rays = [
        10.0 - mujoco.mj_ray(model, data, np.array([a, b, 10.0]), np.array([0, 0, -1.0]), None, 1, -1, hit)
        for a, b in zip(grid_x, grid_y, strict=True)
    ]
    np.testing.assert_allclose(terrain.height(grid_x, grid_y), sample_rays, atol=1e-5)
    assert hit[0] == geom
    assert terrain.height(np.array([-3.0, 30.0]), np.array([1.0, 1.0])).tolist() == [0.0, 0.0]


def test_an_episode_starts_on_its_tiles_platform_standing_on_the_ground() -> None:
    env = Quadruped(task={"terrain": {**SMALL, "spawn_radius": 0.8}, "init_noise": 0.0})
    levels, trunk, feet = env.task_state.terrain, env.model.body("trunk").id, env.task_state.feet
    for seed in range(30):
        env.reset(seed=seed)
        level = levels.level[0]
        x, y = env.data.xpos[trunk, :2]
        tile_x, tile_y = (level + 0.5) * 4.0, (np.floor(y / 4.0) + 0.5) * 4.0
        assert np.hypot(x - tile_x, y - tile_y) <= 0.8 + 1e-9
        foot = env.data.site_xpos[feet]
        clearance = foot[:, 2] - 0.02 - levels.terrain.height(foot[:, 0], foot[:, 1])
        assert clearance.min() >= -1e-3 and clearance.min() < 0.12  # on the ground, not dropped from high


def test_without_a_curriculum_every_level_is_drawn() -> None:
    env = Quadruped(task={"terrain": SMALL})
    drawn = set()
    for seed in range(40):
        env.reset(seed=seed)
        drawn.add(int(env.task_state.terrain.level[0]))
    assert drawn == {0, 1, 2, 3}


def test_the_curriculum_moves_levels_by_each_episodes_tracking() -> None:
    curriculum = {"start_levels": 2, "promote_below": 0.2, "demote_above": 0.5}
    env = Quadruped(task={"terrain": {**SMALL, "curriculum": curriculum}})
    levels = env.task_state.terrain
    env.reset(seed=0)
    assert levels.level[0] in (0, 1)

    def next_level(level: int, mean_error: float, fell: bool = False, steps: int = 100) -> int:
        levels.level[0], levels.error_sum[0], levels.steps[0], levels.fell[0] = (
            level,
            mean_error * steps,
            steps,
            fell,
        )
        env.reset()
        return int(levels.level[0])

    assert next_level(1, 0.1) == 2  # tracked: up
    assert next_level(2, 0.3) == 2  # in between: stays
    assert next_level(2, 0.6) == 1  # lost its commands: down
    assert next_level(2, 0.1, fell=True) == 1  # fell: down, however well it tracked before
    assert next_level(0, 0.9) == 0  # not below level 0
    assert next_level(1, 0.0, steps=0) == 1  # an episode of no steps moves nothing
    beyond = {next_level(3, 0.1) for _ in range(30)}  # past the top: a random level
    assert len(beyond) > 1 and beyond <= {0, 1, 2, 3}
    # an episode's record starts empty, and the steps fill it
    env.reset()
    for _ in range(5):
        env.step(np.zeros(12))
    assert levels.steps[0] == 5 and levels.error_sum[0] > 0


def test_the_height_scan_reads_the_ground_around_the_base_turning_with_its_heading() -> None:
    scan = {"term": "height_scan", "body": "trunk", "size": [1.0, 0.4], "spacing": 0.2}
    env = Quadruped(task={"terrain": SMALL, "observations": [scan], "sensors": False})
    assert len(env.observation_names) == 6 * 3
    assert env.observation_names[0] == "height_scan[-0.50,-0.20]"
    env.reset(seed=1)
    # turn the robot to face +y: the scan's forward points lie along +y
    yaw = np.pi / 2
    env.data.qpos[3:7] = [np.cos(yaw / 2), 0, 0, np.sin(yaw / 2)]
    mujoco.mj_forward(env.model, env.data)
    obs = env.observation()
    x, y, z = env.data.xpos[env.model.body("trunk").id]
    ground = env.task_state.terrain.terrain.height
    front = env.observation_names.index("height_scan[+0.50,+0.00]")
    left = env.observation_names.index("height_scan[+0.10,+0.20]")
    assert obs[front] == pytest.approx(z - ground(np.array(x), np.array(y + 0.5)), abs=1e-12)
    assert obs[left] == pytest.approx(z - ground(np.array(x - 0.2), np.array(y + 0.1)), abs=1e-12)


def test_the_height_scan_around_the_feet_and_on_the_floor_without_terrain() -> None:
    scan = {"term": "height_scan", "body": "trunk", "sites": ".._foot", "size": [0.2, 0.2], "spacing": 0.1}
    env = Quadruped(task={"observations": [scan], "sensors": False})
    assert len(env.observation_names) == 4 * 9
    assert env.observation_names[4] == "height_scan:FR_foot[+0.00,+0.00]"
    env.reset(seed=0)
    feet_z = env.data.site_xpos[env.task_state.feet, 2]
    np.testing.assert_array_equal(env.observation().reshape(4, 9), np.repeat(feet_z[:, None], 9, axis=1))


def test_heights_of_rewards_are_above_the_ground() -> None:
    task = {"reward": [{"term": "base_height", "body": "trunk", "target": 0.3}], "reward_floor": None}
    flat = Quadruped(task={**task, "init_noise": 0.0})
    rough = Quadruped(task={**task, "init_noise": 0.0, "terrain": {**SMALL, "spawn_radius": 0.5}})
    for env in (flat, rough):
        env.reset(seed=0)
        _, reward, *_ = env.step(np.zeros(12))
        x, y, z = env.data.xpos[env.model.body("trunk").id]
        ground = env.task_state.ground(np.array(x), np.array(y))
        assert reward == pytest.approx(-(((z - ground) - 0.3) ** 2), rel=1e-12)
        assert 0.2 < z - ground < 0.4  # standing on whichever ground it is on
    assert rough.task_state.terrain.level[0] > 0  # seed 0 puts it on a rough level


def test_terrain_mistakes_are_one_line_each() -> None:
    with pytest.raises(RlkitError, match=r"terrain\.curriculum .* set env\.task\.commands"):
        Quadruped(
            task={
                "commands": None,
                "terrain": {**SMALL, "curriculum": {}},
                "observations": [],
                "reward": [],
                "sensors": False,
                "qpos": True,
            }
        )
    no_floor = Path(QUADRUPED).read_text().replace('type="plane"', 'type="box"')
    with pytest.raises(RlkitError, match="has no floor"):
        MujocoEnv(no_floor, task={"terrain": SMALL, "keyframe": "home"})
    with pytest.raises(ValueError, match="spawn_radius"):
        TerrainConfig(tile_size=2.0, spawn_radius=1.0)
    with pytest.raises(ValueError, match="start_levels"):
        TerrainConfig(levels=2, curriculum={"start_levels": 3})
    with pytest.raises(RlkitError, match="only the height_scan term"):
        Quadruped(task={"observations": [{"term": "commands", "spacing": 0.2}]})


def test_batched_terrain_curriculum_and_height_scan_equal_sync_to_the_bit() -> None:
    task = {
        "terrain": {**SMALL, "curriculum": {"start_levels": 2, "promote_below": 0.5, "demote_above": 0.6}},
        "observations": [
            {"term": "height_scan", "body": "trunk", "size": [0.4, 0.4], "spacing": 0.2},
            {"term": "height_scan", "body": "trunk", "sites": ".._foot", "size": [0.1, 0.1], "spacing": 0.1},
            {"term": "commands"},
        ],
        "reward": [
            {"term": "base_height", "body": "trunk", "target": 0.3},
            {"term": "feet_clearance", "weight": 0.1},
            {"term": "track_linear_velocity"},
        ],
    }
    config = EnvConfig(id="rlkit/Quadruped-v0", task=task, max_episode_steps=8)
    sync = make_vector_env(config, 3)
    batched = make_vector_env(config, 3, RolloutConfig(backend="batched", threads=2))
    assert_same(sync.reset(seed=5), batched.reset(seed=5), "reset")
    rng = np.random.default_rng(1)
    for step in range(30):  # several episodes each: the levels move at every restart
        actions = rng.uniform(-1, 1, (3, 12)).astype(np.float32)
        assert_same(sync.step(actions), batched.step(actions), f"step {step}")
    assert (batched.task_state.terrain.level >= 0).all()  # every env placed on a level, moved at restarts
    sync.close()
    batched.close()


def test_a_checkpoint_keeps_the_levels_and_records_not_the_terrain() -> None:
    config = EnvConfig(
        id="rlkit/Quadruped-v0", task={"terrain": {**SMALL, "curriculum": {}}}, max_episode_steps=5
    )
    for backend in ("sync", "batched"):
        envs = make_vector_env(config, 2, RolloutConfig(backend=backend, threads=1))
        envs.reset(seed=0)
        for _ in range(12):
            envs.step(np.zeros((2, 12), np.float32))
        state = capture_envs(envs)
        size = sum(t.numel() for t in _tensors(state))
        assert size < 20_000, backend  # the 321 x 161 heightfield is not in it
        fresh = make_vector_env(config, 2, RolloutConfig(backend=backend, threads=1))
        fresh.reset(seed=9)
        assert restore_envs(fresh, state)
        rng = np.random.default_rng(0)
        for _ in range(12):
            actions = rng.uniform(-1, 1, (2, 12)).astype(np.float32)
            assert_same(envs.step(actions), fresh.step(actions), backend)
        envs.close()
        fresh.close()


def _tensors(value: object) -> list[torch.Tensor]:
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _tensors(v)]
    if isinstance(value, list | tuple):
        return [t for v in value for t in _tensors(v)]
    return []


@pytest.mark.parametrize("backend", ["sync", "batched"])
def test_training_logs_the_mean_terrain_level(backend: str, tmp_path: Path) -> None:
    overrides = [
        "rollout.num_envs=4",
        f"rollout.backend={backend}",
        "agent.batch_size=48",
        "env.max_episode_steps=10",
        "train.total_steps=192",
        "eval.interval=0",
        "log.progress=false",
        "log.tensorboard=false",
        "train.torch_threads=1",
    ]
    assert main(["train", "quadruped-rough-teacher", *overrides, "--run-dir", str(tmp_path / "run")]) == 0
    rows = list(csv.DictReader((tmp_path / "run" / "metrics.csv").open()))
    levels = [float(row["terrain/level_mean"]) for row in rows if row.get("terrain/level_mean")]
    assert levels and all(0 <= level <= 9 for level in levels)
