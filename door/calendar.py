"""The guest's calendar entry: the `.ics` file and the add-to-calendar link.

One entry per invite, with a stable UID (`<invite public id>@artsvp`), so
each new message updates the entry the guest already has instead of adding
one. Its SEQUENCE is the pass's (door/services.py says when it goes up).
METHOD:REQUEST for a confirmation, METHOD:CANCEL (same UID, STATUS:CANCELLED)
when the guest no longer comes. Times are the entry window's, or the event's
when there is none, written in UTC (every calendar shows them in its own
zone; the email says them in the event's). Text values (names, venue) are
escaped by icalendar: a CR/LF in a name cannot add a property; parameters
(the CN of organizer and attendee) are flattened to one line first.

The entry holds no secret: neither the check-in code nor the invite link.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parseaddr
from typing import Literal
from urllib.parse import urlencode

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from artsvp.emails import one_line
from door.models import CheckInPass
from invites.models import Invite

Method = Literal["REQUEST", "CANCEL"]
GOOGLE_CALENDAR_URL = "https://calendar.google.com/calendar/render"


def calendar_uid(invite: Invite) -> str:
    return f"{invite.public_id}@artsvp"


def entry_times(invite: Invite) -> tuple[datetime, datetime]:
    """When the guest comes: their window, else the whole event."""
    window = invite.entry_window
    if window is not None:
        return window.starts_at, window.ends_at
    return invite.event.starts_at, invite.event.ends_at


def host_name(invite: Invite) -> str:
    return invite.portal.name if invite.portal is not None else invite.organization.name


def summary(invite: Invite) -> str:
    event = invite.event
    if invite.entry_window is not None:
        return f"{event.name} ({invite.entry_window.label})"
    return event.name


def build_ics(invite: Invite, check_in_pass: CheckInPass, *, method: Method) -> bytes:
    """The calendar file for `invite`: its entry, as of now."""
    start, end = entry_times(invite)
    calendar = Calendar()
    calendar.add("prodid", "-//artsvp//door//EN")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    entry = Event()
    entry.add("uid", calendar_uid(invite))
    entry.add("sequence", check_in_pass.sequence)
    entry.add("dtstamp", timezone.now().astimezone(UTC))
    entry.add("dtstart", start.astimezone(UTC))
    entry.add("dtend", end.astimezone(UTC))
    # The language the guest reads (RFC 5545 LANGUAGE); the name is as the organizer wrote it.
    entry.add("summary", summary(invite), parameters={"LANGUAGE": invite.guest_language})
    if invite.event.venue:
        entry.add("location", invite.event.venue)
    entry.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    organizer = vCalAddress(f"mailto:{parseaddr(settings.DEFAULT_FROM_EMAIL)[1]}")
    organizer.params["cn"] = vText(one_line(host_name(invite)))
    entry.add("organizer", organizer)
    if invite.guest_email:
        attendee = vCalAddress(f"mailto:{invite.guest_email}")
        if invite.guest_name:
            attendee.params["cn"] = vText(one_line(invite.guest_name))
        attendee.params["partstat"] = "DECLINED" if method == "CANCEL" else "ACCEPTED"
        entry.add("attendee", attendee)
    calendar.add_component(entry)
    return bytes(calendar.to_ical())


def google_calendar_url(invite: Invite) -> str:
    """Google Calendar's "add event" template, filled in (no secret in it)."""
    start, end = entry_times(invite)
    stamp = "%Y%m%dT%H%M%SZ"
    query = {
        "action": "TEMPLATE",
        "text": one_line(summary(invite)),
        "dates": f"{start.astimezone(UTC).strftime(stamp)}/{end.astimezone(UTC).strftime(stamp)}",
        "ctz": invite.event.timezone,
    }
    if invite.event.venue:
        query["location"] = one_line(invite.event.venue)
    return f"{GOOGLE_CALENDAR_URL}?{urlencode(query)}"
