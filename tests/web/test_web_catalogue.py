"""The data catalogue: supply (every source) and demand (objectives → data → gaps)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_every_source_shows_owner_purpose_frequency_agreements_and_recipients(signed_in, deployment, starter_agreements):
    page = signed_in("dpo").get("/catalogue/").content.decode()
    assert "social_care_persons" in page
    assert "The local authority (children&#x27;s services)" in page or "The local authority" in page
    assert "Safeguarding a child" in page
    assert "Multi-agency safeguarding information sharing (active)" in page
    assert "Social worker" in page
    assert "Monthly" in page or "Per return" in page or "Arrives" in page


def test_the_demand_side_lists_objectives_their_data_and_gaps(signed_in, deployment):
    page = signed_in("head_of_service").get("/catalogue/").content.decode()
    assert "What the data is for" in page
    assert "Referrals per 10,000 children" in page
    assert "Measures need data we do not hold" in page  # the small deployment has no looked-after children
    assert "cla_episodes" in page


def test_a_source_with_no_agreement_says_nothing_may_be_shared(signed_in, deployment):
    page = signed_in("partner").get("/catalogue/").content.decode()
    assert "None: nothing may be shared" in page


def test_practitioners_and_families_do_not_see_the_catalogue(signed_in, deployment):
    assert signed_in("social_worker").get("/catalogue/").status_code == 403
