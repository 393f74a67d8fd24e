"""An exhibitor opens a bookmarked portal page on a new device, signs in with
the emailed code and lands on the page they bookmarked; a replaced owner is
told the portal was handed over. Screenshots at 1280 and 390 px go to
/tmp/f4-shots/."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import expect

from portals.models import Portal
from tests.conftest import give_credits
from tests.invites.helpers import OWNER_EMAIL, assign, owner_client
from tests.invites.type_helpers import add_type

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path("/tmp/f4-shots")


def snap(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def no_sideways_scroll(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


@pytest.mark.parametrize("width", [1280, 390])
def test_an_exhibitor_recovers_a_bookmarked_page_on_a_new_device(
    live_server, browser, portal, mailoutbox, width
):
    claimed = assign(portal)
    bookmark = f"{live_server.url}/portal/{claimed.public_id}/invites/new/"
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(bookmark)
        expect(
            page.get_by_role("heading", name="Sign in to this portal — we'll email a code")
        ).to_be_visible()
        assert no_sideways_scroll(page)
        snap(page, f"sign-in-{width}")

        page.get_by_label("The email address you claimed the portal with").fill(OWNER_EMAIL)
        page.get_by_role("button", name="Email me a code").click()
        expect(page.get_by_role("heading", name="Enter your sign-in code")).to_be_visible()
        snap(page, f"enter-code-{width}")
        [message] = [m for m in mailoutbox if m.to == [OWNER_EMAIL]]
        code = re.search(r"\b(\d{6})\b", message.body)
        assert code, message.body

        page.get_by_label("6-digit code").fill(code.group(1))
        page.get_by_role("button", name="Sign in").click()

        expect(page.get_by_role("heading", name="Add invites")).to_be_visible()
        assert page.url == bookmark
        snap(page, f"back-on-the-bookmark-{width}")

        # The organizer hands the portal to someone else: this browser is told so.
        Portal.objects.filter(pk=claimed.pk).update(owner_email="max@galerie-nord.example")
        page.goto(f"{live_server.url}/portal/{claimed.public_id}/")
        expect(
            page.get_by_role("heading", name="This portal was handed to someone else")
        ).to_be_visible()
        assert no_sideways_scroll(page)
        snap(page, f"handed-over-{width}")
    finally:
        context.close()


def test_picking_a_type_sets_the_blank_links_count_to_what_is_left_of_it(
    live_server, browser, org, group, portal
):
    give_credits(org, invite=100)
    claimed = assign(portal)
    add_type(group, "vip-preview", "VIP Preview", allocations={claimed: 3})
    add_type(group, "public", "Public days", allocations={claimed: 5})
    session = owner_client(claimed).cookies[settings.SESSION_COOKIE_NAME]
    context = browser.new_context(viewport={"width": 390, "height": 900})
    context.add_cookies([{"name": session.key, "value": session.value, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{live_server.url}/portal/{claimed.public_id}/invites/new/")
        blank = page.locator("section#blank")
        count = blank.get_by_label("Number of blank links")
        blank.get_by_label("VIP Preview — 3 of 3 left").check()
        expect(count).to_have_value("3")
        blank.get_by_label("Public days — 5 of 5 left").check()
        expect(count).to_have_value("5")
        # A count the owner typed stays theirs.
        count.fill("2")
        blank.get_by_label("VIP Preview — 3 of 3 left").check()
        expect(count).to_have_value("2")
        snap(page, "blank-links-per-type-390")
    finally:
        context.close()
