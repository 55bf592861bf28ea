"""Pseudonymisation by purpose: identified, pseudonymous and keyed-alias views."""

from __future__ import annotations

from datetime import date

import pyarrow as pa
import pytest

from kinsight.core.errors import KinsightError
from kinsight.governance import pseudonymise

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

NOTE = {"person_id": "P0000000001", "source": "case_notes", "record_id": "N-1", "note_date": date(2026, 10, 3),
        "author_role": "social worker", "note_text": "Visited Amara at home."}
PERSON = {"person_id": "P0000000001", "sex": "F", "dob": date(2015, 3, 14), "postcode": "N1 2AB",
          "lsoa11": "E01000001", "la_child_id": "SC1001", "imd_decile": 3}


def test_identified_views_show_everything_permitted():
    assert pseudonymise.view_row(NOTE, table="case_notes", level="identified") == NOTE


def test_analysis_views_keep_person_id_and_drop_identifiers_and_free_text_and_coarsen_dates():
    shown = pseudonymise.view_row(PERSON, table="persons", level="pseudonymous", date_precision="month")
    assert shown == {"person_id": "P0000000001", "sex": "F", "dob": "2015-03", "lsoa11": "E01000001",
                     "imd_decile": 3}
    note = pseudonymise.view_row(NOTE, table="case_notes", level="pseudonymous", date_precision="year")
    assert note == {"person_id": "P0000000001", "source": "case_notes", "note_date": "2026",
                    "author_role": "social worker"}


def test_research_aliases_are_keyed_per_project_so_two_extracts_cannot_be_joined():
    pseudonymise.create_project("study-a", agreement_id="research", actor="dpo")
    pseudonymise.create_project("study-b", agreement_id="research", actor="dpo")
    a = pseudonymise.view_row(PERSON, table="persons", level="keyed_alias", project="study-a")
    b = pseudonymise.view_row(PERSON, table="persons", level="keyed_alias", project="study-b")
    assert "person_id" not in a and a["alias"].startswith("R") and len(a["alias"]) == 17
    assert a["alias"] != b["alias"]
    assert a["alias"] == pseudonymise.alias("study-a", "P0000000001")  # stable within a project
    assert "P0000000001" not in str(a)


def test_arrow_tables_get_the_same_treatment():
    pseudonymise.create_project("study-a", agreement_id="research", actor="dpo")
    table = pa.table({"person_id": ["P0000000001", None], "dob": [date(2015, 3, 14), date(2014, 1, 2)],
                      "postcode": ["N1 2AB", "N7 9ZZ"], "sex": ["F", "M"]})
    shown = pseudonymise.view_table(table, table="persons", level="keyed_alias", date_precision="year",
                                    project="study-a")
    assert shown.column_names == ["alias", "dob", "sex"]
    assert shown.column("dob").to_pylist() == ["2015", "2014"]
    assert shown.column("alias").to_pylist()[0] == pseudonymise.alias("study-a", "P0000000001")
    assert shown.column("alias").to_pylist()[1] is None


def test_a_destroyed_project_key_can_never_make_aliases_again():
    pseudonymise.create_project("study-a", agreement_id="research", actor="dpo")
    pseudonymise.destroy_project_key("study-a", actor="dpo")
    with pytest.raises(KinsightError, match="key was destroyed"):
        pseudonymise.alias("study-a", "P0000000001")


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: pseudonymise.alias("nope", "P1"), "no research project 'nope'"),
        (lambda: pseudonymise.view_row(PERSON, table="persons", level="secret"), "unknown pseudonymisation level"),
        (lambda: pseudonymise.coarsen("2026-01-02", "week"), "unknown date precision"),
    ],
)
def test_misuse_is_refused_clearly(call, message):
    with pytest.raises(KinsightError, match=message):
        call()


def test_only_permitted_fields_are_kept():
    assert pseudonymise.restrict(NOTE, "case_notes", ["case_notes.note_date"]) == {"note_date": date(2026, 10, 3)}
