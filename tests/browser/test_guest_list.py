"""The organizer's guest list of a fair (types, windows, a multi-use link) in a
real browser: accessible, and usable on a phone (only its tables scroll sideways)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import serious_accessibility_violations
from tests.invites.fair import build_fair

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("viewport", [(1280, 900), (390, 844)], ids=["desktop", "phone"])
def test_the_guest_list_of_a_fair_is_accessible_and_fits_a_phone(
    live_server, page, sign_in, shot, org, alice, event, portal, viewport
):
    build_fair(org, event, portal)
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    sign_in(page, alice)
    page.goto(live_server.url + reverse("invites:guest_list", args=[org.slug, event.slug]))
    expect(page.get_by_role("heading", name="Guests per entry window")).to_be_visible()
    expect(page.get_by_role("link", name="2 answers waiting for approval")).to_be_visible()
    shot(page, f"guest-list-{viewport[0]}")
    assert serious_accessibility_violations(page) == []
    # The page itself does not scroll sideways; wide tables scroll in their wrapper.
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1

    page.get_by_label("Type", exact=True).select_option(label="VIP")
    page.get_by_label("State", exact=True).select_option(label="Pending approval")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("section[aria-labelledby=guests-heading] tbody tr")
    expect(rows).to_have_count(2)
    expect(page.get_by_text("via Team Nord")).to_be_visible()
