"""Shared by every test: rlkit chooses the offscreen GL backend before anything imports mujoco, which reads
``MUJOCO_GL`` once, when it is first imported."""

import rlkit  # noqa: F401
