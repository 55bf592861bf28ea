"""A checker for Explore Education Statistics (EES) data files and their metadata.

It mirrors the rules of DfE's screener (eesyscreener) and the analysts' guide "Open data
standards" as summarised in ui-conventions §3.5, so a file Kinsight writes is known to pass
before anyone uploads it. :func:`check` returns every problem found (file, row, field,
message); an empty list means the pair passes.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

REQUIRED_DATA_COLUMNS = ("time_period", "time_identifier", "geographic_level", "country_code",
                         "country_name")
REQUIRED_META_COLUMNS = ("col_name", "col_type", "label", "indicator_grouping", "indicator_unit",
                         "indicator_dp", "filter_hint", "filter_grouping_column")
OPTIONAL_META_COLUMNS = ("filter_default", "parent_filter")
INDICATOR_UNITS = ("", "%", "pp", "£", "£m", "numberstring")
SYMBOLS = ("c", "k", "low", "u", "x", "z")
LABEL_LIMIT = 80
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
#: Identifier groups: identifiers from different groups may not share a file.
TIME_IDENTIFIERS: dict[str, tuple[int, tuple[str, ...]]] = {
    "calendar": (4, ("Calendar year", *MONTHS, *(f"Week {n}" for n in range(1, 53)))),
    "reporting": (4, ("Reporting year",)),
    "academic": (6, ("Academic year", "Autumn term", "Spring term", "Summer term",
                     "Autumn and spring term")),
    "financial": (6, ("Financial year", *(f"Financial year Q{n}" for n in range(1, 5)),
                      "Part 1 (April to September)", "Part 2 (October to March)")),
    "tax": (6, ("Tax year",)),
}
#: Geographic levels Kinsight writes, with the columns each row must fill and the code format.
GEOGRAPHY: dict[str, tuple[tuple[str, ...], str | None, str | None]] = {
    "National": (("country_code", "country_name"), "country_code", r"^[EKNSW]92000001$"),
    "Regional": (("region_code", "region_name"), "region_code", r"^E1[23]\d{6}$"),
    "Local authority": (("old_la_code", "new_la_code", "la_name", "region_code", "region_name"),
                        "new_la_code", r"^E(06|08|09|10)\d{6}$"),
    "Ward": (("ward_code", "ward_name", "old_la_code", "new_la_code", "la_name"), "ward_code",
             r"^E05\d{6}$"),
}
GEOGRAPHY_COLUMNS = {"region_code", "region_name", "old_la_code", "new_la_code", "la_name",
                     "ward_code", "ward_name", "lad_code", "lad_name"}
_SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
_FILE_NAME = re.compile(r"^[a-z0-9_-]+$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


@dataclass(frozen=True)
class Problem:
    file: str
    row: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = ", ".join(p for p in (self.file, self.row and f"row {self.row}",
                                      self.field and f"field {self.field}") if p)
        return f"{where}: {self.message}"


def _read(path: Path, problems: list[Problem]) -> tuple[list[str], list[dict[str, str]]]:
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        problems.append(Problem(path.name, None, None, "starts with a byte-order mark"))
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        problems.append(Problem(path.name, None, None, f"is not UTF-8 ({error.reason})"))
        return [], []
    reader = csv.DictReader(io.StringIO(text))
    return list(reader.fieldnames or []), list(reader)


def _check_names(path: Path, header: list[str], problems: list[Problem]) -> None:
    stem = path.name.removesuffix(".meta.csv").removesuffix(".csv")
    if not _FILE_NAME.match(stem):
        problems.append(Problem(path.name, None, None,
                                "file names use only lower-case letters, digits, _ and -"))
    for name in header:
        if not _SNAKE.match(name):
            problems.append(Problem(path.name, None, name, "column names must be snake_case"))
    for name in {n for n in header if header.count(n) > 1}:
        problems.append(Problem(path.name, None, name, "column name repeated"))


def _check_time(path: Path, rows: list[dict[str, str]], problems: list[Problem]) -> None:
    groups = set()
    for number, row in enumerate(rows, start=1):
        period, identifier = row.get("time_period", ""), row.get("time_identifier", "")
        group = next((g for g, (_, ids) in TIME_IDENTIFIERS.items() if identifier in ids), None)
        if group is None:
            problems.append(Problem(path.name, number, "time_identifier",
                                    f"{identifier!r} is not an EES time identifier"))
            continue
        groups.add(group)
        digits = TIME_IDENTIFIERS[group][0]
        if not (period.isdigit() and len(period) == digits):
            problems.append(Problem(path.name, number, "time_period",
                                    f"{period!r} should be {digits} digits for {identifier}"))
        elif digits == 6 and int(period[4:]) != (int(period[2:4]) + 1) % 100:
            problems.append(Problem(path.name, number, "time_period",
                                    f"{period!r} is not two consecutive years"))
    if len(groups) > 1:
        problems.append(Problem(path.name, None, "time_identifier",
                                "time identifiers from different groups in one file"))


def _check_geography(path: Path, rows: list[dict[str, str]], problems: list[Problem]) -> None:
    for number, row in enumerate(rows, start=1):
        level = row.get("geographic_level", "")
        if level not in GEOGRAPHY:
            problems.append(Problem(path.name, number, "geographic_level",
                                    f"{level!r} is not a geographic level"))
            continue
        needed, code_column, pattern = GEOGRAPHY[level]
        for column in (*needed, "country_code", "country_name"):
            if not row.get(column, "").strip():
                problems.append(Problem(path.name, number, column,
                                        f"a {level} row must fill {column}"))
        code = row.get(code_column or "", "")
        if code and pattern and not re.match(pattern, code):
            problems.append(Problem(path.name, number, code_column,
                                    f"{code!r} is not a {level} code"))


def _check_meta(path: Path, data_header: list[str], meta: list[dict[str, str]],
                meta_header: list[str], problems: list[Problem]) -> dict[str, dict[str, str]]:
    name = path.name
    for column in REQUIRED_META_COLUMNS:
        if column not in meta_header:
            problems.append(Problem(name, None, column, "required metadata column missing"))
    for column in meta_header:
        if column not in REQUIRED_META_COLUMNS + OPTIONAL_META_COLUMNS:
            problems.append(Problem(name, None, column, "not an EES metadata column"))
    described: dict[str, dict[str, str]] = {}
    for number, row in enumerate(meta, start=1):
        column = row.get("col_name", "")
        described[column] = row
        if column not in data_header:
            problems.append(Problem(name, number, "col_name", f"{column!r} is not in the data file"))
        if row.get("col_type") not in ("Filter", "Indicator"):
            problems.append(Problem(name, number, "col_type", "must be Filter or Indicator"))
        label = row.get("label", "")
        if not label.strip():
            problems.append(Problem(name, number, "label", "every column needs a label"))
        elif len(label) > LABEL_LIMIT:
            problems.append(Problem(name, number, "label", f"longer than {LABEL_LIMIT} characters"))
        if row.get("indicator_unit", "") not in INDICATOR_UNITS:
            problems.append(Problem(name, number, "indicator_unit",
                                    f"{row.get('indicator_unit')!r} is not an EES unit"))
        dp = row.get("indicator_dp", "")
        if dp and not dp.isdigit():
            problems.append(Problem(name, number, "indicator_dp", "must be blank or a whole number"))
        grouping = row.get("filter_grouping_column", "")
        if grouping and grouping not in data_header:
            problems.append(Problem(name, number, "filter_grouping_column",
                                    f"{grouping!r} is not in the data file"))
    for column in data_header:
        if column in REQUIRED_DATA_COLUMNS or column in GEOGRAPHY_COLUMNS:
            if column in described:
                problems.append(Problem(name, None, column,
                                        "time and geography columns take no metadata row"))
            continue
        if column not in described and not any(
            m.get("filter_grouping_column") == column for m in meta
        ):
            problems.append(Problem(name, None, column, "column has no metadata row"))
    return described


def _check_cells(path: Path, rows: list[dict[str, str]], described: dict[str, dict[str, str]],
                 problems: list[Problem]) -> None:
    for column, meta in described.items():
        values = [row.get(column, "") for row in rows]
        if meta.get("col_type") == "Indicator":
            for number, value in enumerate(values, start=1):
                if not (_NUMBER.match(value.strip()) or value in SYMBOLS):
                    problems.append(Problem(path.name, number, column,
                                            f"{value!r} is neither a number nor an EES symbol"))
        elif meta.get("col_type") == "Filter":
            for number, value in enumerate(values, start=1):
                if not value.strip():
                    problems.append(Problem(path.name, number, column, "filter cells cannot be blank"))
            default = meta.get("filter_default") or "Total"
            if values and default not in values:
                problems.append(Problem(path.name, None, column,
                                        f"filter has no {default!r} aggregate row"))


def check(data_path: Path) -> list[Problem]:
    """Every EES rule ``data_path`` and its ``.meta.csv`` break (an empty list: it passes)."""
    data_path = Path(data_path)
    problems: list[Problem] = []
    meta_path = data_path.with_name(data_path.name.removesuffix(".csv") + ".meta.csv")
    if data_path.suffix != ".csv":
        problems.append(Problem(data_path.name, None, None, "data files are .csv"))
    if not meta_path.exists():
        return problems + [Problem(data_path.name, None, None, f"no metadata file {meta_path.name}")]
    header, rows = _read(data_path, problems)
    meta_header, meta = _read(meta_path, problems)
    if not header:
        return problems + [Problem(data_path.name, None, None, "the file is empty")]
    _check_names(data_path, header, problems)
    for column in REQUIRED_DATA_COLUMNS:
        if column not in header:
            problems.append(Problem(data_path.name, None, column, "required column missing"))
    if not rows:
        problems.append(Problem(data_path.name, None, None, "the file has no data rows"))
    _check_time(data_path, rows, problems)
    _check_geography(data_path, rows, problems)
    described = _check_meta(meta_path, header, meta, meta_header, problems)
    _check_cells(data_path, rows, described, problems)
    return problems
