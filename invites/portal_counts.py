"""The accepted guests of each portal, for portals' pages (portals/guest_counts.py).

Registered in InvitesConfig.ready().
"""

from __future__ import annotations

from collections.abc import Collection

from django.db.models import Count

from invites.models import Invite
from portals.guest_counts import register_accepted_counter


def count_accepted(portal_ids: Collection[int]) -> dict[int, int]:
    rows = (
        Invite.objects.filter(portal_id__in=list(portal_ids), status=Invite.Status.ACCEPTED)
        .values("portal_id")
        .annotate(accepted=Count("pk"))
        .values_list("portal_id", "accepted")
    )
    return dict(rows)


register_accepted_counter(count_accepted)
