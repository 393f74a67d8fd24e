"""axe-core (vendored, tests/browser/vendor/) on the pages strangers and
customers land on: no serious or critical violation."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps
from playwright.sync_api import expect

from tests.browser.conftest import serious_accessibility_violations
from tests.conftest import PASSWORD, give_credits

pytestmark = pytest.mark.django_db(transaction=True)


def assert_accessible(page: Any, shot: Any, name: str) -> None:
    shot(page, name)
    assert serious_accessibility_violations(page) == [], f"on the {name} page"


@pytest.fixture
def bundle_catalog() -> None:
    """The default bundles, as the data migration seeds them (the live server's
    database is emptied between tests, migrations' rows included)."""
    seed_bundles = importlib.import_module("credits.migrations.0003_seed_bundles")
    seed_bundles.seed(apps, None)


def test_the_login_page_is_accessible(live_server, page, shot, alice):
    page.goto(live_server.url + "/accounts/login/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page, shot, "login")

    # Its error state too: a wrong password.
    page.get_by_label("Email").fill(alice.email)
    page.get_by_label("Password").fill("not " + PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert_accessible(page, shot, "login-error")

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Create your organization")).to_be_visible()


def test_the_billing_page_is_accessible(
    live_server, page, shot, org, alice, sign_in, settings, bundle_catalog
):
    # Configured payments show the real price table with its Buy buttons.
    settings.STRIPE_SECRET_KEY = "sk_test_browser"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_browser"
    give_credits(org, portal=3, invite=0)
    sign_in(page, alice)
    page.goto(f"{live_server.url}/o/{org.slug}/settings/billing/")
    expect(page.get_by_role("button", name="Buy 5 portal credits for €95.00")).to_be_visible()
    assert_accessible(page, shot, "billing")


def test_the_portal_owner_and_guest_pages_are_accessible(live_server, page, shot, org, portal):
    give_credits(org, portal=1, invite=5)
    page.goto(live_server.url + portal.path)
    expect(page.get_by_role("button", name="Claim this portal")).to_be_visible()
    assert_accessible(page, shot, "claim")

    page.get_by_label("Your email address").fill("anna@galerie-nord.example")
    page.get_by_role("button", name="Claim this portal").click()
    page.get_by_role("link", name="Add your first invites").click()
    assert_accessible(page, shot, "add-invites")
    single = page.locator("section#single")
    single.get_by_label("Name").fill("Ada Lovelace")
    single.get_by_label("Email").fill("ada@example.com")
    single.get_by_role("button", name="Create invite").click()
    expect(page.get_by_text("1 invite created.")).to_be_visible()
    assert_accessible(page, shot, "dashboard")

    page.get_by_role("link", name="Email Ada Lovelace").click()
    expect(page.get_by_role("heading", name="Email invites")).to_be_visible()
    assert_accessible(page, shot, "email-form")

    invite = portal.invites.get()
    page.goto(live_server.url + invite.path)
    expect(page.get_by_role("heading", name="Dear Ada Lovelace,")).to_be_visible()
    assert_accessible(page, shot, "guest")
    page.get_by_role("button", name="Send my answer").click()  # no answer chosen
    expect(page.locator(".rsvp-choice .errorlist")).to_be_visible()
    assert_accessible(page, shot, "guest-error")
