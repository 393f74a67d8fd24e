"""Events in the API: list, create, read, change (archive included).

Times are ISO 8601. A time with an offset is taken as is; a time without one
is read in the event's time zone, as the event form reads what organizers
type (11:00 means 11:00 at the venue).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import AfterValidator, field_validator

from artsvp.api_support import (
    InputSchema,
    Language,
    PageQuery,
    PublicId,
    When,
    errors,
    paginate,
    text,
)
from artsvp.i18n import DEFAULT_LANGUAGE, LANGUAGE_CODES
from events.access import access_event_by_public_id
from events.invite_texts import MAX_INVITE_MESSAGE_LENGTH, MAX_INVITE_SUBJECT_LENGTH
from events.models import Event, RsvpState
from events.services import (
    MAX_CAPACITY,
    MAX_DESCRIPTION_LENGTH,
    MAX_NAME_LENGTH,
    MAX_TIMEZONE_LENGTH,
    MAX_VENUE_LENGTH,
    SLUG_MAX_LENGTH,
    EventDetails,
    create_event,
    update_event,
)
from events.times import available_timezones, check_event_time
from organizations.api_auth import ApiRequest

router = Router()

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"

LANGUAGES_HELP = "Language codes: " + ", ".join(LANGUAGE_CODES) + "."

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
    rsvp_state: RsvpState = Field(
        ...,
        description="Whether guests can answer now: open; closed (rsvp_open is false); "
        "answers_closed (answers_close_at has passed); ended (the event is over).",
    )
    answers_close_at: datetime | None = Field(
        ..., description="When guests can no longer answer; null: when the event ends."
    )
    answers_deadline: datetime = Field(..., description="answers_close_at, or the event's end.")
    language: str = Field(..., description="The language guests read by default.")
    other_languages: list[str] = Field(..., description="The other languages guests can read.")
    translations: dict[str, dict[str, str]] = Field(
        ...,
        description="The organizer's texts per language: "
        '{"de": {"description": ..., "invite_subject": ..., "invite_message": ...}}; '
        "a language without a text reads the default (the description) or our standard "
        "invite subject and message.",
    )
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


class EventTextsIn(InputSchema):
    """An event's texts in one language; "" removes that language's version."""

    description: str | None = text(MAX_DESCRIPTION_LENGTH, default=None)
    invite_subject: str | None = text(
        MAX_INVITE_SUBJECT_LENGTH,
        default=None,
        description="The standard invite email's subject; {{ name }}, {{ event }} and "
        "{{ portal }} are filled in (422 `unknown_placeholder` for another).",
    )
    invite_message: str | None = text(
        MAX_INVITE_MESSAGE_LENGTH,
        default=None,
        description="The standard invite email's message, with the same placeholders.",
    )


TRANSLATIONS_HELP = (
    "Texts per language code, each written over the stored one "
    '("" removes it; languages left out keep theirs).'
)


def _versions(translations: dict[Language, EventTextsIn] | None) -> dict[str, dict[str, str]]:
    return {
        str(code): texts.model_dump(exclude_none=True)
        for code, texts in (translations or {}).items()
    }


class EventIn(InputSchema):
    name: str = text(MAX_NAME_LENGTH, default=..., blank=False)
    slug: str = Field(
        "",
        max_length=SLUG_MAX_LENGTH,
        pattern=r"^$|" + SLUG_PATTERN,
        description="Used in the event's links; empty: made from the name.",
    )
    starts_at: EventTime
    ends_at: EventTime
    timezone: str = Field(
        "UTC", max_length=MAX_TIMEZONE_LENGTH, description="IANA name, e.g. Europe/Zurich."
    )
    venue: str = text(MAX_VENUE_LENGTH)
    description: str = text(MAX_DESCRIPTION_LENGTH)
    capacity: int | None = Field(None, ge=1, le=MAX_CAPACITY, strict=True)
    rsvp_open: bool = Field(True, strict=True)
    answers_close_at: When | None = Field(
        None, description="When answers close (any time, even before the start); null: at the end."
    )
    language: Language = Field(Language(DEFAULT_LANGUAGE), description=LANGUAGES_HELP)
    other_languages: list[Language] = Field(
        default_factory=list, max_length=len(LANGUAGE_CODES) * 2, description=LANGUAGES_HELP
    )
    translations: dict[Language, EventTextsIn] = Field(
        default_factory=dict, max_length=len(LANGUAGE_CODES) * 2, description=TRANSLATIONS_HELP
    )

    _valid_timezone = field_validator("timezone")(_check_timezone)


class EventPatch(InputSchema):
    name: str | None = text(MAX_NAME_LENGTH, default=None, blank=False)
    slug: str | None = Field(None, max_length=SLUG_MAX_LENGTH, pattern=SLUG_PATTERN)
    starts_at: EventTime | None = None
    ends_at: EventTime | None = None
    timezone: str | None = Field(None, max_length=MAX_TIMEZONE_LENGTH)
    venue: str | None = text(MAX_VENUE_LENGTH, default=None)
    description: str | None = text(MAX_DESCRIPTION_LENGTH, default=None)
    capacity: int | None = Field(None, ge=1, le=MAX_CAPACITY, strict=True)
    rsvp_open: bool | None = Field(None, strict=True)
    answers_close_at: When | None = Field(None, description="null: when the event ends.")
    language: Language | None = Field(None, description=LANGUAGES_HELP)
    other_languages: list[Language] | None = Field(
        None, max_length=len(LANGUAGE_CODES) * 2, description=LANGUAGES_HELP
    )
    translations: dict[Language, EventTextsIn] | None = Field(
        None, max_length=len(LANGUAGE_CODES) * 2, description=TRANSLATIONS_HELP
    )
    archived: bool | None = Field(None, strict=True, description="true hides the event from lists.")

    _valid_timezone = field_validator("timezone")(_check_timezone)


class EventListQuery(PageQuery):
    include_archived: bool = Field(False, description="Also list archived events.")


# The fields EventOut shows as the model stores them; the others are renamed or converted.
_STORED_AS_SHOWN = (
    "slug",
    "name",
    "timezone",
    "venue",
    "description",
    "capacity",
    "rsvp_open",
    "language",
    "other_languages",
    "translations",
)


def event_out(event: Event) -> EventOut:
    return EventOut(
        id=event.public_id,
        starts_at=event.starts_at.astimezone(UTC),
        ends_at=event.ends_at.astimezone(UTC),
        answers_close_at=(
            event.answers_close_at.astimezone(UTC) if event.answers_close_at else None
        ),
        answers_deadline=event.answers_deadline.astimezone(UTC),
        rsvp_state=event.rsvp_state,
        archived=event.is_archived,
        created_at=event.created_at,
        updated_at=event.updated_at,
        **{name: getattr(event, name) for name in _STORED_AS_SHOWN},
    )


@router.get("/events", response={200: EventPage, **errors(422)}, summary="List events")
def list_events(request: ApiRequest, query: Query[EventListQuery]) -> EventPage:
    events = Event.objects.filter(organization=request.organization)
    if not query.include_archived:
        events = events.filter(archived_at__isnull=True)
    items, next_cursor = paginate(events, query)
    return EventPage(items=[event_out(event) for event in items], next_cursor=next_cursor)


@router.post("/events", response={201: EventOut, **errors(400, 422)}, summary="Create an event")
def create_event_endpoint(request: ApiRequest, payload: EventIn) -> Status:
    fields = payload.model_dump(exclude={"translations"})
    details = EventDetails(**fields, translations=_versions(payload.translations))
    event = create_event(request.organization, details=details)
    return Status(201, event_out(event))


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
    changes = payload.model_dump(exclude_unset=True, exclude={"translations"})
    if payload.translations is not None:
        changes["translations"] = _versions(payload.translations)
    archived = changes.pop("archived", None)
    # Explicit nulls mean "leave as is", except capacity, where null means "no limit",
    # and answers_close_at, where it means "when the event ends".
    kept = {
        k: v for k, v in changes.items() if v is not None or k in ("capacity", "answers_close_at")
    }
    return event_out(update_event(event, changes=kept, archived=archived))
