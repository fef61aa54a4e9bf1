"""The config reference shown by ``rlkit train --help``: every key with its type, default and doc."""

from __future__ import annotations

from typing import Any, get_args

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from rlkit.agent_registry import AGENTS
from rlkit.config.loading import agent_config_class
from rlkit.config.schema import AgentConfig, RunConfig
from rlkit.config.sim2real import ObservationTerm, RewardTerm, TerminationTerm


def _default(field: Any) -> str:
    if field.default is not PydanticUndefined:
        return repr(field.default)
    if field.default_factory is not None:
        value = field.default_factory()
        return "{...}" if isinstance(value, BaseModel) else repr(value)
    return "required"


def _optional_section(annotation: Any) -> type[BaseModel] | None:
    """``Section`` for a ``Section | None`` field (a section that is off until set), else None."""
    members = [member for member in get_args(annotation) if member is not type(None)]
    if len(members) == 1 and isinstance(members[0], type) and issubclass(members[0], BaseModel):
        return members[0]
    return None


def _lines(model: type[BaseModel], prefix: str, skip: tuple[type[BaseModel], ...] = ()) -> list[str]:
    lines = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if not issubclass(annotation, skip):
                lines.extend(_lines(annotation, f"{prefix}{name}."))
            continue
        lines.append(f"  {prefix}{name} = {_default(field)}  {field.description or ''}")
        section = _optional_section(annotation)
        if section is not None:  # its keys too, so that users see what they can set once it is on
            lines.extend(_lines(section, f"{prefix}{name}."))
    return lines


def _term_lines(union: Any) -> list[str]:
    """One entry per term of a discriminated union of term models: its name, what it computes (the model's
    docstring) and its fields."""
    lines = []
    for model in get_args(get_args(union)[0]):
        name = get_args(model.model_fields["term"].annotation)[0]
        lines.append(f"  {name}: {' '.join((model.__doc__ or '').split())}")
        for field_name, field in model.model_fields.items():
            if field_name not in ("term", "weight"):  # every reward term has a weight (the heading says)
                lines.append(f"      {field_name} = {_default(field)}  {field.description or ''}")
    return lines


def term_reference() -> str:
    """The task-term library: every reward and termination term with its fields."""
    lines = [
        " reward terms (env.task.reward, and each robot's env.task.team.reward): each term's value, larger "
        "is better (a cost is negative), times its weight (1.0 unless given), is added to the reward",
        *_term_lines(RewardTerm),
        " termination terms (env.task.termination, env.task.team.lose and env.task.team.success): a range "
        "term holds when its value leaves [min, max]",
        *_term_lines(TerminationTerm),
        f" observation terms (env.task.observations): {ObservationTerm.model_fields['term'].description}",
    ]
    return "\n".join(lines)


def config_reference() -> str:
    """Every config key, section by section; the agent section once per registered agent; then the
    task-term library."""
    lines = ["config keys (set in YAML or as KEY=VALUE overrides):"]
    lines += _lines(RunConfig, "", skip=(AgentConfig,))
    for name in AGENTS:
        config_class = agent_config_class(name)
        lines.append(f" agent keys for agent.name={name}:")
        lines += _lines(config_class, "agent.")
    lines.append(term_reference())
    return "\n".join(lines)
