"""Experience storage the agents learn from: rollout buffers, replay (uniform, prioritized, n-step, frame and
sequence replay) and the batch helpers for dict and tuple observations."""
