"""Event staff in a real browser: the team gives access on the event's staff page;
check-in staff, on a phone, see their events' doors and 404 everywhere else; a
revoke signs them out at their next click."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from door.staff import door_path
from tests.browser.conftest import serious_accessibility_violations
from tests.conftest import make_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_team_grants_a_door_and_check_in_staff_see_only_it(
    live_server, page, new_page, sign_in, shot, org, alice, event, portal
):
    cara = make_user("cara@example.com")
    sign_in(page, alice)
    page.goto(live_server.url + reverse("events:detail", args=[org.slug, event.slug]))
    page.get_by_role("link", name="Staff", exact=True).click()
    expect(page.get_by_role("heading", name="Staff", level=1)).to_be_visible()
    page.get_by_label("Email address").fill("cara@example.com")
    page.get_by_label("Role").select_option(label="Check-in")
    page.get_by_label("Only the guests of").select_option(label="Galerie Nord")
    page.get_by_role("button", name="Give access").click()
    expect(page.get_by_text("cara@example.com can now work this event")).to_be_visible()
    expect(page.get_by_text("Active", exact=True)).to_be_visible()
    shot(page, "staff-page")
    assert serious_accessibility_violations(page) == []

    # Cara, on her phone.
    phone = new_page()
    phone.set_viewport_size({"width": 390, "height": 844})
    sign_in(phone, cara)
    phone.goto(live_server.url + reverse("organizations:dashboard", args=[org.slug]))
    expect(phone.get_by_role("heading", name="Your events")).to_be_visible()
    door = phone.get_by_role("link", name="Open the door Spring Fair")
    expect(door).to_have_attribute("href", door_path(event))
    expect(phone.get_by_role("link", name="Settings")).to_have_count(0)
    shot(phone, "staff-landing-phone")
    assert serious_accessibility_violations(phone) == []
    for url in (
        reverse("events:list", args=[org.slug]),
        reverse("events:detail", args=[org.slug, event.slug]),
        reverse("invites:guest_list", args=[org.slug, event.slug]),
        reverse("invites:guest_list_csv", args=[org.slug, event.slug]),
        reverse("billing:billing", args=[org.slug]),
        reverse("organizations:team", args=[org.slug]),
        reverse("door:staff", args=[org.slug, event.slug]),
    ):
        assert phone.goto(live_server.url + url).status == 404, url

    # Alice revokes; Cara's next click signs her out.
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revoke cara@example.com").click()
    expect(page.get_by_text("cara@example.com no longer has access")).to_be_visible()
    phone.goto(live_server.url + reverse("organizations:dashboard", args=[org.slug]))
    expect(phone.get_by_text("Your access to Basel Art Week has ended")).to_be_visible()
    assert phone.url.endswith(reverse("account_login"))
