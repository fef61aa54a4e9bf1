"""Load a :class:`RunConfig` from a preset name or a YAML file plus dotted command-line overrides.

Overrides look like ``agent.lr=1e-3 train.total_steps=2e5``. The value is read as YAML (so lists and
``null`` work) and then validated by the field's type, which is how ``1e-3`` becomes a float and ``2e5``
an integer. Every error names the key path and what would be valid, and is raised as :class:`ConfigError`.
"""

from __future__ import annotations

import copy
import os
import re
import sys
import typing
from collections.abc import Iterable, Mapping
from importlib import resources
from os import PathLike
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from rlkit.agent_registry import AGENTS
from rlkit.config.schema import AgentConfig, RunConfig
from rlkit.errors import ConfigError, RlkitError

PRESET_PACKAGE = "rlkit.configs"


class _ConfigLoader(yaml.SafeLoader):
    """YAML's SafeLoader, also reading ``1e-3`` and ``2e5`` as numbers (YAML 1.1 wants a dot: ``1.0e-3``)."""


_ConfigLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:\d[\d_]*)?(?:\.\d*)?[eE][-+]?\d+$"),
    list("-+0123456789."),
)


def parse_yaml(text: str) -> Any:
    """Parse YAML with :class:`_ConfigLoader`."""
    return yaml.load(text, Loader=_ConfigLoader)


def preset_names() -> list[str]:
    """Names of the presets shipped in the ``configs`` package, sorted."""
    root = resources.files(PRESET_PACKAGE)
    return sorted(p.name[: -len(".yaml")] for p in root.iterdir() if p.name.endswith(".yaml"))


def preset_description(name: str) -> str:
    """The first comment line of a preset file, used by ``rlkit list``."""
    text = resources.files(PRESET_PACKAGE).joinpath(f"{name}.yaml").read_text()
    for line in text.splitlines():
        if line.startswith("#"):
            return line.lstrip("# ").strip()
    return ""


def read_source(source: str) -> tuple[dict[str, Any], str]:
    """Read a preset name or a YAML path into a raw dict.

    Returns:
        The raw mapping and a short name for the run (the preset name or the file's stem).
    """
    path = Path(source)
    if source.endswith((".yaml", ".yml")) or path.is_file():
        if not path.is_file():
            raise ConfigError(f"config file '{source}' does not exist")
        text, name = path.read_text(), path.stem
    elif source in preset_names():
        text, name = resources.files(PRESET_PACKAGE).joinpath(f"{source}.yaml").read_text(), source
    else:
        raise ConfigError(
            f"'{source}' is neither a preset nor a YAML file (presets: {', '.join(preset_names())})"
        )
    try:
        raw = parse_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"config '{source}' is not valid YAML{where}") from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"config '{source}' must be a mapping of sections (env, agent, ...)")
    return raw, name


def apply_overrides(raw: Mapping[str, Any], overrides: Iterable[str]) -> dict[str, Any]:
    """Return a copy of ``raw`` with each ``dotted.key=value`` override set (values parsed as YAML)."""
    result = copy.deepcopy(dict(raw))
    for override in overrides:
        key, sep, text = override.partition("=")
        if not sep or not key or any(not part for part in key.split(".")):
            raise ConfigError(f"override '{override}' must look like section.key=value (e.g. agent.lr=1e-3)")
        try:
            value = parse_yaml(text) if text else ""
        except yaml.YAMLError:
            value = text
        node = result
        parts = key.split(".")
        for i, part in enumerate(parts[:-1]):
            if node.get(part) is None:  # an optional section left off (None): the override starts it
                node[part] = {}
            child = node[part]
            if not isinstance(child, dict):
                raise ConfigError(f"override '{override}': '{'.'.join(parts[: i + 1])}' is not a section")
            node = child
        node[parts[-1]] = value
    return result


def _describe_error(error: Mapping[str, Any], prefix: str, model: type[BaseModel]) -> str:
    """One line for the first pydantic error: the key path and what would be valid."""
    path, parent = _key_path(model, list(error["loc"]), prefix)
    if error["type"] == "extra_forbidden":
        valid = ", ".join(parent.model_fields) if parent is not None else ""
        return f"config key '{path}' is unknown" + (f" (valid keys: {valid})" if valid else "")
    if error["type"] == "missing":
        return f"config key '{path}' is required"
    given = error.get("input")
    shown = f" (got {given!r})" if not isinstance(given, (dict, list)) else ""
    message = error["msg"]
    return f"config key '{path}': {message[:1].lower()}{message[1:]}{shown}"


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The config models an annotation can hold: itself, the members of an Optional or Union (tagged or not,
    through ``Annotated``), or a list's items."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [model for argument in typing.get_args(annotation) for model in _models_in(argument)]


def _key_path(model: type[BaseModel], loc: list[Any], prefix: str) -> tuple[str, type[BaseModel] | None]:
    """A pydantic error location written the one way rlkit writes key paths, ``env.task.reward[0].body``
    (list indices in brackets, a tagged union's tag left out), and the model that holds its last key (None
    where the path leaves the models)."""
    path = prefix
    candidates: list[type[BaseModel]] = [model]
    for index, part in enumerate(loc):
        last = index == len(loc) - 1
        if isinstance(part, int):
            path += f"[{part}]"
            continue
        holders = [c for c in candidates if part in c.model_fields]
        if not holders:
            tagged = [c for c in candidates if c.__name__ == part or _tag_of(c) == part]
            if tagged and not last:  # a union's tag: pydantic names the member it tried
                candidates = tagged
                continue
            path = f"{path}.{part}" if path else str(part)
            return path, candidates[0] if len(candidates) == 1 and last else None
        path = f"{path}.{part}" if path else str(part)
        if last:
            return path, holders[0]
        candidates = _models_in(holders[0].model_fields[part].annotation)
    return path or "(top level)", None


