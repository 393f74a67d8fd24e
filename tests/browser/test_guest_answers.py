"""The guest's entry-window choice, a pending answer and a multi-use link in a
real browser, on a phone: accessible (axe) and nothing wider than the screen."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import serious_accessibility_violations
from tests.invites.windows import add_type, add_window, invites_of

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 375, "height": 740}


def check(page: Any, shot: Any, name: str) -> None:
    shot(page, name)
    assert serious_accessibility_violations(page) == [], f"on the {name} page"
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the {name} page is {overflow}px wider than the phone"


@pytest.fixture
def phone(browser: Any) -> Any:
    context = browser.new_context(viewport=PHONE, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_a_guest_picks_a_window_on_a_phone(live_server, phone, shot, event, group, portal):
    preview = add_window(event, "VIP Preview", hour=9, capacity=1)
    afternoon = add_window(event, "Afternoon", hour=13, capacity=40)
    vip = add_type(group, "vip", preview, afternoon, plus_ones_allowed=1)
    first, second = invites_of(event, 2, portal=portal, invite_type=vip)

    phone.goto(live_server.url + first.path)
    check(phone, shot, "windows")
    phone.get_by_label("Yes, I'll be there").check()
    phone.get_by_role("button", name="Send my answer").click()
    expect(phone.get_by_text("Please choose when you will come.")).to_be_visible()
    check(phone, shot, "window-required")
    phone.get_by_label("Yes, I'll be there").check()
    phone.get_by_label("VIP Preview").check()
    phone.get_by_role("button", name="Send my answer").click()
    expect(phone.get_by_text("Your entry: VIP Preview")).to_be_visible()

    # The preview is now full for the next guest: its choice is disabled.
    phone.goto(live_server.url + second.path)
    expect(phone.get_by_label("VIP Preview")).to_be_disabled()
    expect(phone.get_by_label("Afternoon")).to_be_enabled()
    check(phone, shot, "window-full")


def test_a_pending_answer_and_a_multi_use_link_on_a_phone(
    live_server, phone, shot, event, group, portal
):
    listed = add_type(group, "guest-list", needs_approval=True, plus_ones_allowed=2)
    [link] = invites_of(
        event, portal=portal, invite_type=listed, uses=4, label="Galerie Nord team", guest_name=""
    )
    phone.goto(live_server.url + link.path)
    expect(phone.get_by_text("4 of 4 places left on this link.")).to_be_visible()
    check(phone, shot, "link")
    phone.get_by_label("Your name").fill("Ada Lovelace")
    phone.get_by_label("Your email").fill("ada@example.com")
    phone.get_by_label("Guests coming with you").select_option("2")
    phone.get_by_role("button", name="I'll be there").click()
    expect(phone.get_by_role("heading", name="Dear Ada Lovelace,")).to_be_visible()
    expect(
        phone.locator(".current-answer").get_by_text(
            "Your answer is waiting for the organizer's approval."
        )
    ).to_be_visible()
    check(phone, shot, "pending")
