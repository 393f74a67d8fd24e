"""GET, POST /events/{id}/entry-windows; PATCH /entry-windows/{id}."""

from __future__ import annotations

from typing import Any

from invites.models import Invite, InviteBatch
from invites.services import GuestInput, generate_organizer_invites
from portals.services import live_types
from tests.api.conftest import ApiClient, assert_error
from tests.conftest import give_credits

WINDOW: dict[str, Any] = {
    "label": "VIP Preview — Thu 11:00",
    "starts_at": "2031-10-02T11:00:00",
    "ends_at": "2031-10-02T15:00:00",
    "capacity": 200,
}


def test_it_adds_a_window_read_in_the_events_zone(api: ApiClient, event, group) -> None:
    (standard,) = live_types(group)

    response = api.post(
        f"/events/{event.public_id}/entry-windows",
        {**WINDOW, "invite_types": [standard.public_id]},
    )

    assert response.status_code == 201, response.content
    body = response.json()
    # 11:00 in Zurich (summer time) is 09:00 UTC.
    assert body["starts_at"] == "2031-10-02T09:00:00Z"
    assert (body["capacity"], body["taken"], body["invite_types"]) == (200, 0, [standard.public_id])
    listed = api.get(f"/events/{event.public_id}/entry-windows").json()["items"]
    assert [item["id"] for item in listed] == [body["id"]]


def test_a_duplicate_label_is_a_conflict_and_bad_times_422(api: ApiClient, event) -> None:
    url = f"/events/{event.public_id}/entry-windows"
    api.post(url, WINDOW)

    assert_error(
        api.post(url, {**WINDOW, "label": WINDOW["label"].upper()}), 409, "duplicate_window_label"
    )
    body = assert_error(
        api.post(url, {**WINDOW, "label": "B", "ends_at": "2031-10-02T10:00:00"}), 422, "invalid"
    )
    assert "ends_at" in body["details"]["fields"]
    body = assert_error(api.post(url, {**WINDOW, "label": "C", "capacity": -1}), 422, "invalid")
    assert "capacity" in body["details"]["fields"]
    body = assert_error(
        api.post(url, {**WINDOW, "label": "D", "invite_types": ["zzzzzzzzzzzzzz"]}), 422, "invalid"
    )
    assert "invite_types" in body["details"]["fields"]


def test_lowering_the_capacity_keeps_the_guests(api: ApiClient, event, org) -> None:
    window = api.post(f"/events/{event.public_id}/entry-windows", WINDOW).json()
    give_credits(org, invite=1)
    batch = generate_organizer_invites(
        event, [GuestInput(name="Ada", email="ada@example.com")], method=InviteBatch.Method.SINGLE
    )
    batch.invites.update(
        status=Invite.Status.ACCEPTED, entry_window_id=event.entry_windows.get().pk
    )

    response = api.patch(f"/entry-windows/{window['id']}", {"capacity": 0})

    assert response.status_code == 200, response.content
    assert (response.json()["capacity"], response.json()["taken"]) == (0, 1)
    assert Invite.objects.get().status == Invite.Status.ACCEPTED
    cleared = api.patch(f"/entry-windows/{window['id']}", {"capacity": None, "invite_types": []})
    assert cleared.json()["capacity"] is None


def test_another_organizations_event_and_window_are_404(
    api: ApiClient, outsider_api: ApiClient, event
) -> None:
    window = api.post(f"/events/{event.public_id}/entry-windows", WINDOW).json()

    assert_error(outsider_api.get(f"/events/{event.public_id}/entry-windows"), 404, "not_found")
    assert_error(
        outsider_api.post(f"/events/{event.public_id}/entry-windows", WINDOW), 404, "not_found"
    )
    assert_error(
        outsider_api.patch(f"/entry-windows/{window['id']}", {"capacity": 1}), 404, "not_found"
    )
    assert event.entry_windows.get().capacity == 200
