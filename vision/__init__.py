"""Vision utilities: video writing, frame annotation and frame stacking.

Kept import-light: nothing here pulls in mujoco or torch.
"""

from rlkit.vision.frame_stack import FrameStack
from rlkit.vision.video import VideoWriter, annotate_frame

__all__ = ["FrameStack", "VideoWriter", "annotate_frame"]
