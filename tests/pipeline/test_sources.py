"""Sources as data: every partner source declared once, typed forgivingly, Annex A read as made by hand."""

from __future__ import annotations

import pyarrow as pa
import pytest
from pipeline_fixtures import ANNEX_A, write_xlsx

from kinsight.core.errors import KinsightError, UnusableInput
from kinsight.sources.annex_a import read_children, read_lists
from kinsight.sources.files import with_row_numbers
from kinsight.sources.schema import (
    fields_in_year,
    fields_of,
    load_schema,
    schema_names,
    type_columns,
)

#: docs/contracts.md §2: each partner source the synthetic LA writes, with its record id.
CONTRACT_SOURCES = {
    "social_care_persons": "CHILD_ID", "health_visiting": "HV_ID", "school_census": "PUPIL_ID",
    "eyfs_profile": "EYFSP_ID", "youth_services": "YS_ID", "homelessness": "HCLIC_ID",
    "youth_justice": "YJ_ID", "care_leaver_survey": "RESPONSE_ID", "case_notes": "NOTE_ID",
    "annex_a": "Child Unique ID",
}


@pytest.mark.parametrize("name", list(CONTRACT_SOURCES))
def test_every_source_of_the_contract_is_declared_with_its_record_id(name):
    schema = load_schema(name)
    assert schema.record_id == CONTRACT_SOURCES[name]
    assert schema.title and schema.frequency
    if name != "annex_a":
        assert schema.fields[schema.record_id].required


def test_eyfs_declares_all_seventeen_early_learning_goals():
    fields = load_schema("eyfs_profile").fields
    assert [f for f in fields if f.startswith("ELG")] == [f"ELG{i:02d}" for i in range(1, 18)]
    assert fields["ELG17"].codes == (1, 2)


def test_an_undeclared_source_is_named_with_the_known_ones():
    with pytest.raises(KinsightError, match="no schema is declared for source 'pets'.*health_visiting"):
        load_schema("pets")
    assert "homelessness" in schema_names() and "codes" not in schema_names()


def text_table(**columns):
    return with_row_numbers(pa.table({k: pa.array(v, pa.string()) for k, v in columns.items()}))


def test_cells_that_do_not_fit_are_blanked_and_counted_with_the_first_row():
    fields = fields_of({
        "DOB": {"type": "date"}, "SCORE": {"type": "integer", "min": 0, "max": 60},
        "FSM": {"type": "boolean"}, "DUTY": {"type": "code", "codes": ["prevention", "relief", "main"]},
        "ETHNICITY": {"type": "code", "codes": "ethnicity"},
    })
    raw = text_table(DOB=["2019-04-03", "31/02/2020", "03/04/2019"], SCORE=["60", "61", "12.0"],
                     FSM=["true", "N", "maybe"], DUTY=["Relief", "MAIN", "eviction"],
                     ETHNICITY=["WBRI", " apkn ", "White"])
    typed, issues = type_columns(raw, fields)
    assert [str(d) if d else None for d in typed["DOB"].to_pylist()] == ["2019-04-03", None, "2019-04-03"]
    assert typed["SCORE"].to_pylist() == [60, None, 12]
    assert typed["FSM"].to_pylist() == [True, False, None]
    assert typed["DUTY"].to_pylist() == ["relief", "main", None]
    assert typed["ETHNICITY"].to_pylist() == ["WBRI", "APKN", None]
    found = {(i.field, i.problem, i.count, i.first_row) for i in issues}
    assert found == {("DOB", "not a date", 1, 2), ("SCORE", "not a whole number from 0 to 60", 1, 2),
                     ("FSM", "not true/false", 1, 3), ("DUTY", "not one of prevention, relief, main", 1, 3),
                     ("ETHNICITY", "not one of " + ", ".join(fields["ETHNICITY"].codes), 1, 3)}


def test_declared_fields_missing_from_a_file_come_out_empty():
    typed, issues = type_columns(text_table(A=["x"]), fields_of({"A": {}, "B": {"type": "date"}}))
    assert typed.column_names == ["A", "B", "row_number"]
    assert typed["B"].to_pylist() == [None] and issues == []


def test_a_later_collection_year_is_a_layer_over_the_base_declaration():
    base = {"A": {"type": "string"}, "B": {"type": "date"}, "C": {}}
    versions = {2027: {"added": {"D": {"type": "integer"}}, "changed": {"B": {"type": "string"}},
                       "removed": ["C"]}}
    assert fields_in_year(base, versions, 2026) == base
    assert fields_in_year(base, versions, 2027) == {"A": {"type": "string"}, "B": {"type": "string"},
                                                    "D": {"type": "integer"}}
    with pytest.raises(KinsightError, match="removes Z"):
        fields_in_year(base, {2027: {"removed": ["Z"]}}, 2027)


def test_annex_a_lists_are_found_by_sheet_name_and_columns_by_pattern(tmp_path):
    path = tmp_path / "annex_a.xlsx"
    write_xlsx(path, ANNEX_A, title_row=True)
    lists, issues = read_lists(path)
    assert sorted(lists) == [1, 2, 3]
    assert lists[1].column_names == ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth",
                                     "Date of Contact", "Contact Source", "row_number"]
    # List 2 says "DOB" and "Assessment start date": recognised all the same.
    assert str(lists[2]["Date of Birth"][0]) == "2015-11-12"
    assert str(lists[2]["Early Help Start Date"][0]) == "2025-01-05"
    assert [(i.field, i.count, i.first_row) for i in issues] == [
        ("List 1 - Contacts / Date of Contact", 1, 2)]
    # Drop-down answers lose their option letter: "b) Female" is "Female".
    assert lists[1]["Gender"].to_pylist() == ["Female", "Male"]


def test_annex_a_children_are_distinct_across_lists_with_their_first_row(tmp_path):
    path = tmp_path / "annex_a.xlsx"
    write_xlsx(path, ANNEX_A)
    children = read_children(path)
    assert children.column_names == ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "file",
                                     "row_number"]
    rows = sorted(children.to_pylist(), key=lambda r: r["Child Unique ID"])
    assert [r["Child Unique ID"] for r in rows] == ["C001", "C002", "C003"]
    assert rows[1]["row_number"] == 2 and rows[1]["file"] == str(path)


def test_annex_a_without_a_child_id_column_names_the_sheet_and_field(tmp_path):
    path = tmp_path / "annex_a.xlsx"
    write_xlsx(path, {"List 1": (["ID", "Gender", "Date of Contact"], [["1", "M", "01/01/2025"]])})
    with pytest.raises(UnusableInput, match=r"annex_a.xlsx, field Child Unique ID: sheet 'List 1' has no"):
        read_lists(path)


def test_a_workbook_without_lists_is_not_taken_for_an_annex_a(tmp_path):
    path = tmp_path / "book.xlsx"
    write_xlsx(path, {"Sheet1": (["a", "b"], [["1", "2"]])})
    with pytest.raises(UnusableInput, match="no sheets named List 1"):
        read_lists(path)
