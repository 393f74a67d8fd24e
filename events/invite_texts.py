"""The invite email's words: its placeholders and the standard subject and
message, per language of the event.

The invite email itself is the invites app's (invites/emails.py); the rule of
its placeholders lives here, a layer below, because the event form checks the
subject and message an organizer sets per language with the same rule as the
send form does.

The standard subject and message are ours, translated like every other
string; an event may set its own per language (`Event.translations[code]
["invite_subject"|"invite_message"]`), and a language without one reads ours.
What a sender types when sending stays theirs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy, pgettext_lazy

from artsvp.i18n import language, localized

if TYPE_CHECKING:
    from events.models import Event

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_]\w*)\s*\}\}")
PLACEHOLDERS = ("name", "event", "portal")

MAX_INVITE_SUBJECT_LENGTH = 200
MAX_INVITE_MESSAGE_LENGTH = 5000

# A guest without a name reads "Hello there,".
NAMELESS_GUEST = pgettext_lazy("the guest's name when the invite has none", "there")

# Translators: keep {{ event }} exactly as it is (with its braces and spaces):
# it is replaced by the event's name when the email goes.
DEFAULT_INVITE_SUBJECT = gettext_lazy("You're invited to {{ event }}")
# Translators: keep {{ name }}, {{ portal }} and {{ event }} exactly as they are
# (with their braces and spaces): they are replaced by the guest's name, who
# invites, and the event's name when the email goes.
DEFAULT_INVITE_MESSAGE = gettext_lazy(
    "Hello {{ name }},\n\n"
    "{{ portal }} would like to invite you to {{ event }}.\n\n"
    "Your personal invitation is below. Please let us know whether you can come."
)

# The invite texts an event keeps per language, with our standard for each.
INVITE_TEXT_FIELDS = {
    "invite_subject": DEFAULT_INVITE_SUBJECT,
    "invite_message": DEFAULT_INVITE_MESSAGE,
}


def unknown_placeholders(text: str) -> list[str]:
    return sorted({name for name in PLACEHOLDER.findall(text) if name not in PLACEHOLDERS})


def fill_placeholders(text: str, values: Mapping[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        return values.get(match.group(1), match.group(0))

    return PLACEHOLDER.sub(replace, text)


def standard_text(field: str, code: str | None = None) -> str:
    """Our standard invite subject or message, in `code` (default: the active language)."""
    if code is None:
        return str(INVITE_TEXT_FIELDS[field])
    with language(code):
        return str(INVITE_TEXT_FIELDS[field])


def invite_text(event: Event, field: str, code: str | None = None) -> str:
    """The event's invite subject or message in `code` (default: the active
    language), else our standard one in that language."""
    return localized(event, field, code, fallback=standard_text(field, code))
