"""The portal emails the outbox sends: a portal's link (to its contact before
a claim, its owner after; also when a claim or an owner change makes a new
owner), the notice to a replaced owner (without the link), the
organizer's daily digest of refused portals, and the "you can carry on"
email to whoever was refused once credits or allocation come back.

`exhibitor_sender` says who the emails a portal sends are from.

Their deliveries store ids; the rows are loaded here when the worker sends,
so the email shows the portal as it is then, and one no longer wanted is
skipped with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext

from artsvp.emails import MAX_DISPLAY_NAME, VIA_FORMAT, from_address, sender_display_name
from artsvp.links import absolute_url
from credits.models import CreditKind
from deliveries.models import Delivery
from deliveries.rendering import SkipDelivery, email_context
from organizations.models import Organization
from portals.models import CreditShortageNotice, Portal, ShortageDigest

PORTAL_LINK = "portal-link"
# The same link again, for a portal still unclaimed (portals/bulk_links.py).
PORTAL_LINK_REMINDER = "portal-link-reminder"
PORTAL_OWNER_REPLACED = "portal-owner-replaced"
# Why a portal-link email was queued (its `reason` context): the template's wording.
LINK_SENT = "sent"
LINK_CLAIMED = "claimed"
LINK_HANDED_OVER = "handed_over"
SHORTAGE_DIGEST = "shortage-digest"
SHORTAGE_RESOLVED = "shortage-resolved"


def exhibitor_sender(portal: Portal, *, organization: Organization | None = None) -> dict[str, str]:
    """Who an email a portal sends (its invites) is from: "<the owner's sender
    name, else the portal's> via <the organizer>", in context keys
    artsvp.emails reads (`from_name`, `from_via`). The organizer's own emails
    leave them out: the brand hook names the organizer (events/brand.py)."""
    organizer = organization or portal.organization  # the caller's row saves a query
    return {"from_name": portal.from_name, "from_via": organizer.name}


def from_preview(portal: Portal) -> dict[str, Any]:
    """The From line the portal's guests see, as the server builds it, and what
    static/js/sender-preview.js needs to build the same while the owner types."""
    sender = exhibitor_sender(portal)
    return {
        "name": sender_display_name(sender["from_name"], via=sender["from_via"]),
        "address": from_address(),
        "fallback": portal.name,
        "via": sender["from_via"],
        "format": gettext(VIA_FORMAT),
        "max": MAX_DISPLAY_NAME,
    }


def _delivered_portal(delivery: Delivery) -> Portal | None:
    return (
        Portal.objects.select_related("group__event__organization")
        .filter(pk=delivery.context.get("portal_id"))
        .first()
    )


@email_context(PORTAL_LINK)
def portal_link_context(delivery: Delivery) -> dict[str, Any]:
    return _link_context(delivery, _delivered_portal(delivery))


def _link_context(delivery: Delivery, portal: Portal | None) -> dict[str, Any]:
    # Re-checked at send time: between the click and the send the organizer
    # may have revoked the portal, given it another contact or another owner,
    # or it was claimed: the link goes only to whom it would go to now.
    if portal is None:
        raise SkipDelivery("The portal was deleted before its link was sent.")
    if portal.is_revoked:
        raise SkipDelivery("The portal was revoked before its link was sent.")
    if portal.link_recipient.strip().lower() != delivery.recipient.lower():
        if portal.is_assigned:
            raise SkipDelivery("The portal's owner changed before its link was sent.")
        raise SkipDelivery("The portal's contact email changed before its link was sent.")
    event = portal.group.event
    return {
        "reason": delivery.context.get("reason", LINK_SENT),
        "portal": portal,
        "group": portal.group,
        "event": event,
        "organization": event.organization,
        "link": absolute_url(portal.path),
        # The owner's language as it is when sent (they may have switched since).
        "language": portal.owner_reads,
    }


@email_context(PORTAL_LINK_REMINDER)
def portal_link_reminder_context(delivery: Delivery) -> dict[str, Any]:
    portal = _delivered_portal(delivery)
    # A reminder to claim is pointless, and confusing, once someone has claimed.
    if portal is not None and portal.is_assigned:
        raise SkipDelivery("The portal was claimed before its reminder was sent.")
    return _link_context(delivery, portal)


@email_context(PORTAL_OWNER_REPLACED)
def portal_owner_replaced_context(delivery: Delivery) -> dict[str, Any]:
    portal = (
        Portal.objects.select_related("group__event__organization")
        .filter(pk=delivery.context.get("portal_id"))
        .first()
    )
    if portal is None:
        raise SkipDelivery("The portal was deleted before the notice was sent.")
    # Handed back before the send: nothing to tell any more.
    if portal.is_assigned and portal.owner_email.strip().lower() == delivery.recipient.lower():
        raise SkipDelivery("The address owns the portal again.")
    event = portal.group.event
    # No link: the notice goes to the address that lost the portal.
    return {"portal": portal, "event": event, "organization": event.organization}


@dataclass(frozen=True)
class Refusal:
    """One line of the digest: a portal and what it was refused today."""

    notice: CreditShortageNotice
    portal_url: str


@email_context(SHORTAGE_DIGEST)
def shortage_digest_context(delivery: Delivery) -> dict[str, Any]:
    digest = (
        ShortageDigest.objects.select_related("organization")
        .filter(pk=delivery.context.get("digest_id"))
        .first()
    )
    if digest is None:
        raise SkipDelivery("The organization was deleted before the digest was sent.")
    organization = digest.organization
    notices = list(
        CreditShortageNotice.objects.filter(organization=organization, day=digest.day)
        .select_related("portal__group__event")
        .order_by("cause", "kind", "portal__name", "id")
    )
    pattern = reverse("portals:portal_detail", args=[organization.slug, "publicid0marker"])
    refusals = [
        Refusal(
            notice=notice,
            portal_url=absolute_url(pattern.replace("publicid0marker", notice.portal.public_id)),
        )
        for notice in notices
    ]
    return {
        "organization": organization,
        "day": digest.day,
        "portal_credits": [
            r
            for r in refusals
            if r.notice.cause == "credits" and r.notice.kind == CreditKind.PORTAL
        ],
        "invite_credits": [
            r
            for r in refusals
            if r.notice.cause == "credits" and r.notice.kind == CreditKind.INVITE
        ],
        "allocations": [r for r in refusals if r.notice.cause == "allocation"],
        "count": len(refusals),
        "only": refusals[0].notice if len(refusals) == 1 else None,
        "buy_url": absolute_url(reverse("billing:billing", args=[organization.slug])),
    }


@email_context(SHORTAGE_RESOLVED)
def shortage_resolved_context(delivery: Delivery) -> dict[str, Any]:
    notice = (
        CreditShortageNotice.objects.select_related("portal__group__event__organization")
        .filter(pk=delivery.context.get("notice_id"))
        .first()
    )
    if notice is None:
        raise SkipDelivery("The portal was deleted before the email was sent.")
    portal = notice.portal
    if portal.is_revoked:
        raise SkipDelivery("The portal was revoked meanwhile.")
    claim = notice.kind == CreditKind.PORTAL
    # The portal's link goes only to its owner; someone who tried to claim is told
    # to open the link they were sent (they may have typed any address).
    is_owner = bool(portal.owner_email) and portal.owner_email.lower() == delivery.recipient.lower()
    if not claim and not is_owner:
        raise SkipDelivery("The portal has another owner now.")
    event = portal.group.event
    return {
        "portal": portal,
        "event": event,
        "organization": event.organization,
        "claim": claim,
        "allocation": notice.cause == "allocation",
        "link": absolute_url(portal.path) if is_owner else "",
        # Someone refused at the claim, who is not the owner: the event's language.
        "language": portal.owner_reads if is_owner else event.language,
    }
