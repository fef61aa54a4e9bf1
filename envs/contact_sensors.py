"""Contact sensors a task's terms need, added to the robot's model at load (``MjSpec``), not written into
its XML.

A term that asks whether a body touches something (a base-contact termination) reads a MuJoCo ``contact``
sensor: MuJoCo counts the body's contacts in the same step that computes them, for every sim of a batch in
C, so the term reads one column of ``sensordata`` instead of walking each env's contact list in Python. The
added sensors sit after the model's own, and the observation leaves them out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import mujoco

from rlkit.errors import RlkitError

#: Prefix of the sensors rlkit adds, which no model's own sensor is expected to use.
PREFIX = "rlkit/contact/"

# A contact sensor's intprm: what it reports (1: how many contacts it found), how it reduces them (0: none),
# and how many it reports (1); its one value is then the number of contacts found (0: none).
_FOUND, _NO_REDUCTION, _ONE = 1, 0, 1


def contact_sensor_name(body: str) -> str:
    """The name of the added sensor that counts ``body``'s contacts."""
    return PREFIX + body


def site_contact_sensor_name(site: str) -> str:
    """The name of the added sensor that counts the contacts inside site ``site``'s volume (a foot)."""
    return f"{PREFIX}site/{site}"


def matching_bodies(names: Iterable[str], pattern: str, where: str) -> list[str]:
    """The body names that match the regular expression ``pattern`` as a whole, in model order.

    Raises:
        RlkitError: ``pattern`` is not a regular expression, or matches no body (names ``where``).
    """
    return matching_names(names, pattern, where, "body")


def matching_sites(names: Iterable[str], pattern: str, where: str) -> list[str]:
    """The site names that match the regular expression ``pattern`` as a whole, in model order.

    Raises:
        RlkitError: ``pattern`` is not a regular expression, or matches no site (names ``where``).
    """
    return matching_names(names, pattern, where, "site")


def matching_names(names: Iterable[str], pattern: str, where: str, noun: str) -> list[str]:
    """The ``noun`` names that match the regular expression ``pattern`` as a whole, in model order.

    Raises:
        RlkitError: ``pattern`` is not a regular expression, or matches no name (names ``where``).
    """
    names = [name for name in names if name]
    try:
        expression = re.compile(pattern)
    except re.error as exc:
        raise RlkitError(f"{where}: '{pattern}' is not a regular expression ({exc})") from None
    matched = [name for name in names if expression.fullmatch(name)]
    if not matched:
        listed = ", ".join(names[:40]) + (", ..." if len(names) > 40 else "")
        raise RlkitError(f"{where}: '{pattern}' matches no {noun} ({noun} names: {listed or 'none'})")
    return matched


def add_contact_sensors(spec: mujoco.MjSpec, bodies: Iterable[str]) -> None:
    """Add a sensor counting the contacts of each body (with anything), unless the spec has it already."""
    _add_sensors(spec, mujoco.mjtObj.mjOBJ_BODY, bodies, contact_sensor_name)


def add_site_contact_sensors(spec: mujoco.MjSpec, sites: Iterable[str]) -> None:
    """Add a sensor counting the contacts inside each site's volume (a foot's), unless the spec has it."""
    _add_sensors(spec, mujoco.mjtObj.mjOBJ_SITE, sites, site_contact_sensor_name)


def _add_sensors(
    spec: mujoco.MjSpec, kind: mujoco.mjtObj, objects: Iterable[str], sensor_name: Callable[[str], str]
) -> None:
    present = {sensor.name for sensor in spec.sensors}
    for obj in objects:
        name = sensor_name(obj)
        if name not in present:
            spec.add_sensor(
                name=name,
                type=mujoco.mjtSensor.mjSENS_CONTACT,
                objtype=kind,
                objname=obj,
                intprm=[_FOUND, _NO_REDUCTION, _ONE],
            )
            present.add(name)
