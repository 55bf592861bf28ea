"""Reading the files partners actually send: CSV in any of the encodings councils
produce, and xlsx workbooks, into Arrow tables of text with their lineage.

Every cell is read as text (DfE returns are specified as text, and a reader that
guesses types silently loses leading zeros in ids); typing is the schema's job.
Each table gets a ``row_number`` column: the 1-based data row of the file as read,
which is what a user sees when they open the file and what every message names.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

from kinsight.core.deferred import deferred
from kinsight.core.errors import UnusableInput
from kinsight.core.sql import literal

np = deferred("numpy")
pa = deferred("pyarrow")
pc = deferred("pyarrow.compute")
pacsv = deferred("pyarrow.csv")

ROW_NUMBER = "row_number"

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"


def detect_encoding(path: Path) -> str:
    """The encoding of a text file: UTF-8 (with or without BOM) or Windows-1252.

    UTF-16 and binary spreadsheets are refused with a message saying what to do,
    because reading them as text produces nonsense rather than an error.
    """
    with open(path, "rb") as handle:
        head = handle.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise UnusableInput("the file is UTF-16; save it as CSV UTF-8 and try again", file=path)
        if head.startswith(_ZIP_MAGIC) or head.startswith(_OLE_MAGIC):
            raise UnusableInput(
                "this is a spreadsheet, not a CSV file (was it renamed?); "
                "save it as CSV or configure the source as xlsx",
                file=path,
            )
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            for block in iter(lambda: handle.read(1 << 20), b""):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8"


def existing_file(path: Path | str) -> Path:
    """``path`` as a Path, or :class:`UnusableInput` if it is missing or empty."""
    path = Path(path)
    if not path.is_file():
        raise UnusableInput("file not found", file=path)
    if path.stat().st_size == 0:
        raise UnusableInput("the file is empty", file=path)
    return path


#: The largest file a statutory return may be. All of England's SSDA903 return as CSV is
#: about 40 MB and the CIN census of the largest LA about 30 MB, so a file beyond this is
#: not a return (a wrong export, a database dump), and reading it would only exhaust memory.
RETURN_FILE_LIMIT = 1 << 30


def return_file(path: Path | str) -> Path:
    """``path`` as a Path if it can be one file of a statutory return, else :class:`UnusableInput`."""
    path = existing_file(path)
    size = path.stat().st_size
    if size > RETURN_FILE_LIMIT:
        raise UnusableInput(
            f"the file is {size / (1 << 30):.1f} GB, larger than any local authority's return "
            f"(the limit is {RETURN_FILE_LIMIT >> 30} GB); check that it is the right file",
            file=path,
        )
    return path


def read_csv(path: Path | str, *, expected_columns: list[str] | None = None) -> pa.Table:
    """Read a CSV file as text columns plus ``row_number``.

    Column names are stripped of surrounding spaces. Empty cells become null.
    Raises :class:`UnusableInput` naming the file (and row, where known) for an
    empty file, a wrong encoding, a spreadsheet renamed ``.csv``, ragged rows,
    or, when ``expected_columns`` is given, missing columns.
    """
    path = existing_file(path)
    encoding = detect_encoding(path)
    header = _header_of(path, encoding)
    try:
        # Arrow knows utf8 natively; anything else it transcodes while streaming.
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(encoding="utf8" if encoding == "utf-8" else encoding,
                                           block_size=1 << 24),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in header}, strings_can_be_null=True, null_values=[""],
                quoted_strings_can_be_null=True,
            ),
        )
    except pa.ArrowInvalid as exc:
        raise UnusableInput(_describe_arrow_error(exc), file=path) from None
    table = table.rename_columns([_column_name(name) for name in table.column_names])
    if table.num_columns == 0 or not any(table.column_names):
        raise UnusableInput("the file has no header row", file=path)
    if expected_columns is not None:
        require_columns(table, expected_columns, file=path)
    return with_row_numbers(table)


def csv_header(path: Path | str) -> list[str]:
    """The column names of a CSV file, as :func:`read_csv` names them, in whichever encoding the file is."""
    path = existing_file(path)
    return [_column_name(name) for name in _header_of(path, detect_encoding(path))]


def _column_name(written: str) -> str:
    # Spaces around a name, and a byte order mark a tool wrote twice, are not part of it.
    return written.strip().lstrip("\ufeff")


def csv_scan(path: Path | str, columns: Sequence[str]) -> str | None:
    """DuckDB's ``read_csv`` over a CSV file, reading its cells as :func:`read_csv` does.

    For loading a file straight into a DuckDB database without Arrow in between (the
    return validators do: it is quicker, and Arrow's first conversion imports pandas,
    a second in a validation that takes four). ``columns`` name the file's columns in
    their order (its header row, which is skipped); every cell is text, an empty one
    null. The rows come in file order when ``preserve_insertion_order`` is on, so a
    table created from the scan numbers them by ``rowid``.

    None when only :func:`read_csv` reads the file as it should: a Windows-1252 file
    (DuckDB reads UTF-8 alone without an extension), and a file of one column (where
    DuckDB reads a blank line as a row, and Arrow skips it).
    """
    path = existing_file(path)
    if len(columns) < 2 or detect_encoding(path) == "cp1252":
        return None
    names = ", ".join(f"{literal(name)}: 'VARCHAR'" for name in columns)
    return (
        f"read_csv({literal(str(path))}, auto_detect = false, header = true, columns = {{{names}}}, "
        "delim = ',', quote = '\"', escape = '\"', strict_mode = true)"
    )


def csv_scan_error(error: Exception, path: Path | str) -> UnusableInput:
    """What a failed :func:`csv_scan` means to the user, naming the file and the data row."""
    message = str(error)
    line = re.search(r"CSV Error on Line: (\d+)", message)
    columns = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", message)
    if columns:
        described = f"a row has the wrong number of columns (expected {columns[1]}, found {columns[2]})"
    elif "unterminated quote" in message:
        described = "a value's quotes are not closed"
    else:
        described = f"not a readable CSV file ({message.splitlines()[0]})"
    # DuckDB counts the header as line 1; a message names the data row, as row_number does.
    return UnusableInput(described, file=path, row=int(line[1]) - 1 if line else None)


def read_xlsx(path: Path | str, *, sheet: str | int = 0, header_row: int | None = None) -> pa.Table:
    """Read one sheet of an xlsx workbook as text columns plus ``row_number``.

    ``header_row`` (1-based) is found automatically when not given: the first row
    with at least two non-empty cells, because hand-made workbooks often start
    with title or blank rows. ``row_number`` counts data rows after the header.
    """
    path = Path(path)
    workbook = _open_workbook(path)
    names = workbook.sheet_names
    if isinstance(sheet, int):
        if sheet >= len(names):
            raise UnusableInput(f"the workbook has no sheet {sheet + 1}", file=path)
        sheet = names[sheet]
    elif sheet not in names:
        raise UnusableInput(f"no sheet named {sheet!r} (sheets: {', '.join(names)})", file=path)
    try:
        # The whole used range from A1, so that row and column positions are the sheet's own.
        rows = iter(workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False))
    except Exception as exc:  # calamine's errors have no common base class
        raise UnusableInput(f"sheet {sheet!r} could not be read ({exc.__class__.__name__})", file=path) from None
    header = _find_header(rows, header_row)
    if header is None:
        raise UnusableInput(f"sheet {sheet!r} has no header row", file=path)
    columns: list[list[str | None]] = [[] for _ in header]
    for values in rows:
        if all(_cell_text(v) is None for v in values):
            continue
        for i in range(len(header)):
            columns[i].append(_cell_text(values[i]) if i < len(values) else None)
    table = pa.table({name: pa.array(col, pa.string()) for name, col in zip(header, columns)})
    return with_row_numbers(table)


def sheet_names(path: Path | str) -> list[str]:
    """The sheet names of an xlsx workbook, in order."""
    return list(_open_workbook(Path(path)).sheet_names)


def _open_workbook(path: Path):
    """The workbook, read by calamine (Rust: twenty times openpyxl's speed on a large Annex A)."""
    from python_calamine import CalamineWorkbook

    if not path.is_file():
        raise UnusableInput("file not found", file=path)
    if path.stat().st_size == 0:
        raise UnusableInput("the file is empty", file=path)
    try:
        # From the bytes, because a workbook is recognised by its content, not its file name's suffix.
        return CalamineWorkbook.from_filelike(io.BytesIO(path.read_bytes()))
    except Exception as exc:  # calamine's errors have no common base class
        raise UnusableInput(f"not a readable xlsx workbook ({exc.__class__.__name__})", file=path) from None


def is_workbook(path: Path | str) -> bool:
    """Whether the file is an xlsx workbook (a zip), whatever its name says."""
    with open(path, "rb") as handle:
        return handle.read(4) == _ZIP_MAGIC


def read_table(path: Path | str, **options) -> pa.Table:
    """Read a CSV or xlsx file, choosing by content rather than by file name."""
    path = Path(path)
    if is_workbook(path):
        return read_xlsx(path, **{k: v for k, v in options.items() if k in {"sheet", "header_row"}})
    return read_csv(path, **{k: v for k, v in options.items() if k == "expected_columns"})


def files_of(path: Path | str, suffixes: tuple[str, ...] = (".csv", ".xlsx")) -> list[Path]:
    """The files a source path stands for: the file itself, or a folder's files in name order."""
    path = Path(path)
    if path.is_file():
        return [path]
    if path.is_dir():
        found = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in suffixes)
        if not found:
            raise UnusableInput(f"the folder holds no {' or '.join(suffixes)} files", file=path)
        return found
    raise UnusableInput("not found", file=path)


