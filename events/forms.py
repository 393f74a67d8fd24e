from __future__ import annotations

import zoneinfo
from functools import cache
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from events.fields import WallClockField
from events.models import Event
from events.services import (
    MAX_CAPACITY,
    MAX_DESCRIPTION_LENGTH,
    MAX_NAME_LENGTH,
    MAX_VENUE_LENGTH,
    SLUG_MAX_LENGTH,
    EventDetails,
    slug_is_taken,
    suggest_slug,
)
from events.times import available_timezones, localize
from organizations.models import Organization

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


@cache
def timezone_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    def label(name: str) -> str:
        return name.replace("_", " ")

    everything = sorted(available_timezones())
    common = [name for name in COMMON_TIMEZONES if name in available_timezones()]
    return [
        ("Common", [(name, label(name)) for name in common]),
        ("All time zones", [(name, label(name)) for name in everything]),
    ]


class EventForm(forms.Form):
    name = forms.CharField(
        max_length=MAX_NAME_LENGTH, widget=forms.TextInput(attrs={"autofocus": True})
    )
    slug = forms.SlugField(
        label="Address",
        max_length=SLUG_MAX_LENGTH,
        required=False,
        help_text="Used in the event's links. Leave empty to make one from the name.",
    )
    starts_at = WallClockField(label="Starts")
    ends_at = WallClockField(label="Ends")
    timezone = forms.ChoiceField(
        label="Time zone",
        choices=timezone_choices,
        help_text="The venue's time zone: start and end are read in it.",
    )
    venue = forms.CharField(max_length=MAX_VENUE_LENGTH, required=False)
    capacity = forms.IntegerField(
        min_value=1,
        max_value=MAX_CAPACITY,
        required=False,
        help_text="How many guests the venue holds. Leave empty for no limit.",
    )
    description = forms.CharField(
        required=False, max_length=MAX_DESCRIPTION_LENGTH, widget=forms.Textarea(attrs={"rows": 4})
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
        label="RSVP open: guests can accept or decline their invitations",
        required=False,
        initial=True,
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
                "answers_close_at": (
                    instance.answers_close_at.astimezone(instance.tz).replace(tzinfo=None)
                    if instance.answers_close_at
                    else None
                ),
            }
        super().__init__(*args, **kwargs)

    def clean_slug(self) -> str:
        slug: str = self.cleaned_data["slug"].lower()
        if slug and slug_is_taken(self.organization, slug, exclude=self.instance):
            free = suggest_slug(self.organization, slug, exclude=self.instance)
            raise ValidationError(
                "Another event already uses this address. “%(free)s” is free.",
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
                        "This time does not exist in %(zone)s: the clocks skip it. "
                        "Pick a time an hour later.",
                        code="nonexistent_time",
                        params={"zone": zone_name},
                    ),
                )
                cleaned.pop(name, None)
            else:
                cleaned[name] = aware
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", "The event must end after it starts.")
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
        )
