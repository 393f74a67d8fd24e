"""An event's entry windows in the API, through the services the pages call
(portals/invite_types.py for a window with the types it admits, events/windows.py).

In portals, not events: a window's `invite_types` are portal groups' types,
which events can't import. Times are read like the event's (events/api.py):
with an offset as given, without one in the event's time zone.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict

from artsvp.api_support import (
    InputSchema,
    PageQuery,
    PublicId,
    When,
    errors,
    field_error,
    paginate,
    text,
)
from artsvp.ids import PUBLIC_ID_PATTERN
from events.access import access_event_by_public_id, access_window
from events.models import EntryWindow, Event
from events.services import MAX_CAPACITY
from events.windows import MAX_LABEL_LENGTH, WindowDetails, taken_places
from organizations.api_auth import ApiRequest
from portals import invite_types
from portals.models import InviteType

router = Router()

# Ids of objects in a body: the format is the schema's, the lookup answers 422 for others.
ObjectId = Annotated[str, Field(pattern=f"^{PUBLIC_ID_PATTERN.pattern}$")]
TypeIds = Annotated[list[ObjectId], Field(max_length=200)]


class WindowOut(Schema):
    id: str
    event_id: str
    label: str
    starts_at: datetime
    ends_at: datetime
    capacity: int | None = Field(..., description="Guests with their plus-ones; null: no limit.")
    taken: int = Field(..., description="Accepted guests with their plus-ones.")
    invite_types: list[str] = Field(
        ..., description="The invite types (ids) it admits; empty: every invite."
    )
    created_at: datetime
    updated_at: datetime


class WindowPage(Schema):
    items: list[WindowOut]
    next_cursor: str | None


class WindowIn(InputSchema):
    # An unknown field is refused, not ignored: a window has no `name` to mistype.
    model_config = ConfigDict(extra="forbid")

    label: str = text(MAX_LABEL_LENGTH, default=..., blank=False)
    starts_at: When
    ends_at: When
    capacity: int | None = Field(None, ge=0, le=MAX_CAPACITY, strict=True)
    invite_types: TypeIds = Field(
        default_factory=list, description="Invite type ids of the event's groups."
    )


class WindowPatch(InputSchema):
    model_config = ConfigDict(extra="forbid")

    label: str | None = text(MAX_LABEL_LENGTH, default=None, blank=False)
    starts_at: When | None = None
    ends_at: When | None = None
    capacity: int | None = Field(
        None, ge=0, le=MAX_CAPACITY, strict=True, description="null: no limit."
    )
    invite_types: TypeIds | None = None


def _windows_out(event: Event, windows: list[EntryWindow]) -> list[WindowOut]:
    taken = taken_places([window.pk for window in windows])
    return [
        WindowOut(
            id=window.public_id,
            event_id=event.public_id,
            label=window.label,
            starts_at=window.starts_at.astimezone(UTC),
            ends_at=window.ends_at.astimezone(UTC),
            capacity=window.capacity,
            taken=taken.get(window.pk, 0),
            invite_types=[t.public_id for t in window.invite_types.all()],
            created_at=window.created_at,
            updated_at=window.updated_at,
        )
        for window in windows
    ]


def _loaded(event: Event, **lookup: Any) -> list[EntryWindow]:
    return list(EntryWindow.objects.filter(event=event, **lookup).prefetch_related("invite_types"))


def _types(event: Event, ids: list[str]) -> list[InviteType]:
    """The event's live types with these ids; an unknown id (another event's too) is a 422."""
    found = {t.public_id: t for t in invite_types.event_types(event)}
    unknown = [public_id for public_id in ids if public_id not in found]
    if unknown:
        raise field_error("invite_types", f"No invite type {', '.join(unknown)} in this event.")
    return [found[public_id] for public_id in dict.fromkeys(ids)]


@router.get(
    "/events/{event_id}/entry-windows",
    response={200: WindowPage, **errors(404)},
    summary="List an event's entry windows",
)
def list_windows(request: ApiRequest, event_id: PublicId, page: Query[PageQuery]) -> WindowPage:
    event = access_event_by_public_id(request.organization, event_id)
    windows = EntryWindow.objects.filter(event=event).prefetch_related("invite_types")
    rows, next_cursor = paginate(windows, page)
    return WindowPage(items=_windows_out(event, rows), next_cursor=next_cursor)


@router.post(
    "/events/{event_id}/entry-windows",
    response={201: WindowOut, **errors(404, 409)},
    summary="Add an entry window to an event",
    description=(
        "Labels are unique in the event, ignoring case (409 `duplicate_window_label`); a "
        "window ends after it starts (422). No `invite_types`: it admits every invite."
    ),
)
def create_window(request: ApiRequest, event_id: PublicId, payload: WindowIn) -> Status:
    event = access_event_by_public_id(request.organization, event_id)
    details = WindowDetails(
        label=payload.label,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        capacity=payload.capacity,
    )
    types = _types(event, payload.invite_types)
    window = invite_types.create_window(event, details=details, invite_types=types)
    return Status(201, _windows_out(event, _loaded(event, pk=window.pk))[0])


@router.patch(
    "/entry-windows/{window_id}",
    response={200: WindowOut, **errors(404, 409)},
    summary="Change an entry window; a lower capacity cancels nobody",
    description="`invite_types` replaces the types it admits ([]: every invite).",
)
def patch_window(request: ApiRequest, window_id: PublicId, payload: WindowPatch) -> WindowOut:
    window = access_window(request.organization, window_id)
    event = window.event
    changes = payload.model_dump(exclude_unset=True)
    types = changes.pop("invite_types", None)
    # Explicit nulls mean "leave as is", except capacity, where null means "no limit".
    kept = {k: v for k, v in changes.items() if v is not None or k == "capacity"}
    chosen = _types(event, types) if types is not None else None
    invite_types.update_window(window, changes=kept, invite_types=chosen)
    return _windows_out(event, _loaded(event, pk=window.pk))[0]
