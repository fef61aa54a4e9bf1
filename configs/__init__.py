"""YAML presets shipped with rlkit (``rlkit list presets``); found through importlib.resources."""
