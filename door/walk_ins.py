"""Walk-ins: people let in at the door without an invite.

A walk-in is recorded as an invite of its own (a batch of method `walk_in`,
no portal, no credit: nothing was generated for anyone), accepted and
checked in for the whole party when it is made. So the capacity rules, the
guest list, the counts and the exports see it like any other guest, marked
as a walk-in. It takes places like an accepted answer, under the same locks
(event, then window: invites/answers.py), so a walk-in and a guest racing for
the last place cannot both have it.

The window: the one staff chose, else the window open now (the first, when
several are), else none.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext

from artsvp.locks import locking_transaction
from door.checkins import MAX_PARTY, InvalidParty, Scan, admit_locked, window_is_open
from door.models import CheckInPass
from events.models import EntryWindow, Event
from invites.answers import check_capacity, lock_for_answer
from invites.models import Invite, InviteBatch

MAX_NAME_LENGTH = 200


class WalkInError(InvalidParty):
    code = "invalid_walk_in"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _window_open_now(event: Event) -> EntryWindow | None:
    now = timezone.now()
    for window in EntryWindow.objects.filter(event=event):
        if window_is_open(window, now):
            return window
    return None


def add_walk_in(
    event: Event,
    *,
    name: str,
    staff: Any,
    email: str = "",
    party: int = 1,
    let_in_by: str = "",
    window: EntryWindow | None = None,
    device: str = "",
    gate: str = "",
) -> Scan:
    """Record a walk-in party and let them all in. Raises WalkInError for bad
    details, WindowFull or EventFull (invites/answers.py) when there is no room."""
    name = name.strip()[:MAX_NAME_LENGTH]
    email = email.strip()
    if not name:
        raise WalkInError("name", gettext("Enter the walk-in's name."))
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise WalkInError("email", gettext("Enter a valid email address.")) from None
    if not 1 <= party <= MAX_PARTY:
        raise WalkInError(
            "party", gettext("A party has between 1 and %(most)d people.") % {"most": MAX_PARTY}
        )
    if window is not None and window.event_id != event.pk:
        raise WalkInError("window", gettext("Choose one of this event's entry windows."))
    chosen = window or _window_open_now(event)
    now = timezone.now()
    with locking_transaction():
        locked_event, locked_window = lock_for_answer(event.pk, chosen, counted=True)
        invite = Invite(
            organization_id=event.organization_id,
            event_id=event.pk,
            guest_name=name,
            guest_email=email,
            plus_ones_allowed=party - 1,
            plus_ones=party - 1,
            entry_window=locked_window,
            status=Invite.Status.ACCEPTED,
            shared_with_organizer=True,
            responded_at=now,
            opened_at=now,
        )
        # Under the event's and window's locks: the last place goes to one of us.
        check_capacity(invite, event=locked_event, window=locked_window, party=party)
        invite.batch = InviteBatch.objects.create(
            organization_id=event.organization_id,
            event_id=event.pk,
            method=InviteBatch.Method.WALK_IN,
            size=1,
            created_by=staff if getattr(staff, "pk", None) else None,
        )
        invite.save()
        CheckInPass.objects.create(organization_id=event.organization_id, invite=invite)
        return admit_locked(
            invite,
            staff=staff,
            people=party,
            persons=None,
            override=False,
            device=device[:64],
            gate=gate[:64],
            note=let_in_by,
            scanned_at=now,
            now=now,
            client_ref="",
        )
