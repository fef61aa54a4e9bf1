"""System identification (``rlkit calibrate``): logs of a robot's motion, the model replaying them, and the
parameters that make it replay them best, built on ``mujoco.sysid``."""
