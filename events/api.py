"""Events in the API: list, create, read, change (archive included).

Times are ISO 8601. A time with an offset is taken as is; a time without one
is read in the event's time zone, as the event form reads what organizers
type (11:00 means 11:00 at the venue).
"""

from __future__ import annotations

import zoneinfo
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated

from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import AfterValidator, field_validator

from artsvp.api_support import (
    ApiError,
    ApiRequest,
    InputSchema,
    PageQuery,
    PublicId,
    errors,
    paginate,
    text,
)
from events.access import access_event_by_public_id
from events.forms import available_timezones
from events.models import Event
from events.services import (
    EventDetails,
    InvalidEventTimes,
    SlugTaken,
    archive_event,
    create_event,
    unarchive_event,
    update_event,
)
from events.times import check_event_time, localize

router = Router()

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"

# The event form's rule (events/times.py): years 2000 to 2100, offsets within ±15:59.
EventTime = Annotated[datetime, AfterValidator(check_event_time)]


class EventOut(Schema):
    id: str
    slug: str
    name: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    venue: str
    description: str
    capacity: int | None
    rsvp_open: bool
    archived: bool
    created_at: datetime
    updated_at: datetime


class EventPage(Schema):
    items: list[EventOut]
    next_cursor: str | None


def _check_timezone(value: str | None) -> str | None:
    if value is not None and value not in available_timezones():
        raise ValueError("Use an IANA time zone name, e.g. “Europe/Zurich”.")
    return value


class EventIn(InputSchema):
    name: str = text(160, default=..., blank=False)
    slug: str = Field(
        "",
        max_length=80,
        pattern=r"^$|" + SLUG_PATTERN,
        description="Used in the event's links; empty: made from the name.",
    )
    starts_at: EventTime
    ends_at: EventTime
    timezone: str = Field("UTC", max_length=64, description="IANA name, e.g. Europe/Zurich.")
    venue: str = text(200)
    description: str = text(5000)
    capacity: int | None = Field(None, ge=1, le=10_000_000, strict=True)
    rsvp_open: bool = Field(True, strict=True)

    _valid_timezone = field_validator("timezone")(_check_timezone)


class EventPatch(InputSchema):
    name: str | None = text(160, default=None, blank=False)
    slug: str | None = Field(None, max_length=80, pattern=SLUG_PATTERN)
    starts_at: EventTime | None = None
    ends_at: EventTime | None = None
    timezone: str | None = Field(None, max_length=64)
    venue: str | None = text(200, default=None)
    description: str | None = text(5000, default=None)
    capacity: int | None = Field(None, ge=1, le=10_000_000, strict=True)
    rsvp_open: bool | None = Field(None, strict=True)
    archived: bool | None = Field(None, strict=True, description="true hides the event from lists.")

    _valid_timezone = field_validator("timezone")(_check_timezone)


class EventListQuery(PageQuery):
    include_archived: bool = Field(False, description="Also list archived events.")


def event_out(event: Event) -> EventOut:
    return EventOut(
        id=event.public_id,
        slug=event.slug,
        name=event.name,
        starts_at=event.starts_at.astimezone(UTC),
        ends_at=event.ends_at.astimezone(UTC),
        timezone=event.timezone,
        venue=event.venue,
        description=event.description,
        capacity=event.capacity,
        rsvp_open=event.rsvp_open,
        archived=event.is_archived,
        created_at=event.created_at,
        updated_at=event.updated_at,
    )


def _aware(name: str, value: datetime, zone_name: str) -> datetime:
    if value.tzinfo is not None:
        return value
    aware = localize(value, zoneinfo.ZoneInfo(zone_name))
    if aware is None:
        raise _invalid(name, f"This time does not exist in {zone_name}: the clocks skip it.")
    return aware


def _invalid(field: str, message: str) -> ApiError:
    return ApiError(
        422,
        "invalid",
        "Some fields are invalid: see details.fields.",
        {"fields": {field: [message]}},
    )


def _save(event: Event | None, request: ApiRequest, details: EventDetails) -> Event:
    details = EventDetails(
        **{
            **asdict(details),
            "starts_at": _aware("starts_at", details.starts_at, details.timezone),
            "ends_at": _aware("ends_at", details.ends_at, details.timezone),
        }
    )
    try:
        if event is None:
            return create_event(request.organization, details=details)
        return update_event(event, details=details)
    except SlugTaken as exc:
        raise _invalid("slug", str(exc)) from None
    except InvalidEventTimes as exc:
        raise _invalid("ends_at", str(exc)) from None


@router.get("/events", response={200: EventPage, **errors(422)}, summary="List events")
def list_events(request: ApiRequest, query: Query[EventListQuery]) -> EventPage:
    events = Event.objects.filter(organization=request.organization)
    if not query.include_archived:
        events = events.filter(archived_at__isnull=True)
    items, next_cursor = paginate(events, query)
    return EventPage(items=[event_out(event) for event in items], next_cursor=next_cursor)


@router.post("/events", response={201: EventOut, **errors(400, 422)}, summary="Create an event")
def create_event_endpoint(request: ApiRequest, payload: EventIn) -> Status:
    details = EventDetails(**payload.model_dump())
    return Status(201, event_out(_save(None, request, details)))


@router.get("/events/{event_id}", response={200: EventOut, **errors(404)}, summary="Read an event")
def get_event(request: ApiRequest, event_id: PublicId) -> EventOut:
    return event_out(access_event_by_public_id(request.organization, event_id))


@router.patch(
    "/events/{event_id}",
    response={200: EventOut, **errors(400, 404, 422)},
    summary="Change an event; `archived` archives or restores it",
)
def patch_event(request: ApiRequest, event_id: PublicId, payload: EventPatch) -> EventOut:
    event = access_event_by_public_id(request.organization, event_id)
    changes = payload.model_dump(exclude_unset=True)
    archived = changes.pop("archived", None)
    if changes:
        current = EventDetails(
            name=event.name,
            slug=event.slug,
            starts_at=event.starts_at,
            ends_at=event.ends_at,
            timezone=event.timezone,
            venue=event.venue,
            description=event.description,
            capacity=event.capacity,
            rsvp_open=event.rsvp_open,
        )
        # Explicit nulls mean "leave as is", except capacity, where null means "no limit".
        kept = {k: v for k, v in changes.items() if v is not None or k == "capacity"}
        event = _save(event, request, EventDetails(**{**asdict(current), **kept}))
    if archived is True:
        event = archive_event(event)
    elif archived is False:
        event = unarchive_event(event)
    return event_out(event)
