"""The roles a user can hold, declared as data in ``roles.yaml``."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files

import yaml


@dataclass(frozen=True)
class Role:
    key: str
    name: str
    description: str
    sections: frozenset[str]
    claims: tuple[str, ...]


@cache
def roles() -> dict[str, Role]:
    """Every role, by key, in the order ``roles.yaml`` lists them."""
    data = yaml.safe_load(files("kinsight.web").joinpath("roles.yaml").read_text("utf-8"))
    return {
        key: Role(
            key=key,
            name=entry["name"],
            description=entry["description"],
            sections=frozenset(entry["sections"]),
            claims=tuple(entry.get("claims", ())),
        )
        for key, entry in data.items()
    }


def role_choices() -> list[tuple[str, str]]:
    return [(role.key, role.name) for role in roles().values()]


def role_from_claims(values: list[str] | str | None, mapping: dict[str, str] | None = None) -> str | None:
    """The role an identity provider's claim values grant: the first that maps to a role.

    ``mapping`` (claim value → role key) comes from ``[web.oidc.roles]`` in kinsight.toml and
    overrides the defaults in ``roles.yaml``; unknown values grant nothing.
    """
    if isinstance(values, str):
        values = [values]
    lookup = {claim: role.key for role in roles().values() for claim in role.claims}
    lookup.update(mapping or {})
    for value in values or []:
        if lookup.get(value) in roles():
            return lookup[value]
    return None
