"""Each audience's main journey in a real browser (Debian chromium), keyboard first, with
axe-core's WCAG 2.2 AA rules run on every page visited."""

from __future__ import annotations

import pytest
from web_browser import assert_accessible, browser, keyboard_sign_in, page, press_enter_on  # noqa: F401  (fixtures)
from web_helpers import PASSWORD
from django.utils import timezone
from warehouse_fixture import CHILD, OTHER_CHILD

from kinsight.governance import policy

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

HEADER_903 = (
    '"CHILD","SEX","DOB","ETHNIC","UPN","MOTHER","MC_DOB"\n'
    '"LA0000001","M","23/09/2010","WBRI","A123456789012","",""\n'
    '"LA0000002","X","07/04/2015","WBRI","UN1","",""\n'
)


def visit(page, path: str, status: int = 200) -> None:
    response = page.goto(path)
    assert response.status == status, f"{path}: {response.status}"
    assert_accessible(page)


def test_sign_in_by_keyboard_and_the_public_pages_pass_axe(page, make_user):
    make_user("analyst", username="asha")
    visit(page, "/accessibility/")
    keyboard_sign_in(page, "asha", "wrong password")
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page)
    keyboard_sign_in(page, "asha", PASSWORD)
    assert page.url.endswith("/")
    assert "Signed in as asha" in page.content()
    assert_accessible(page)


def test_an_administrator_sets_a_role_with_the_keyboard(page, make_user):
    make_user("admin", username="admin")
    make_user("", username="newcomer")
    keyboard_sign_in(page, "admin", PASSWORD)
    visit(page, "/users/")
    row = page.locator("tr", has_text="newcomer")
    row.locator("select").focus()
    row.locator("select").select_option("social_worker")
    press_enter_on(page, "button:has-text('Save role for newcomer')")
    assert "Role for newcomer updated" in page.content()
    assert_accessible(page)


def test_the_analysts_journey_insight_quality_and_linkage(page, make_user, deployment_with_index, tmp_path):
    make_user("analyst", username="asha")
    keyboard_sign_in(page, "asha", PASSWORD)
    visit(page, "/insight/")
    press_enter_on(page, "a:has-text('Referrals closed with no further action')")
    assert_accessible(page)
    page.wait_for_selector("[data-kinsight-chart] .main-svg", timeout=15000)  # Plotly drew it, locally
    visit(page, "/catalogue/")
    visit(page, "/quality/")
    upload = tmp_path / "header.csv"
    upload.write_text(HEADER_903, encoding="utf-8")
    page.check("#return_type")
    page.fill("#year", "2026")
    page.set_input_files("#files", str(upload))
    press_enter_on(page, "button:has-text('Validate')")
    assert "SSDA903" in page.content()
    assert_accessible(page)
    page.focus("a.govuk-tabs__tab[href='#by-child']")
    page.keyboard.press("Enter")  # GOV.UK tabs switch panels without leaving the page
    press_enter_on(page, "#by-child tbody a >> nth=0")
    assert "fails" in page.content()
    assert_accessible(page)
    visit(page, "/linkage/")
    visit(page, "/linkage/review/")
    page.fill("#reason-1", "same surname, date of birth and school")
    press_enter_on(page, "button:has-text('Same child') >> nth=0")
    assert "Decision recorded" in page.content()
    assert_accessible(page)


def test_the_social_workers_journey_purpose_view_and_break_glass(page, make_user, deployment, starter_agreements):
    make_user("social_worker", username="sam")
    policy.add_relationship(user="sam", person_id=CHILD, start=timezone.localdate(), actor="manager")
    keyboard_sign_in(page, "sam", PASSWORD)
    visit(page, "/children/")
    page.focus(f"#purpose-{CHILD}-safeguarding")
    page.keyboard.press("Space")
    press_enter_on(page, f"button:has-text('Open records')")
    assert f"Records of {CHILD}" in page.content() and CHILD not in page.url
    assert_accessible(page)
    # A child who is not theirs, found by the LA's child id: refused, then break-glass.
    visit(page, "/children/")
    page.select_option("#kind", "la_child_id")
    page.fill("#value", "LA0000002")
    press_enter_on(page, "button:has-text('Find')")
    assert OTHER_CHILD in page.content()
    assert_accessible(page)
    page.focus(f"#purpose-{OTHER_CHILD}-safeguarding")
    page.keyboard.press("Space")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "You do not have access to this child" in page.content()
    assert_accessible(page)
    page.fill("#reason", "Police report the child missing tonight; need placement details now")
    press_enter_on(page, "button:has-text('Open emergency access')")
    assert "Emergency access opened" in page.content() and "Break-glass" in page.content()
    assert_accessible(page)


def test_the_dpos_journey_agreements_audit_and_rights(page, make_user, deployment):
    make_user("dpo", username="dee")
    keyboard_sign_in(page, "dee", PASSWORD)
    visit(page, "/governance/")
    page.select_option("#template", "early-help")
    press_enter_on(page, "button:has-text('Create draft')")
    assert "Draft agreement early-help" in page.content()
    assert_accessible(page)
    page.focus("#status-active")
    page.keyboard.press("Space")
    page.fill("#reason", "approved by the partnership board")
    press_enter_on(page, "button:has-text('Change status')")
    assert "is now active" in page.content()
    visit(page, "/governance/audit/")
    press_enter_on(page, "button:has-text('Check the chain')")
    assert "Audit log intact" in page.content()
    assert_accessible(page)
    visit(page, "/governance/rights/")
    page.fill("#person_ref", CHILD)
    page.fill("#requester", "the young person")
    press_enter_on(page, "button:has-text('Record request')")
    assert "opened" in page.content()
    assert_accessible(page)


def test_the_young_persons_journey_records_and_a_challenge(page, make_user, deployment, starter_agreements):
    make_user("family", username="jo", person_id=CHILD)
    keyboard_sign_in(page, "jo", PASSWORD)
    visit(page, "/your-records/")
    assert "What we hold about you" in page.content()
    page.fill("#field", "referral date")
    page.fill("#proposed_value", "2 June 2025")
    page.fill("#statement", "I was referred a day later than this says.")
    press_enter_on(page, "button:has-text('Send to the data protection officer')")
    assert "has been sent to the data protection officer" in page.content()
    assert_accessible(page)


def test_a_refused_page_and_a_missing_page_pass_axe(page, make_user, deployment):
    make_user("family", username="jo")
    keyboard_sign_in(page, "jo", PASSWORD)
    visit(page, "/insight/", status=403)
    visit(page, "/no-such-page/", status=404)
