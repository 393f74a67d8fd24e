"""Background work for the organizer's portal pages. Tasks take ids and reload rows."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model

from artsvp.emails import send_email
from portals.models import Portal


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_portal_link_email(portal_id: int, *, actor_id: int | None = None) -> None:
    """Send a portal's secret link to its contact email."""
    portal = (
        Portal.objects.select_related("group__event__organization").filter(pk=portal_id).first()
    )
    # Re-checked here: the portal may have been revoked or its contact
    # removed between the click and this worker picking the task up.
    if portal is None or portal.status == Portal.Status.REVOKED or not portal.contact_email:
        return
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    event = portal.group.event
    send_email(
        "portal-link",
        portal.contact_email,
        {
            "portal": portal,
            "group": portal.group,
            "event": event,
            "organization": event.organization,
            "link": settings.SITE_URL + portal.path,
        },
        reply_to=getattr(actor, "email", None) or None,
    )
