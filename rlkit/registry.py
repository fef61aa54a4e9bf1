"""Name-to-object registries that also accept ``module:Attr`` for user code.

An entry is either the object itself or its entry point, a ``"module:Attr"`` string imported when the name is
first looked up (as Gymnasium registers its environments): a registry in a lower layer can then name objects
of a higher one without importing them.
"""

from __future__ import annotations

import importlib
import types
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar, cast

from rlkit.errors import RlkitError

T = TypeVar("T")


def import_attr(spec: str, kind: str) -> object:
    """Import ``module:Attr`` (``Attr`` may be dotted, and may name a submodule: ``mpe2:simple_spread_v3``),
    raising a clear error when it does not exist."""
    module_name, _, attr_path = spec.partition(":")
    if not module_name or not attr_path:
        raise RlkitError(f"{kind} '{spec}': expected the form 'module:Attr'")
    try:
        obj: object = importlib.import_module(module_name)
    except ImportError as exc:
        raise RlkitError(f"{kind} '{spec}': cannot import module '{module_name}' ({exc})") from None
    path = module_name
    for part in attr_path.split("."):
        path = f"{path}.{part}"
        if not hasattr(obj, part) and isinstance(obj, types.ModuleType):
            try:
                importlib.import_module(path)  # a submodule is an attribute once imported
            except ModuleNotFoundError as exc:
                if exc.name != path:  # the submodule exists but needs something missing
                    raise RlkitError(f"{kind} '{spec}': cannot import module '{path}' ({exc})") from None
            except ImportError as exc:
                raise RlkitError(f"{kind} '{spec}': cannot import module '{path}' ({exc})") from None
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
        self._entries: dict[str, tuple[T | str, str]] = {}
        self._namespaces: dict[str, tuple[Callable[[str], T] | str, str]] = {}

    def register(self, name: str, entry: T | str, description: str) -> None:
        """Add ``entry`` (or its ``"module:Attr"`` entry point) under ``name``; a name is registered once."""
        if name in self._entries:
            raise ValueError(f"{self.kind} '{name}' is already registered")
        self._entries[name] = (entry, description)

    def register_namespace(self, prefix: str, resolve: Callable[[str], T] | str, description: str) -> None:
        """Resolve every ``prefix:<Name>`` through ``resolve(Name)`` (listed once, as ``prefix:<Name>``);
        ``resolve`` (or its ``"module:Attr"`` entry point) raises :class:`RlkitError` for a name it does
        not know."""
        if prefix in self._namespaces:
            raise ValueError(f"{self.kind} namespace '{prefix}' is already registered")
        self._namespaces[prefix] = (resolve, description)

    def get(self, name: str) -> T:
        """Return the entry for ``name``, importing ``module:Attr`` names; a miss lists the known names."""
        if name in self._entries:
            entry, description = self._entries[name]
            if isinstance(entry, str):
                # Unchecked, as Gymnasium's env entry points are: a registered entry point names a T by this
                # registry's contract, and callers check what they get (as they check a user's module:Attr).
                entry = cast(T, import_attr(entry, self.kind))
                self._entries[name] = (entry, description)
            return entry
        prefix, _, rest = name.partition(":")
        if rest and prefix in self._namespaces:
            resolve, description = self._namespaces[prefix]
            if isinstance(resolve, str):
                resolve = cast("Callable[[str], T]", import_attr(resolve, self.kind))
                self._namespaces[prefix] = (resolve, description)
            return resolve(rest)
        if ":" in name:
            return cast(T, import_attr(name, self.kind))
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
