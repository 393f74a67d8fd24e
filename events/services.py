"""Writes for events: create, edit, archive.

An edit (the edit page, the API's PATCH) is one call of `update_event`: it
locks the event, applies the changes to what is stored then, and writes them
with the archive flag in one transaction, so a refused change leaves nothing
half done. The event's languages (`language`, the default guests read, and
`other_languages`) and its texts per language (`translations`) are checked
here for the form and the API alike (`event_languages`, `check_text_version`).
A change of its start, end or venue (SCHEDULE_FIELDS) tells the
apps above once it commits (events/hooks.py): the door re-sends the
confirmations whose calendar entry moved.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext

from artsvp.emails import one_line
from artsvp.i18n import DEFAULT_LANGUAGE, LANGUAGE_CODES, supported, with_versions
from artsvp.locks import lock_existing_row, locking_transaction
from artsvp.models_meta import max_length_of
from events.brand import forget_brand
from events.hooks import schedule_changed
from events.invite_texts import (
    INVITE_TEXT_FIELDS,
    MAX_INVITE_MESSAGE_LENGTH,
    MAX_INVITE_SUBJECT_LENGTH,
    PLACEHOLDERS,
    unknown_placeholders,
)
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
# The texts an event keeps per language (Event.translations), and their lengths.
TEXT_MAX_LENGTHS = {
    "description": MAX_DESCRIPTION_LENGTH,
    "invite_subject": MAX_INVITE_SUBJECT_LENGTH,
    "invite_message": MAX_INVITE_MESSAGE_LENGTH,
}
# What moves a guest's calendar entry: the apps above are told (events/hooks.py).
SCHEDULE_FIELDS = ("starts_at", "ends_at", "venue")
# "new" would be shadowed by the create page's URL, /o/<org>/events/new/.
RESERVED_SLUGS = {"new"}


class EventError(Exception):
    code = "event_error"
    # The input field the refusal is about, for the form's and the API's field errors.
    field = "slug"
    # The API answers 422 `invalid` with the field's message, or 422 with this
    # error's own code (an unknown language, an unknown placeholder).
    own_code = False


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


class UnknownLanguage(EventError):
    code = "unknown_language"
    own_code = True

    def __init__(self, field: str, value: object) -> None:
        self.field = field
        self.value = value
        super().__init__(
            gettext("“%(code)s” is not one of our languages. Use %(codes)s.")
            % {"code": value, "codes": ", ".join(LANGUAGE_CODES)}
        )


class InvalidText(EventError):
    """A text version the event cannot keep: an unknown field, or one too long."""

    code = "invalid_text"
    field = "translations"


class UnknownPlaceholder(EventError):
    """An invite subject or message with a placeholder the email cannot fill
    (the send form's rule, events/invite_texts.py)."""

    code = "unknown_placeholder"
    field = "translations"
    own_code = True

    def __init__(self, unknown: list[str]) -> None:
        self.unknown = unknown
        super().__init__(
            gettext("Unknown placeholder %(unknown)s. Use %(known)s.")
            % {"unknown": braced(unknown), "known": braced(PLACEHOLDERS)}
        )


def braced(names: Iterable[str]) -> str:
    return ", ".join("{{ " + name + " }}" for name in names)


def event_languages(language: str, other_languages: Iterable[str]) -> tuple[str, list[str]]:
    """The default language and the others, checked: each one of ours ("de-CH"
    reads "de"), the others without the default nor repeats, in the order of
    settings.LANGUAGES. Raises UnknownLanguage."""
    default = supported(language, default="")
    if not default:
        raise UnknownLanguage("language", language)
    chosen = set()
    for code in other_languages:
        known = supported(code, default="")
        if not known:
            raise UnknownLanguage("other_languages", code)
        chosen.add(known)
    return default, [code for code in LANGUAGE_CODES if code in chosen and code != default]


def check_text_version(code: str, name: str, text: str) -> str:
    """One text of the event in one language, as it is kept: an invite subject
    on one line, its placeholders the email's. Raises UnknownLanguage,
    InvalidText or UnknownPlaceholder."""
    if not supported(code, default="") == code:
        raise UnknownLanguage("translations", code)
    if name not in TEXT_MAX_LENGTHS or not isinstance(text, str):
        raise InvalidText(
            gettext("An event keeps these texts per language: %(fields)s.")
            % {"fields": ", ".join(TEXT_MAX_LENGTHS)}
        )
    text = one_line(text) if name == "invite_subject" else text.replace("\r\n", "\n").strip()
    if len(text) > TEXT_MAX_LENGTHS[name]:
        raise InvalidText(
            gettext("Keep it to %(limit)s characters.") % {"limit": TEXT_MAX_LENGTHS[name]}
        )
    if name in INVITE_TEXT_FIELDS and (unknown := unknown_placeholders(text)):
        raise UnknownPlaceholder(unknown)
    return text


def checked_versions(versions: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, str]]:
    """Texts per language as given by the form or the API, each one checked
    (check_text_version); an empty text stays, to remove a stored version."""
    return {
        code: {name: check_text_version(code, name, text) for name, text in texts.items()}
        for code, texts in versions.items()
    }


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
    language: str = DEFAULT_LANGUAGE
    other_languages: list[str] = field(default_factory=list)
    # Versions per language, written over the stored ones (artsvp.i18n.with_versions):
    # {"de": {"description": "..."}}; an empty text removes that version.
    translations: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


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
    language, other_languages = event_languages(details.language, details.other_languages)
    details = replace(
        details,
        **times,
        language=language,
        other_languages=other_languages,
        translations=checked_versions(details.translations),
    )
    if details.ends_at <= details.starts_at:
        raise InvalidEventTimes()
    return details


def create_event(organization: Organization, *, details: EventDetails) -> Event:
    """Create an event; a blank slug is derived from the name and made unique."""
    details = _checked(details)
    fields = asdict(details)
    chosen_slug = fields.pop("slug")
    fields["translations"] = with_versions({}, details.translations)
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
            if "translations" in changes:
                # Over what is stored now: another edit's versions in other fields stay.
                details = replace(
                    details, translations=with_versions(locked.translations, details.translations)
                )
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
