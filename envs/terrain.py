"""Rough terrain: a heightfield of tiles by difficulty level, added to a model at load, the ground's height
anywhere on it, and where each env starts its episode (with the terrain-level curriculum).

The field is ``levels`` rows of ``tiles_per_level`` square tiles, level ``l`` along x at ``[l·L, (l+1)·L)``,
tile ``c`` along y at ``[c·L, (c+1)·L)``. A tile is a pyramid (rising from its edges to a flat platform at its
centre, the spawn area) under random bumps; the slope and the bumps' height grow linearly from nothing at
level 0 to ``slope`` and ``roughness`` at the top level. The heights come from the terrain's own seed, so
every env, worker and backend shares one terrain, and are read back from the compiled model
(:class:`TerrainMap`): MuJoCo stores them normalized, in float32, and the lookups use exactly those.
"""

from __future__ import annotations

from collections.abc import Sequence

import mujoco
import numpy as np

from rlkit.config.sim2real import TerrainConfig, TerrainCurriculumConfig
from rlkit.errors import RlkitError

#: The heightfield asset and geom added to the model.
TERRAIN_NAME = "rlkit_terrain"
#: The field sits this far above the model's floor (z = 0), so that no foot touches both on flat ground.
LIFT = 1e-3
#: Thickness of the heightfield's base below its lowest point, metres.
_BASE = 0.1
#: A robot starts above the highest ground within this half-width of its spawn point, metres (its feet's
#: reach).
_FOOTPRINT = 0.5


