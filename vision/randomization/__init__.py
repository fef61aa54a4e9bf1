"""The parts of visual domain randomization (:class:`rlkit.vision.visual_randomization.VisualRandomization`).

* :mod:`~rlkit.vision.randomization.texture_patterns`: replacement textures, generated or taken from the
  model;
* :mod:`~rlkit.vision.randomization.texture_upload`: copying changed textures to every GL context that renders
  the model.
"""
