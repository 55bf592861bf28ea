"""Validating an SSDA903 (children looked after) return against the DfE rules of its year."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa

from kinsight.quality.engine import Engine
from kinsight.quality.result import ValidationResult
from kinsight.sources import ssda903


def validate_903(
    paths: Iterable[Path | str],
    year: int,
    la: str,
    previous: Iterable[Path | str] = (),
) -> ValidationResult:
    """Validate the 903 files (or folders) of collection year ``year`` for LA ``la``.

    ``previous`` are earlier years' returns (each a folder, an XML file or one
    table's file); rules that look back in time read them as ``<Table>_previous``
    and are skipped when they are not supplied, so history never causes false
    positives. Raises :class:`kinsight.core.errors.UnusableInput` for files that
    cannot be read; everything the rules find is in the result, not raised.
    """
    year = int(year)
    tables = ssda903.schema(year)
    engine = Engine("ssda903", year, la, {name: t.columns for name, t in tables.items()})
    # Each return is read, handed to DuckDB and let go, so only one is ever held as Arrow.
    current = ssda903.read_return(paths, year)
    engine.load(current.tables, current.files)
    del current
    for path in previous:
        # An earlier year's return is read with this year's layout, which recognises its tables.
        earlier = ssda903.read_return([path], year)
        engine.load(earlier.tables, earlier.files, previous=True)
        del earlier
    # Arrow's allocator keeps what the returns used; given back, DuckDB grows into it
    # instead of above it (100 MB less at the peak for 100,000 children).
    pa.default_memory_pool().release_unused()
    return engine.run()
