"""The data catalogue over the JSON API: the catalogue page's service, as data."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_every_source_comes_with_owner_purposes_fields_frequency_load_quality_agreements_and_recipients(
        signed_in, deployment, starter_agreements):
    response = signed_in("dpo").get("/api/catalogue")
    assert response.status_code == 200
    body = response.json()
    sources = {s["name"]: s for s in body["sources"]}
    persons = sources["social_care_persons"]
    assert persons["providers"] and persons["fields"] and persons["frequency"]
    assert "safeguarding" in persons["purposes"]
    assert "Multi-agency safeguarding information sharing (active)" in persons["agreements"]
    assert "social_worker" in persons["recipients"]
    # The test warehouse is built without the load log, so nothing says when it was loaded.
    assert (persons["last_loaded"], persons["rows"]) == ("never", 0) and persons["quality"]


def test_the_demand_side_lists_objectives_their_measures_and_the_gaps(signed_in, deployment):
    body = signed_in("head_of_service").get("/api/catalogue").json()
    measures = [m for o in body["objectives"] for m in o["measures"]]
    assert any(m["id"] == "referrals_rate_per_10k" for m in measures)
    assert "cla_episodes" in body["missing"]  # the small deployment has no looked-after children


def test_a_source_with_no_agreement_has_no_recipients(signed_in, deployment):
    body = signed_in("partner").get("/api/catalogue").json()
    assert all(s["agreements"] == [] and s["recipients"] == [] for s in body["sources"])


def test_without_a_deployment_the_catalogue_says_so(signed_in):
    response = signed_in("analyst").get("/api/catalogue")
    assert response.status_code == 400 and "no deployment is configured" in response.json()["error"]


@pytest.mark.parametrize("role", ["social_worker", "family"])
def test_practitioners_and_families_are_refused_the_catalogue(signed_in, deployment, role):
    assert signed_in(role).get("/api/catalogue").status_code == 403
