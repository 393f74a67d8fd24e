"""Journey 7 through the API: an integrator sets up three tiers and their entry
windows, gives an exhibitor 10/20/50, generates each type for the portal, the
guests pick their window on their pages, and the API's guest list says who
comes when. Only the guests' clicks are pages (they have no API key)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.test import Client

from events.models import EntryWindow
from portals.models import Portal
from tests.api.conftest import ApiClient, assert_error
from tests.conftest import give_credits


def _when(portal: Portal, hours: int) -> str:
    return (portal.group.event.starts_at + timedelta(hours=hours)).isoformat()


def _answer(path: str, window: EntryWindow | None = None) -> Any:
    data = {"answer": "accept", "plus_ones": "0"}
    if window is not None:
        data["window"] = window.public_id
    return Client().post(path, data)


def test_tiers_windows_and_who_comes_when_through_the_api(
    api: ApiClient, assigned_portal: Portal, org: Any
) -> None:
    give_credits(org, invite=10)
    group = assigned_portal.group
    event = group.event
    types_url = f"/portal-groups/{group.public_id}/invite-types"
    created = {}
    for name, code, size in (("VIP Preview", "vip-preview", 10), ("VIP", "vip", 20)):
        response = api.post(types_url, {"name": name, "code": code, "default_allocation": size})
        assert response.status_code == 201, response.content
        created[code] = response.json()["id"]
    # The group's first type becomes the public days.
    standard = next(
        item for item in api.get(types_url).json()["items"] if item["code"] == "standard"
    )
    renamed = api.patch(
        f"/invite-types/{standard['id']}",
        {"name": "Public days", "code": "public-days", "default_allocation": 50},
    )
    assert renamed.status_code == 200, renamed.content
    created["public-days"] = standard["id"]

    windows_url = f"/events/{event.public_id}/entry-windows"
    preview = api.post(
        windows_url,
        {
            "label": "VIP Preview Thu 11:00",
            "starts_at": _when(assigned_portal, 1),
            "ends_at": _when(assigned_portal, 5),
            "capacity": 200,
            "invite_types": [created["vip-preview"]],
        },
    )
    assert preview.status_code == 201, preview.content
    vip = api.post(
        windows_url,
        {
            "label": "VIP Thu to Sun",
            "starts_at": _when(assigned_portal, 5),
            "ends_at": _when(assigned_portal, 72),
            "capacity": 1,
            "invite_types": [created["vip-preview"], created["vip"]],
        },
    ).json()
    public = api.post(
        windows_url,
        {
            "label": "Public evening",
            "starts_at": _when(assigned_portal, 72),
            "ends_at": _when(assigned_portal, 80),
        },
    ).json()

    # The exhibitor's allocation: 10 / 20 / 50, and never below what is used.
    portal_url = f"/portals/{assigned_portal.public_id}"
    allocations = [
        {"invite_type": "vip-preview", "size": 10},
        {"invite_type": "vip", "size": 20},
        {"invite_type": "public-days", "size": 50},
    ]
    changed = api.patch(portal_url, {"allocations": allocations})
    assert changed.status_code == 200, changed.content
    assert changed.json()["allocation"] == 80

    invites_url = f"/portals/{assigned_portal.public_id}/invites"
    made = {}
    for code, guest in (
        ("vip-preview", {"name": "Ada Lovelace", "email": "ada@example.com"}),
        ("vip", {"name": "Leo Berg", "email": "leo@example.com", "label": "Collector"}),
        ("vip", {"name": "Mia Roth", "email": "mia@example.com"}),
        ("public-days", {"name": "Noor Haddad", "email": "noor@example.com"}),
    ):
        response = api.post(invites_url, {"invite_type": code, "guests": [guest]})
        assert response.status_code == 201, response.content
        [invite] = response.json()["invites"]
        assert invite["invite_type"] == code
        made[guest["name"]] = invite
    refused = assert_error(
        api.post(invites_url, {"invite_type": "vip-preview", "blank": 12}),
        409,
        "allocation_exceeded",
    )
    assert refused["details"] == {"requested": 12, "remaining": 9, "invite_type": "vip-preview"}
    assert_error(
        api.post(invites_url, {"invite_type": "press", "blank": 1}), 422, "unknown_invite_type"
    )
    numbers = {
        row["invite_type"]: (row["size"], row["used"])
        for row in api.get(portal_url).json()["allocations"]
    }
    assert numbers == {"vip-preview": (10, 1), "vip": (20, 2), "public-days": (50, 1)}

    # The guests answer on their pages: Leo takes the last VIP place, Mia is offered the rest.
    links = {name: invite["url"] for name, invite in made.items()}
    windows = {window.label: window for window in EntryWindow.objects.filter(event=event)}
    assert _answer(links["Ada Lovelace"], windows["VIP Preview Thu 11:00"]).status_code == 302
    assert _answer(links["Leo Berg"], windows["VIP Thu to Sun"]).status_code == 302
    full = _answer(links["Mia Roth"], windows["VIP Thu to Sun"])
    assert full.status_code == 422
    assert "VIP Thu to Sun is full" in full.content.decode()
    assert _answer(links["Mia Roth"], windows["Public evening"]).status_code == 302
    # Noor's type is admitted by the public evening only: no choice to make.
    assert _answer(links["Noor Haddad"]).status_code == 302

    listed = api.get(f"/events/{event.public_id}/invites").json()["items"]
    comes_when = {
        item["guest_name"]: (item["invite_type"], item["entry_window"]) for item in listed
    }
    assert comes_when == {
        "Ada Lovelace": ("vip-preview", preview.json()["id"]),
        "Leo Berg": ("vip", vip["id"]),
        "Mia Roth": ("vip", public["id"]),
        "Noor Haddad": ("public-days", public["id"]),
    }
    taken = {
        item["label"]: (item["taken"], item["capacity"])
        for item in api.get(windows_url).json()["items"]
    }
    assert taken == {
        "VIP Preview Thu 11:00": (1, 200),
        "VIP Thu to Sun": (1, 1),
        "Public evening": (2, None),
    }
