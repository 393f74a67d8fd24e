"""Formatting for event times, always in the event's own time zone."""

from __future__ import annotations

from django import template
from django.utils.dateformat import format as format_date

from artsvp import i18n
from artsvp.i18n import date_pattern
from events.models import EntryWindow, Event

register = template.Library()

DAY = "D j M Y"
TIME = "H:i"
EN_DASH = "\u2013"


@register.simple_tag
def event_when(event: Event | EntryWindow) -> str:
    """ "Sat 14 Mar 2026, 11:00-19:00" or "Sat 14 Mar 2026, 11:00 - Tue 17 Mar 2026, 18:00",
    with en dashes: an event's times, or an entry window's (in its event's zone).

    The datetimes are converted to the event's zone here, not by the template
    engine, which would convert them to the viewer's zone.
    """
    starts, ends = event.local_starts_at, event.local_ends_at
    # In the order of the language in force (artsvp/i18n.py date_pattern).
    day_and_time = date_pattern(f"{DAY}, {TIME}")
    start_text = format_date(starts, day_and_time)
    if starts.date() == ends.date():
        return f"{start_text}{EN_DASH}{format_date(ends, TIME)}"
    return f"{start_text} {EN_DASH} {format_date(ends, day_and_time)}"


@register.simple_tag
def event_zone(event: Event) -> str:
    """ "Europe/Zurich (CET)": the zone's name and its abbreviation at the start."""
    abbreviation = format_date(event.local_starts_at, "T")
    name = event.timezone.replace("_", " ")
    if abbreviation and abbreviation != event.timezone and not abbreviation.startswith(("+", "-")):
        return f"{name} ({abbreviation})"
    return name


@register.simple_tag
def in_event_zone(event: Event, value: object, fmt: str = f"{DAY}, {TIME}") -> str:
    """Any datetime of the event (an assignment, an answer) shown in the event's zone,
    in the order of the language in force."""
    if value is None:
        return ""
    return format_date(value.astimezone(event.tz), date_pattern(fmt))  # type: ignore[attr-defined]  # Event.tz is a property the stubs cannot see through the template tag


@register.filter
def localized(obj: object, field: str) -> str:
    """An organizer's text in the language in force, else the default text
    (artsvp.i18n.localized): `{{ event|localized:"description" }}`."""
    # A missing variable reaches a filter as "": no text then, as {{ missing.field }} shows.
    return i18n.localized(obj, field) if hasattr(obj, field) else ""
