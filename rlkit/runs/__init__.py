"""What a run is on disk and how it is rebuilt: checkpoints (written atomically, loaded with
``weights_only=True``), the model files a run was trained on, and building a run's agent from its config."""
