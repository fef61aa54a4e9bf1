"""Vision utilities: video writing and frame annotation.

Kept import-light: nothing here pulls in mujoco or torch.
"""

from vision.video import VideoWriter, annotate_frame

__all__ = ["VideoWriter", "annotate_frame"]