def terrain_heights(config: TerrainConfig) -> np.ndarray:
    """The field's heights in metres, ``(rows along y, columns along x)`` at ``config.resolution``."""
    size = config.tile_size
    nx = round(config.levels * size / config.resolution) + 1
    ny = round(config.tiles_per_level * size / config.resolution) + 1
    x = np.linspace(0.0, config.levels * size, nx)
    y = np.linspace(0.0, config.tiles_per_level * size, ny)
    difficulty = np.minimum(x // size, config.levels - 1) / max(config.levels - 1, 1)
    if config.levels == 1:
        difficulty = np.ones_like(x)
    # the pyramid: rises with the distance from the tile's edge, flat within the platform
    dx = np.abs((x % size) - size / 2)[None, :]
    dy = np.abs((y % size) - size / 2)[:, None]
    from_centre = np.maximum(np.maximum(dx, dy), config.spawn_radius)
    pyramid = config.slope * difficulty[None, :] * (size / 2 - from_centre)
    # the bumps: uniform heights on a coarse grid, linearly interpolated to the field's resolution
    rng = np.random.default_rng(config.seed)
    coarse_x = np.arange(0.0, x[-1] + config.bump_size, config.bump_size)
    coarse_y = np.arange(0.0, y[-1] + config.bump_size, config.bump_size)
    coarse = rng.uniform(0.0, 1.0, (coarse_y.size, coarse_x.size))
    along_x = np.stack([np.interp(x, coarse_x, row) for row in coarse])
    bumps = np.stack([np.interp(y, coarse_y, column) for column in along_x.T], axis=1)
    return pyramid + config.roughness * difficulty[None, :] * bumps


def add_terrain(spec: mujoco.MjSpec, config: TerrainConfig) -> None:
    """Add the heightfield and its geom to ``spec``, with the contact and look of the model's floor (its
    first plane on the world body, which stays around the field).

    Raises:
        RlkitError: The model has no floor plane to take them from.
    """
    floor = next((g for g in spec.worldbody.geoms if g.type == mujoco.mjtGeom.mjGEOM_PLANE), None)
    if floor is None:
        raise RlkitError(
            "env.task.terrain: the model has no floor (a plane geom on the world body) whose contact and "
            "material the terrain takes; add one, e.g. <geom type='plane' size='0 0 0.05'/>"
        )
    heights = terrain_heights(config)
    top = float(heights.max())
    length, width = config.levels * config.tile_size, config.tiles_per_level * config.tile_size
    field = spec.add_hfield(
        name=TERRAIN_NAME,
        size=[length / 2, width / 2, max(top, 1e-3), _BASE],
        nrow=heights.shape[0],
        ncol=heights.shape[1],
    )
    # MuJoCo normalizes the data to [0, 1]: the lowest point (a flat level's ground, or nothing) maps to 0
    field.userdata = list((heights / max(top, 1e-9)).ravel())
    geom = spec.worldbody.add_geom(
        name=TERRAIN_NAME,
        type=mujoco.mjtGeom.mjGEOM_HFIELD,
        hfieldname=TERRAIN_NAME,
        pos=[length / 2, width / 2, LIFT],
    )
    for attribute in ("contype", "conaffinity", "condim", "priority", "friction", "solref", "solimp"):
        setattr(geom, attribute, getattr(floor, attribute))
    geom.material = floor.material
    geom.rgba = floor.rgba


class TerrainMap:
    """The ground's height under points, from a compiled model's terrain heightfield (0 off the field, the
    model's floor).

    Args:
        model: A model with the terrain added (:func:`add_terrain`).
        config: The terrain it was added with (its tiles' layout).
    """

    def __init__(self, model: mujoco.MjModel, config: TerrainConfig) -> None:
        field = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_HFIELD, TERRAIN_NAME)
        geom = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_GEOM, TERRAIN_NAME)
        self.config = config
        rows, columns = int(model.hfield_nrow[field]), int(model.hfield_ncol[field])
        start = int(model.hfield_adr[field])
        half_x, half_y, top, _ = model.hfield_size[field]
        centre = model.geom_pos[geom]
        self._heights = (
            model.hfield_data[start : start + rows * columns].reshape(rows, columns) * top + centre[2]
        )
        self._origin = centre[:2] - (half_x, half_y)
        self._cell = np.array([2 * half_x / (columns - 1), 2 * half_y / (rows - 1)])
        self._last = np.array([columns - 1, rows - 1])

    def height(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """The ground's height at world points ``(x, y)`` (arrays of one shape), bilinear between the field's
        samples (exact at them)."""
        grid = (np.stack([x, y], axis=-1) - self._origin) / self._cell
        inside = np.all((grid >= 0) & (grid <= self._last), axis=-1)
        grid = np.clip(grid, 0, self._last)
        low = np.minimum(np.floor(grid).astype(np.int64), self._last - 1)
        fraction = grid - low
        column, row = low[..., 0], low[..., 1]
        fx, fy = fraction[..., 0], fraction[..., 1]
        h = self._heights
        value = (
            h[row, column] * (1 - fx) * (1 - fy)
            + h[row, column + 1] * fx * (1 - fy)
            + h[row + 1, column] * (1 - fx) * fy
            + h[row + 1, column + 1] * fx * fy
        )
        return np.where(inside, value, 0.0)

    def highest_around(self, xy: np.ndarray, half_width: float) -> np.ndarray:
        """The highest ground within ``half_width`` of each of points ``xy`` ``(n, 2)``, ``(n,)``: the
        highest of the field's samples around the square (the ground between samples is never higher)."""
        low = np.floor((xy - half_width - self._origin) / self._cell).astype(np.int64)
        high = np.ceil((xy + half_width - self._origin) / self._cell).astype(np.int64)
        low, high = np.clip(low, 0, self._last), np.clip(high, 0, self._last)
        highest = np.zeros(len(xy))  # the floor around the field
        for k in range(len(xy)):
            window = self._heights[low[k, 1] : high[k, 1] + 1, low[k, 0] : high[k, 0] + 1]
            highest[k] = max(float(window.max()), 0.0) if window.size else 0.0
        return highest

    def tile_centre(self, levels: np.ndarray, tiles: np.ndarray) -> np.ndarray:
        """World ``(x, y)`` of the centres of tiles ``tiles`` of levels ``levels``, ``(n, 2)``."""
        size = self.config.tile_size
        return np.stack([(levels + 0.5) * size, (tiles + 0.5) * size], axis=-1)


class TerrainLevels:
    """Each env's terrain level and the record of its episode that moves it (on arrays, a batch's envs or a
    lone env as a batch of one), and where each episode starts.

    Args:
        terrain: The terrain's heights and layout.
        root_qpos: The qpos address of the floating base's free joint.
        num_envs: Envs in the batch.

    Attributes:
        level: Each env's level, ``(num_envs,)``; -1 before its first episode.
        error_sum: The sum over its episode's steps of the planar velocity miss, m/s.
        steps: Steps its episode has taken.
        fell: Whether its episode ended by a termination.
    """

    #: The terrain is rebuilt from the config; a checkpoint keeps the levels and records alone.
    checkpoint_exclude = ("terrain", "config")

    def __init__(self, terrain: TerrainMap, root_qpos: int, num_envs: int) -> None:
        self.terrain = terrain
        self.config = terrain.config
        self.root_qpos = root_qpos
        self.level = np.full(num_envs, -1, dtype=np.int64)
        self.error_sum = np.zeros(num_envs)
        self.steps = np.zeros(num_envs, dtype=np.int64)
        self.fell = np.zeros(num_envs, dtype=bool)

    def record(self, errors: np.ndarray, terminated: np.ndarray, rows: np.ndarray | slice) -> None:
        """Add a step of envs ``rows`` to their episodes' record: its tracking errors and terminations (rows
        of arrays over every env)."""
        self.error_sum[rows] += errors[rows]
        self.steps[rows] += 1
        self.fell[rows] |= terminated[rows]

    def place(self, qpos: np.ndarray, ids: np.ndarray, generators: Sequence[np.random.Generator]) -> None:
        """Move envs ``ids`` to their next level (the curriculum, or a random level) and their floating
        bases (rows of ``qpos``, in their initial state) onto a random point of their tile's spawn area, on
        the ground. Four uniform numbers per env from ``generators[k]`` for env ``ids[k]``: the level (when
        one is drawn), the tile, and the point."""
        config = self.config
        uniform = np.stack([generator.random(4) for generator in generators])
        random_level = np.minimum((uniform[:, 0] * config.levels).astype(np.int64), config.levels - 1)
        curriculum = config.curriculum
        if curriculum is None:
            level = random_level
        else:
            level = self._next_level(ids, uniform[:, 0], random_level, curriculum)
        self.level[ids] = level
        self.error_sum[ids], self.steps[ids], self.fell[ids] = 0.0, 0, False
        tile = np.minimum(
            (uniform[:, 1] * config.tiles_per_level).astype(np.int64), config.tiles_per_level - 1
        )
        # a point of the disc around the centre, uniform over its area
        radius = config.spawn_radius * np.sqrt(uniform[:, 2])
        angle = 2 * np.pi * uniform[:, 3]
        xy = self.terrain.tile_centre(level, tile) + radius[:, None] * np.stack(
            [np.cos(angle), np.sin(angle)], 1
        )
        adr = self.root_qpos
        rows = qpos[ids]
        rows[:, adr : adr + 2] += xy
        rows[:, adr + 2] += self.terrain.highest_around(xy, _FOOTPRINT) + LIFT
        qpos[ids] = rows

    def _next_level(
        self,
        ids: np.ndarray,
        draw: np.ndarray,
        random_level: np.ndarray,
        curriculum: TerrainCurriculumConfig,
    ) -> np.ndarray:
        level = self.level[ids]
        first = level < 0
        started = np.minimum((draw * curriculum.start_levels).astype(np.int64), curriculum.start_levels - 1)
        steps = np.maximum(self.steps[ids], 1)
        mean_error = self.error_sum[ids] / steps
        ran = self.steps[ids] > 0
        fell = self.fell[ids]
        up = ran & ~fell & (mean_error <= curriculum.promote_below)
        down = ran & (fell | (mean_error > curriculum.demote_above))
        level = np.maximum(level + up - down, 0)
        level = np.where(level >= self.config.levels, random_level, level)
        return np.where(first, started, level)
