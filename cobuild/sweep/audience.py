"""Who an item's reminder step goes to: the lead unit's liaisons and the responsible person,
the cooperating units, the chair, the secretary, the raising unit."""

from __future__ import annotations

from cobuild.models import (
    Council,
)
from cobuild.sweep.directory import Directory, Person, unique


def audience(audience: str, item, council: Council, directory: Directory, cooperating_units: list[int]) -> list[Person]:
    """Who one step of an item's ladder goes to, each person once (not to be changed by the
    caller: kept per sweep, as items that share a lead unit and responsible person share it)."""
    if audience == "lead":
        key: tuple = (audience, item.lead_unit_id, item.council_id, item.responsible_person)
    elif audience == "cooperating":
        key = (audience, *cooperating_units)
    elif audience == "raiser":
        key = (audience, item.raised_by_unit_id)
    elif audience in ("chair", "secretary"):
        key = (audience, item.council_id)
    else:
        raise ValueError(f"unknown audience {audience!r}")
    people = directory.audiences.get(key)
    if people is None:
        people = directory.audiences[key] = _audience_of(audience, item, council, directory, cooperating_units)
    return people


def _audience_of(audience: str, item, council: Council, directory: Directory, cooperating_units: list[int]) -> list[Person]:
    if audience == "lead":
        people = directory.unit_people([item.lead_unit_id])
        responsible = directory.by_name.get((council.id, item.responsible_person))
        if responsible is not None:
            people.append(responsible)
    elif audience == "cooperating":
        people = directory.unit_people(cooperating_units)
    elif audience == "chair":
        people = directory.chair(council.id)
    elif audience == "secretary":
        people = directory.secretaries[council.id]
    else:  # raiser
        people = directory.unit_people([item.raised_by_unit_id])
    return people if len(people) < 2 else unique(people)
