"""Standardising person records into the features the linkage model compares.

Names are compared after the same cleaning whatever service wrote them: lower case,
accents stripped (``Zoë`` → ``zoe``), apostrophes dropped (``O'Brien`` → ``obrien``),
hyphens and other punctuation treated as spaces. A double-barrelled or hyphenated
surname keeps its parts (``surname_parts``) so ``Smith-Jones`` can meet ``Jones``. A
forename is mapped to a canonical form through the UK short-form and transliteration
table in ``data/forenames.csv`` (``Alfie`` → ``alfred``, ``Mohammed`` → ``muhammad``).

Identifiers are kept only when their check digit is right; the validity flags are kept
beside them for the quality report. The work is one DuckDB query, so a million records
take a couple of seconds.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

import duckdb
import pyarrow as pa

from kinsight.linkage.identifiers import (
    nhs_number_test_range,
    nhs_number_validity,
    normalise_digits,
    uln_validity,
    upn_validity,
)

#: Columns of a person-records table (docs/contracts.md §3) the linkage reads.
RECORD_COLUMNS: dict[str, pa.DataType] = {
    "source": pa.string(),
    "record_id": pa.string(),
    "nhs_number": pa.string(),
    "upn": pa.string(),
    "uln": pa.string(),
    "forename": pa.string(),
    "middle_names": pa.string(),
    "surname": pa.string(),
    "dob": pa.date32(),
    "sex": pa.string(),
    "postcode": pa.string(),
    "address": pa.string(),
    "other_id": pa.string(),
    "id_namespace": pa.string(),
    "adoption": pa.string(),
    "ethnicity": pa.string(),
}


@cache
def forename_variants() -> dict[str, str]:
    """The UK short-form and transliteration table: standardised variant → canonical form."""
    text = resources.files("kinsight.linkage").joinpath("data/forenames.csv").read_text("utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return {row["variant"]: row["canonical"] for row in rows}


def conform(records: pa.Table) -> pa.Table:
    """The records with every column linkage reads, in order, typed; absent ones null.

    Adds the identifier validity flags, computed once here so that the model, the
    deterministic passes and the report all agree on them.
    """
    if "source" not in records.column_names or "record_id" not in records.column_names:
        raise ValueError("person records need 'source' and 'record_id' columns")
    columns = {}
    for name, kind in RECORD_COLUMNS.items():
        if name in records.column_names:
            columns[name] = records[name].cast(kind)
        else:
            columns[name] = pa.nulls(records.num_rows, kind)
    columns["nhs_valid"] = nhs_number_validity(columns["nhs_number"])
    columns["nhs_test"] = nhs_number_test_range(columns["nhs_number"])
    columns["upn_valid"] = upn_validity(columns["upn"])
    columns["uln_valid"] = uln_validity(columns["uln"])
    for name in ("nhs_number", "upn", "uln"):
        columns[name] = normalise_digits(columns[name])
    return pa.table(columns)


def _name(expr: str) -> str:
    """SQL: a name cleaned to lower-case words of a–z separated by single spaces."""
    cleaned = f"regexp_replace(lower(strip_accents({expr})), '[''`’]', '', 'g')"
    cleaned = f"trim(regexp_replace({cleaned}, '[^a-z]+', ' ', 'g'))"
    return f"nullif({cleaned}, '')"


def features_sql(records: str) -> str:
    """SQL selecting the model's features from a conformed records relation ``records``.

    Expects a ``rid`` column (the index's integer record key) besides the record columns.
    """
    forename = _name("forename")
    surname = _name("surname")
    middle = _name("middle_names")
    postcode = "nullif(regexp_replace(upper(postcode), '[^A-Z0-9]', '', 'g'), '')"
    return f"""
    WITH cleaned AS (
        SELECT *,
            {forename} AS forename_words,
            {surname} AS surname_words,
            {middle} AS middle_words,
            CASE WHEN length({postcode}) BETWEEN 5 AND 7 THEN {postcode} END AS postcode_clean,
            string_split(regexp_replace(lower(strip_accents(regexp_replace(address,
                '[A-Za-z]{1,2}[0-9][A-Za-z0-9]? ?[0-9][A-Za-z]{2}', '', 'g'))), '[^a-z0-9]+', ' ', 'g'), ' ')
                AS address_words
        FROM {records}
    )
    SELECT
        rid, source, record_id,
        CASE WHEN nhs_valid THEN nhs_number END AS nhs_number,
        CASE WHEN upn_valid THEN upn END AS upn,
        CASE WHEN uln_valid THEN uln END AS uln,
        CASE WHEN other_id IS NOT NULL
             THEN coalesce(id_namespace, source) || ':' || trim(other_id) END AS other_id,
        replace(forename_words, ' ', '') AS forename,
        coalesce(v.canonical, split_part(forename_words, ' ', 1)) AS forename_canon,
        split_part(middle_words, ' ', 1) AS middle_name,
        replace(surname_words, ' ', '') AS surname,
        string_split(surname_words, ' ') AS surname_parts,
        dob,
        strftime(dob, '%Y-%m-%d') AS dob_text,
        year(dob) AS dob_year,
        CASE WHEN day(dob) <= 12 AND day(dob) <> month(dob)
             THEN make_date(year(dob), day(dob), month(dob)) END AS dob_swapped,
        CASE WHEN sex IN ('M', 'F') THEN sex END AS sex,
        postcode_clean AS postcode,
        left(postcode_clean, length(postcode_clean) - 2) AS postcode_sector,
        left(postcode_clean, length(postcode_clean) - 3) AS postcode_district,
        list_sort(list_distinct(list_filter(address_words, w -> length(w) > 1))) AS address_tokens,
        CASE WHEN lower(adoption) LIKE 'pre%' THEN 'pre'
             WHEN lower(adoption) LIKE 'post%' THEN 'post' END AS adoption
    FROM cleaned
    LEFT JOIN forename_variants v ON v.variant = split_part(forename_words, ' ', 1)
    """


def register_forename_variants(con: duckdb.DuckDBPyConnection) -> None:
    """Make the short-form table available to :func:`features_sql` on ``con``."""
    variants = forename_variants()
    table = pa.table({"variant": list(variants), "canonical": list(variants.values())})
    con.register("forename_variants_arrow", table)
    con.execute("CREATE OR REPLACE TEMP TABLE forename_variants AS SELECT * FROM forename_variants_arrow")
    con.unregister("forename_variants_arrow")
