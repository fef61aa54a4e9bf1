"""Training: the loop, its collectors, metrics logging, the progress bar and stop signals."""
