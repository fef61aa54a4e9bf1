"""The one exception type that means "the user's input is wrong"."""

from __future__ import annotations


class RlkitError(Exception):
    """An error caused by user input: a bad config, an unknown name, a missing or corrupt file.

    The CLI prints its message as one line and exits with status 2, without a traceback. The message
    should name the input and say what would be valid.
    """


class ConfigError(RlkitError):
    """A config key is unknown, has the wrong type, or has an invalid value."""


class EnvArgumentsError(RlkitError):
    """An environment's constructor rejected an argument that the config gave it.

    Attributes:
        argument: The config key of the rejected argument (``env.task``, ``env.kwargs.speed``), for callers
            that know where the config came from (``rlkit eval`` on another env than the run's).
    """

    def __init__(self, message: str, argument: str) -> None:
        super().__init__(message)
        self.argument = argument
