"""Journey 7 of the product spec, end to end in Chromium: the organizer sets up
invite types and entry windows, an exhibitor generates each type, guests pick
their window, and the guest list shows who comes when.

The database is read only to check what the pages claim.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from events.models import EntryWindow
from invites.models import Invite
from portals.models import PortalAllocation
from tests.browser.conftest import serious_accessibility_violations
from tests.conftest import give_credits

pytestmark = pytest.mark.django_db(transaction=True)

OWNER = "anna@galerie-nord.example"


def add_type(page: Any, *, name: str, allocation: str, plus_ones: str = "0") -> None:
    page.get_by_role("link", name="Add invite type").click()
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Default allocation").fill(allocation)
    page.get_by_label("Plus-ones").fill(plus_ones)
    page.get_by_role("button", name="Add invite type").click()


def add_window(
    page: Any, *, label: str, day: str, starts: str, ends: str, capacity: str, types: list[str]
) -> None:
    page.get_by_role("link", name="Add entry window").click()
    page.get_by_label("Label").fill(label)
    page.get_by_label("Starts").fill(f"{day}T{starts}")
    page.get_by_label("Ends").fill(f"{day}T{ends}")
    page.get_by_label("Capacity").fill(capacity)
    for invite_type in types:
        page.get_by_label(invite_type, exact=True).check()
    page.get_by_role("button", name="Add entry window", exact=True).click()
    expect(page.get_by_role("cell", name=label, exact=True)).to_be_visible()


def link_of(page: Any, text: str) -> str:
    """The guest link on the exhibitor's dashboard row that shows `text`."""
    row = page.locator("table tbody tr").filter(has_text=text)
    value: str = row.locator("input[readonly]").input_value()
    return value


