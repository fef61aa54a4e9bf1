"""MuJoCo plumbing shared by envs and vision: reaching the model and data behind a wrapped env, the
per-episode redraw of model fields, and the named random streams every sim2real effect draws from."""
