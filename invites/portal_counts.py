"""The accepted guests of each portal, for portals' pages (portals/guest_counts.py).

Registered in InvitesConfig.ready().
"""

from __future__ import annotations

from django.db.models import Count, QuerySet

from invites.models import Invite
from portals.guest_counts import PortalIds, register_accepted_counter


def count_accepted(portal_ids: PortalIds, event_id: int | None) -> dict[int, int]:
    ids = portal_ids if isinstance(portal_ids, QuerySet) else list(portal_ids)
    accepted = Invite.objects.filter(portal_id__in=ids, status=Invite.Status.ACCEPTED)
    if event_id is not None:
        # The event's accepted invites (the invite_event_status index), not every tenant's.
        accepted = accepted.filter(event_id=event_id)
    rows = (
        accepted.values("portal_id")
        .annotate(accepted=Count("pk"))
        .values_list("portal_id", "accepted")
    )
    return dict(rows)


register_accepted_counter(count_accepted)
