"""The places taken in each entry window, for the organizer's pages (events/windows.py).

Accepted guests and their plus-ones; pending answers take no place. Registered
in InvitesConfig.ready().
"""

from __future__ import annotations

from collections.abc import Collection

from django.db.models import Count, Sum

from events.windows import register_window_counter
from invites.models import Invite


def count_taken(window_ids: Collection[int]) -> dict[int, int]:
    rows = (
        Invite.objects.filter(entry_window_id__in=list(window_ids), status=Invite.Status.ACCEPTED)
        .values("entry_window_id")
        .annotate(guests=Count("pk"), plus_ones=Sum("plus_ones"))
        .values_list("entry_window_id", "guests", "plus_ones")
    )
    return {window_id: guests + (plus_ones or 0) for window_id, guests, plus_ones in rows}


register_window_counter(count_taken)
