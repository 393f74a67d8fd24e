"""invites/answers.py: the guest opens and answers an invite."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from invites.answers import (
    EventFull,
    GuestDetailsRequired,
    InviteRevoked,
    PlusOnesExceeded,
    RsvpClosed,
    record_open,
    respond,
)
from invites.models import Invite, InviteBatch
from invites.services import GuestInput, generate_invites, generate_organizer_invites, revoke_invite
from tests.conftest import give_credits
from tests.invites.helpers import assign

pytestmark = pytest.mark.django_db

PASTE = InviteBatch.Method.PASTE
BLANK = InviteBatch.Method.BLANK


@pytest.fixture
def invite(org, portal) -> Invite:
    give_credits(org, invite=10)
    assign(portal)
    return generate_invites(
        portal,
        [GuestInput(name="Guest", email="guest@example.com")],
        method=InviteBatch.Method.SINGLE,
    ).invites.get()


def test_opening_marks_the_invite_opened_once(invite):
    record_open(invite)
    invite.refresh_from_db()
    first_open = invite.opened_at
    assert invite.status == Invite.Status.OPENED and first_open is not None
    record_open(invite)
    invite.refresh_from_db()
    assert invite.opened_at == first_open


def test_opening_does_not_undo_an_answer(invite):
    respond(invite, accept=False)
    record_open(invite)
    invite.refresh_from_db()
    assert invite.status == Invite.Status.DECLINED


def test_a_guest_accepts_with_plus_ones_and_can_change_their_mind(invite):
    respond(invite, accept=True, plus_ones=1)
    invite.refresh_from_db()
    assert (invite.status, invite.plus_ones) == (Invite.Status.ACCEPTED, 1)
    assert invite.responded_at is not None

    respond(invite, accept=False, plus_ones=1)
    invite.refresh_from_db()
    assert (invite.status, invite.plus_ones) == (Invite.Status.DECLINED, 0)


def test_more_plus_ones_than_allowed_are_refused(invite):
    with pytest.raises(PlusOnesExceeded):
        respond(invite, accept=True, plus_ones=2)
    invite.refresh_from_db()
    assert invite.status == Invite.Status.CREATED


def test_answers_stay_open_after_the_start_and_close_at_the_deadline(invite):
    event = invite.event
    event.starts_at = timezone.now() - timedelta(minutes=1)
    event.save()
    respond(invite, accept=True)
    event.answers_close_at = timezone.now() - timedelta(seconds=1)
    event.save()
    with pytest.raises(RsvpClosed, match="Answers closed on"):
        respond(invite, accept=False)


def test_answers_close_at_the_events_end_by_default(invite):
    event = invite.event
    event.starts_at = timezone.now() - timedelta(days=2)
    event.ends_at = timezone.now() - timedelta(minutes=1)
    event.save()
    with pytest.raises(RsvpClosed):
        respond(invite, accept=True)


def test_answers_close_when_the_organizer_closes_rsvp(invite):
    event = invite.event
    event.rsvp_open = False
    event.save()
    with pytest.raises(RsvpClosed):
        respond(invite, accept=True)


def test_a_revoked_invite_cannot_be_answered(invite):
    revoke_invite(invite)
    with pytest.raises(InviteRevoked):
        respond(invite, accept=True)


def test_a_blank_link_needs_the_guests_name_and_email(org, portal):
    give_credits(org, invite=1)
    assign(portal)
    blank = generate_invites(portal, [], blank=1, method=BLANK).invites.get()
    with pytest.raises(GuestDetailsRequired):
        respond(blank, accept=True, name="Mia")
    respond(blank, accept=True, name="Mia Rossi", email="mia@example.com")
    blank.refresh_from_db()
    assert (blank.guest_name, blank.guest_email) == ("Mia Rossi", "mia@example.com")
    # The details are kept when the guest changes the answer later.
    respond(blank, accept=False)
    blank.refresh_from_db()
    assert blank.guest_name == "Mia Rossi" and blank.status == Invite.Status.DECLINED


def test_a_full_event_refuses_more_acceptances(org, event):
    event.capacity = 3
    event.save()
    give_credits(org, invite=5)
    first, second = generate_organizer_invites(
        event, [GuestInput(name="A", plus_ones=2), GuestInput(name="B")], method=PASTE
    ).invites.order_by("id")
    respond(first, accept=True, plus_ones=1)
    respond(second, accept=True)  # 3 of 3 places taken
    respond(first, accept=True, plus_ones=1)  # changing nothing still fits
    with pytest.raises(EventFull):
        respond(first, accept=True, plus_ones=2)
