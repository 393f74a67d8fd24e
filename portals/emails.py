"""The portal emails the outbox sends: a portal's link to its contact, and the
organizer's credit-shortage notice.

Their deliveries store ids; the rows are loaded here when the worker sends,
so the email shows the portal as it is then, and one no longer wanted is
skipped with its reason.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse

from credits.models import CreditKind
from deliveries.models import Delivery
from deliveries.rendering import SkipDelivery, email_context
from portals.models import CreditShortageNotice, Portal

PORTAL_LINK = "portal-link"
CREDITS_SHORTAGE = "credits-shortage"


@email_context(PORTAL_LINK)
def portal_link_context(delivery: Delivery) -> dict[str, Any]:
    portal = (
        Portal.objects.select_related("group__event__organization")
        .filter(pk=delivery.context.get("portal_id"))
        .first()
    )
    # Re-checked at send time: between the click and the send the organizer
    # may have revoked the portal or given it another contact, who must not
    # receive a link meant for the old one.
    if portal is None:
        raise SkipDelivery("The portal was deleted before its link was sent.")
    if portal.is_revoked:
        raise SkipDelivery("The portal was revoked before its link was sent.")
    if portal.contact_email.strip().lower() != delivery.recipient.lower():
        raise SkipDelivery("The portal's contact email changed before its link was sent.")
    event = portal.group.event
    return {
        "portal": portal,
        "group": portal.group,
        "event": event,
        "organization": event.organization,
        "link": settings.SITE_URL + portal.path,
    }


@email_context(CREDITS_SHORTAGE)
def credits_shortage_context(delivery: Delivery) -> dict[str, Any]:
    notice = (
        CreditShortageNotice.objects.select_related("portal__group__event", "organization")
        .filter(pk=delivery.context.get("notice_id"))
        .first()
    )
    if notice is None:
        raise SkipDelivery("The portal was deleted before the notice was sent.")
    organization = notice.organization
    return {
        "organization": organization,
        "portal": notice.portal,
        "event": notice.portal.group.event,
        "kind": notice.kind,
        "is_portal_credits": notice.kind == CreditKind.PORTAL,
        "requested": notice.requested,
        "buy_url": settings.SITE_URL + reverse("billing:billing", args=[organization.slug]),
    }
