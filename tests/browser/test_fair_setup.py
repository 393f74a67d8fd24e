"""The organizer sets up a fair's invite types and entry windows in a real browser:
accessible, and usable on a phone (only tables scroll sideways)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from events.models import EntryWindow
from portals.models import InviteType, PortalAllocation
from tests.browser.conftest import serious_accessibility_violations

pytestmark = pytest.mark.django_db(transaction=True)


def _fits(page) -> None:
    assert serious_accessibility_violations(page) == []
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1


@pytest.mark.parametrize("viewport", [(1280, 900), (390, 844)], ids=["desktop", "phone"])
def test_the_organizer_adds_a_type_and_a_window_for_it(
    live_server, page, sign_in, shot, org, alice, event, group, portal, viewport
):
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    sign_in(page, alice)
    page.goto(live_server.url + reverse("portals:group_detail", args=[org.slug, group.public_id]))
    _fits(page)

    page.get_by_role("link", name="Add invite type").click()
    page.get_by_label("Name", exact=True).fill("VIP Preview")
    page.get_by_label("Default allocation").fill("10")
    page.get_by_label("Golden: these invites skip").check()
    _fits(page)
    page.get_by_role("button", name="Add invite type").click()
    expect(page.get_by_role("cell", name="vip-preview")).to_be_visible()
    shot(page, f"group-types-{viewport[0]}")
    _fits(page)
    vip = InviteType.objects.get(code="vip-preview")
    assert PortalAllocation.objects.get(portal=portal, invite_type=vip).size == 10

    page.goto(live_server.url + reverse("events:detail", args=[org.slug, event.slug]))
    page.get_by_role("link", name="Add entry window").click()
    day = event.local_starts_at.date().isoformat()
    page.get_by_label("Label").fill("VIP Preview — Thu 11:00")
    page.get_by_label("Starts").fill(f"{day}T11:00")
    page.get_by_label("Ends").fill(f"{day}T15:00")
    page.get_by_label("Capacity").fill("200")
    page.get_by_label("Exhibitors · VIP Preview").check()
    _fits(page)
    page.get_by_role("button", name="Add entry window", exact=True).click()
    expect(page.get_by_role("cell", name="Exhibitors · VIP Preview")).to_be_visible()
    shot(page, f"event-windows-{viewport[0]}")
    _fits(page)
    window = EntryWindow.objects.get()
    assert list(window.invite_types.all()) == [vip]
    assert window.local_starts_at.hour == 11