def test_tiers_and_windows_from_setup_to_who_comes_when(
    live_server, page, new_page, shot, org, alice, event, group, portal, sign_in, mailoutbox
):
    give_credits(org, portal=1, invite=10)
    sign_in(page, alice)
    organizer = page
    group_url = live_server.url + reverse("portals:group_detail", args=[org.slug, group.public_id])
    event_url = live_server.url + reverse("events:detail", args=[org.slug, event.slug])

    # Three tiers replace the group's one kind of invite (unused, so it goes away).
    organizer.goto(group_url)
    add_type(organizer, name="VIP Preview", allocation="10")
    add_type(organizer, name="VIP", allocation="20", plus_ones="1")
    add_type(organizer, name="Public days", allocation="50")
    types_table = organizer.locator("table.type-table")
    types_table.get_by_role("link", name="Remove Standard").click()
    organizer.get_by_role("button", name="Remove the invite type").click()
    for code in ("vip-preview", "vip", "public-days"):
        expect(types_table.get_by_role("cell", name=code, exact=True)).to_be_visible()
    expect(types_table.get_by_role("cell", name="standard", exact=True)).to_have_count(0)
    # Every exhibitor holds 10 / 20 / 50 (the new types' defaults reached the portal).
    portal_row = organizer.locator("table.portal-table tbody tr").filter(has_text="Galerie Nord")
    expect(portal_row).to_contain_text("0 / 80")
    expect(portal_row).to_contain_text("VIP Preview 0/10")
    expect(portal_row).to_contain_text("VIP 0/20")
    expect(portal_row).to_contain_text("Public days 0/50")
    shot(organizer, "group-types")

    # Entry windows: a 4-hour preview for VIP Preview only, a VIP window, public days for all.
    organizer.goto(event_url)
    day = event.local_starts_at.date().isoformat()
    add_window(
        organizer,
        label="VIP Preview Thu 11:00",
        day=day,
        starts="11:00",
        ends="15:00",
        capacity="200",
        types=["Exhibitors · VIP Preview"],
    )
    add_window(
        organizer,
        label="VIP Thu to Sun",
        day=day,
        starts="15:00",
        ends="20:00",
        capacity="2",
        types=["Exhibitors · VIP Preview", "Exhibitors · VIP"],
    )
    add_window(
        organizer,
        label="Public evening",
        day=day,
        starts="20:00",
        ends="22:00",
        capacity="500",
        types=[],
    )
    assert EntryWindow.objects.filter(event=event).count() == 3
    assert serious_accessibility_violations(organizer) == []
    shot(organizer, "event-windows")

    # The exhibitor claims the portal and generates each type.
    exhibitor = new_page()
    exhibitor.goto(live_server.url + portal.path)
    exhibitor.get_by_label("Your email address").fill(OWNER)
    exhibitor.get_by_role("button", name="Claim this portal").click()
    exhibitor.get_by_role("link", name="Add your first invites").click()
    single = exhibitor.locator("section#single")
    single.get_by_label("VIP Preview — 10 of 10 left").check()
    single.get_by_label("Name", exact=True).fill("Ada Lovelace")
    single.get_by_label("Email").fill("ada@example.com")
    single.get_by_role("button", name="Create invite").click()
    expect(exhibitor.get_by_text("1 invite created.")).to_be_visible()

    exhibitor.get_by_role("link", name="Add invites").click()
    paste = exhibitor.locator("section#paste")
    paste.get_by_label("VIP — 20 of 20 left").check()
    paste.get_by_label("Guests, one per line").fill(
        "Leo Berg, leo@example.com\nMia Roth, mia@example.com\nNoor Haddad, noor@example.com"
    )
    paste.get_by_role("button", name="Create invites").click()
    expect(exhibitor.get_by_text("3 invites created.")).to_be_visible()

    exhibitor.get_by_role("link", name="Add invites").click()
    blank = exhibitor.locator("section#blank")
    blank.get_by_label("Public days — 50 of 50 left").check()
    blank.get_by_label("Number of blank links").fill("1")
    blank.get_by_label("Label").fill("Studio team")
    blank.get_by_role("button", name="Create blank links").click()
    expect(exhibitor.get_by_text("1 invite created.")).to_be_visible()
    # Asking for more than a type has left is refused with the type and the numbers.
    exhibitor.get_by_role("link", name="Add invites").click()
    blank = exhibitor.locator("section#blank")
    blank.get_by_label("VIP Preview — 9 of 10 left").check()
    blank.get_by_label("Number of blank links").fill("12")
    blank.get_by_role("button", name="Create blank links").click()
    expect(
        exhibitor.get_by_text("You asked for 12 VIP Preview invites but only 9 remain (3 short).")
    ).to_be_visible()
    exhibitor.get_by_role("link", name="Galerie Nord").first.click()
    shot(exhibitor, "dashboard-types")

    # The exhibitor emails every guest with an address, whatever their type.
    exhibitor.get_by_role("link", name="Email all not yet emailed").click()
    expect(exhibitor.get_by_text("4 guests will receive this email")).to_be_visible()
    exhibitor.get_by_role("button", name="Preview").click()
    exhibitor.get_by_role("button", name="Send 4 emails").click()
    expect(exhibitor.get_by_text("4 emails on the way.")).to_be_visible()
    # The refusal above reached the organizer in the day's digest.
    [digest] = [message for message in mailoutbox if message.to == [alice.email]]
    assert "Galerie Nord used up its allocation" in digest.subject
    # The owner kept a copy of their portal link when claiming.
    [copy] = [message for message in mailoutbox if message.to == [OWNER]]
    assert portal.token in copy.body
    emailed = {
        message.to[0]: message.body
        for message in mailoutbox
        if message.to not in ([alice.email], [OWNER])
    }
    assert set(emailed) == {
        "ada@example.com",
        "leo@example.com",
        "mia@example.com",
        "noor@example.com",
    }
    numbers = {
        row.invite_type.code: (row.size, row.used)
        for row in PortalAllocation.objects.filter(portal=portal).select_related("invite_type")
    }
    assert numbers == {"vip-preview": (10, 1), "vip": (20, 3), "public-days": (50, 1)}

    # Guests pick their window: Ada (VIP Preview) may come to the preview or the VIP window...
    # The guests follow the links in their emails (the blank link is handed out by hand).
    exhibitor.goto(live_server.url + reverse("owner:dashboard", args=[portal.public_id]))
    links = {
        name: re.search(
            r"http\S+/i/\S+/", emailed[f"{name.split()[0].lower()}@example.com"]
        ).group()
        for name in ("Ada Lovelace", "Leo Berg", "Mia Roth", "Noor Haddad")
    }
    assert links["Ada Lovelace"] == link_of(exhibitor, "Ada Lovelace")
    links["Studio team"] = link_of(exhibitor, "Studio team")
    guest = new_page()
    guest.set_viewport_size({"width": 390, "height": 844})
    guest.goto(links["Ada Lovelace"])
    guest.get_by_label("Yes, I'll be there").check()
    guest.get_by_label("VIP Preview Thu 11:00").check()
    shot(guest, "guest-picks-window")
    guest.get_by_role("button", name="Send my answer").click()
    expect(guest.locator(".entry-window")).to_contain_text("Your entry: VIP Preview Thu 11:00")

    # ...Leo and Mia (VIP, 2 places) take the VIP window, and Noor is offered what has room.
    for name in ("Leo Berg", "Mia Roth"):
        guest.goto(links[name])
        guest.get_by_label("Yes, I'll be there").check()
        guest.get_by_label("VIP Thu to Sun").check()
        guest.get_by_role("button", name="Send my answer").click()
        expect(guest.locator(".entry-window")).to_contain_text("Your entry: VIP Thu to Sun")
    guest.goto(links["Noor Haddad"])
    expect(guest.get_by_label("VIP Thu to Sun")).to_be_disabled()
    guest.get_by_label("Yes, I'll be there").check()
    guest.get_by_label("Public evening").check()
    guest.get_by_role("button", name="Send my answer").click()
    expect(guest.locator(".entry-window")).to_contain_text("Your entry: Public evening")

    # The studio's blank link: only the public days admit its type, so no choice is asked.
    guest.goto(links["Studio team"])
    guest.get_by_label("Your name").fill("Otto Klee")
    guest.get_by_label("Your email").fill("otto@example.com")
    guest.get_by_label("Yes, I'll be there").check()
    guest.get_by_role("button", name="Send my answer").click()
    expect(guest.locator(".entry-window")).to_contain_text("Your entry: Public evening")

    # The guest list shows who comes when.
    organizer.goto(live_server.url + reverse("invites:guest_list", args=[org.slug, event.slug]))
    rows = organizer.locator("table tbody tr")
    for name, window in (
        ("Ada Lovelace", "VIP Preview Thu 11:00"),
        ("Leo Berg", "VIP Thu to Sun"),
        ("Mia Roth", "VIP Thu to Sun"),
        ("Noor Haddad", "Public evening"),
        ("Otto Klee", "Public evening"),
    ):
        expect(rows.filter(has_text=name)).to_contain_text(window)
    per_window = organizer.locator("table").filter(has_text="Room")
    expect(per_window.locator("tr").filter(has_text="VIP Thu to Sun")).to_contain_text("Full")
    assert serious_accessibility_violations(organizer) == []
    shot(organizer, "who-comes-when")
    assert dict(
        Invite.objects.filter(event=event, status=Invite.Status.ACCEPTED).values_list(
            "guest_name", "entry_window__label"
        )
    ) == {
        "Ada Lovelace": "VIP Preview Thu 11:00",
        "Leo Berg": "VIP Thu to Sun",
        "Mia Roth": "VIP Thu to Sun",
        "Noor Haddad": "Public evening",
        "Otto Klee": "Public evening",
    }
