"""Form fields for event times, for the event form and the forms of apps above
(an entry window's times are typed like the event's)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.forms.fields import BaseTemporalField
from django.utils.dateparse import parse_datetime

from events.times import validate_event_time

DATETIME_LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


class WallClockField(forms.DateTimeField):
    """A date and time without a zone (an <input type="datetime-local">).

    Django would read it in the server's zone; the event form reads it in the
    zone the organizer picked instead, so 11:00 means 11:00 at the venue.
    """

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL_FORMAT)
    input_formats = [DATETIME_LOCAL_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
    default_validators = [validate_event_time]

    def to_python(self, value: Any) -> dt.datetime | None:
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            return value.replace(tzinfo=None)
        try:
            parsed = parse_datetime(str(value).strip())
        except ValueError:
            parsed = None
        if parsed is None:
            parsed = BaseTemporalField.to_python(self, value)
        return parsed.replace(tzinfo=None) if parsed else None
