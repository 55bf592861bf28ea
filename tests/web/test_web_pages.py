"""Pages every audience shares."""

from __future__ import annotations

import pytest

from kinsight.web.navigation import SECTIONS
from kinsight.web.roles import roles

pytestmark = pytest.mark.django_db


def test_the_accessibility_statement_is_public_and_in_the_model_format(client):
    page = client.get("/accessibility/").content.decode()
    assert "Accessibility statement for Kinsight" in page
    for heading in ["Compliance status", "Non-accessible content", "Enforcement procedure"]:
        assert heading in page
    assert 'class="govuk-heading-xl"' in page


def test_the_layout_uses_a_generic_header_and_our_own_footer_with_no_crown(client):
    page = client.get("/accessibility/").content.decode()
    assert "govuk-generic-header" in page and "kinsight-footer" in page
    assert "govuk-footer" not in page and "crown" not in page.lower()


@pytest.mark.parametrize("role", list(roles()))
def test_each_role_sees_only_its_own_sections_in_the_navigation(signed_in, role):
    page = signed_in(role).get("/").content.decode()
    for section in SECTIONS:
        if section.key not in roles()[role].sections:
            assert f">{section.label}<" not in page, (role, section.key)
