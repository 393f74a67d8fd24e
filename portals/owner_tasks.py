"""Emails about portals that run in the background: owner sign-in codes and
the organizer's "a portal ran out of credits" notice.

Tasks take ids and reload rows. A notice is recorded (and its email queued)
at most once per portal, credit kind and day: the unique row decides, so two
owners clicking at the same moment still produce one email.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from artsvp.emails import send_email
from organizations.models import Membership
from portals.models import CreditShortageNotice, OwnerCode, Portal

logger = logging.getLogger(__name__)


def notify_credit_shortage(portal: Portal, *, kind: str, requested: int) -> bool:
    """Tell the organizer that `portal` could not use `kind` credits; once a day.

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
    except IntegrityError:
        return False
    send_credit_shortage_notice.delay_on_commit(notice.pk)
    return True


@shared_task
def send_credit_shortage_notice(notice_id: int) -> None:
    with transaction.atomic():
        notice = (
            CreditShortageNotice.objects.select_for_update()
            .select_related("portal__group__event", "organization")
            .filter(pk=notice_id)
            .first()
        )
        # A redelivered task (acks_late) finds the notice already sent.
        if notice is None or notice.sent_at is not None:
            return
        organization = notice.organization
        recipients = sorted(
            {
                email
                for email in Membership.objects.filter(
                    organization=organization,
                    role__in=[Membership.Role.OWNER, Membership.Role.ADMIN],
                ).values_list("user__email", flat=True)
                if email
            }
        )
        context = {
            "organization": organization,
            "portal": notice.portal,
            "event": notice.portal.group.event,
            "kind": notice.kind,
            "is_portal_credits": notice.kind == "portal",
            "requested": notice.requested,
            "buy_url": settings.SITE_URL + reverse("billing:billing", args=[organization.slug]),
        }
        for email in recipients:
            send_email("credits-shortage", email, context)
        notice.sent_at = timezone.now()
        notice.save(update_fields=["sent_at"])
    logger.info("Credit shortage notice %s sent to %d organizer(s)", notice.pk, len(recipients))


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
