"""Accepted guests with their check-in codes, and windows open now, for the door's tests."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from door.models import CheckInPass
from door.services import sync_confirmation
from events.models import EntryWindow, Event
from invites.answers import respond
from invites.models import Invite
from tests.invites.windows import invites_of


def window_open_now(
    event: Event, label: str = "Now", *, capacity: int | None = None
) -> EntryWindow:
    """An entry window that started an hour ago and ends in two."""
    now = timezone.now()
    return EntryWindow.objects.create(
        organization_id=event.organization_id,
        event=event,
        label=label,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=2),
        capacity=capacity,
    )


def accepted_guest(
    event: Event,
    *,
    plus_ones: int = 0,
    window: EntryWindow | None = None,
    name: str = "Ada Guest",
    email: str = "ada@example.com",
    **fields: Any,
) -> tuple[Invite, str]:
    """An invite of `event` whose guest accepted with `plus_ones`, and its check-in code.
    The confirmation hook runs at once (as after the answer's commit)."""
    [invite] = invites_of(
        event,
        plus_ones_allowed=max(plus_ones, fields.pop("plus_ones_allowed", 0)),
        guest_name=name,
        guest_email=email,
        **fields,
    )
    respond(invite, accept=True, plus_ones=plus_ones, window=window)
    sync_confirmation(invite.pk)
    invite.refresh_from_db()
    return invite, CheckInPass.objects.get(invite=invite).code
