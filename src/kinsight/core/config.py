"""The project configuration, ``kinsight.toml``.

One file describes a deployment: the local authority, where the warehouse lives,
and every source with its format, record id, the mapping of its columns to the
standard person attributes, and the data sharing agreement that covers it::

    [project]
    la = "E09000027"
    warehouse = "warehouse"

    [[sources]]
    name = "health_visiting"
    path = "partners/health_visiting"
    format = "csv"
    record_id = "HV_ID"
    agreement = "early-help"
    [sources.columns]
    nhs_number = "NHS_NO"
    forename = "FIRST_NAME"

Relative paths are resolved against the folder holding the file. A file with
only ``[[sources]]`` is accepted where no project is needed (``kinsight link``).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kinsight.core.errors import KinsightError

#: Standard person attributes a source's columns can be mapped to.
PERSON_ATTRIBUTES: tuple[str, ...] = (
    "nhs_number",
    "upn",
    "uln",
    "forename",
    "middle_names",
    "surname",
    "dob",
    "sex",
    "postcode",
    "address",
    "other_id",
)

DEFAULT_CONFIG = Path("kinsight.toml")


@dataclass(frozen=True)
class SourceConfig:
    """One source as the deployment describes it."""

    name: str
    path: Path
    format: str
    record_id: str
    columns: dict[str, str] = field(default_factory=dict)
    agreement: str | None = None
    #: Any further keys, for the reader of that format (sheet, encoding, id_namespace…).
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ProjectConfig:
    """A deployment: its LA, its warehouse and its sources."""

    path: Path
    la: str | None
    warehouse: Path
    sources: tuple[SourceConfig, ...]
    settings: dict[str, Any] = field(default_factory=dict)

    def source(self, name: str) -> SourceConfig:
        for source in self.sources:
            if source.name == name:
                return source
        raise KinsightError(f"{self.path}: no source named {name!r}")


_SOURCE_KEYS = {"name", "path", "format", "record_id", "columns", "agreement"}


def load_config(path: Path | str = DEFAULT_CONFIG) -> ProjectConfig:
    """Read and check a ``kinsight.toml``; raise :class:`KinsightError` naming the problem."""
    path = Path(path)
    if not path.is_file():
        raise KinsightError(f"{path}: configuration file not found (pass --config FILE)")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise KinsightError(f"{path}: not a valid TOML file: {exc}") from None
    base = path.resolve().parent
    project = data.get("project", {})
    raw_sources = data.get("sources", [])
    if not isinstance(raw_sources, list) or not raw_sources:
        raise KinsightError(f"{path}: no [[sources]] are configured")
    sources = tuple(_source(path, base, i, raw) for i, raw in enumerate(raw_sources, 1))
    names = [s.name for s in sources]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise KinsightError(f"{path}: source names must be unique; repeated: {', '.join(duplicated)}")
    return ProjectConfig(
        path=path.resolve(),
        la=project.get("la"),
        warehouse=base / project.get("warehouse", "warehouse"),
        sources=sources,
        settings={k: v for k, v in data.items() if k not in {"project", "sources"}}
        | {"project": project},
    )


def _source(path: Path, base: Path, index: int, raw: dict[str, Any]) -> SourceConfig:
    where = f"{path}: source {index}"
    for key in ("name", "path", "format", "record_id"):
        if not raw.get(key):
            raise KinsightError(f"{where}: the key {key!r} is required")
    columns = raw.get("columns", {})
    unknown = sorted(set(columns) - set(PERSON_ATTRIBUTES))
    if unknown:
        raise KinsightError(
            f"{where} ({raw['name']}): unknown person attribute(s) {', '.join(unknown)}; "
            f"expected some of {', '.join(PERSON_ATTRIBUTES)}"
        )
    return SourceConfig(
        name=raw["name"],
        path=base / raw["path"],
        format=raw["format"],
        record_id=raw["record_id"],
        columns=dict(columns),
        agreement=raw.get("agreement"),
        options={k: v for k, v in raw.items() if k not in _SOURCE_KEYS},
    )
