"""The email that tells someone they may now work an event (door/staff.py queues it).

Built at send time from the grant: a grant revoked or expired before the
worker got to it is not announced.
"""

from __future__ import annotations

from typing import Any

from artsvp.links import absolute_url
from deliveries.models import Delivery
from deliveries.rendering import SkipDelivery, email_context
from door.models import EventGrant
from door.staff import STAFF_ACCESS, access_end, door_path
from organizations.models import role_in_sentence


@email_context(STAFF_ACCESS)
def staff_access_context(delivery: Delivery) -> dict[str, Any]:
    grant = (
        EventGrant.objects.select_related(
            "event__organization", "portal", "membership", "created_by"
        )
        .filter(pk=delivery.context.get("grant_id"))
        .first()
    )
    if grant is None or not grant.is_active() or grant.membership is None:
        raise SkipDelivery("The grant was revoked or has ended.")
    event = grant.event
    return {
        "event": event,
        "organization": event.organization,
        "role": role_in_sentence(grant.membership.role),
        "portal": grant.portal,
        "ends": access_end(event, grant.expires_at),
        "granted_by": grant.created_by.email if grant.created_by else "",
        "door_url": absolute_url(door_path(event)),
    }
