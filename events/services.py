"""Writes for events: create, edit, archive."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from events.models import Event
from organizations.models import Organization

# "new" would be shadowed by the create page's URL, /o/<org>/events/new/.
RESERVED_SLUGS = {"new"}
SLUG_MAX_LENGTH = 80


class EventError(Exception):
    pass


class SlugTaken(EventError):
    def __init__(self, slug: str) -> None:
        self.slug = slug
        super().__init__(f"Another event already uses the address “{slug}”.")


class InvalidEventTimes(EventError):
    def __init__(self) -> None:
        super().__init__("The event must end after it starts.")


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


def _check_times(details: EventDetails) -> None:
    if details.ends_at <= details.starts_at:
        raise InvalidEventTimes()


def create_event(organization: Organization, *, details: EventDetails) -> Event:
    """Create an event; a blank slug is derived from the name and made unique."""
    _check_times(details)
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


def update_event(event: Event, *, details: EventDetails) -> Event:
    _check_times(details)
    fields = asdict(details)
    slug = fields.pop("slug") or suggest_slug(event.organization, details.name, exclude=event)
    if slug_is_taken(event.organization, slug, exclude=event):
        raise SlugTaken(slug)
    for name, value in fields.items():
        setattr(event, name, value)
    event.slug = slug
    try:
        with transaction.atomic():
            event.save()
    except IntegrityError:
        raise SlugTaken(slug) from None
    return event


def archive_event(event: Event) -> Event:
    """Hide the event from lists; its portals, invites and guest list stay as they are."""
    if event.archived_at is None:
        event.archived_at = timezone.now()
        event.save(update_fields=["archived_at", "updated_at"])
    return event


def unarchive_event(event: Event) -> Event:
    if event.archived_at is not None:
        event.archived_at = None
        event.save(update_fields=["archived_at", "updated_at"])
    return event
