"""Who arrived, as the guest lists, the CSVs and the portal owner's page show it.

The records are the door's (door/, above invites), read through
`invites.hooks.arrivals`: one query for a page of rows, or for a whole CSV
(invites/exports.py). Times are shown in the event's time zone, with the day when
the event lasts several days.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.utils.dateformat import format as format_date

from events.models import Event
from invites.hooks import Arrival, arrivals
from invites.models import Invite


@dataclass(frozen=True)
class ShownArrival:
    """An invite's arrival as a page shows it: "19:04 (2 of 3)"."""

    people_in: int
    party: int
    # The first check-in still in force, in the event's zone.
    at: datetime | None
    time: str

    @property
    def everyone(self) -> bool:
        return self.people_in >= self.party


def local_time(event: Event, at: datetime | None) -> datetime | None:
    return at.astimezone(event.tz) if at is not None else None


def _time_text(event: Event, at: datetime | None) -> str:
    if at is None:
        return ""
    start, end = event.starts_at.astimezone(event.tz), event.ends_at.astimezone(event.tz)
    return format_date(at, "H:i" if start.date() == end.date() else "D j M, H:i")


def shown(event: Event, arrival: Arrival) -> ShownArrival:
    at = local_time(event, arrival.first_at)
    return ShownArrival(
        people_in=arrival.people_in, party=arrival.party, at=at, time=_time_text(event, at)
    )


def shown_arrivals(event: Event, invites: Iterable[Invite]) -> dict[int, ShownArrival]:
    """{invite id: ShownArrival} for the invites with somebody in (one query)."""
    ids = [invite.pk for invite in invites]
    if not ids:
        return {}
    return {invite_id: shown(event, arrival) for invite_id, arrival in arrivals(ids).items()}


def arrived_count(accepted: QuerySet[Invite]) -> int:
    """How many of these invites have somebody in (one query)."""
    return len(arrivals(accepted))
