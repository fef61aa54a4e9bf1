"""Name-to-object registries that also accept ``module:Attr`` for user code."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from rlkit.errors import RlkitError

T = TypeVar("T")


def import_attr(spec: str, kind: str) -> object:
    """Import ``module:Attr`` (``Attr`` may be dotted), raising a clear error when it does not exist."""
    module_name, _, attr_path = spec.partition(":")
    if not module_name or not attr_path:
        raise RlkitError(f"{kind} '{spec}': expected the form 'module:Attr'")
    try:
        obj: object = importlib.import_module(module_name)
    except ImportError as exc:
        raise RlkitError(f"{kind} '{spec}': cannot import module '{module_name}' ({exc})") from None
    for part in attr_path.split("."):
        if not hasattr(obj, part):
            raise RlkitError(f"{kind} '{spec}': module '{module_name}' has no attribute '{attr_path}'")
        obj = getattr(obj, part)
    return obj


class Registry(Generic[T]):
    """Maps names to entries, each with a one-line description.

    Args:
        kind: What the entries are ("agent", "environment"), used in error messages.
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, tuple[T, str]] = {}
        self._namespaces: dict[str, tuple[Callable[[str], T], str]] = {}

    def register(self, name: str, entry: T, description: str) -> T:
        """Add ``entry`` under ``name``; a name can be registered once."""
        if name in self._entries:
            raise ValueError(f"{self.kind} '{name}' is already registered")
        self._entries[name] = (entry, description)
        return entry

    def register_namespace(self, prefix: str, resolve: Callable[[str], T], description: str) -> None:
        """Resolve every ``prefix:<Name>`` through ``resolve(Name)`` (listed once, as ``prefix:<Name>``);
        ``resolve`` raises :class:`RlkitError` for a name it does not know."""
        if prefix in self._namespaces:
            raise ValueError(f"{self.kind} namespace '{prefix}' is already registered")
        self._namespaces[prefix] = (resolve, description)

    def get(self, name: str) -> T:
        """Return the entry for ``name``, importing ``module:Attr`` names; a miss lists the known names."""
        if name in self._entries:
            return self._entries[name][0]
        prefix, _, rest = name.partition(":")
        if rest and prefix in self._namespaces:
            return self._namespaces[prefix][0](rest)
        if ":" in name:
            return import_attr(name, self.kind)  # type: ignore[return-value]
        known = ", ".join(sorted(self._entries)) or "none"
        raise RlkitError(f"unknown {self.kind} '{name}' (known: {known}; or give 'module:Class')")

    def __contains__(self, name: str) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._entries))

    def describe(self) -> list[tuple[str, str]]:
        """``(name, description)`` pairs, sorted by name."""
        rows = [(name, self._entries[name][1]) for name in self]
        rows += [(f"{prefix}:<Name>", entry[1]) for prefix, entry in sorted(self._namespaces.items())]
        return rows
