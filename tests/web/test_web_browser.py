"""Each audience's main journey in a real browser, with axe-core on every page."""

from __future__ import annotations

import pytest
from browser import assert_accessible, browser, keyboard_sign_in, page, press_enter_on  # noqa: F401
from conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def visit(page, path: str) -> None:
    response = page.goto(path)
    assert response.status < 400, f"{path}: {response.status}"
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
