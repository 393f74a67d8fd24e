"""door/checkins.py and door/walk_ins.py: who the door lets in, the records and the counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from door.checkins import (
    NothingToUndo,
    Outcome,
    OverrideNotAllowed,
    attendance,
    check_in,
    look_up,
    undo,
)
from door.models import CheckIn, CheckInPass
from door.walk_ins import WalkInError, add_walk_in
from events.models import Event
from invites.answers import EventFull, respond
from invites.models import Invite
from tests.door.helpers import accepted_guest, window_open_now
from tests.invites.windows import add_window, invites_of

pytestmark = pytest.mark.django_db


def scan(event, code, user, **kwargs):
    return check_in(event, code, staff=user, device="phone-1", gate="Hall 1", **kwargs)


def test_a_scan_lets_the_guest_in_once(event, alice):
    invite, code = accepted_guest(event)
    first = scan(event, code, alice)
    assert first.outcome is Outcome.CHECKED_IN
    assert first.people_in == [0]
    again = scan(event, code.lower(), alice)
    assert again.outcome is Outcome.ALREADY_IN
    assert again.last is not None
    assert again.last.staff == alice and again.last.device == "phone-1"
    assert CheckIn.objects.filter(invite=invite).count() == 1


def test_a_party_comes_in_person_by_person(event, alice):
    _invite, code = accepted_guest(event, plus_ones=2)
    assert scan(event, code, alice).people_in == [0]
    assert scan(event, code, alice, persons=[2]).people_in == [0, 2]
    result = scan(event, code, alice, people=5)
    assert result.outcome is Outcome.CHECKED_IN
    assert result.people_in == [0, 1, 2]
    assert scan(event, code, alice).outcome is Outcome.ALREADY_IN


def test_undo_writes_a_reversing_row_and_frees_the_person(event, alice):
    invite, code = accepted_guest(event)
    [row] = scan(event, code, alice).admitted
    reversal = undo(row, staff=alice, device="phone-2")
    assert reversal.delta == -1 and reversal.reverses == row
    assert look_up(event, code).people_in == []
    with pytest.raises(NothingToUndo):
        undo(row, staff=alice)
    assert scan(event, code, alice).outcome is Outcome.CHECKED_IN
    assert CheckIn.objects.filter(invite=invite).count() == 3


def test_check_ins_cannot_be_changed(event, alice):
    _invite, code = accepted_guest(event)
    [row] = scan(event, code, alice).admitted
    with pytest.raises(IntegrityError), transaction.atomic():
        CheckIn.objects.filter(pk=row.pk).update(person=3)


def test_refusals_and_what_a_supervisor_may_override(event, alice):
    other_event = Event.objects.create(
        organization=event.organization,
        name="Another night",
        slug="another-night",
        starts_at=event.starts_at,
        ends_at=event.ends_at,
    )
    _accepted, _ = accepted_guest(event)
    [declined] = invites_of(event)
    respond(declined, accept=False)
    CheckInPass.objects.create(organization=event.organization, invite=declined)
    declined_code = CheckInPass.objects.get(invite=declined).code
    assert scan(event, declined_code, alice).outcome is Outcome.NOT_ACCEPTED
    with pytest.raises(OverrideNotAllowed):
        scan(event, declined_code, alice, override=True)
    let_in = scan(event, declined_code, alice, override=True, supervisor=True)
    assert let_in.outcome is Outcome.CHECKED_IN
    assert let_in.admitted[0].override == CheckIn.Override.NOT_ACCEPTED

    revoked, revoked_code = accepted_guest(event, email="rev@example.com")
    # (An answered invite cannot be revoked through the pages; an operator can.)
    Invite.objects.filter(pk=revoked.pk).update(status=Invite.Status.REVOKED)
    assert scan(event, revoked_code, alice, override=True, supervisor=True).outcome is (
        Outcome.REVOKED
    )
    _, elsewhere = accepted_guest(other_event, email="else@example.com")
    assert scan(event, elsewhere, alice).outcome is Outcome.WRONG_EVENT
    assert scan(event, "NOT-A-CODE", alice).outcome is Outcome.UNKNOWN


def test_another_organizations_code_is_unknown(event, other_portal, alice):
    _, theirs = accepted_guest(other_portal.group.event, portal=other_portal)
    assert scan(event, theirs, alice).outcome is Outcome.UNKNOWN


def test_a_guest_of_a_later_window_needs_a_supervisor(event, alice):
    later = add_window(event, "Evening", hour=18)
    later.starts_at = timezone.now() + timedelta(hours=5)
    later.ends_at = later.starts_at + timedelta(hours=2)
    later.save()
    _, code = accepted_guest(event, window=later)
    assert scan(event, code, alice).outcome is Outcome.WRONG_WINDOW
    overridden = scan(event, code, alice, override=True, supervisor=True)
    assert overridden.admitted[0].override == CheckIn.Override.WRONG_WINDOW


def test_a_portal_limited_grant_sees_only_its_guests(event, portal, alice):
    _, theirs = accepted_guest(event, portal=portal)
    _, others = accepted_guest(event, email="other@example.com")
    assert scan(event, others, alice, portal_id=portal.pk).outcome is Outcome.UNKNOWN
    assert scan(event, theirs, alice, portal_id=portal.pk).outcome is Outcome.CHECKED_IN


def test_a_replayed_offline_scan_writes_nothing(event, alice):
    invite, code = accepted_guest(event, plus_ones=1)
    first = scan(event, code, alice, client_ref="q-1")
    replay = scan(event, code, alice, client_ref="q-1")
    assert replay.outcome is Outcome.CHECKED_IN
    assert [row.pk for row in replay.admitted] == [row.pk for row in first.admitted]
    assert CheckIn.objects.filter(invite=invite).count() == 1


def test_a_walk_in_is_counted_and_uses_no_credit(event, alice):
    window = window_open_now(event, capacity=10)
    accepted_guest(event, plus_ones=1, window=window)
    balance_before = event.organization.credit_accounts.values_list("balance", flat=True)
    result = add_walk_in(event, name="Wanda Walker", party=3, let_in_by="Lena", staff=alice)
    assert result.outcome is Outcome.CHECKED_IN and result.people_in == [0, 1, 2]
    walk_in = result.invite
    assert walk_in.batch.method == "walk_in" and walk_in.portal is None
    assert walk_in.entry_window == window and walk_in.status == Invite.Status.ACCEPTED
    assert result.admitted[0].note == "Lena"
    assert list(event.organization.credit_accounts.values_list("balance", flat=True)) == list(
        balance_before
    )
    counts = attendance(event)
    assert (counts.event.checked_in, counts.event.accepted, counts.walk_ins) == (3, 5, 3)
    [tally] = counts.windows
    assert (tally.checked_in, tally.accepted, tally.capacity) == (3, 5, 10)


def test_a_walk_in_needs_room_and_a_name(event, alice):
    event.capacity = 2
    event.save()
    accepted_guest(event, plus_ones=1)
    with pytest.raises(EventFull):
        add_walk_in(event, name="One too many", staff=alice)
    with pytest.raises(WalkInError):
        add_walk_in(event, name="  ", staff=alice)
    assert not Invite.objects.filter(batch__method="walk_in").exists()
