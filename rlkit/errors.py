"""The one exception type that means "the user's input is wrong"."""

from __future__ import annotations


class RlkitError(Exception):
    """An error caused by user input: a bad config, an unknown name, a missing or corrupt file.

    The CLI prints its message as one line and exits with status 2, without a traceback. The message
    should name the input and say what would be valid.
    """


class ConfigError(RlkitError):
    """A config key is unknown, has the wrong type, or has an invalid value."""
