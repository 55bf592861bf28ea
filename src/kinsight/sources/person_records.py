"""Person records: one row per source record, in the standard attributes linkage reads.

``read_person_records(source)`` turns any configured source into the table of
docs/contracts.md §3: ``source, record_id``, the standard person attributes mapped by
the source's ``[sources.columns]`` (text; ``dob`` a date; ``sex`` ``M``/``F``/null),
lineage ``file, row_number``, and three optional columns linkage also reads:

* ``id_namespace``: the source's ``id_namespace`` option (equal ``other_id``s within one
  namespace are the same child);
* ``adoption``: ``pre``/``post`` from the column named by the ``adoption_column``
  option (a record of a child's identity before or after an adoption);
* ``ethnicity``: from the column named by the ``ethnicity_column`` option, used only to
  report linkage quality by ethnic group.

Unparseable dates of birth become null and are counted in the table's metadata
(``unparseable_dob``); they never stop the read. Everything that makes a source
unusable raises a :class:`KinsightError` naming the source, file, row and column.
"""

from __future__ import annotations

import importlib

import pyarrow as pa
import pyarrow.compute as pc

from kinsight.core.config import PERSON_ATTRIBUTES, SourceConfig
from kinsight.core.errors import KinsightError, UnusableInput
from kinsight.sources.files import ROW_NUMBER, files_of, parse_dates, read_table

#: Readers of the statutory returns, built on their own branches: format → (module, function).
RETURN_READERS = {
    "ssda903": ("kinsight.sources.ssda903", "read_header"),
    "cin_xml": ("kinsight.sources.cin_census", "read_children"),
    "annex_a": ("kinsight.sources.annex_a", "read_children"),
}

_SEX_CODES = {
    "m": "M", "male": "M", "boy": "M", "1": "M",
    "f": "F", "female": "F", "girl": "F", "2": "F",
}

#: Column names taken as ethnicity when a source names none (DfE's, in any case).
ETHNICITY_COLUMNS = ("ETHNICITY", "ETHNIC")

#: Optional columns a source can supply through its options: column → option key.
EXTRA_COLUMNS = {"adoption": "adoption_column", "ethnicity": "ethnicity_column"}


def read_person_records(source: SourceConfig) -> pa.Table:
    """Read ``source`` as person records (docs/contracts.md §3)."""
    if source.format in ("csv", "xlsx"):
        tables = [_read_file(source, path) for path in files_of(source.path)]
        bad_dob = sum(unparseable_dob(t) for t in tables)
        table = pa.concat_tables([t.replace_schema_metadata(None) for t in tables])
        table = table.replace_schema_metadata({"unparseable_dob": str(bad_dob)})
    elif source.format in RETURN_READERS:
        table = _read_return(source)
    else:
        raise KinsightError(
            f"source {source.name}: unknown format {source.format!r}; "
            "expected csv, xlsx, ssda903, cin_xml or annex_a"
        )
    return _checked(source, table)


def _read_return(source: SourceConfig) -> pa.Table:
    module_name, function = RETURN_READERS[source.format]
    try:
        reader = getattr(importlib.import_module(module_name), function)
    except (ImportError, AttributeError):
        raise KinsightError(
            f"source {source.name}: reading {source.format} returns as person records is not "
            "supported yet in this build"
        ) from None
    raw = reader(source.path)
    # The readers give the return's own columns; map them as for a csv source.
    wanted = _wanted(source, raw.column_names, file=source.path)
    table = pa.table({"source": pa.array([source.name] * raw.num_rows, pa.string()),
                      **{name: raw[column] for name, column in wanted.items()},
                      "file": raw["file"], ROW_NUMBER: raw[ROW_NUMBER]})
    if source.format == "ssda903" and "adoption" not in wanted:
        table = table.append_column("adoption", _adopted_in_903(source, table["record_id"]))
    return _standard(table, source)


def _adopted_in_903(source: SourceConfig, record_ids: pa.ChunkedArray) -> pa.Array:
    """``pre`` for children with an AD1 (adoption) row: the 903 holds their birth identity.

    After the adoption order the child is re-registered under a new NHS number and
    usually a new surname; linkage must not join the two identities (see
    docs/linkage.md, Adoption).
    """
    from kinsight.sources import ssda903

    found = ssda903.read_return([source.path], ssda903.LATEST_YEAR).tables.get("AD1")
    adopted = pa.array(sorted(set(found["CHILD"].to_pylist())) if found is not None else [], pa.string())
    return pc.if_else(pc.is_in(record_ids, value_set=adopted), "pre", pa.scalar(None, pa.string()))


def _wanted(source: SourceConfig, columns: list[str], *, file) -> dict[str, str]:
    """Standard attribute → column of the file: the mapping, the options, and ethnicity.

    Raises naming the source, file and column when a mapped column is missing.
    Ethnicity is only for the bias report; a column named like DfE's (``ETHNICITY``,
    ``ETHNIC``) is used when the source does not name one with ``ethnicity_column``.
    """
    wanted = {"record_id": source.record_id, **source.columns}
    wanted |= {name: source.options[key] for name, key in EXTRA_COLUMNS.items() if key in source.options}
    if "ethnicity" not in wanted:
        found = [c for c in columns if c.strip().upper() in ETHNICITY_COLUMNS]
        if found:
            wanted["ethnicity"] = found[0]
    for name, column in wanted.items():
        if column not in columns:
            raise UnusableInput(
                f"source {source.name}: the column {column!r} (mapped to {name}) is not in the file; "
                f"it has {', '.join(columns)}",
                file=file,
                field=column,
            )
    return wanted


