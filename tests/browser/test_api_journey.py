"""Journey 6 in Chromium (helper "api"): an integrator creates an API key in the organization's
settings and generates invites for a portal over real HTTP; then revokes it.
Also: the API keys page and the API docs pass an accessibility check and load
nothing from outside the site."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from playwright.sync_api import expect

from credits.ledger import balances
from invites.models import Invite
from organizations.models import ApiKey, Organization
from portals.claiming import claim_portal
from portals.models import Portal
from tests.browser.conftest import serious_accessibility_violations
from tests.conftest import give_credits

pytestmark = pytest.mark.django_db(transaction=True)


def call_api(base: str, method: str, path: str, key: str, body: Any = None) -> tuple[int, Any]:
    """A plain HTTP client, as an integrator's script would be."""
    request = urllib.request.Request(
        f"{base}/api/v1{path}",
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_an_integrator_creates_a_key_and_generates_invites_for_a_portal(
    live_server: Any,
    page: Any,
    sign_in: Any,
    shot: Any,
    alice: Any,
    org: Organization,
    portal: Portal,
) -> None:
    give_credits(org, portal=1, invite=10)
    claim_portal(portal, email="owner@galerie-nord.example")
    sign_in(page, alice)

    page.goto(f"{live_server.url}/o/{org.slug}/settings/")
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="API").click()
    expect(page.get_by_role("heading", name="API keys", level=1)).to_be_visible()
    expect(page.get_by_text("No API keys yet")).to_be_visible()
    page.get_by_label("Key name").fill("CRM sync")
    page.get_by_role("button", name="Create key").click()
    expect(page.get_by_role("heading", name="Copy your new key now")).to_be_visible()
    key = page.get_by_label("New API key").input_value()
    shot(page, "api-key-created")

    status, body = call_api(
        live_server.url,
        "POST",
        f"/portals/{portal.public_id}/invites",
        key,
        {"guests": [{"name": "Ada Lovelace", "email": "ada@example.com"}], "blank": 2},
    )

    assert status == 201, body
    assert len(body["invites"]) == 3
    assert body["invite_credits_remaining"] == 7
    assert body["invites"][0]["url"].startswith(f"{live_server.url}/i/")
    assert Invite.objects.filter(portal=portal).count() == 3
    assert balances(org).invite == 7
    # The guest's link works.
    page.goto(body["invites"][0]["url"])
    expect(page.get_by_text("Ada Lovelace").first).to_be_visible()

    page.goto(f"{live_server.url}/o/{org.slug}/settings/api/")
    row = page.get_by_role("row", name="CRM sync")
    expect(row).to_contain_text("Active")
    expect(row).not_to_contain_text("Never")
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Revoke CRM sync").click()
    expect(page.get_by_text("is revoked")).to_be_visible()
    expect(page.get_by_role("row", name="CRM sync")).to_contain_text("Revoked")
    shot(page, "api-key-revoked")

    status, body = call_api(live_server.url, "GET", "/credits", key)
    assert (status, body["code"]) == (401, "unauthenticated")
    assert ApiKey.objects.get().revoked_at is not None


def test_the_api_keys_page_and_the_docs_are_accessible_and_self_hosted(
    live_server: Any,
    page: Any,
    sign_in: Any,
    shot: Any,
    alice: Any,
    org: Organization,
) -> None:
    outside: list[str] = []
    page.on(
        "request",
        lambda request: (
            outside.append(request.url) if not request.url.startswith(live_server.url) else None
        ),
    )
    sign_in(page, alice)

    page.goto(f"{live_server.url}/o/{org.slug}/settings/api/")
    assert serious_accessibility_violations(page) == []
    shot(page, "api-keys")

    page.goto(f"{live_server.url}/api/v1/docs")
    expect(page.get_by_text("artsvp API").first).to_be_visible()
    expect(page.get_by_role("button", name="Authorize")).to_be_visible()
    expect(page.get_by_text("/api/v1/portals/{portal_id}/invites").first).to_be_visible()
    shot(page, "api-docs")
    assert outside == []
