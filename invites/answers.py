"""The guest's side of an invite: opening it and answering it.

An answer is decided under row locks in the fixed order (artsvp/locks.py):
the event (when it has a capacity), then the invite. Answers close at the
event's deadline, when it is archived, or when the organizer closes them.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Count, Sum
from django.utils import timezone

from artsvp.locks import lock_existing_row, locking_transaction
from events.models import Event
from invites.guests import MAX_NAME_LENGTH
from invites.models import Invite
from invites.services import InviteError

__all__ = [
    "EventFull",
    "GuestDetailsRequired",
    "InviteRevoked",
    "PlusOnesExceeded",
    "RsvpClosed",
    "record_open",
    "respond",
    "rsvp_closed_reason",
]


class InviteRevoked(InviteError):
    code = "invite_revoked"
    message = "This invitation has been withdrawn."


class RsvpClosed(InviteError):
    code = "rsvp_closed"

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class PlusOnesExceeded(InviteError):
    code = "plus_ones_exceeded"

    def __init__(self, *, allowed: int) -> None:
        self.allowed = allowed
        super().__init__(f"This invitation allows at most {allowed} extra guest(s).")


class GuestDetailsRequired(InviteError):
    code = "guest_details_required"
    message = "Please give your name and email address."


class EventFull(InviteError):
    code = "event_full"

    def __init__(self, *, spots_left: int) -> None:
        self.spots_left = spots_left
        if spots_left <= 0:
            message = "Sorry, the event is full."
        else:
            message = f"Sorry, only {spots_left} place(s) are left, fewer than you asked for."
        super().__init__(message)


def record_open(invite: Invite) -> None:
    """The guest opened the link: created/sent -> opened, first time only."""
    now = timezone.now()
    updated = Invite.objects.filter(
        pk=invite.pk, status__in=[Invite.Status.CREATED, Invite.Status.SENT]
    ).update(status=Invite.Status.OPENED, opened_at=now, updated_at=now)
    if updated:
        invite.status = Invite.Status.OPENED
        invite.opened_at = now


def rsvp_closed_reason(event: Event) -> str | None:
    """Why guests can no longer answer for `event`, or None while they can."""
    if event.is_archived:
        return "This event has been archived, so answers are closed."
    if event.has_started:
        return "The event has started, so answers can no longer be changed."
    if not event.rsvp_open:
        return "The organizer has closed answers for this event."
    return None


def respond(
    invite: Invite,
    *,
    accept: bool,
    plus_ones: int = 0,
    name: str | None = None,
    email: str | None = None,
) -> Invite:
    """Record the guest's answer; they may change it until the event starts.

    A blank link needs the guest's name and email with the first answer.
    Raises InviteRevoked, RsvpClosed, PlusOnesExceeded, GuestDetailsRequired
    or EventFull (when the event has a capacity).
    """
    name = (name or "").strip()
    email = (email or "").strip()
    plus_ones = plus_ones if accept else 0
    with locking_transaction():
        event = Event.objects.get(pk=invite.event_id)
        if accept and event.capacity is not None:
            # All acceptances of a capped event queue here, so two guests
            # cannot both take the last place.
            event = lock_existing_row(Event.objects.filter(pk=invite.event_id))
        locked = lock_existing_row(Invite.objects.filter(pk=invite.pk))
        if locked.status == Invite.Status.REVOKED:
            raise InviteRevoked()
        reason = rsvp_closed_reason(event)
        if reason:
            raise RsvpClosed(reason)
        if not 0 <= plus_ones <= locked.plus_ones_allowed:
            raise PlusOnesExceeded(allowed=locked.plus_ones_allowed)
        if locked.is_blank:
            if not name or not email:
                raise GuestDetailsRequired()
            try:
                validate_email(email)
            except ValidationError as error:
                raise GuestDetailsRequired() from error
            locked.guest_name = name[:MAX_NAME_LENGTH]
            locked.guest_email = email
        if accept and event.capacity is not None:
            taken = (
                Invite.objects.filter(event_id=event.pk, status=Invite.Status.ACCEPTED)
                .exclude(pk=locked.pk)
                .aggregate(guests=Count("id"), extra=Sum("plus_ones"))
            )
            spots_left = event.capacity - taken["guests"] - (taken["extra"] or 0)
            if 1 + plus_ones > spots_left:
                raise EventFull(spots_left=spots_left)
        locked.status = Invite.Status.ACCEPTED if accept else Invite.Status.DECLINED
        locked.plus_ones = plus_ones
        locked.responded_at = timezone.now()
        if locked.opened_at is None:
            locked.opened_at = locked.responded_at
        locked.save(
            update_fields=[
                "status",
                "plus_ones",
                "responded_at",
                "opened_at",
                "guest_name",
                "guest_email",
                "updated_at",
            ]
        )
    return locked
