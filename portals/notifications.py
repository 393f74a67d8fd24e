"""Refused portals (too few credits, allocation used up), and the owner's
sign-in code email.

A refusal is recorded at most once per portal, kind, cause and day (the unique
row decides, so two owners clicking at the same moment record one). The
organizer hears of refusals in one digest email per organization and day (its
own unique row), listing every refusal of the day as it is when sent, and
sees a banner in the app while any is unresolved. When credits come back
(credits/hooks.py, after the grant commits) or a portal's allocation grows
(rules.change_allocation, after commit), the open refusals are resolved and
each person refused is told they can carry on.

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
from datetime import date
from typing import Any

from celery import shared_task
from django.db import IntegrityError, transaction
from django.utils import timezone

from artsvp.emails import send_email
from credits.models import CreditKind
from deliveries.services import InvalidRecipient, queue_email
from organizations.models import Membership
from organizations.preferences import languages_by_email
from portals.emails import SHORTAGE_DIGEST, SHORTAGE_RESOLVED
from portals.models import (
    OWNER_CODE_MINUTES,
    CreditShortageNotice,
    OwnerCode,
    Portal,
    ShortageDigest,
)

logger = logging.getLogger(__name__)

# The banner lists this many refused portals, then "and N more".
MAX_LISTED = 20


def notify_credit_shortage(
    portal: Portal, *, kind: str, requested: int, available: int = 0, email: str = ""
) -> bool:
    """Record that `portal` could not use `requested` `kind` credits (`available`
    were left) and make sure the organizer hears of it today.

    Returns whether a new notice was recorded (False: already recorded today).
    Call it outside the failed transaction, which has rolled back by then.
    """
    return _notify(
        portal,
        kind=kind,
        cause=CreditShortageNotice.Cause.CREDITS,
        requested=requested,
        available=available,
        email=email,
    )


def notify_allocation_shortage(
    portal: Portal, *, requested: int, available: int, email: str = ""
) -> bool:
    """Record that the owner of `portal` asked for more invites than its allocation has left."""
    return _notify(
        portal,
        kind=CreditKind.INVITE,
        cause=CreditShortageNotice.Cause.ALLOCATION,
        requested=requested,
        available=available,
        email=email,
    )


def _notify(
    portal: Portal, *, kind: str, cause: str, requested: int, available: int, email: str
) -> bool:
    day = timezone.now().date()
    try:
        with transaction.atomic():
            CreditShortageNotice.objects.create(
                organization_id=portal.organization_id,
                portal=portal,
                kind=kind,
                cause=cause,
                day=day,
                requested=requested,
                available=max(available, 0),
                email=email,
            )
    except IntegrityError:
        return False
    _queue_digest(portal.organization_id, day)
    return True


def _queue_digest(organization_id: int, day: date) -> None:
    """The day's one email to the owners and admins: 150 refused portals are one
    email, not 150. It lists the day's refusals as they are when it is sent."""
    try:
        with transaction.atomic():
            digest = ShortageDigest.objects.create(organization_id=organization_id, day=day)
            addresses = _organizer_emails(organization_id)
            languages = languages_by_email(addresses)
            for address in addresses:
                try:
                    queue_email(
                        SHORTAGE_DIGEST,
                        to=address,
                        context={"digest_id": digest.pk},
                        organization=digest.organization,
                        language=languages.get(address.lower(), ""),
                    )
                except InvalidRecipient:
                    # One unusable account address must not keep the others
                    # from hearing, nor turn the owner's refusal into an error.
                    logger.warning("Shortage digest %s: skipped %r", digest.pk, address)
    except IntegrityError:
        pass  # today's digest exists: the banner shows the rest at once


def open_shortages(organization_id: int) -> list[CreditShortageNotice]:
    """The refusals not resolved yet, newest first (the organizer's banner)."""
    return list(
        CreditShortageNotice.objects.filter(
            organization_id=organization_id, resolved_at__isnull=True
        ).select_related("portal")[:MAX_LISTED]
    )


def resolve_credit_shortages(organization_id: int, kind: str) -> int:
    """Credits of `kind` were added: close the open credit refusals of the
    organization and tell each person refused that they can carry on. Runs
    after the grant commits (credits/hooks.py)."""
    notices = CreditShortageNotice.objects.filter(
        organization_id=organization_id,
        kind=kind,
        cause=CreditShortageNotice.Cause.CREDITS,
        resolved_at__isnull=True,
    )
    return _resolve(notices)


def resolve_allocation_shortages(portal_id: int) -> int:
    """The portal's allocation grew: close its allocation refusals, tell the owner."""
    notices = CreditShortageNotice.objects.filter(
        portal_id=portal_id,
        cause=CreditShortageNotice.Cause.ALLOCATION,
        resolved_at__isnull=True,
    )
    return _resolve(notices)


def _resolve(notices: Any) -> int:
    now = timezone.now()
    resolved = 0
    told: set[tuple[int, str]] = set()
    for notice in notices.select_related("portal__organization"):
        with transaction.atomic():
            # A conditional update claims the notice: of two resolutions at once
            # (two grants) only one sees a row change, and only it tells the owner.
            if not CreditShortageNotice.objects.filter(
                pk=notice.pk, resolved_at__isnull=True
            ).update(resolved_at=now):
                continue
            resolved += 1
            key = (notice.portal_id, notice.email.lower())
            if not notice.email or key in told:
                continue
            told.add(key)
            try:
                queue_email(
                    SHORTAGE_RESOLVED,
                    to=notice.email,
                    context={"notice_id": notice.pk},
                    organization=notice.portal.organization,
                    about=notice.portal,
                )
            except InvalidRecipient:
                logger.warning("Shortage notice %s: skipped %r", notice.pk, notice.email)
    return resolved


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
            # The constant, not expires_at - created_at: created_at is stamped a
            # moment after the expiry was computed, which floored to one minute less.
            "minutes": OWNER_CODE_MINUTES,
        },
        language=row.portal.owner_reads,
    )
