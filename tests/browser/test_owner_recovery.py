"""An exhibitor opens a bookmarked portal page on a new device, signs in with
the emailed code and lands on the page they bookmarked; a replaced owner is
told the portal was handed over. Screenshots at 1280 and 390 px go to
/tmp/f4-shots/."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from portals.models import Portal
from tests.invites.helpers import OWNER_EMAIL, assign

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
