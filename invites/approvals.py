"""The organizer approves or declines the answers that wait for approval.

An invite that needs approval is PENDING once its guest accepts: it keeps
the chosen window and plus-ones and takes no capacity. Approving makes it
ACCEPTED after re-checking the window's and the event's capacity under
their locks (the same order and check as an answer, invites/answers.py),
unless the invite is golden; declining makes it DECLINED. Either way the
guest is emailed through the outbox, after commit (invites/emails.py).
"""

from __future__ import annotations

import logging
from typing import Any

from django.utils.translation import gettext

from artsvp.locks import lock_existing_row, locking_transaction
from deliveries.services import queue_email
from invites.answers import check_capacity, lock_for_answer
from invites.emails import ANSWER_APPROVED, ANSWER_DECLINED
from invites.hooks import answer_changed
from invites.models import Invite
from invites.services import InviteError

logger = logging.getLogger(__name__)

__all__ = ["AnswerChanged", "NotPending", "approve", "decline_pending"]


class NotPending(InviteError):
    code = "not_pending"

    def __init__(self) -> None:
        super().__init__(gettext("This answer is no longer waiting for approval."))


class AnswerChanged(InviteError):
    """The guest changed their entry time between the organizer's click and the lock."""

    code = "answer_changed"

    def __init__(self) -> None:
        super().__init__(gettext("The guest has just changed their answer: please try again."))


def approve(invite: Invite, *, actor: Any = None) -> Invite:
    """PENDING -> ACCEPTED, the capacity re-checked unless golden. Emails the guest.
    Raises NotPending, AnswerChanged, WindowFull or EventFull (with the numbers)."""
    current = Invite.objects.select_related("entry_window").get(pk=invite.pk)
    with locking_transaction():
        event, window = lock_for_answer(
            current.event_id, current.entry_window, counted=not current.golden
        )
        locked = lock_existing_row(Invite.objects.filter(pk=invite.pk))
        if locked.status != Invite.Status.PENDING:
            raise NotPending()
        if locked.entry_window_id != current.entry_window_id:
            # We locked the window read before the invite's lock; the one it
            # has now comes later in the lock order than the invite.
            raise AnswerChanged()
        if not locked.golden:
            check_capacity(locked, event=event, window=window, party=1 + locked.plus_ones)
        locked.status = Invite.Status.ACCEPTED
        locked.save(update_fields=["status", "updated_at"])
        _email_guest(locked, ANSWER_APPROVED, actor=actor)
        answer_changed(locked)
    logger.info("Answer %s approved by %s", locked.public_id, getattr(actor, "pk", None))
    return locked


def decline_pending(invite: Invite, *, actor: Any = None) -> Invite:
    """PENDING -> DECLINED (no window, no plus-ones). Emails the guest. Raises NotPending."""
    with locking_transaction():
        locked = lock_existing_row(Invite.objects.filter(pk=invite.pk))
        if locked.status != Invite.Status.PENDING:
            raise NotPending()
        locked.status = Invite.Status.DECLINED
        locked.entry_window = None
        locked.plus_ones = 0
        locked.save(update_fields=["status", "entry_window", "plus_ones", "updated_at"])
        _email_guest(locked, ANSWER_DECLINED, actor=actor)
        answer_changed(locked)
    logger.info("Answer %s declined by %s", locked.public_id, getattr(actor, "pk", None))
    return locked


def _email_guest(invite: Invite, template: str, *, actor: Any) -> None:
    # In the transaction: a rollback queues nothing; the worker sends after commit.
    if not invite.guest_email:
        return
    queue_email(
        template,
        to=invite.guest_email,
        context={"invite_id": invite.pk},
        organization=invite.organization,
        about=invite,
        reply_to=getattr(actor, "email", None) or None,
        language=invite.guest_language,
    )
