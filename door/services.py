"""Confirmations: what a guest is told when their answer changes.

The rule (one home, `_decide`): a guest with an email is sent a confirmation
when their invite becomes ACCEPTED, and again while accepted when their entry
window or plus-ones change, or when the organizer moves their entry (the
window's start or end, the event's when they have no window, the event's
venue); a guest who was confirmed and is no longer accepted (declined,
revoked) is sent a calendar cancellation. A PENDING answer (waiting for
approval) gets nothing: it has no check-in code to show yet. The first
confirmation makes the invite's check-in pass (door/models.py).

The calendar entry's SEQUENCE goes up when its time or place changes
(another window, a moved window or event, a new venue), when it is
cancelled, and when a cancelled entry is confirmed again; a change of
plus-ones alone keeps the time, and the SEQUENCE. Confirmations are the
door's own emails: they do not count against the invite's 5-send limit
(invites/sending.py counts `invite` emails only).

Invites tell us after each answer commits (invites/hooks.py); we lock the
invite, then its pass (artsvp/locks.py), compare with what the guest was last
told (the pass's `announced_*`) and queue at most one email in that
transaction. Being told twice sends nothing the second time.

Events tell us after an organizer's move commits (events/hooks.py). Tens of
thousands of guests may be concerned, so the request only publishes a task
(door/tasks.py); it splits the confirmed guests into chunks, and each chunk
is one transaction (`sync_confirmations`: the same locks and the same rule,
its emails queued in one insert). A move back and forth before a chunk ran
sends nothing to its guests: they are told only what differs from what they
were told.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from artsvp.locks import lock_existing_row, lock_row, lock_rows, locking_transaction
from deliveries.models import Delivery
from deliveries.services import queue_deliveries, queue_email
from door.calendar import entry_times
from door.models import CheckInPass, new_check_in_code
from invites.hooks import on_answer_changed
from invites.models import Invite

logger = logging.getLogger(__name__)

CONFIRMATION = "door-confirmation"
CANCELLATION = "door-cancellation"


@on_answer_changed
def sync_confirmation(invite_id: int) -> None:
    """Send what the rule says the guest must hear now, if anything."""
    _sync(invite_id, send=True)


def record_as_told(invite_id: int) -> CheckInPass | None:
    """What `sync_confirmation` leaves (the pass, what it told), without the
    email: for guests told some other way (the demo's). Their next change is
    told as usual; an answer's hook after this one finds nothing to send."""
    return _sync(invite_id, send=False)


def _sync(invite_id: int, *, send: bool) -> CheckInPass | None:
    with locking_transaction():
        invite = lock_row(Invite.objects.filter(pk=invite_id).select_related(*_ENTRY_RELATED))
        if invite is None:
            return None
        check_in_pass = lock_row(CheckInPass.objects.filter(invite=invite))
        new = check_in_pass is None
        if check_in_pass is None:
            if invite.status != Invite.Status.ACCEPTED:
                return None
            check_in_pass = CheckInPass.objects.create(
                organization_id=invite.organization_id, invite=invite
            )
        template = _decide(invite, check_in_pass, new=new)
        if template is not None:
            check_in_pass.save(update_fields=_TOLD_FIELDS)
            if send:
                _queue(invite, template)
        return check_in_pass


def confirmed_invite_ids(event_id: int, *, window_id: int | None = None) -> list[int]:
    """The accepted invites of the event (of one window) whose guest was confirmed,
    in id order: whom an organizer's move of the event (the window) may concern."""
    passes = CheckInPass.objects.filter(
        announced=True, invite__event_id=event_id, invite__status=Invite.Status.ACCEPTED
    )
    if window_id is not None:
        passes = passes.filter(invite__entry_window_id=window_id)
    return list(passes.order_by("invite_id").values_list("invite_id", flat=True))


def unannounced_moves(*, limit: int) -> list[int]:
    """Confirmed guests whose entry (window or event times, venue) differs from
    what they were last told: a move whose announcement was lost (broker down
    when it was published, a worker killed mid-chunk). The sweeper tells them."""
    starts = Coalesce("invite__entry_window__starts_at", "invite__event__starts_at")
    ends = Coalesce("invite__entry_window__ends_at", "invite__event__ends_at")
    return list(
        CheckInPass.objects.filter(announced=True, invite__status=Invite.Status.ACCEPTED)
        .annotate(entry_starts=starts, entry_ends=ends)
        .filter(
            ~Q(announced_starts_at=F("entry_starts"))
            | ~Q(announced_ends_at=F("entry_ends"))
            | ~Q(announced_venue=F("invite__event__venue"))
        )
        .order_by("invite_id")
        .values_list("invite_id", flat=True)[:limit]
    )


def sync_confirmations(invite_ids: Sequence[int]) -> int:
    """`sync_confirmation` for many invites in one transaction (a chunk of an
    organizer's move: door/tasks.py): one email at most each, queued in one
    insert. Invites never confirmed are left to their answer. Returns how many
    emails were queued."""
    with locking_transaction():
        # Invites, then their passes (artsvp/locks.py), each in id order: an
        # answer changing one of them meanwhile waits, then decides on what we told.
        invites = lock_rows(
            Invite.objects.filter(pk__in=invite_ids).select_related(*_ENTRY_RELATED)
        )
        passes = {
            check_in_pass.invite_id: check_in_pass
            for check_in_pass in lock_rows(CheckInPass.objects.filter(invite_id__in=invite_ids))
        }
        told: list[CheckInPass] = []
        emails: list[Delivery] = []
        for invite in invites:
            check_in_pass = passes.get(invite.pk)
            if check_in_pass is None:
                continue
            template = _decide(invite, check_in_pass, new=False)
            if template is None:
                continue
            told.append(check_in_pass)
            delivery = _delivery(invite, template)
            if delivery is not None:
                emails.append(delivery)
        CheckInPass.objects.bulk_update(told, _TOLD_FIELDS)
        queue_deliveries(emails)
    return len(emails)


def replace_code(invite: Invite, *, actor: Any = None) -> CheckInPass:
    """A new check-in code for an accepted guest; the old one stops working at
    once. The guest is sent a new confirmation with it (same calendar time,
    same SEQUENCE). Raises CheckInPass.DoesNotExist when the invite has none
    (never accepted)."""
    with locking_transaction():
        locked_invite = lock_existing_row(Invite.objects.filter(pk=invite.pk))
        check_in_pass = lock_existing_row(CheckInPass.objects.filter(invite=locked_invite))
        check_in_pass.code = new_check_in_code()
        check_in_pass.replaced_at = timezone.now()
        check_in_pass.save(update_fields=["code", "replaced_at"])
        if check_in_pass.announced and locked_invite.status == Invite.Status.ACCEPTED:
            _queue(locked_invite, CONFIRMATION)
    logger.info(
        "Check-in code of invite %s replaced by %s",
        locked_invite.public_id,
        getattr(actor, "pk", None),
    )
    return check_in_pass


_ENTRY_RELATED = ("event", "entry_window")
_TOLD_FIELDS = [
    "sequence",
    "announced",
    "announced_window",
    "announced_plus_ones",
    "announced_starts_at",
    "announced_ends_at",
    "announced_venue",
]


def _entry(invite: Invite) -> tuple[int | None, datetime, datetime, str]:
    """Where and when the invite's guest comes now: what their calendar entry says."""
    starts_at, ends_at = entry_times(invite)
    return invite.entry_window_id, starts_at, ends_at, invite.event.venue


def _announced_entry(check_in_pass: CheckInPass) -> tuple[int | None, Any, Any, str]:
    return (
        check_in_pass.announced_window_id,
        check_in_pass.announced_starts_at,
        check_in_pass.announced_ends_at,
        check_in_pass.announced_venue,
    )


def _decide(invite: Invite, check_in_pass: CheckInPass, *, new: bool) -> str | None:
    """The email the guest must be sent now (CONFIRMATION, CANCELLATION or
    None), with the pass updated to what that email tells (the caller saves it).
    The one home of the rule in the module docstring; both callers hold the
    invite's and the pass's locks."""
    if invite.status != Invite.Status.ACCEPTED:
        if not check_in_pass.announced:
            return None
        check_in_pass.sequence += 1
        check_in_pass.announced = False
        return CANCELLATION
    entry = _entry(invite)
    moved = entry != _announced_entry(check_in_pass)
    if check_in_pass.announced:
        if not moved and check_in_pass.announced_plus_ones == invite.plus_ones:
            return None
        if moved:
            check_in_pass.sequence += 1
    elif not new:
        # Confirmed again after a cancellation: calendars must take the newer entry.
        check_in_pass.sequence += 1
    check_in_pass.announced = True
    (
        check_in_pass.announced_window_id,
        check_in_pass.announced_starts_at,
        check_in_pass.announced_ends_at,
        check_in_pass.announced_venue,
    ) = entry
    check_in_pass.announced_plus_ones = invite.plus_ones
    return CONFIRMATION


def _queue(invite: Invite, template: str) -> None:
    # In the transaction: a rollback queues nothing. Outside the 5-send limit.
    if not invite.guest_email:
        return
    queue_email(
        template,
        to=invite.guest_email,
        context={"invite_id": invite.pk},
        organization=invite.organization,
        about=invite,
        language=invite.guest_language,
    )


def _delivery(invite: Invite, template: str) -> Delivery | None:
    """`_queue`'s row, for `queue_deliveries` to insert with its chunk."""
    address = invite.guest_email.strip()
    if not address:
        return None
    try:
        validate_email(address)
    except ValidationError:
        # Checked when it was entered; one bad row must not hold back the chunk.
        logger.warning("Confirmation of invite %s not queued: bad address", invite.public_id)
        return None
    delivery = Delivery(
        organization_id=invite.organization_id,
        channel=Delivery.Channel.EMAIL,
        template=template,
        recipient=address,
        context={"invite_id": invite.pk},
        language=invite.guest_language,
    )
    delivery.about = invite
    return delivery
