from __future__ import annotations

import json
import zoneinfo
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from artsvp.i18n import DEFAULT_LANGUAGE, language_choices, language_name
from artsvp.links import absolute_url
from events.fields import WallClockField
from events.invite_texts import (
    MAX_INVITE_MESSAGE_LENGTH,
    MAX_INVITE_SUBJECT_LENGTH,
    standard_text,
)
from events.models import Event
from events.services import (
    MAX_CAPACITY,
    MAX_DESCRIPTION_LENGTH,
    MAX_NAME_LENGTH,
    MAX_VENUE_LENGTH,
    SLUG_MAX_LENGTH,
    EventDetails,
    EventError,
    check_text_version,
    slug_is_taken,
    suggest_slug,
)
from events.times import listed_timezone, listed_timezones, localize, timezone_aliases
from organizations.models import Organization

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Shown first in the time zone menu: where art fairs mostly happen.
COMMON_TIMEZONES = [
    "UTC",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Zurich",
    "Europe/Amsterdam",
    "Europe/Brussels",
    "Europe/Madrid",
    "Europe/Rome",
    "Europe/Vienna",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "America/Mexico_City",
    "America/Sao_Paulo",
    "Asia/Dubai",
    "Asia/Hong_Kong",
    "Asia/Seoul",
    "Asia/Shanghai",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
]


def _zone_label(name: str) -> str:
    return name.replace("_", " ")


@cache
def timezone_choices() -> list[tuple[StrOrPromise, list[tuple[str, str]]]]:
    """The menu: common zones first, then every listed zone (events/times.py), no aliases."""
    listed = listed_timezones()
    common = [name for name in COMMON_TIMEZONES if name in listed]
    return [
        (_("Common"), [(name, _zone_label(name)) for name in common]),
        (_("All time zones"), [(name, _zone_label(name)) for name in listed]),
    ]


# The texts the form offers per language: (the field, a label for the default
# language's version, a label for another language's).
VERSIONED_TEXTS = ("description", "invite_subject", "invite_message")


def _version_label(name: str, code: str) -> str:
    language = language_name(code)
    if name == "description":
        return gettext("Description (%(language)s)") % {"language": language}
    if name == "invite_subject":
        return gettext("Invite email subject (%(language)s)") % {"language": language}
    return gettext("Invite email message (%(language)s)") % {"language": language}


# The date the form shows in the past-event warning, in the event's zone.
WARNING_FORMAT = "D j M Y, H:i"


class EventForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=MAX_NAME_LENGTH,
        widget=forms.TextInput(attrs={"autofocus": True}),
    )
    slug = forms.SlugField(
        label=_("Short form in links"),
        max_length=SLUG_MAX_LENGTH,
        required=False,
    )
    starts_at = WallClockField(label=_("Starts"))
    ends_at = WallClockField(label=_("Ends"))
    timezone = forms.ChoiceField(
        label=_("Time zone"),
        choices=timezone_choices,
        help_text=_("The venue's time zone: start and end are read in it."),
    )
    # Shown (with the warning as its error) only once the dates turn out to be past.
    confirm_past = forms.BooleanField(required=False)
    venue = forms.CharField(label=_("Venue"), max_length=MAX_VENUE_LENGTH, required=False)
    capacity = forms.IntegerField(
        label=_("Capacity"),
        min_value=1,
        max_value=MAX_CAPACITY,
        required=False,
        help_text=_("How many guests the venue holds. Leave empty for no limit."),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=MAX_DESCRIPTION_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    answers_close_at = WallClockField(
        label=_("Answers close at"),
        required=False,
        help_text=_(
            "Guests can answer (and change their answer) until then, in the event's time "
            "zone. Leave empty: until the event ends."
        ),
    )
    rsvp_open = forms.BooleanField(
        label=_("RSVP open: guests can accept or decline their invitations"),
        required=False,
        initial=True,
    )
    language = forms.ChoiceField(
        label=_("Guests read"),
        choices=language_choices,
        initial=DEFAULT_LANGUAGE,
        # Not sent (a script posting the form): the event keeps its language.
        required=False,
        help_text=_("The event's language: guests read it unless their invite is in another."),
    )
    other_languages = forms.MultipleChoiceField(
        label=_("Also in"),
        choices=language_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "The other languages guests can read. Once saved, each gets its own version of "
            "the texts below; a version left empty shows the default text. A language you "
            "drop is no longer offered; its texts are kept, unused."
        ),
    )
    # The standard invite email's words in the event's language; versions for
    # its other languages are added in __init__ (`<field>_<code>`).
    invite_subject = forms.CharField(
        label=_("Invite email subject"),
        max_length=MAX_INVITE_SUBJECT_LENGTH,
        required=False,
        help_text=_(
            "What an invite email says when its sender keeps the standard words. You can "
            "use {{ name }} (the guest's name), {{ event }} (the event's name) and "
            "{{ portal }} (who invites: a portal, or your organization). Left empty: "
            "our standard text, in the guest's language."
        ),
    )
    invite_message = forms.CharField(
        label=_("Invite email message"),
        max_length=MAX_INVITE_MESSAGE_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def __init__(
        self, *args: Any, organization: Organization, instance: Event | None = None, **kwargs: Any
    ) -> None:
        self.organization = organization
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": instance.name,
                "slug": instance.slug,
                "starts_at": instance.local_starts_at.replace(tzinfo=None),
                "ends_at": instance.local_ends_at.replace(tzinfo=None),
                "timezone": instance.timezone,
                "venue": instance.venue,
                "capacity": instance.capacity,
                "description": instance.description,
                "rsvp_open": instance.rsvp_open,
                "language": instance.language,
                "other_languages": instance.other_languages,
                "answers_close_at": (
                    instance.answers_close_at.astimezone(instance.tz).replace(tzinfo=None)
                    if instance.answers_close_at
                    else None
                ),
            }
        super().__init__(*args, **kwargs)
        self._add_versions()
        # The address the short form makes: this event's, or an example's.
        if instance is not None:
            url = absolute_url(reverse("events:detail", args=[organization.slug, instance.slug]))
            help_text = gettext(
                "Lowercase letters, digits and hyphens. The event's pages are at %(url)s"
            )
        else:
            url = absolute_url(reverse("events:detail", args=[organization.slug, "spring-fair"]))
            help_text = gettext(
                "Lowercase letters, digits and hyphens, as in %(url)s "
                "Leave empty to make one from the name."
            )
        self.fields["slug"].help_text = help_text % {"url": url}
        self.fields["confirm_past"].label = (
            _("Yes, save it in the past") if instance else _("Yes, create it in the past")
        )
        if instance is not None and listed_timezone(instance.timezone) != instance.timezone:
            # An alias set through the API stays choosable on its own event.
            zone_field = self.fields["timezone"]
            assert isinstance(zone_field, forms.ChoiceField)
            zone_field.choices = [
                (_("Current"), [(instance.timezone, _zone_label(instance.timezone))]),
                *timezone_choices(),
            ]

    def _add_versions(self) -> None:
        """A field per text and other language of the event as stored (the page
        shows these; a language ticked now gets its fields once saved)."""
        instance = self.instance
        stored = (instance.translations or {}) if instance is not None else {}
        # The default language's invite texts are kept per language too: under
        # the language the page showed them in.
        self.default_language = instance.language if instance is not None else None
        others = instance.languages[1:] if instance is not None else []
        if self.default_language is not None:
            for name in ("invite_subject", "invite_message"):
                self.initial.setdefault(
                    name, (stored.get(self.default_language) or {}).get(name, "")
                )
        self.version_fields: dict[str, list[str]] = {name: [name] for name in VERSIONED_TEXTS}
        for code in others:
            for name in VERSIONED_TEXTS:
                default = self.fields[name]
                assert isinstance(default, forms.CharField)
                key = f"{name}_{code}"
                self.fields[key] = forms.CharField(
                    label=_version_label(name, code),
                    max_length=default.max_length,
                    required=False,
                    widget=type(default.widget)(attrs=dict(default.widget.attrs)),
                )
                self.initial.setdefault(key, (stored.get(code) or {}).get(name, ""))
                self.version_fields[name].append(key)
        # Our standard words, in each field's language, show where a field is empty.
        for name in ("invite_subject", "invite_message"):
            codes = [self.default_language or DEFAULT_LANGUAGE, *others]
            for key, code in zip(self.version_fields[name], codes, strict=True):
                self.fields[key].widget.attrs["placeholder"] = standard_text(name, code)

    def versions(self, name: str) -> list[forms.BoundField]:
        """The fields of one text, the default language's first: the template's rows."""
        return [self[key] for key in self.version_fields[name]]

    @property
    def description_versions(self) -> list[forms.BoundField]:
        return self.versions("description")

    @property
    def invite_subject_versions(self) -> list[forms.BoundField]:
        return self.versions("invite_subject")

    @property
    def invite_message_versions(self) -> list[forms.BoundField]:
        return self.versions("invite_message")

    def _version_keys(self) -> list[tuple[str, str, str]]:
        """(form field, language, text) of every version the form saves."""
        default = (
            self.default_language or self.cleaned_data.get("language") or self._stored_language()
        )
        keys = []
        for name, fields in self.version_fields.items():
            for key in fields:
                if key == "description":
                    continue  # The default text: Event.description.
                code = key.rpartition("_")[2] if key != name else default
                keys.append((key, code, name))
        return keys

    def preselect_browser_zone(self) -> None:
        """Let static/js/event-timezone.js pick the organizer's browser zone (an
        alias mapped to its listed zone) instead of the server's guess."""
        self.fields["timezone"].widget.attrs.update(
            {
                "data-browser-zone": "",
                "data-zone-aliases": json.dumps(timezone_aliases(), separators=(",", ":")),
            }
        )

    @property
    def asks_to_confirm_past(self) -> bool:
        """The past-event warning is showing (or was confirmed): render its checkbox."""
        return self.is_bound and (
            "confirm_past" in self.errors or bool(self.cleaned_data.get("confirm_past"))
        )

    def _moves_into_past(self, starts: datetime, ends: datetime) -> bool:
        """A new event that starts in the past, or an event whose dates move to a
        past start. An existing past event saved with its dates untouched is not asked again."""
        if starts >= timezone.now():
            return False
        if self.instance is None:
            return True

        # To the minute, as the form shows them: seconds set through the API are no move.
        def minutes(*times: datetime) -> tuple[datetime, ...]:
            return tuple(time.replace(second=0, microsecond=0) for time in times)

        return minutes(starts, ends) != minutes(self.instance.starts_at, self.instance.ends_at)

    def clean_slug(self) -> str:
        slug: str = self.cleaned_data["slug"].lower()
        if slug and slug_is_taken(self.organization, slug, exclude=self.instance):
            free = suggest_slug(self.organization, slug, exclude=self.instance)
            raise ValidationError(
                _("Another event already uses this in its links. “%(free)s” is free."),
                code="slug_taken",
                params={"free": free},
            )
        return slug

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        zone_name = cleaned.get("timezone")
        if not zone_name:
            return cleaned
        zone = zoneinfo.ZoneInfo(zone_name)
        for name in ("starts_at", "ends_at", "answers_close_at"):
            wall_clock = cleaned.get(name)
            if wall_clock is None:
                continue
            aware = localize(wall_clock, zone)
            if aware is None:
                self.add_error(
                    name,
                    ValidationError(
                        _(
                            "This time does not exist in %(zone)s: the clocks skip it. "
                            "Pick a time an hour later."
                        ),
                        code="nonexistent_time",
                        params={"zone": zone_name},
                    ),
                )
                cleaned.pop(name, None)
            else:
                cleaned[name] = aware
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The event must end after it starts."))
        elif starts and ends and self._moves_into_past(starts, ends):
            if not cleaned.get("confirm_past"):
                message = (
                    _("This event ended on %(ends)s, in the past. Check the dates, or confirm.")
                    if ends < timezone.now()
                    else _(
                        "This event started on %(starts)s, in the past. "
                        "Check the dates, or confirm."
                    )
                )
                zone = zoneinfo.ZoneInfo(zone_name)
                self.add_error(
                    "confirm_past",
                    ValidationError(
                        message,
                        code="in_the_past",
                        params={
                            "starts": format_date(starts.astimezone(zone), WARNING_FORMAT),
                            "ends": format_date(ends.astimezone(zone), WARNING_FORMAT),
                        },
                    ),
                )
        else:
            # Dates not in the past: an earlier confirmation is moot.
            cleaned["confirm_past"] = False
        for key, code, name in self._version_keys():
            if key in cleaned:
                try:
                    cleaned[key] = check_text_version(code, name, cleaned[key])
                except EventError as error:
                    self.add_error(key, str(error))
        return cleaned

    def details(self) -> EventDetails:
        data = self.cleaned_data
        return EventDetails(
            name=data["name"].strip(),
            slug=data["slug"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            timezone=data["timezone"],
            venue=data["venue"].strip(),
            description=data["description"].strip(),
            capacity=data["capacity"],
            rsvp_open=data["rsvp_open"],
            answers_close_at=data.get("answers_close_at"),
            language=data["language"] or self._stored_language(),
            other_languages=list(data["other_languages"]),
            translations=self._versions(),
        )

    def _stored_language(self) -> str:
        return self.instance.language if self.instance is not None else DEFAULT_LANGUAGE

    def _versions(self) -> dict[str, dict[str, str]]:
        versions: dict[str, dict[str, str]] = {}
        for key, code, name in self._version_keys():
            versions.setdefault(code, {})[name] = self.cleaned_data.get(key, "")
        return versions
