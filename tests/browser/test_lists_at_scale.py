"""A fair of 2,000 exhibitors in a real browser: the organizer finds one on the
group page by name, then filters the guest list by that portal through the
searchable source box; both pages fit a phone."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from invites.models import Invite, InviteBatch
from portals.models import Portal
from tests.browser.conftest import serious_accessibility_violations

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path("/tmp/f1-shots")


def build_fair(org, event, group) -> Portal:
    portals = Portal.objects.bulk_create(
        Portal(
            organization=org,
            group=group,
            name=f"Stand {n:04}",
            allocation=5,
            contact_email=f"desk@stand{n}.example",
        )
        for n in range(2000)
    )
    found = portals[1234]
    Portal.objects.filter(pk=found.pk).update(
        status=Portal.Status.ASSIGNED,
        owner_email="mia@stand1234.example",
        assigned_at=timezone.now(),
    )
    for portal, names in ((found, ["Mia Keller", "Noah Frei"]), (portals[7], ["Other Guest"])):
        batch = InviteBatch.objects.create(
            organization=org, event=event, portal=portal, method="paste", size=len(names)
        )
        Invite.objects.bulk_create(
            Invite(
                organization=org,
                event=event,
                batch=batch,
                portal=portal,
                guest_name=name,
                guest_email=f"{name.split()[0].lower()}@collectors.example",
                status=Invite.Status.ACCEPTED,
            )
            for name in names
        )
    return found


def sideways_overflow(page) -> int:
    return page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


@pytest.mark.parametrize("viewport", [(1280, 900), (390, 844)], ids=["desktop", "phone"])
def test_an_organizer_finds_one_exhibitor_of_two_thousand_and_filters_its_guests(
    live_server, page, sign_in, shot, org, alice, event, group, viewport
):
    build_fair(org, event, group)
    SHOTS.mkdir(parents=True, exist_ok=True)
    width = viewport[0]
    page.set_viewport_size({"width": width, "height": viewport[1]})
    sign_in(page, alice)

    page.goto(live_server.url + reverse("portals:group_detail", args=[org.slug, group.public_id]))
    portals = page.locator("table.portal-table tbody tr")
    expect(portals).to_have_count(50)
    expect(page.get_by_text("2,000 portals, by name")).to_be_visible()
    expect(page.get_by_role("link", name="Next")).to_be_visible()
    page.screenshot(path=str(SHOTS / f"group-{width}.png"), full_page=False)
    page.get_by_label("Search").fill("stand 1234")
    page.get_by_role("button", name="Filter").click()
    expect(portals).to_have_count(1)
    expect(page.get_by_role("link", name="Stand 1234")).to_be_visible()
    expect(page.get_by_text("1 of 2,000 portals match")).to_be_visible()
    assert "q=stand+1234" in page.url
    assert sideways_overflow(page) <= 1
    page.screenshot(path=str(SHOTS / f"group-search-{width}.png"), full_page=True)
    shot(page, f"group-search-{width}")
    assert serious_accessibility_violations(page) == []

    page.goto(live_server.url + reverse("invites:guest_list", args=[org.slug, event.slug]))
    source = page.get_by_label("Source")
    # A text box with the portals as suggestions, not a 2,000-option select.
    assert source.evaluate("element => element.list.options.length") == 2002
    source.fill("Stand 1234")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("section[aria-labelledby=guests-heading] tbody tr")
    expect(rows).to_have_count(2)
    expect(page.get_by_text("2 of 3 invites match")).to_be_visible()
    expect(rows.get_by_role("strong").filter(has_text="Mia Keller")).to_be_visible()
    expect(page.get_by_label("Source")).to_have_value("Stand 1234")
    assert sideways_overflow(page) <= 1
    page.screenshot(path=str(SHOTS / f"guest-list-source-{width}.png"), full_page=True)
    shot(page, f"guest-list-source-{width}")
    assert serious_accessibility_violations(page) == []

    page.get_by_role("link", name="Clear filters").first.click()
    expect(rows).to_have_count(3)
