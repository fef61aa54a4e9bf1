"""Package layout: the repository's top-level folders install under the one ``rlkit`` namespace.

``envs/``, ``agents/``, ``vision/`` and ``configs/`` sit beside ``rlkit/`` in the repository and install as
``rlkit.envs``, ``rlkit.agents``, ``rlkit.vision`` and ``rlkit.configs``, so that ``rlkit`` is the only
top-level name in site-packages and a user's own ``envs`` or ``agents`` package is never shadowed. Everything
else about the distribution is in ``pyproject.toml``; this file only computes the package list, which a
static ``package-dir`` table would have to repeat for every subpackage.
"""

from setuptools import find_packages, setup

FOLDERS = {
    "rlkit": "rlkit",
    "rlkit.envs": "envs",
    "rlkit.agents": "agents",
    "rlkit.vision": "vision",
    "rlkit.configs": "configs",
}


def packages() -> list[str]:
    """Every package under each folder, named by where it installs."""
    found = []
    for name, folder in FOLDERS.items():
        found += [name, *(f"{name}.{sub}" for sub in find_packages(folder))]
    return found


setup(package_dir=FOLDERS, packages=packages())