def require_columns(table: pa.Table, expected: list[str], *, file) -> None:
    """Raise naming every expected column the table lacks."""
    missing = [name for name in expected if name not in table.column_names]
    if missing:
        raise UnusableInput(
            f"missing column(s) {', '.join(missing)}; the file has {', '.join(table.column_names)}",
            file=file,
            field=missing[0],
        )


def with_row_numbers(table: pa.Table) -> pa.Table:
    # From NumPy: Arrow would convert a Python range one number at a time.
    return table.append_column(ROW_NUMBER, pa.array(np.arange(1, table.num_rows + 1, dtype=np.int32)))


_DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%Y/%m/%d", "%d.%m.%Y")


def parse_dates(values: pa.Array | pa.ChunkedArray, formats: tuple[str, ...] = _DATE_FORMATS) -> pa.Array:
    """Parse text dates to ``date32``; what no format fits becomes null.

    Tries each format in turn (DfE returns use dd/mm/yyyy, partners often ISO);
    a timestamp written by a spreadsheet (``2020-01-31 00:00:00``) is accepted.
    Compare the null counts before and after to report what could not be read.
    """
    text = pc.utf8_trim_whitespace(pc.cast(values, pa.string()))
    text = pc.utf8_slice_codeunits(text, 0, 10)
    result = pa.nulls(len(text), pa.date32())
    # Three runs of digits, to find the day each format says was written.
    shaped = pc.match_substring_regex(text, r"^\d{1,4}\D\d{1,2}\D\d{1,4}$")
    parts = pc.split_pattern_regex(pc.if_else(shaped, text, "0-0-0"), r"\D")
    for fmt in formats:
        parsed = pc.strptime(text, format=fmt, unit="s", error_is_null=True)
        # Arrow rolls an impossible day over into the next month (31/02 -> 2 March);
        # a date whose day is not the day written is not that date, so it is dropped.
        day_at = [f for f in fmt.split(fmt[2]) if f].index("%d")
        written_day = pc.cast(pc.list_element(parts, day_at), pa.int64(), safe=False)
        parsed = pc.if_else(pc.equal(pc.day(parsed), written_day), parsed, None)
        result = pc.coalesce(result, pc.cast(parsed, pa.date32()))
        if result.null_count == text.null_count:
            break  # every date written is read; the other formats cannot add any
    return result.combine_chunks() if isinstance(result, pa.ChunkedArray) else result


def _header_of(path: Path, encoding: str) -> list[str]:
    with open(path, encoding=encoding, newline="") as handle:
        first = next(csv.reader(handle), [])
    return first


def _find_header(rows, header_row: int | None):
    for number, values in enumerate(rows, 1):
        if header_row is not None:
            if number == header_row:
                return _column_names(values)
            continue
        if sum(_cell_text(v) is not None for v in values) >= 2:
            return _column_names(values)
    return None


def _column_names(values) -> list[str]:
    # A blank header cell (calamine reads it as "") still names its column, by position.
    return [_cell_text(v) or f"column_{i + 1}" for i, v in enumerate(values)]


def _cell_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def _describe_arrow_error(exc: Exception) -> str:
    message = str(exc).splitlines()[0]
    if "Expected" in message and "columns" in message:
        return f"a row has the wrong number of columns ({message})"
    if "invalid UTF8" in message or "decode" in message.lower():
        return "the file's text encoding could not be read; save it as CSV UTF-8"
    return f"not a readable CSV file ({message})"
