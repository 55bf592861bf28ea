"""Validating a statutory return over the JSON API: the quality page's service, a page of findings at a time."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kinsight.governance.models import AuditEntry
from kinsight.web.quality.models import ValidationRun

# The same small 903 header file as the quality pages' tests, and their per-test state folder.
from test_web_quality import HEADER, state_dir  # noqa: F401 (state_dir is an autouse fixture)

pytestmark = pytest.mark.django_db

CIN = (
    '<?xml version="1.0" encoding="UTF-8"?><Message><Header><CollectionDetails><Collection>CIN</Collection>'
    "<Year>2026</Year><ReferenceDate>2026-03-31</ReferenceDate></CollectionDetails>"
    "<Source><SourceLevel>L</SourceLevel><LEA>318</LEA></Source></Header><Children>"
    "<Child><ChildIdentifiers><LAchildID>LA0000009</LAchildID><PersonBirthDate>2023-06-01</PersonBirthDate>"
    "<Sex>Q</Sex></ChildIdentifiers><ChildCharacteristics><Ethnicity>WBRI</Ethnicity></ChildCharacteristics>"
    "<CINdetails><CINreferralDate>2025-06-02</CINreferralDate><ReferralSource>1A</ReferralSource>"
    "<PrimaryNeedCode>N1</PrimaryNeedCode><ReferralNFA>false</ReferralNFA></CINdetails></Child>"
    "</Children></Message>"
)


def validate(client, files, return_type="ssda903", year="2026"):
    return client.post("/api/quality/validations", {"return_type": return_type, "year": year, "files": files})


def header_file(text: bytes = HEADER.encode()):
    return SimpleUploadedFile("header.csv", text, "text/csv")


def test_an_analyst_validates_a_903_and_gets_the_headline_rules_children_and_findings(signed_in):
    response = validate(signed_in("analyst"), [header_file()])
    assert response.status_code == 201
    body = response.json()
    assert body["token"] == ValidationRun.objects.get().token and body["return_type"] == "ssda903"
    assert body["headline"]["errors"] >= 1
    assert body["rules"] and {"position", "child_id"} <= set(body["children"][0])
    findings = body["findings"]
    assert findings["page"] == 1 and findings["total"] >= 1 and len(findings["rows"]) == min(findings["total"], 100)
    assert {"rule_code", "child_id", "field", "message"} <= set(findings["rows"][0])


def test_findings_are_filtered_by_rule_or_by_child_and_paginated(signed_in):
    client = signed_in("analyst")
    token = validate(client, [header_file()]).json()["token"]
    run = client.get(f"/api/quality/validations/{token}").json()
    code = run["rules"][0]["code"]
    by_rule = client.get(f"/api/quality/validations/{token}/findings", {"rule": code}).json()
    assert by_rule["total"] >= 1 and {r["rule_code"] for r in by_rule["rows"]} == {code}
    child = run["children"][0]
    by_child = client.get(f"/api/quality/validations/{token}/findings", {"child": child["position"]}).json()
    assert {r["child_id"] for r in by_child["rows"]} == {child["child_id"]}
    everything = client.get(f"/api/quality/validations/{token}/findings").json()
    second = client.get(f"/api/quality/validations/{token}/findings", {"page": 2, "page_size": 1}).json()
    assert second["total"] == everything["total"] and second["rows"] == everything["rows"][1:2]
    assert client.get(f"/api/quality/validations/{token}/findings", {"rule": "NOPE"}).json()["total"] == 0


def test_a_cin_census_is_validated_from_its_xml(signed_in, deployment):
    response = validate(signed_in("analyst"), [SimpleUploadedFile("cin.xml", CIN.encode(), "text/xml")], "cin")
    assert response.status_code == 201
    body = response.json()
    assert body["return_type"] == "cin" and body["headline"]["errors"] >= 1
    assert any(r["child_id"] == "LA0000009" for r in body["findings"]["rows"])


def test_a_windows_1252_return_is_read(signed_in):
    text = HEADER.replace("WBRI", "WBRI").encode("cp1252") + '"LA0000003","F","01/01/2012","WBRI","£","",""\n'.encode("cp1252")
    assert validate(signed_in("analyst"), [header_file(text)]).status_code == 201


@pytest.mark.parametrize("files, fields, message", [
    ([SimpleUploadedFile("notes.csv", b"a,b\n1,2\n", "text/csv")], {}, "notes.csv"),
    ([], {}, "Select the return's files"),
    ([SimpleUploadedFile("a.xml", b"<x/>"), SimpleUploadedFile("b.xml", b"<x/>")], {"return_type": "cin"},
     "A CIN census is one XML file"),
    ([SimpleUploadedFile("cin.xml", b"<Message><Header></Message>")], {"return_type": "cin"}, "cin.xml"),
    ([], {"year": "twenty"}, "Enter the collection year as a number"),
    ([], {"return_type": "ofsted"}, "Select a valid choice"),
])
def test_bad_uploads_are_a_400_naming_the_problem_and_nothing_is_kept(signed_in, settings, files, fields, message):
    response = validate(signed_in("analyst"), files, **fields)
    assert response.status_code == 400 and message in response.json()["error"]
    assert not ValidationRun.objects.exists()
    validations = settings.STATE_DIR / "validations"
    assert not validations.exists() or not any(validations.iterdir())


def test_bad_paging_and_unknown_runs_and_children_are_a_400(signed_in):
    client = signed_in("analyst")
    token = validate(client, [header_file()]).json()["token"]
    findings = f"/api/quality/validations/{token}/findings"
    for query, message in [({"page": "0"}, "page must be a whole number"), ({"page_size": "lots"}, "page_size"),
                           ({"page_size": "5000"}, "at most 1000"), ({"child": "999"}, "child must be a place")]:
        response = client.get(findings, query)
        assert response.status_code == 400 and message in response.json()["error"], query
    assert client.get("/api/quality/validations/0123456789abcdef0123456789abcdef").status_code == 400


@pytest.mark.parametrize("role", ["social_worker", "dpo", "family", "researcher", "admin"])
def test_only_analysts_validate_returns(signed_in, role):
    client = signed_in(role)
    assert validate(client, [header_file()]).status_code == 403
    assert client.get("/api/quality/validations/0123456789abcdef0123456789abcdef/findings").status_code == 403
    assert not ValidationRun.objects.exists() and not AuditEntry.objects.filter(outcome="allow").exists()
