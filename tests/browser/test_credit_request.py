"""A new organization without Stripe requests credits and gets them (issue 14), in Chromium."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from credits.ledger import balances
from organizations.models import Organization
from tests.browser.conftest import serious_accessibility_violations

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a long and unusual passphrase 42"


def test_a_new_organization_requests_credits_and_an_operator_grants_them(
    live_server, page, new_page, sign_in, shot, mailoutbox, settings
):
    settings.STRIPE_SECRET_KEY = ""
    settings.ADMINS = [("Ops", "ops@artsvp.example")]
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/accounts/signup/")
    page.get_by_label("Email").fill("nora@new-fair.example")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.get_by_label("Organization name").fill("New Fair")
    page.get_by_role("button", name="Create organization").click()
    organization = Organization.objects.get(name="New Fair")

    page.goto(live_server.url + f"/o/{organization.slug}/settings/billing/")
    card = page.locator("#request-credits")
    expect(card).to_contain_text("Buying online isn\u2019t available yet — request credits")
    # No operator instructions for organizers.
    expect(page.get_by_text("STRIPE_SECRET_KEY")).to_have_count(0)
    card.get_by_label("How many").fill("0")
    card.get_by_role("button", name="Request credits").click()
    expect(page.locator("#id_credits_error")).to_be_visible()
    card = page.locator("#request-credits")
    card.get_by_label("Credits").select_option(label="Invite credits")
    card.get_by_label("How many").fill("500")
    card.get_by_label("Note for the operators").fill("For our spring edition")
    card.get_by_role("button", name="Request credits").click()
    expect(page.get_by_text("Request sent: 500 invite credits.")).to_be_visible()
    expect(page.locator("table.credit-requests")).to_contain_text("Open")
    shot(page, "credit-request-sent")
    assert serious_accessibility_violations(page) == []
    [to_operators] = [m for m in mailoutbox if m.to == ["ops@artsvp.example"]]
    assert "For our spring edition" in to_operators.body

    # An operator grants it with one action in the admin.
    operator = get_user_model().objects.create_superuser(
        username="ops", email="ops@artsvp.example", password="x"
    )
    admin = new_page()
    sign_in(admin, operator)
    admin.goto(live_server.url + "/admin/billing/creditrequest/")
    admin.locator("input.action-select").first.check()
    admin.locator("select[name=action]").select_option("grant_selected")
    admin.get_by_role("button", name="Go").click()
    expect(admin.get_by_text("1 request granted.")).to_be_visible()

    assert balances(organization).invite == 500
    [told] = [m for m in mailoutbox if m.to == ["nora@new-fair.example"] and "arrived" in m.subject]
    assert "500 invite credits" in told.subject
    page.reload()
    expect(page.locator("table.credit-requests")).to_contain_text("Granted")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "credit-request-granted-phone")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
