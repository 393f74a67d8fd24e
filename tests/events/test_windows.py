"""events/windows.py: an event's entry windows, their labels, times and capacity."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from typing import Any

import pytest

from events.models import EntryWindow, Event
from events.windows import (
    DuplicateWindowLabel,
    InvalidWindow,
    WindowDetails,
    WindowHasInvites,
    create_window,
    delete_window,
    taken_places,
    update_window,
)
from invites.models import Invite, InviteBatch
from invites.services import GuestInput, generate_organizer_invites
from tests.conftest import give_credits


def thursday(event: Event, hour: int) -> dt.datetime:
    local = event.local_starts_at
    return dt.datetime(local.year, local.month, local.day, hour, 0)


def details(event: Event, label: str = "VIP Preview", **overrides: object) -> WindowDetails:
    fields: dict[str, object] = {
        "label": label,
        "starts_at": thursday(event, 11),
        "ends_at": thursday(event, 15),
        "capacity": 200,
    }
    fields.update(overrides)
    return WindowDetails(**fields)  # type: ignore[arg-type]  # the tests' overrides, typed per field by the dataclass


def test_times_without_a_zone_are_read_in_the_events_zone(event: Event) -> None:
    window = create_window(event, details=details(event))

    window.refresh_from_db()
    assert window.local_starts_at.hour == 11
    assert window.local_starts_at.utcoffset() == event.local_starts_at.utcoffset()
    assert (window.label, window.capacity, window.organization_id) == (
        "VIP Preview",
        200,
        event.organization_id,
    )


def test_labels_are_unique_per_event_in_any_case(event: Event) -> None:
    create_window(event, details=details(event))
    with pytest.raises(DuplicateWindowLabel) as caught:
        create_window(event, details=details(event, " vip preview "))
    assert caught.value.code == "duplicate_window_label"
    other = create_window(event, details=details(event, "Public days", capacity=None))
    with pytest.raises(DuplicateWindowLabel):
        update_window(other, changes={"label": "VIP PREVIEW"})


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"label": "  "}, "label"),
        ({"capacity": -1}, "capacity"),
        ({"ends_at": dt.datetime(2031, 1, 1, 9)}, "ends_at"),
        ({"starts_at": dt.datetime(1999, 1, 1, 9)}, "starts_at"),
    ],
)
def test_invalid_details_name_their_field(
    event: Event, overrides: dict[str, Any], field: str
) -> None:
    if field == "ends_at":
        overrides = {"ends_at": thursday(event, 10)}
    with pytest.raises(InvalidWindow) as caught:
        create_window(event, details=details(event, **overrides))
    assert caught.value.field == field
    assert not EntryWindow.objects.exists()


def test_a_zero_capacity_and_no_capacity_are_both_allowed(event: Event) -> None:
    closed = create_window(event, details=details(event, capacity=0))
    open_ = create_window(event, details=details(event, "Public", capacity=None))
    assert (closed.capacity, open_.capacity) == (0, None)


def test_lowering_the_capacity_keeps_accepted_guests(event: Event, org: Any) -> None:
    window = create_window(event, details=details(event, capacity=5))
    give_credits(org, invite=3)
    batch = generate_organizer_invites(
        event,
        [GuestInput(name="Ada", email="ada@example.com", plus_ones=2)],
        method=InviteBatch.Method.SINGLE,
    )
    batch.invites.update(status=Invite.Status.ACCEPTED, entry_window=window, plus_ones=2)

    update_window(window, changes={"capacity": 1})

    window.refresh_from_db()
    assert window.capacity == 1
    assert Invite.objects.get().status == Invite.Status.ACCEPTED
    assert taken_places([window.pk]) == {window.pk: 3}


def test_a_window_guests_chose_cannot_be_deleted(event: Event, org: Any) -> None:
    window = create_window(event, details=details(event))
    unused = create_window(event, details=details(event, "Public"))
    give_credits(org, invite=1)
    batch = generate_organizer_invites(
        event, [GuestInput(name="Ada", email="ada@example.com")], method=InviteBatch.Method.SINGLE
    )
    batch.invites.update(entry_window=window)

    with pytest.raises(WindowHasInvites) as caught:
        delete_window(window)
    assert caught.value.status == 409
    delete_window(unused)
    assert list(EntryWindow.objects.all()) == [window]


def test_an_update_applies_to_the_stored_window(event: Event) -> None:
    window = create_window(event, details=details(event))
    stale = EntryWindow.objects.get(pk=window.pk)
    update_window(window, changes={"capacity": 150})

    update_window(stale, changes={"label": "VIP Preview — Thu 11:00"})

    window.refresh_from_db()
    assert (window.label, window.capacity) == ("VIP Preview — Thu 11:00", 150)
    assert window.ends_at - window.starts_at == timedelta(hours=4)
