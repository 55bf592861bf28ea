"""The roles a user can hold: governance's vocabulary plus the web sections each may use."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files

import yaml

from kinsight.governance import catalogue


@dataclass(frozen=True)
class Role:
    key: str
    name: str
    description: str
    #: Governance's kind: practitioner, strategic, oversight, external, subject, technical.
    kind: str
    sections: frozenset[str]
    claims: tuple[str, ...]


@cache
def roles() -> dict[str, Role]:
    """Every role, by id, in governance's order; a role the web does not list opens nothing."""
    web = yaml.safe_load(files("kinsight.web").joinpath("roles.yaml").read_text("utf-8"))
    return {
        key: Role(
            key=key,
            name=role.title,
            description=role.description,
            kind=role.kind,
            sections=frozenset(web.get(key, {}).get("sections", ())),
            claims=tuple(web.get(key, {}).get("claims", ())),
        )
        for key, role in catalogue.roles().items()
    }


def role_choices() -> list[tuple[str, str]]:
    return [(role.key, role.name) for role in roles().values()]


def role_from_claims(values: list[str] | str | None, mapping: dict[str, str] | None = None) -> str | None:
    """The role an identity provider's claim values grant: the first that maps to a role.

    ``mapping`` (claim value → role id) comes from ``[web.oidc.roles]`` in kinsight.toml and
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
