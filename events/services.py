"""Writes for events: create, edit, archive.

An edit (the edit page, the API's PATCH) is one call of `update_event`: it
locks the event, applies the changes to what is stored then, and writes them
with the archive flag in one transaction, so a refused change leaves nothing
half done. A change of its start, end or venue (SCHEDULE_FIELDS) tells the
apps above once it commits (events/hooks.py): the door re-sends the
confirmations whose calendar entry moved.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext

from artsvp.locks import lock_existing_row, locking_transaction
from artsvp.models_meta import max_length_of
from events.brand import forget_brand
from events.hooks import schedule_changed
from events.models import Event, EventBrand
from events.times import localize
from organizations.brand_services import BrandChanges, save_brand_layer
from organizations.models import Organization

# What an event may hold: the form, the API schema and the database use these.
MAX_NAME_LENGTH = max_length_of(Event, "name")
SLUG_MAX_LENGTH = max_length_of(Event, "slug")
MAX_TIMEZONE_LENGTH = max_length_of(Event, "timezone")
MAX_VENUE_LENGTH = max_length_of(Event, "venue")
MAX_DESCRIPTION_LENGTH = 5000
MAX_CAPACITY = 10_000_000
# What moves a guest's calendar entry: the apps above are told (events/hooks.py).
SCHEDULE_FIELDS = ("starts_at", "ends_at", "venue")
# "new" would be shadowed by the create page's URL, /o/<org>/events/new/.
RESERVED_SLUGS = {"new"}


class EventError(Exception):
    code = "event_error"
    # The input field the refusal is about, for the form's and the API's field errors.
    field = "slug"


class SlugTaken(EventError):
    code = "slug_taken"

    def __init__(self, slug: str) -> None:
        self.slug = slug
        super().__init__(
            gettext("Another event already uses “%(slug)s” as the short form in its links.")
            % {"slug": slug}
        )


class InvalidEventTimes(EventError):
    code = "invalid_event_times"
    field = "ends_at"

    def __init__(self) -> None:
        super().__init__(gettext("The event must end after it starts."))


class NonexistentLocalTime(EventError):
    """A wall-clock time the clocks skip in the event's zone (a daylight-saving jump)."""

    code = "nonexistent_time"

    def __init__(self, field: str, zone_name: str) -> None:
        self.field = field
        super().__init__(
            gettext("This time does not exist in %(zone)s: the clocks skip it.")
            % {"zone": zone_name}
        )


@dataclass(frozen=True)
class EventDetails:
    """What an organizer types about an event; `slug` empty means "derive from the name"."""

    name: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    slug: str = ""
    venue: str = ""
    description: str = ""
    capacity: int | None = None
    rsvp_open: bool = True
    # Empty: answers close when the event ends (Event.answers_deadline).
    answers_close_at: datetime | None = None


def slug_is_taken(organization: Organization, slug: str, *, exclude: Event | None = None) -> bool:
    if slug in RESERVED_SLUGS:
        return True
    events = Event.objects.filter(organization=organization, slug=slug)
    if exclude is not None:
        events = events.exclude(pk=exclude.pk)
    return events.exists()


def suggest_slug(organization: Organization, name: str, *, exclude: Event | None = None) -> str:
    """A free slug for `name` in the organization: "spring-fair", then "spring-fair-2"..."""
    base = slugify(name)[: SLUG_MAX_LENGTH - 4].strip("-") or "event"
    slug, n = base, 2
    while slug_is_taken(organization, slug, exclude=exclude):
        slug = f"{base}-{n}"
        n += 1
    return slug


def _checked(details: EventDetails) -> EventDetails:
    """`details` with wall-clock times read in the event's zone (11:00 means 11:00
    at the venue); raises NonexistentLocalTime or InvalidEventTimes. Answers may
    close at any time, before the start too (an RSVP deadline a week ahead)."""
    zone = zoneinfo.ZoneInfo(details.timezone)
    times: dict[str, Any] = {}
    for name in ("starts_at", "ends_at", "answers_close_at"):
        value: datetime | None = getattr(details, name)
        if value is not None and value.tzinfo is None:
            aware = localize(value, zone)
            if aware is None:
                raise NonexistentLocalTime(name, details.timezone)
            times[name] = aware
    details = replace(details, **times)
    if details.ends_at <= details.starts_at:
        raise InvalidEventTimes()
    return details


def create_event(organization: Organization, *, details: EventDetails) -> Event:
    """Create an event; a blank slug is derived from the name and made unique."""
    details = _checked(details)
    fields = asdict(details)
    chosen_slug = fields.pop("slug")
    for _attempt in range(5):
        slug = chosen_slug or suggest_slug(organization, details.name)
        if chosen_slug and slug_is_taken(organization, slug):
            raise SlugTaken(slug)
        try:
            with transaction.atomic():
                return Event.objects.create(organization=organization, slug=slug, **fields)
        except IntegrityError:
            # Another event took the slug between our check and the insert.
            if chosen_slug:
                raise SlugTaken(slug) from None
    raise SlugTaken(slugify(details.name))


def details_of(event: Event) -> EventDetails:
    return EventDetails(**{name: getattr(event, name) for name in _DETAIL_FIELDS})


_DETAIL_FIELDS = tuple(f.name for f in fields(EventDetails))


def update_event(
    event: Event, *, changes: Mapping[str, Any] | None = None, archived: bool | None = None
) -> Event:
    """Apply `changes` (EventDetails fields; the others keep their stored value)
    and archive or restore the event (`archived`), all or nothing.

    An empty slug is derived from the name. Raises SlugTaken, InvalidEventTimes
    or NonexistentLocalTime, and then nothing has changed.
    """
    with locking_transaction():
        # Two edits of one event queue here: each applies its changes to what
        # the other wrote, not to the copy it read before.
        locked = lock_existing_row(Event.objects.filter(pk=event.pk))
        if not changes and (archived is None or archived == locked.is_archived):
            return locked
        before = [getattr(locked, name) for name in SCHEDULE_FIELDS]
        if changes:
            details = _checked(replace(details_of(locked), **changes))
            slug = details.slug or suggest_slug(locked.organization, details.name, exclude=locked)
            if slug_is_taken(locked.organization, slug, exclude=locked):
                raise SlugTaken(slug)
            for name, value in asdict(details).items():
                setattr(locked, name, value)
            locked.slug = slug
        if archived is not None and archived != locked.is_archived:
            # Archiving keeps the portals, invites and guest list as they are.
            locked.archived_at = timezone.now() if archived else None
        try:
            # A savepoint: the unique slug (a concurrent event that took it) is
            # the database's to refuse, and this transaction then rolls back whole.
            with transaction.atomic():
                locked.save()
        except IntegrityError:
            raise SlugTaken(locked.slug) from None
        if before != [getattr(locked, name) for name in SCHEDULE_FIELDS]:
            schedule_changed(locked.pk)
    return locked


def archive_event(event: Event) -> Event:
    """Hide the event from lists."""
    return update_event(event, archived=True)


def unarchive_event(event: Event) -> Event:
    return update_event(event, archived=False)


def update_event_brand(event: Event, *, changes: BrandChanges) -> EventBrand:
    """The event's own brand over its organization's (events/brand.py);
    an empty field falls back to the organization's value."""
    brand = EventBrand.objects.filter(event=event).first()
    layer = brand or EventBrand(event=event, organization_id=event.organization_id)
    saved = save_brand_layer(layer, changes=changes)
    forget_brand(event)
    return saved
