"""Training: the loop, checkpoints, metrics logging and the progress bar."""
