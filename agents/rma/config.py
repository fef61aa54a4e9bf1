"""The ``rma`` agent's section: the base policy it adapts, the parameters it estimates, and its history."""

from __future__ import annotations

from typing import Any

from pydantic import Field, SerializeAsAny, field_validator

from rlkit.config.loading import agent_config_class, validate_model
from rlkit.config.schema import AdaptationModuleConfig, AgentConfig


class RMAConfig(AgentConfig):
    """A student of Rapid Motor Adaptation. ``rlkit distill`` with ``distill.method: adaptation`` writes this
    section into the student's run from the teacher's run and the student's env; it is not trained by
    ``rlkit train``."""

    name: str = Field("rma", description="agent name")
    base: SerializeAsAny[AgentConfig] = Field(
        ...,
        description="the base policy's agent section (the teacher's): it reads the latest reading, then the "
        "parameters, and keeps the teacher's weights",
    )
    parameters: list[str] = Field(
        ...,
        min_length=1,
        description="the privileged parameters estimated, in the order the base policy reads them (the "
        "sampled names of env.randomization.parameters)",
    )
    history: int = Field(
        ..., ge=2, description="readings side by side in each observation, oldest first (env.sensors.history)"
    )
    adaptation: AdaptationModuleConfig = Field(
        default_factory=AdaptationModuleConfig,
        description="the adaptation module's network (from distill.adaptation)",
    )

    @field_validator("base", mode="before")
    @classmethod
    def _base_by_its_own_agent(cls, raw: Any) -> Any:
        """The base section is validated by its own agent's config class, as a run's ``agent`` section is."""
        if isinstance(raw, AgentConfig):
            return raw
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
            raise ValueError("the base policy's agent section needs a name (e.g. ppo)")
        if raw["name"] == "rma":
            raise ValueError("the base policy is a teacher's, not another rma student")
        return validate_model(agent_config_class(raw["name"]), raw, prefix="agent.base")
