"""The organizer's "a portal ran out of credits" notice, and the owner's
sign-in code email.

A notice is recorded (and its emails queued in the outbox) at most once per
portal, credit kind and day: the unique row decides, so two owners clicking
at the same moment still produce one email per organizer.

The sign-in code is the one product email that does not go through the
outbox (deliveries/): the outbox renders from a stored row, and the code is
stored only as a keyed hash (claiming.py) so that nobody who can read the
database can sign in as an owner. Storing it in a delivery row, even until
sent, would undo that. Its worker task takes the code as an argument instead
(hidden from the worker's logs). The outbox's guarantees matter little here:
a code lives ten minutes, most of the outbox's retries (about half an hour)
come after that, and an owner whose code never arrives simply asks again.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import IntegrityError, transaction
from django.utils import timezone

from artsvp.emails import send_email
from deliveries.services import InvalidRecipient, queue_email
from organizations.models import Membership
from portals.emails import CREDITS_SHORTAGE
from portals.models import CreditShortageNotice, OwnerCode, Portal

logger = logging.getLogger(__name__)


def notify_credit_shortage(portal: Portal, *, kind: str, requested: int) -> bool:
    """Tell the organization's owners and admins that `portal` could not use
    `kind` credits; once a day. Their emails are sent after commit.

    Returns whether a new notice was recorded (False: they were told today).
    Call it outside the failed transaction, which has rolled back by then.
    """
    try:
        with transaction.atomic():
            notice = CreditShortageNotice.objects.create(
                organization_id=portal.organization_id,
                portal=portal,
                kind=kind,
                day=timezone.now().date(),
                requested=requested,
            )
            for email in _organizer_emails(portal.organization_id):
                try:
                    queue_email(
                        CREDITS_SHORTAGE,
                        to=email,
                        context={"notice_id": notice.pk},
                        organization=portal.organization,
                    )
                except InvalidRecipient:
                    # One unusable account address must not keep the others
                    # from hearing, nor turn the owner's refusal into an error.
                    logger.warning("Credit shortage notice %s: skipped %r", notice.pk, email)
    except IntegrityError:
        return False
    return True


def _organizer_emails(organization_id: int) -> list[str]:
    emails = Membership.objects.filter(
        organization_id=organization_id,
        role__in=[Membership.Role.OWNER, Membership.Role.ADMIN],
    ).values_list("user__email", flat=True)
    return sorted({email for email in emails if email})


@shared_task
def send_owner_code(code_id: int, code: str) -> None:
    row = OwnerCode.objects.select_related("portal__group__event").filter(pk=code_id).first()
    # A code that was used or expired before the worker got to it is not worth sending.
    if row is None or row.used_at is not None or row.expires_at <= timezone.now():
        return
    send_email(
        "owner-code",
        row.email,
        {
            "portal": row.portal,
            "event": row.portal.group.event,
            "code": code,
            "minutes": int((row.expires_at - row.created_at).total_seconds() // 60),
        },
    )
