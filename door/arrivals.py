"""What the door tells the apps below about arrivals (invites/hooks.py).

The guest list, the CSVs and the portal owner's page show who arrived; the
API's invites show their check-in code. Invites cannot import the door, so
these are registered from DoorConfig.ready().

People in is the sum of `delta` of the invite's rows (each person is in at
most once: a check-in needs them out, an undo reverses one check-in once);
the time is the earliest check-in still in force, as the device saw it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Min, Q, QuerySet, Sum

from door.checkins import party_size
from door.models import CheckIn, CheckInPass
from invites.hooks import Arrival, register_arrival_source, register_invite_api_field
from invites.models import Invite


def arrivals_of(invites: Any) -> Mapping[int, Arrival]:
    """{invite id: Arrival} for a list of invite ids or a queryset of invites, in one query."""
    ids = invites.values("pk") if isinstance(invites, QuerySet) else list(invites)
    rows = (
        CheckIn.objects.filter(invite_id__in=ids)
        .order_by()
        # The invite's columns are one per invite: grouped by, they change no group.
        .values("invite_id", "invite__status", "invite__plus_ones", "invite__plus_ones_allowed")
        .annotate(
            net=Sum("delta"),
            first=Min(
                "scanned_at",
                filter=Q(kind=CheckIn.Kind.CHECK_IN, reversed_by__isnull=True),
            ),
        )
        .filter(net__gt=0)
        .values_list(
            "invite_id",
            "net",
            "first",
            "invite__status",
            "invite__plus_ones",
            "invite__plus_ones_allowed",
        )
    )
    return {
        invite_id: Arrival(
            people_in=int(net),
            # party_size's rule, on the invite's columns read with the rows.
            party=party_size(Invite(status=status, plus_ones=plus_ones, plus_ones_allowed=allowed)),
            first_at=first,
        )
        for invite_id, net, first, status, plus_ones, allowed in rows
    }


def check_in_codes(invite_ids: list[int]) -> Mapping[int, str]:
    """The check-in code of each accepted invite (the only ones a guest may show)."""
    return dict(
        CheckInPass.objects.filter(
            invite_id__in=invite_ids, invite__status=Invite.Status.ACCEPTED
        ).values_list("invite_id", "code")
    )


register_arrival_source("door", arrivals_of)
register_invite_api_field("check_in_code", check_in_codes)
