"""Confirmations: what a guest is told when their answer changes.

The rule (one home): a guest with an email is sent a confirmation when their
invite becomes ACCEPTED, and again when their entry window or plus-ones
change while accepted; a guest who was confirmed and is no longer accepted
(declined, revoked) is sent a calendar cancellation. A PENDING answer (waiting
for approval) gets nothing: it has no check-in code to show yet. The first
confirmation makes the invite's check-in pass (door/models.py).

The calendar entry's SEQUENCE goes up when its time changes (another window),
when it is cancelled, and when a cancelled entry is confirmed again; a change
of plus-ones alone keeps the time, and the SEQUENCE. Confirmations are the
door's own emails: they do not count against the invite's 5-send limit
(invites/sending.py counts `invite` emails only).

Invites tell us after each answer commits (invites/hooks.py); we lock the
invite, then its pass (artsvp/locks.py), compare with what the guest was last
told and queue at most one email in that transaction. Being told twice sends
nothing the second time.
"""

from __future__ import annotations

import logging
from typing import Any

from django.utils import timezone

from artsvp.locks import lock_existing_row, lock_row, locking_transaction
from deliveries.services import queue_email
from door.models import CheckInPass, new_check_in_code
from invites.hooks import on_answer_changed
from invites.models import Invite

logger = logging.getLogger(__name__)

CONFIRMATION = "door-confirmation"
CANCELLATION = "door-cancellation"


@on_answer_changed
def sync_confirmation(invite_id: int) -> None:
    """Send what the rule says the guest must hear now, if anything."""
    with locking_transaction():
        invite = lock_row(Invite.objects.filter(pk=invite_id))
        if invite is None:
            return
        check_in_pass = lock_row(CheckInPass.objects.filter(invite=invite))
        accepted = invite.status == Invite.Status.ACCEPTED
        if accepted and check_in_pass is None:
            check_in_pass = CheckInPass.objects.create(
                organization_id=invite.organization_id, invite=invite
            )
            _confirm(invite, check_in_pass)
        elif check_in_pass is None:
            return
        elif accepted and not check_in_pass.announced:
            check_in_pass.sequence += 1
            _confirm(invite, check_in_pass)
        elif accepted:
            moved = check_in_pass.announced_window_id != invite.entry_window_id
            if not moved and check_in_pass.announced_plus_ones == invite.plus_ones:
                return
            if moved:
                check_in_pass.sequence += 1
            _confirm(invite, check_in_pass)
        elif check_in_pass.announced:
            check_in_pass.sequence += 1
            check_in_pass.announced = False
            check_in_pass.save(update_fields=["sequence", "announced"])
            _queue(invite, CANCELLATION)


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


def _confirm(invite: Invite, check_in_pass: CheckInPass) -> None:
    check_in_pass.announced = True
    check_in_pass.announced_window_id = invite.entry_window_id
    check_in_pass.announced_plus_ones = invite.plus_ones
    check_in_pass.save()
    _queue(invite, CONFIRMATION)


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
    )
