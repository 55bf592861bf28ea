"""Validating a statutory return from the web: upload, browse by rule and by child, download."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kinsight.web.quality.models import ValidationRun

pytestmark = pytest.mark.django_db

HEADER = (
    '"CHILD","SEX","DOB","ETHNIC","UPN","MOTHER","MC_DOB"\n'
    '"LA0000001","M","23/09/2010","WBRI","A123456789012","",""\n'
    '"LA0000002","X","07/04/2015","WBRI","UN1","",""\n'
)


@pytest.fixture(autouse=True)
def state_dir(settings, tmp_path):
    settings.STATE_DIR = tmp_path


def upload(client, files, return_type="ssda903", year="2026"):
    return client.post("/quality/", {"return_type": return_type, "year": year, "files": files})


def test_an_analyst_validates_a_903_and_sees_the_findings_by_rule_and_by_child(signed_in):
    client = signed_in("analyst")
    response = upload(client, [SimpleUploadedFile("header.csv", HEADER.encode(), "text/csv")])
    assert response.status_code == 302
    run = ValidationRun.objects.get()
    assert response["Location"] == f"/quality/runs/{run.token}/"
    assert run.headline["errors"] >= 1
    page = client.get(response["Location"]).content.decode()
    assert "Findings by rule" in page and "Findings by child" in page and "LA0000002" in page
    # The child's page marks the failing field (SEX = X) in the row as the file holds it.
    child_page = client.get(f"/quality/runs/{run.token}/children/1/").content.decode()
    assert "LA0000002" in child_page
    assert '<span class="kinsight-failing">SEX' in child_page


def test_last_years_return_and_ofsted_lists_let_the_rules_needing_them_run(signed_in):
    client = signed_in("analyst")
    header = SimpleUploadedFile("header.csv", HEADER.encode(), "text/csv")
    upload(client, [header])
    alone = client.get(f"/quality/runs/{ValidationRun.objects.get().token}/").content.decode()
    assert "the Ofsted provider lists (--providers) (7 rules)" in alone and "last year&#x27;s return (" in alone

    providers = ("URN,Local authority,Placement code,Placement provider code,Deregistration date,Setting postcode\n"
                 "SC100001,Richmond upon Thames,K2,PR1,,TW1 3AA\n")
    response = client.post("/quality/", {
        "return_type": "ssda903", "year": "2026",
        "files": [SimpleUploadedFile("header.csv", HEADER.encode(), "text/csv")],
        "previous": [SimpleUploadedFile("header.csv", HEADER.encode(), "text/csv")],
        "providers": [SimpleUploadedFile("providers.csv", providers.encode(), "text/csv")],
    })
    run = ValidationRun.objects.get(token=response["Location"].split("/")[-2])
    page = client.get(response["Location"]).content.decode()
    assert "Ofsted provider lists" not in page
    assert run.headline["rules_skipped"] < ValidationRun.objects.exclude(pk=run.pk).get().headline["rules_skipped"]


def test_ofsted_lists_with_a_cin_census_are_refused(signed_in):
    response = signed_in("analyst").post("/quality/", {
        "return_type": "cin", "year": "2026", "files": [SimpleUploadedFile("census.xml", b"<x/>", "text/xml")],
        "providers": [SimpleUploadedFile("providers.csv", b"URN\n", "text/csv")],
    })
    assert response.status_code == 400
    assert "provider lists are for the SSDA903 return only" in response.content.decode()


def test_the_reports_download_as_xlsx_and_csv(signed_in):
    client = signed_in("analyst")
    upload(client, [SimpleUploadedFile("header.csv", HEADER.encode(), "text/csv")])
    run = ValidationRun.objects.get()
    xlsx = client.get(f"/quality/runs/{run.token}/download/report.xlsx")
    assert xlsx.status_code == 200 and b"".join(xlsx.streaming_content)[:2] == b"PK"
    errors = b"".join(client.get(f"/quality/runs/{run.token}/download/errors.csv").streaming_content).decode()
    assert errors.startswith("rule_code") or "rule_code" in errors.splitlines()[0]
    assert client.get(f"/quality/runs/{run.token}/download/..%2Fsecret").status_code == 404


def test_a_windows_1252_file_with_a_bom_free_pound_sign_is_read(signed_in):
    client = signed_in("analyst")
    text = HEADER.replace("LA0000001", "LA0000001").encode("cp1252")
    assert upload(client, [SimpleUploadedFile("header.csv", text, "text/csv")]).status_code == 302


def test_a_file_that_is_not_a_return_is_refused_with_a_clear_message_and_nothing_kept(signed_in, settings):
    client = signed_in("analyst")
    response = upload(client, [SimpleUploadedFile("notes.csv", b"a,b\n1,2\n", "text/csv")])
    assert response.status_code == 400
    assert "notes.csv" in response.content.decode()
    assert not ValidationRun.objects.exists()
    assert not any((settings.STATE_DIR / "validations").iterdir())


def test_an_empty_upload_and_a_bad_year_are_named(signed_in):
    response = upload(signed_in("analyst"), [], year="twenty")
    page = response.content.decode()
    assert response.status_code == 400
    assert "Enter the collection year as a number" in page


def test_a_cin_census_must_be_one_file(signed_in):
    files = [SimpleUploadedFile(n, b"<x/>", "text/xml") for n in ("a.xml", "b.xml")]
    response = upload(signed_in("analyst"), files, return_type="cin")
    assert "A CIN census is one XML file" in response.content.decode()


def test_unknown_runs_children_and_rules_are_not_found(signed_in):
    client = signed_in("analyst")
    upload(client, [SimpleUploadedFile("header.csv", HEADER.encode(), "text/csv")])
    token = ValidationRun.objects.get().token
    assert client.get("/quality/runs/0123456789abcdef0123456789abcdef/").status_code == 404
    assert client.get(f"/quality/runs/{token}/children/999/").status_code == 404
    assert client.get(f"/quality/runs/{token}/rules/NOPE/").status_code == 404


@pytest.mark.parametrize("role", ["social_worker", "dpo", "family", "head_of_service"])
def test_only_analysts_use_the_quality_pages(signed_in, role):
    assert signed_in(role).get("/quality/").status_code == 403
