"""Validating an SSDA903 (children looked after) return against the DfE rules of its year."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from kinsight.core.deferred import deferred
from kinsight.core.reference import postcode_files
from kinsight.core.sql import literal
from kinsight.quality.engine import PREVIOUS, Engine
from kinsight.quality.result import ValidationResult
from kinsight.sources import ofsted, ssda903

pa = deferred("pyarrow")

#: The postcode lookup rows for the postcodes a return uses (derived, never supplied by the
#: user): the postcode without spaces, its children's services LA (or WAL, SCO, NIR for the
#: rest of the UK) and its grid reference. The ``placements`` view derives DfE's PL_LA,
#: PL_LOCATION and PL_DISTANCE from it.
POSTCODE_COLUMNS = ("POSTCODE", "LA", "EASTING", "NORTHING")
#: What to give for the tables that are not part of the return, named when a rule is skipped.
SUPPLIED_BY = {
    "Providers": "the Ofsted provider lists (--providers)",
    "UASCStatus": "the UASC flag of the DfE XML's header (a CSV return has none)",
}


def table_columns(year: int) -> dict[str, Sequence[str]]:
    """Every table the 903 rules of a year read, with its columns: the return's, Ofsted's
    provider lists (``Providers``) and the postcode lookup (``Postcodes``)."""
    return {name: t.columns for name, t in ssda903.schema(year).items()} | {
        "Providers": ofsted.PROVIDER_COLUMNS,
        "Postcodes": POSTCODE_COLUMNS,
    }


def validate_903(
    paths: Iterable[Path | str],
    year: int,
    la: str,
    previous: Iterable[Path | str] = (),
    providers: Iterable[Path | str] = (),
) -> ValidationResult:
    """Validate the 903 files (or folders) of collection year ``year`` for LA ``la``.

    ``previous`` are earlier years' returns (each a folder, an XML file or one
    table's file); rules that look back in time read them as ``<Table>_previous``
    and are skipped when they are not supplied, so history never causes false
    positives. ``providers`` are Ofsted's children's homes and social care providers
    lists (xlsx or CSV); the rules checking URNs against them are skipped without them.
    Raises :class:`kinsight.core.errors.UnusableInput` for files that cannot be read;
    everything the rules find is in the result, not raised.
    """
    year = int(year)
    engine = Engine("ssda903", year, la, table_columns(year), supplied_by=SUPPLIED_BY)
    for file, table in ofsted.read_providers(providers):
        engine.load({"Providers": table}, {"Providers": file})
    _load_return(engine, ssda903.read_return(paths, year, scan_csv=True))
    for path in previous:
        # An earlier year's return is read with this year's layout, which recognises its tables.
        _load_return(engine, ssda903.read_return([path], year, scan_csv=True), previous=True)
    derive_postcodes(engine)
    return engine.run()


def _load_return(engine: Engine, found: ssda903.Return903, *, previous: bool = False) -> None:
    """Load a return's tables: CSV files straight from DuckDB's scan of them, the rest from Arrow.

    Called once per return, so that only one is ever held as Arrow.
    """
    for name, scan in found.scans.items():
        engine.load_scan(name, scan, found.files[name], previous=previous)
    if found.tables:
        engine.load(found.tables, found.files, previous=previous)
        # Arrow's allocator keeps what the tables used; given back, DuckDB grows into it
        # instead of above it (100 MB less at the peak for 100,000 children read as Arrow).
        pa.default_memory_pool().release_unused()


def derive_postcodes(engine: Engine) -> None:
    """Load into ``Postcodes`` the lookup rows of the postcodes the loaded tables use.

    Only those postcodes are read from the lookup's parquet files (a filter DuckDB applies
    while scanning them), so a validation holds a few thousand rows, not the 2.7 million
    of the whole UK. Postcodes are matched as DfE's tools match them: upper case, spaces
    ignored (``ab12cd`` and ``AB1 2CD`` are the same postcode).
    """
    used = [f"SELECT unnest([HOME_POST, PL_POST]) AS postcode FROM Episodes{suffix}"
            for suffix in ("", PREVIOUS) if f"Episodes{suffix}" in engine.supplied]
    if "Providers" in engine.supplied:
        used.append("SELECT POSTCODE AS postcode FROM Providers")
    wanted = " UNION ".join(used) or "SELECT NULL AS postcode WHERE false"
    files = ", ".join(literal(str(f)) for f in postcode_files())
    # The lookup writes each postcode with one space before its last three characters.
    engine.derive("Postcodes", f"""
        SELECT replace(postcode, ' ', '') AS POSTCODE, la_code AS LA, easting AS EASTING, northing AS NORTHING
        FROM read_parquet([{files}], union_by_name = true)
        WHERE postcode IN (
            SELECT CASE WHEN length(compact) > 3 THEN left(compact, length(compact) - 3) || ' ' || right(compact, 3)
                        ELSE compact END
            FROM (SELECT DISTINCT replace(upper(postcode), ' ', '') AS compact FROM ({wanted}))
            WHERE compact IS NOT NULL)""")