def _read_file(source: SourceConfig, path) -> pa.Table:
    raw = read_table(path, sheet=source.options.get("sheet", 0))
    wanted = _wanted(source, raw.column_names, file=path)
    if raw.num_rows == 0:
        empty = {"source": pa.array([], pa.string()), "record_id": pa.array([], pa.string())}
        return _standard(pa.table(empty), source)
    record_ids = pc.utf8_trim_whitespace(raw[source.record_id])
    missing = pc.is_null(record_ids)
    if pc.any(missing).as_py():
        row = raw[ROW_NUMBER][pc.index(missing, True).as_py()].as_py()
        raise UnusableInput(
            f"source {source.name}: a record has no record id", file=path, row=row, field=source.record_id
        )
    columns = {"source": pa.array([source.name] * raw.num_rows, pa.string()), "record_id": record_ids}
    for name, column in wanted.items():
        if name != "record_id":
            columns[name] = raw[column]
    columns["file"] = pa.array([str(path)] * raw.num_rows, pa.string())
    columns[ROW_NUMBER] = raw[ROW_NUMBER]
    return _standard(pa.table(columns), source)


def _standard(table: pa.Table, source: SourceConfig) -> pa.Table:
    """Every contract column present and typed; dob parsed, sex normalised."""
    n = table.num_rows
    previous = unparseable_dob(table)
    out: dict[str, pa.Array] = {
        "source": table["source"].cast(pa.string()),
        "record_id": table["record_id"].cast(pa.string()),
    }
    bad_dob = 0
    for name in PERSON_ATTRIBUTES:
        values = table[name] if name in table.column_names else pa.nulls(n, pa.string())
        if name == "dob":
            if pa.types.is_date(values.type):
                parsed = values.cast(pa.date32())
            else:
                text = pc.utf8_trim_whitespace(values.cast(pa.string()))
                parsed = _without_rollover(text, parse_dates(text))
                bad_dob = pc.sum(pc.and_(pc.is_valid(text), pc.is_null(parsed))).as_py() or 0
            out[name] = parsed
        elif name == "sex":
            text = pc.utf8_lower(pc.utf8_trim_whitespace(values.cast(pa.string())))
            out[name] = _mapped(text, _SEX_CODES)
        else:
            text = pc.utf8_trim_whitespace(values.cast(pa.string()))
            out[name] = pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
    namespace = source.options.get("id_namespace")
    out["id_namespace"] = pa.array([namespace] * n, pa.string())
    for name in EXTRA_COLUMNS:
        values = table[name] if name in table.column_names else pa.nulls(n, pa.string())
        out[name] = values.cast(pa.string())
    out["file"] = table["file"].cast(pa.string()) if "file" in table.column_names else pa.nulls(n, pa.string())
    out[ROW_NUMBER] = (
        table[ROW_NUMBER].cast(pa.int32()) if ROW_NUMBER in table.column_names else pa.nulls(n, pa.int32())
    )
    return pa.table(out).replace_schema_metadata({"unparseable_dob": str(bad_dob + previous)})


def _without_rollover(text: pa.Array, parsed: pa.Array) -> pa.Array:
    """Null where a parsed date is not the date written (31/02/2015 read as 3 March).

    Arrow's strptime rolls impossible dates over; a date of birth that does not exist
    must be reported, not moved. The parsed day and month must both appear in the text.
    """
    import duckdb

    con = duckdb.connect()  # a projection keeps row order (DuckDB preserves insertion order)
    try:
        con.register("checking", pa.table({"t": text, "d": parsed}))
        result = con.execute(
            """SELECT CASE WHEN list_contains(numbers, day(d)) AND list_contains(numbers, month(d)) THEN d END
               FROM (SELECT d, list_transform(regexp_split_to_array(t, '[^0-9]+'), x -> TRY_CAST(x AS INT))
                     AS numbers FROM checking)"""
        ).to_arrow_table()
    finally:
        con.close()
    return result.column(0).cast(pa.date32()).combine_chunks()


def _mapped(values: pa.ChunkedArray | pa.Array, codes: dict[str, str]) -> pa.Array:
    keys = pa.array(list(codes))
    positions = pc.index_in(values, value_set=keys)
    return pc.take(pa.array(list(codes.values()), pa.string()), positions)


def unparseable_dob(records: pa.Table) -> int:
    """How many dates of birth in ``records`` could not be read (and were set to null)."""
    return int((records.schema.metadata or {}).get(b"unparseable_dob", 0))


def _checked(source: SourceConfig, table: pa.Table) -> pa.Table:
    """Refuse a source linkage cannot use: empty, duplicate ids, nothing to link on."""
    if table.num_rows == 0:
        raise KinsightError(f"source {source.name}: no records in {source.path}")
    counts = pc.value_counts(table["record_id"])
    repeated = counts.filter(pc.greater(counts.field("counts"), 1)).field("values").to_pylist()
    if repeated:
        shown = ", ".join(sorted(repeated)[:10])
        more = f" and {len(repeated) - 10} more" if len(repeated) > 10 else ""
        raise KinsightError(
            f"source {source.name}: record ids must be unique within a source; repeated: {shown}{more}"
        )
    mapped = [name for name in PERSON_ATTRIBUTES if name in source.columns or source.format in RETURN_READERS]
    if not any(table[name].null_count < table.num_rows for name in mapped if name in table.column_names):
        raise KinsightError(
            f"source {source.name}: every identifying attribute is empty in every record "
            f"(mapped: {', '.join(mapped) or 'none'}); there is nothing to link on"
        )
    return table
