"""The organizer brands the fair in a real Chromium: a too-light colour is
refused with its contrast, the preview follows the form before saving, and
the guest's page opens under the logo, colour and footer, with no CSP
violation (the accent comes from a stylesheet, never an inline style)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from invites.models import Invite
from invites.services import GuestInput, generate_invites
from tests.browser.test_csp import Watch
from tests.conftest import give_credits
from tests.invites.helpers import assign
from tests.organizations.brand_helpers import image_bytes

pytestmark = pytest.mark.django_db(transaction=True)

ACCENT = "#0b6e4f"
ACCENT_RGB = "rgb(11, 110, 79)"
FOOTER = "Basel Art Week · Messeplatz 10, 4058 Basel"


@pytest.fixture
def invite(org: Any, portal: Any) -> Invite:
    give_credits(org, invite=5)
    assign(portal)
    return generate_invites(
        portal, [GuestInput(name="Anna Muster", email="anna@example.com")], method="single"
    ).invites.get()


def test_the_organizer_brands_the_fair_and_the_guest_sees_it(
    page: Any,
    live_server: Any,
    sign_in: Any,
    shot: Any,
    alice: Any,
    org: Any,
    invite: Invite,
    tmp_path: Any,
) -> None:
    watch = Watch(page)
    sign_in(page, alice)
    logo = tmp_path / "basel-logo.png"
    logo.write_bytes(image_bytes("PNG", (1200, 300)))

    watch.visit(live_server.url + reverse("organizations:brand", args=[org.slug]))
    expect(page.get_by_text("No logo yet")).to_be_visible()

    # The preview says at once what the server will refuse.
    page.get_by_label("Accent colour").fill("#ffcc00")
    expect(page.locator("#brand-contrast")).to_contain_text("Too little contrast")
    page.get_by_role("button", name="Save the brand").click()
    expect(page.locator("#id_accent_error")).to_contain_text("WCAG AA needs at least 4.5:1")

    page.get_by_label("Accent colour").fill(ACCENT)
    expect(page.locator("#brand-contrast")).to_contain_text("Contrast with white button text")
    expect(page.locator("#brand-preview-button")).to_have_css("background-color", ACCENT_RGB)
    page.locator("input[name=logo]").set_input_files(str(logo))
    preview_logo = page.locator("#brand-preview-logo")
    expect(preview_logo).to_be_visible()
    assert (preview_logo.get_attribute("src") or "").startswith("data:image/png")
    page.get_by_label("Footer text").fill(FOOTER)
    expect(page.locator("#brand-preview-footer")).to_have_text(FOOTER)
    page.get_by_label("Privacy policy link").fill("https://basel.example/privacy")
    shot(page, "brand-preview")
    page.get_by_role("button", name="Save the brand").click()
    expect(page.get_by_text("The brand is saved.")).to_be_visible()
    expect(page.get_by_text("Current logo: basel-logo.png")).to_be_visible()

    guest = page.context.browser.new_context()
    guest_page = guest.new_page()
    guest_watch = Watch(guest_page)
    guest_watch.visit(live_server.url + reverse("invites:guest", args=[invite.token]))
    header_logo = guest_page.locator("header img.brand-logo")
    expect(header_logo).to_be_visible()
    assert header_logo.evaluate("img => img.naturalWidth") == 600  # 1200x300 into 600x200
    expect(guest_page.get_by_role("button", name="Send my answer")).to_have_css(
        "background-color", ACCENT_RGB
    )
    expect(guest_page.locator("footer")).to_contain_text(FOOTER)
    footer_privacy = guest_page.locator("footer").get_by_role(
        "link", name="Privacy policy", exact=True
    )
    expect(footer_privacy).to_have_attribute("href", "https://basel.example/privacy")
    shot(guest_page, "guest-page-branded")
    guest.close()
    assert watch.problems == [] and guest_watch.problems == []
