"""What the door page reads: the guests a door may find, and its offline copy.

Every query starts from the door's access (door/access.py): the event, and
for a grant limited to one portal, that portal's guests only. A guest the
access does not allow is simply not found (the same 404 as a missing one).

The offline copy (`snapshot`) holds only what a phone needs to recognise an
accepted guest without the server: the name, the SHA-256 of the check-in code
(never the code), the party size, the window and who is in already. It is
good until a day after the event ends; the page deletes it then, at sign-out,
and when the server stops answering for this door (grant removed).
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from artsvp.ids import is_public_id
from door.access import DoorAccess
from door.checkins import party_size, people_in
from door.models import CheckIn, CheckInPass
from events.models import EntryWindow, Event
from invites.access import visible_invites
from invites.models import Invite

# A search needs this many characters: fewer would list half the guests.
MIN_SEARCH = 3
SEARCH_RESULTS = 25
# The offline copy is kept this long after the event ends.
KEEP_AFTER_EVENT = timedelta(days=1)


def door_invites(access: DoorAccess) -> QuerySet[Invite]:
    """The invites of the door's event that its staff may find."""
    invites = visible_invites(access.event.organization).filter(event=access.event)
    if access.portal_id is not None:
        invites = invites.filter(portal_id=access.portal_id)
    return invites


def door_invite(access: DoorAccess, public_id: str) -> Invite | None:
    """One guest of the door by public id (None: missing or not this door's)."""
    if not is_public_id(public_id):
        return None
    return (
        door_invites(access)
        .select_related("portal", "invite_type", "entry_window", "batch")
        .filter(public_id=public_id)
        .first()
    )


@dataclass(frozen=True)
class Found:
    invite: Invite
    party: int
    people_in: list[int]


def search_guests(access: DoorAccess, query: str) -> list[Found]:
    """Guests whose name, email or label contains `query` (at least MIN_SEARCH
    characters; fewer finds nothing), in a fixed number of queries."""
    query = query.strip()
    if len(query) < MIN_SEARCH:
        return []
    invites = list(
        door_invites(access)
        .filter(
            Q(guest_name__icontains=query)
            | Q(guest_email__icontains=query)
            | Q(label__icontains=query)
        )
        .exclude(uses__gt=1)
        .select_related("portal", "invite_type", "entry_window", "batch")
        .order_by("guest_name", "id")[:SEARCH_RESULTS]
    )
    inside = people_in([invite.pk for invite in invites])
    return [
        Found(invite=invite, party=party_size(invite), people_in=inside.get(invite.pk, []))
        for invite in invites
    ]


def rows_to_undo(invite: Invite, persons: Collection[int]) -> list[CheckIn]:
    """The check-ins in force of these people of the party (the newest each)."""
    rows = CheckIn.objects.filter(
        invite=invite,
        person__in=list(persons),
        kind=CheckIn.Kind.CHECK_IN,
        reversed_by__isnull=True,
    ).order_by("person", "-created_at", "-id")
    newest: dict[int, CheckIn] = {}
    for row in rows:
        newest.setdefault(row.person, row)
    return list(newest.values())


def has_windows(event: Event) -> bool:
    """Whether the walk-in form offers a window choice."""
    return EntryWindow.objects.filter(event=event).exists()


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def keep_until(access: DoorAccess) -> datetime:
    return access.event.ends_at + KEEP_AFTER_EVENT


def snapshot(access: DoorAccess) -> dict[str, Any]:
    """The door's offline copy of its accepted guests (no codes, only their hashes)."""
    now = timezone.now()
    passes = list(
        CheckInPass.objects.filter(
            invite__in=door_invites(access).filter(status=Invite.Status.ACCEPTED)
        )
        .select_related("invite__entry_window")
        .order_by("invite_id")
    )
    inside = people_in([check_in_pass.invite_id for check_in_pass in passes])
    guests = []
    for check_in_pass in passes:
        invite = check_in_pass.invite
        window = invite.entry_window
        guests.append(
            {
                "name": str(invite),
                "code_sha256": code_hash(check_in_pass.code),
                "party": party_size(invite),
                "window": window.label if window else "",
                "window_starts_at": window.starts_at.isoformat() if window else None,
                "window_ends_at": window.ends_at.isoformat() if window else None,
                "people_in": inside.get(invite.pk, []),
            }
        )
    return {
        "version": 1,
        "event": access.event.public_id,
        "generated_at": now.isoformat(),
        "keep_until": keep_until(access).isoformat(),
        "guests": guests,
    }