def _tag_of(model: type[BaseModel]) -> str | None:
    """The literal tag (``term: upright``) a model of a tagged union is chosen by, if any."""
    for field in model.model_fields.values():
        arguments = typing.get_args(field.annotation)
        if typing.get_origin(field.annotation) is typing.Literal and len(arguments) == 1:
            return str(arguments[0])
    return None


def validate_model(model: type[BaseModel], data: Any, prefix: str = "") -> Any:
    """Validate ``data`` as ``model``, turning the first error into one :class:`ConfigError` line."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe_error(exc.errors()[0], prefix, model)) from None


def agent_config_class(name: str) -> type[AgentConfig]:
    """The config class of the agent registered (or importable) under ``name``."""
    try:
        agent_class = AGENTS.get(name)
    except RlkitError as exc:
        raise ConfigError(f"config key 'agent.name': {exc}") from None
    config_class = getattr(agent_class, "config_class", None)
    if not (isinstance(config_class, type) and issubclass(config_class, AgentConfig)):
        raise ConfigError(f"config key 'agent.name': '{name}' is not an rlkit Agent subclass")
    return config_class


def config_from_dict(raw: Mapping[str, Any]) -> RunConfig:
    """Validate a raw mapping into a :class:`RunConfig`; the agent section by its agent's own class."""
    raw = dict(raw)
    agent_raw = raw.get("agent")
    if not isinstance(agent_raw, dict):
        raise ConfigError("config section 'agent' is required and must be a mapping with a 'name'")
    name = agent_raw.get("name")
    if not isinstance(name, str) or not name:
        raise ConfigError("config key 'agent.name' is required (e.g. ppo or dqn; rlkit list shows all)")
    agent_class = agent_config_class(name)
    raw["agent"] = validate_model(agent_class, agent_raw, prefix="agent")
    return validate_model(RunConfig, raw)


#: What a run's config is given as: a preset name, a YAML file, or the mapping a YAML file would hold.
ConfigSource = str | PathLike[str] | Mapping[str, Any]


def load_config(source: ConfigSource, overrides: Iterable[str] = ()) -> RunConfig:
    """Load a preset, a YAML file or a mapping, apply ``dotted.key=value`` overrides in order, and validate.

    A relative ``env.id: robot.xml`` (and a ``module:Class`` env or agent in the file's folder) is found
    beside a YAML file, as ``rlkit train`` finds it.

    Raises:
        ConfigError: The source does not exist, is not valid YAML, or does not validate (one line naming the
            key and what would be valid).
    """
    return load_named_config(source, overrides)[0]


def load_named_config(source: ConfigSource, overrides: Iterable[str] = ()) -> tuple[RunConfig, str]:
    """:func:`load_config`, with the run's short name: the preset name, the file's stem, or ``run`` for a
    mapping (run directories are named after it)."""
    raw, name = read_resolved_source(source)
    return config_from_dict(apply_overrides(raw, overrides)), name


def read_resolved_source(source: ConfigSource) -> tuple[dict[str, Any], str]:
    """The raw mapping of a preset, YAML file or mapping, and the run's short name (as
    :func:`load_named_config`): a YAML file's relative XML path and its modules resolved beside it."""
    if isinstance(source, Mapping):
        return copy.deepcopy(dict(source)), "run"
    source = os.fspath(source)
    raw, name = read_source(source)
    if Path(source).is_file():
        _find_modules_beside(raw, Path(source).parent)
        raw = _resolve_model_path(raw, Path(source).parent)
    return raw, name


def _find_modules_beside(raw: dict[str, Any], config_dir: Path) -> None:
    """Let ``env.id: my_module:MyEnv`` (and ``agent.name: my_module:MyAgent``) in a config file name a module
    in that file's folder, as a relative XML path does, not only in the working directory."""
    sections = [raw.get("env"), raw.get("agent")]
    names = [
        section.get(key)
        for section, key in zip(sections, ("id", "name"), strict=True)
        if isinstance(section, dict)
    ]
    for name in names:
        if not isinstance(name, str) or ":" not in name:
            continue
        top = name.split(":", 1)[0].split(".", 1)[0]
        if (config_dir / f"{top}.py").is_file() or (config_dir / top / "__init__.py").is_file():
            folder = str(config_dir.resolve())
            if folder not in sys.path:
                sys.path.append(folder)  # appended: it never shadows the standard library


def _resolve_model_path(raw: dict[str, Any], config_dir: Path) -> dict[str, Any]:
    """Make a relative ``env.id: robot.xml`` in a config file relative to that file, not to the cwd."""
    env = raw.get("env")
    if not isinstance(env, dict) or not isinstance(env.get("id"), str) or not env["id"].endswith(".xml"):
        return raw
    model = Path(env["id"])
    if model.is_absolute() or not (config_dir / model).is_file():
        return raw
    return {**raw, "env": {**env, "id": str((config_dir / model).resolve())}}


def config_to_dict(config: RunConfig) -> dict[str, Any]:
    """The resolved config as plain YAML-safe data (every field, defaults included)."""
    return config.model_dump(mode="json")


def dump_yaml(config: RunConfig) -> str:
    """The resolved config as YAML text, sections in schema order."""
    return yaml.safe_dump(config_to_dict(config), sort_keys=False)
