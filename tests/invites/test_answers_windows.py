"""invites/answers.py: entry windows, capacity with plus-ones, golden and approval."""

from __future__ import annotations

import pytest

from invites.answers import (
    EventFull,
    WindowFull,
    WindowNotAdmitted,
    WindowRequired,
    admitting_windows,
    respond,
    window_places,
)
from invites.models import Invite
from tests.invites.windows import add_type, add_window, invites_of

pytestmark = pytest.mark.django_db

ACCEPTED = Invite.Status.ACCEPTED
PENDING = Invite.Status.PENDING


@pytest.fixture
def preview(event):
    return add_window(event, "VIP Preview", hour=11, capacity=3)


@pytest.fixture
def afternoon(event):
    return add_window(event, "Afternoon", hour=14, capacity=10)


@pytest.fixture
def vip(group, preview, afternoon):
    return add_type(group, "vip", preview, afternoon, plus_ones_allowed=2)


def test_a_window_listing_no_type_admits_every_invite(event, group, portal):
    open_window = add_window(event, "Public days")
    listed = add_window(event, "VIP only")
    vip = add_type(group, "vip", listed)
    public = add_type(group, "public")
    [typed] = invites_of(event, portal=portal, invite_type=vip)
    [other] = invites_of(event, portal=portal, invite_type=public)
    [organizer] = invites_of(event)
    assert admitting_windows(typed) == [open_window, listed]
    assert admitting_windows(other) == [open_window]
    assert admitting_windows(organizer) == [open_window]


def test_the_only_admitting_window_is_taken_without_asking(event, group, portal, preview):
    vip = add_type(group, "vip", preview)
    [invite] = invites_of(event, portal=portal, invite_type=vip)
    respond(invite, accept=True)
    invite.refresh_from_db()
    assert (invite.status, invite.entry_window) == (ACCEPTED, preview)


def test_several_windows_make_the_guest_choose(event, portal, vip, preview, afternoon):
    [invite] = invites_of(event, portal=portal, invite_type=vip)
    with pytest.raises(WindowRequired) as refused:
        respond(invite, accept=True)
    assert refused.value.code == "window_required"
    assert [choice.window for choice in refused.value.windows] == [preview, afternoon]
    invite.refresh_from_db()
    assert invite.status == Invite.Status.CREATED

    respond(invite, accept=True, window=afternoon)
    invite.refresh_from_db()
    assert (invite.status, invite.entry_window) == (ACCEPTED, afternoon)
    # Declining needs no window, and gives the place back.
    respond(invite, accept=False)
    invite.refresh_from_db()
    assert (invite.status, invite.entry_window) == (Invite.Status.DECLINED, None)


def test_a_window_that_does_not_admit_the_invite_is_refused(event, group, portal, vip):
    elsewhere = add_window(event, "Press", hour=9)
    add_type(group, "press", elsewhere)
    [invite] = invites_of(event, portal=portal, invite_type=vip)
    with pytest.raises(WindowNotAdmitted):
        respond(invite, accept=True, window=elsewhere)
    [organizer] = invites_of(event)
    # No window lists no type: the organizer's untyped invite has nowhere to go.
    with pytest.raises(WindowNotAdmitted) as refused:
        respond(organizer, accept=True)
    assert refused.value.windows == []


def test_a_window_counts_guests_with_their_plus_ones(event, portal, vip, preview, afternoon):
    first, second, third = invites_of(event, 3, portal=portal, invite_type=vip)
    respond(first, accept=True, plus_ones=1, window=preview)
    with pytest.raises(WindowFull) as refused:
        respond(second, accept=True, plus_ones=1, window=preview)
    error = refused.value
    assert (error.code, error.spots_left, error.party) == ("window_full", 1, 2)
    assert str(error).startswith("Sorry, VIP Preview has only 1 place left, and you asked for 2.")
    assert [(c.window, c.places_left) for c in error.alternatives] == [(afternoon, 10)]
    assert "Afternoon (10 places left)" in str(error)

    respond(second, accept=True, window=preview)  # exactly the last place
    with pytest.raises(WindowFull, match="VIP Preview is full"):
        respond(third, accept=True, window=preview)
    assert [(c.window, c.places_left) for c in window_places(third)] == [
        (preview, 0),
        (afternoon, 10),
    ]


def test_changing_the_party_or_the_window_is_checked_again(event, portal, vip, preview, afternoon):
    first, second = invites_of(event, 2, portal=portal, invite_type=vip)
    respond(first, accept=True, plus_ones=1, window=preview)
    respond(second, accept=True, window=preview)  # 3 of 3
    # The same answer again fits: the invite's own places are not counted against it.
    respond(first, accept=True, plus_ones=1, window=preview)
    with pytest.raises(WindowFull):
        respond(first, accept=True, plus_ones=2, window=preview)
    respond(first, accept=True, plus_ones=2, window=afternoon)
    # Moving out of the preview freed its places (the second guest's own not counted).
    assert window_places(second)[0].places_left == 3


def test_the_event_capacity_counts_across_windows(event, portal, vip, preview, afternoon):
    event.capacity = 4
    event.save()
    first, second = invites_of(event, 2, portal=portal, invite_type=vip)
    respond(first, accept=True, plus_ones=2, window=preview)
    with pytest.raises(EventFull):
        respond(second, accept=True, plus_ones=1, window=afternoon)
    respond(second, accept=True, window=afternoon)


def test_golden_invites_skip_window_and_event_capacity_but_take_places(
    event, group, portal, preview
):
    event.capacity = 2
    event.save()
    vip = add_type(group, "vip", preview, plus_ones_allowed=2)
    golden_type = add_type(group, "golden", preview, golden=True, plus_ones_allowed=2)
    [regular] = invites_of(event, portal=portal, invite_type=vip)
    golden, later = invites_of(event, 2, portal=portal, invite_type=golden_type)
    respond(golden, accept=True, plus_ones=2)  # 3 places of a window of 3 and an event of 2
    respond(later, accept=True, plus_ones=2)
    assert Invite.objects.filter(status=ACCEPTED).count() == 2
    with pytest.raises(WindowFull):
        respond(regular, accept=True)
    assert window_places(regular)[0].places_left == -3


def test_answers_that_need_approval_wait_and_take_no_capacity(event, group, portal, preview):
    approval = add_type(group, "guest-list", preview, needs_approval=True, plus_ones_allowed=3)
    vip = add_type(group, "vip", preview)
    waiting = invites_of(event, 2, portal=portal, invite_type=approval)
    for invite in waiting:
        respond(invite, accept=True, plus_ones=3)  # 8 places asked of a window of 3
    assert {
        (i.status, i.entry_window_id, i.plus_ones)
        for i in Invite.objects.filter(pk__in=[w.pk for w in waiting])
    } == {(PENDING, preview.pk, 3)}
    [regular] = invites_of(event, portal=portal, invite_type=vip)
    respond(regular, accept=True)
    assert window_places(regular)[0].places_left == 3


def test_lowering_a_capacity_cancels_nobody(event, portal, vip, preview):
    first, second = invites_of(event, 2, portal=portal, invite_type=vip)
    respond(first, accept=True, plus_ones=2, window=preview)
    preview.capacity = 1
    preview.save()
    first.refresh_from_db()
    assert first.status == ACCEPTED
    assert window_places(second)[0].full
    # Its guest may still change their answer within what they hold... but not grow it.
    with pytest.raises(WindowFull):
        respond(second, accept=True, window=preview)
