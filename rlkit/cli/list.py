"""``rlkit list``: the environments, agents and presets rlkit knows, one line each."""

from __future__ import annotations

import argparse

from rlkit.agent_registry import AGENTS
from rlkit.config.loading import preset_description, preset_names


def add_parser(verbs: argparse._SubParsersAction) -> None:
    parser = verbs.add_parser(
        "list",
        help="list environments, agents and presets",
        description="List the environments, agents and presets rlkit knows.",
    )
    parser.add_argument("what", nargs="?", choices=("envs", "agents", "presets"), help="list only these")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    # Lazy CLI start-up: the parser imports every verb's module; only the verb that runs loads its stack.
    from rlkit.envs import describe_environments

    sections = {
        "presets": [(name, preset_description(name)) for name in preset_names()],
        "agents": AGENTS.describe(),
        "envs": describe_environments(),
    }
    for title, rows in sections.items():
        if args.what not in (None, title):
            continue
        width = max((len(name) for name, _ in rows), default=0)
        print(f"{title}:")
        for name, description in rows:
            print(f"  {name:<{width}}  {description}")
    return 0
