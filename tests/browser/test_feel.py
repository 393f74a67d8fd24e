"""The feel of a product in a real browser: the header menu closes like a menu,
the app has an icon, a first event starts in the organizer's own time zone, and
an event typed into the past asks before it is created."""

from __future__ import annotations

import zoneinfo
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from events.models import Event
from tests.browser.conftest import serious_accessibility_violations

pytestmark = pytest.mark.django_db(transaction=True)


def _menu_is_open(page) -> bool:
    return page.evaluate("() => document.querySelector('details.org-switcher').open")


def test_the_org_switcher_closes_on_escape_and_on_a_click_outside(
    live_server, page, sign_in, shot, org, alice
):
    sign_in(page, alice)
    page.goto(live_server.url + reverse("events:list", args=[org.slug]))
    summary = page.locator("details.org-switcher > summary")

    summary.click()
    expect(page.get_by_role("link", name="Account settings")).to_be_visible()
    shot(page, "menu-open")
    page.keyboard.press("Escape")
    assert not _menu_is_open(page)
    assert page.evaluate("() => document.activeElement.matches('details.org-switcher > summary')")

    summary.click()
    assert _menu_is_open(page)
    page.get_by_role("heading", level=1).click()
    assert not _menu_is_open(page)
    expect(page.get_by_role("link", name="Account settings")).to_be_hidden()

    # A click inside the menu is the menu's own business.
    summary.click()
    page.locator(".org-switcher .menu-label").first.click()
    assert _menu_is_open(page)


def test_the_app_has_a_favicon(live_server, page):
    page.goto(live_server.url + "/")
    icon = page.locator('link[rel="icon"]').get_attribute("href")
    assert icon and icon.endswith(".svg")

    response = page.request.get(live_server.url + "/favicon.ico")
    assert response.status == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in response.body()


@pytest.mark.parametrize(
    ("browser_zone", "selected"),
    [("Asia/Tokyo", "Asia/Tokyo"), ("Asia/Calcutta", "Asia/Kolkata")],
)
def test_a_first_event_starts_in_the_browser_zone(
    live_server, browser, sign_in, shot, org, alice, browser_zone, selected
):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, timezone_id=browser_zone)
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        sign_in(page, alice)
        page.goto(live_server.url + reverse("events:create", args=[org.slug]))

        expect(page.get_by_label("Time zone")).to_have_value(selected)
        shot(page, f"new-event-{selected.replace('/', '-')}")
    finally:
        context.close()


def test_an_event_in_the_past_asks_before_it_is_created_and_then_reads_ended(
    live_server, page, sign_in, shot, org, alice
):
    zurich = zoneinfo.ZoneInfo("Europe/Zurich")
    starts = (timezone.now() - timedelta(days=9)).astimezone(zurich)
    sign_in(page, alice)
    page.goto(live_server.url + reverse("events:create", args=[org.slug]))

    page.get_by_label("Name").fill("Last Year's Salon")
    page.get_by_label("Short form in links").fill("last-salon")
    page.get_by_label("Starts").fill(starts.strftime("%Y-%m-%dT10:00"))
    page.get_by_label("Ends").fill(starts.strftime("%Y-%m-%dT18:00"))
    page.get_by_label("Time zone").select_option("Europe/Zurich")
    page.get_by_role("button", name="Create event").click()

    expect(page.get_by_role("alert")).to_contain_text("This event ended on")
    assert not Event.objects.filter(organization=org).exists()
    assert serious_accessibility_violations(page) == []
    shot(page, "past-warning")
    page.set_viewport_size({"width": 390, "height": 844})
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1
    shot(page, "past-warning-phone")

    page.get_by_label("Yes, create it in the past").check()
    page.get_by_role("button", name="Create event").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Last Year's Salon")
    expect(page.locator(".facts")).to_contain_text("Ended")
    page.goto(live_server.url + reverse("events:list", args=[org.slug]))
    expect(page.get_by_role("cell", name="Ended")).to_be_visible()
    shot(page, "list-ended")
