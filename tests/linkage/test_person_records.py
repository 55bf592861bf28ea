"""Reading any configured source as person records (docs/contracts.md §3)."""

from datetime import date
from pathlib import Path

import pytest

from kinsight.core.config import SourceConfig
from kinsight.core.errors import KinsightError
from kinsight.sources.person_records import read_person_records, unparseable_dob

HEADER = "CHILD_ID,NHS,FIRST,LAST,BIRTH,GENDER,PC,ETH\n"


def _source(path: Path, fmt: str = "csv", **options) -> SourceConfig:
    columns = {"nhs_number": "NHS", "forename": "FIRST", "surname": "LAST", "dob": "BIRTH",
               "sex": "GENDER", "postcode": "PC"}
    return SourceConfig(name="social_care", path=path, format=fmt, record_id="CHILD_ID",
                        columns=columns, options=options)


def _write(path: Path, rows: str, encoding: str = "utf-8") -> Path:
    path.write_bytes((HEADER + rows).encode(encoding))
    return path


def test_columns_are_mapped_to_standard_attributes_with_lineage(tmp_path):
    path = _write(tmp_path / "people.csv", "A1,943 476 5919,Zoë,O'Brien,31/01/2015,Female,LS1 4AP,WBRI\n"
                                           "A2,,Jack,Smith,2016-02-03,1,,\n")
    table = read_person_records(_source(path, ethnicity_column="ETH"))
    rows = table.to_pylist()
    assert rows[0]["source"] == "social_care" and rows[0]["record_id"] == "A1"
    assert rows[0]["forename"] == "Zoë" and rows[0]["dob"] == date(2015, 1, 31)
    assert [r["sex"] for r in rows] == ["F", "M"]
    assert rows[0]["ethnicity"] == "WBRI"
    assert rows[1]["nhs_number"] is None and rows[1]["upn"] is None  # unmapped → null
    assert [r["row_number"] for r in rows] == [1, 2]
    assert rows[0]["file"].endswith("people.csv")


def test_unreadable_dates_become_null_and_are_counted(tmp_path):
    path = _write(tmp_path / "p.csv", "A1,,Amy,Lee,31/02/2015,F,,\nA2,,Bo,Lee,soon,M,,\nA3,,Cy,Lee,,M,,\n")
    table = read_person_records(_source(path))
    assert table["dob"].to_pylist() == [None, None, None]
    assert unparseable_dob(table) == 2


def test_sex_codes_are_normalised_and_unknown_ones_become_null(tmp_path):
    path = _write(tmp_path / "p.csv", "".join(f"A{i},,X,Y,01/01/2015,{code},,\n"
                                               for i, code in enumerate(["m", "MALE", "2", "Girl", "U", "9", "X"])))
    assert read_person_records(_source(path))["sex"].to_pylist() == ["M", "M", "F", "F", None, None, None]


def test_a_folder_of_monthly_extracts_is_read_in_name_order(tmp_path):
    folder = tmp_path / "extracts"
    folder.mkdir()
    _write(folder / "2026-02.csv", "A2,,Bo,Lee,01/01/2015,M,,\n")
    _write(folder / "2026-01.csv", "A1,,Amy,Lee,01/01/2015,F,,\n")
    table = read_person_records(_source(folder))
    assert table["record_id"].to_pylist() == ["A1", "A2"]


def test_windows_1252_and_bom_files_keep_their_accents(tmp_path):
    cp = _write(tmp_path / "cp.csv", "A1,,Zoë,Nuñez,01/01/2015,F,,\n", encoding="cp1252")
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + (HEADER + "A1,,Zoë,Nuñez,01/01/2015,F,,\n").encode())
    for path in (cp, bom):
        row = read_person_records(_source(path)).to_pylist()[0]
        assert (row["forename"], row["surname"]) == ("Zoë", "Nuñez")


def test_xlsx_sources_are_read_too(tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER.strip().split(","))
    sheet.append(["A1", "9434765919", "Amy", "Lee", date(2015, 1, 31), "F", "LS1 4AP", None])
    workbook.save(tmp_path / "yj.xlsx")
    row = read_person_records(_source(tmp_path / "yj.xlsx", fmt="xlsx")).to_pylist()[0]
    assert row["dob"] == date(2015, 1, 31) and row["nhs_number"] == "9434765919"


def test_a_mapped_column_missing_from_the_file_names_source_file_and_column(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("CHILD_ID,FIRST\nA1,Amy\n")
    with pytest.raises(KinsightError) as error:
        read_person_records(_source(path))
    message = str(error.value)
    assert "social_care" in message and "p.csv" in message and "'NHS'" in message


def test_duplicate_record_ids_are_refused_naming_them(tmp_path):
    path = _write(tmp_path / "p.csv", "A1,,Amy,Lee,,F,,\nA1,,Amy,Lee,,F,,\nB7,,Bo,Lee,,M,,\nB7,,Bo,Lee,,M,,\n")
    with pytest.raises(KinsightError, match=r"repeated: A1, B7"):
        read_person_records(_source(path))


def test_a_record_without_an_id_is_refused_naming_its_row(tmp_path):
    path = _write(tmp_path / "p.csv", "A1,,Amy,Lee,,F,,\n,,Bo,Lee,,M,,\n")
    with pytest.raises(KinsightError, match=r"row 2.*CHILD_ID"):
        read_person_records(_source(path))


def test_an_empty_source_is_refused(tmp_path):
    path = _write(tmp_path / "p.csv", "")
    with pytest.raises(KinsightError, match="no records"):
        read_person_records(_source(path))


def test_a_source_with_every_identifier_empty_is_refused(tmp_path):
    path = _write(tmp_path / "p.csv", "A1,,,,,,,\nA2,,,,,,,\n")
    with pytest.raises(KinsightError, match="nothing to link on"):
        read_person_records(_source(path))


def test_a_utf16_file_gets_a_clear_message(tmp_path):
    path = tmp_path / "p.csv"
    path.write_bytes((HEADER + "A1,,Amy,Lee,,F,,\n").encode("utf-16"))
    with pytest.raises(KinsightError, match="UTF-16"):
        read_person_records(_source(path))


def test_an_unknown_format_is_refused(tmp_path):
    source = SourceConfig(name="x", path=tmp_path, format="parquet", record_id="ID")
    with pytest.raises(KinsightError, match="unknown format 'parquet'"):
        read_person_records(source)


def test_a_903_child_with_an_adoption_row_is_marked_as_their_pre_adoption_identity(tmp_path):
    folder = tmp_path / "ssda903"
    folder.mkdir()
    (folder / "header.csv").write_text(
        "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n"
        "C1,1,01/02/2020,WBRI,,,\nC2,2,03/04/2019,BAFR,,,\n"
    )
    (folder / "ad1.csv").write_text(
        "CHILD,DOB,DATE_INT,DATE_MATCH,FOSTER_CARE,NB_ADOPTR,SEX_ADOPTR,LS_ADOPTR\n"
        "C2,03/04/2019,01/01/2024,01/03/2024,0,2,MF,L11\n"
    )
    source = SourceConfig(name="ssda903", path=folder, format="ssda903", record_id="CHILD",
                          columns={"other_id": "CHILD", "dob": "DOB", "sex": "SEX"})
    rows = {r["record_id"]: r for r in read_person_records(source).to_pylist()}
    assert rows["C2"]["adoption"] == "pre" and rows["C1"]["adoption"] is None
    assert rows["C1"]["sex"] == "M" and rows["C2"]["ethnicity"] == "BAFR"
