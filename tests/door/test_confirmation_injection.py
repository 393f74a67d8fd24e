"""Hostile text in the confirmation and the cancellation: names, venue, window label,
portal, description. It stays text: no header, no calendar property, no parameter,
no query parameter of the add-to-calendar link can come from it."""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from icalendar import Calendar

from invites.answers import respond
from portals.models import Portal
from tests.door.test_confirmations import calendar_of, payload_text
from tests.invites.windows import add_window, invites_of

pytestmark = pytest.mark.django_db

# Every character with a meaning in iCalendar text, parameters or lines.
SPECIAL = 'a;b,c\\d:e"f\r\nX-EVIL:1\nBEGIN:VEVENT\r\nEND:VEVENT'

# What a confirmation's .ics holds, each as often as it should.
ENTRY_PROPERTIES = Counter(
    {"BEGIN": 2, "END": 2, "PRODID": 1, "VERSION": 1, "METHOD": 1, "SUMMARY": 1, "DTSTART": 1}
    | {"DTEND": 1, "DTSTAMP": 1, "UID": 1, "SEQUENCE": 1, "LOCATION": 1, "STATUS": 1}
    | {"ORGANIZER": 1, "ATTENDEE": 1}
)


@pytest.fixture
def answer(django_capture_on_commit_callbacks):
    def run(invite, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return respond(invite, **kwargs)

    return run


@pytest.fixture
def hostile(event, portal):
    """An event, venue, description, window label, portal and guest all named with SPECIAL."""
    event.name = f"Fair {SPECIAL}"
    event.venue = f"Hall {SPECIAL}"
    event.description = f"About {SPECIAL}\r\nDESCRIPTION:evil\r\nATTACH:http://evil.example/"
    event.save()
    Portal.objects.filter(pk=portal.pk).update(name=f"Galerie {SPECIAL}\r\nBcc: x@evil.example")
    window = add_window(event, f"Late {SPECIAL}", hour=18)
    [invite] = invites_of(event, portal=portal, guest_name=f"Eve {SPECIAL}")
    return invite, window


def unfolded_lines(message) -> list[str]:
    return payload_text(message).replace("\r\n ", "").split("\r\n")


def property_names(lines: list[str]) -> list[str]:
    return [re.split("[;:]", line, maxsplit=1)[0] for line in lines if line]


def test_special_characters_stay_inside_their_calendar_values(answer, hostile):
    invite, window = hostile
    answer(invite, accept=True, window=window)
    [message] = mail.outbox
    lines = unfolded_lines(message)
    # One calendar, one entry, each property once: none came from the text.
    assert Counter(property_names(lines)) == ENTRY_PROPERTIES
    assert not any(line.startswith(("X-EVIL", "DESCRIPTION", "ATTACH")) for line in lines)
    # Text values are escaped (RFC 5545 3.3.11): ; , \ and line breaks.
    [location] = [line for line in lines if line.startswith("LOCATION")]
    assert location == ('LOCATION:Hall a\\;b\\,c\\\\d:e"f\\nX-EVIL:1\\nBEGIN:VEVENT\\nEND:VEVENT')
    # ...and read back as the text the organizer typed (line breaks as \n).
    calendar = Calendar.from_ical(payload_text(message))
    [entry] = calendar.walk("VEVENT")
    assert len(calendar.subcomponents) == 1
    assert str(entry["LOCATION"]) == event_text(f"Hall {SPECIAL}")
    assert str(entry["SUMMARY"]) == event_text(f"Fair {SPECIAL} (Late {SPECIAL})")


def event_text(value: str) -> str:
    """How a value with CR/LF reads back from the .ics: line breaks as \\n."""
    return value.replace("\r\n", "\n")


def test_names_in_parameters_are_one_quoted_line_with_no_parameter_of_their_own(answer, hostile):
    invite, window = hostile
    answer(invite, accept=True, window=window)
    [message] = mail.outbox
    _part, _calendar, entry = calendar_of(message)
    attendee, organizer = entry["ATTENDEE"], entry["ORGANIZER"]
    assert set(attendee.params) == {"CN", "PARTSTAT"}
    assert set(organizer.params) == {"CN"}
    assert str(attendee) == f"mailto:{invite.guest_email}"
    assert str(organizer).startswith("mailto:noreply")
    assert attendee.params["CN"] == 'Eve a;b,c\\d:e"f X-EVIL:1 BEGIN:VEVENT END:VEVENT'
    assert organizer.params["CN"].startswith('Galerie a;b,c\\d:e"f X-EVIL:1')
    lines = unfolded_lines(message)
    assert len([line for line in lines if line.startswith("ATTENDEE")]) == 1
    assert len([line for line in lines if line.startswith("ORGANIZER")]) == 1


def test_the_description_is_not_in_the_calendar_entry_nor_the_email(answer, hostile):
    invite, window = hostile
    answer(invite, accept=True, window=window)
    [message] = mail.outbox
    assert "evil.example/" not in payload_text(message)
    assert "DESCRIPTION:evil" not in message.body


def test_no_header_comes_from_the_event_the_portal_or_the_guest(answer, hostile):
    invite, window = hostile
    answer(invite, accept=True, window=window)
    answer(invite, accept=False)
    confirmation, cancellation = mail.outbox
    for message in (confirmation, cancellation):
        assert "\r" not in message.subject and "\n" not in message.subject
        raw = message.message().as_bytes()
        headers = raw.split(b"\n\n", 1)[0]
        assert b"\nX-EVIL" not in headers and b"\nBcc:" not in headers
        assert b"\nBEGIN:VEVENT" not in headers
        assert message.bcc == [] and message.to == [invite.guest_email]
    assert cancellation.subject.startswith('Cancelled: Fair a;b,c\\d:e"f X-EVIL:1')
    # The cancellation's .ics is escaped the same way.
    lines = unfolded_lines(cancellation)
    assert not any(line.startswith(("X-EVIL", "DESCRIPTION", "ATTACH")) for line in lines)
    assert [line for line in lines if line.startswith("METHOD")] == ["METHOD:CANCEL"]


def test_the_add_to_calendar_link_has_no_parameter_of_the_texts_own(answer, event, portal):
    event.name = "Fair & co&ctz=Evil/Zone\r\n#frag"
    event.venue = "Hall?dates=20000101T000000Z/20000102T000000Z"
    event.save()
    [invite] = invites_of(event, portal=portal)
    answer(invite, accept=True)
    [message] = mail.outbox
    [url] = re.findall(r"https://calendar\.google\.com/\S+", str(message.body))
    query = parse_qs(urlsplit(url).query)
    assert set(query) == {"action", "text", "dates", "ctz", "location"}
    assert query["text"] == ["Fair & co&ctz=Evil/Zone #frag"]
    assert query["ctz"] == ["Europe/Zurich"]
    assert query["location"] == ["Hall?dates=20000101T000000Z/20000102T000000Z"]
    assert len(query["dates"]) == 1 and not query["dates"][0].startswith("2000")
