"""The one rule for an event's start and end times, used by the form and the API.

An event happens between the years 2000 and 2100: far enough from datetime's
limits that reading a wall-clock time in any zone never overflows (year 9999
in New York would be year 10000 in UTC), and a time given with an offset must
have one PostgreSQL can read (at most ±15:59; Python accepts up to ±23:59).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from functools import cache

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_UTC_OFFSET = dt.timedelta(hours=15, minutes=59)


@cache
def available_timezones() -> frozenset[str]:
    """The zone names an event may have (the form's menu, the API's check)."""
    return frozenset(zoneinfo.available_timezones()) | {"UTC"}


def check_event_time(value: dt.datetime) -> dt.datetime:
    """`value` if it is a time an event may have; ValueError saying why not otherwise."""
    if not (MIN_YEAR <= value.year <= MAX_YEAR):
        raise ValueError(
            gettext("Use a date between the years %(min)s and %(max)s.")
            % {"min": MIN_YEAR, "max": MAX_YEAR}
        )
    offset = value.utcoffset()
    if offset is not None and abs(offset) > MAX_UTC_OFFSET:
        raise ValueError(gettext("Use a UTC offset between -15:59 and +15:59."))
    return value


def validate_event_time(value: dt.datetime) -> None:
    """check_event_time as a Django validator, for form fields."""
    try:
        check_event_time(value)
    except ValueError as error:
        raise ValidationError(str(error), code="out_of_range") from None


def localize(wall_clock: dt.datetime, zone: zoneinfo.ZoneInfo) -> dt.datetime | None:
    """The aware time for a wall-clock time in `zone`, or None if the clocks skip it."""
    check_event_time(wall_clock)
    aware = wall_clock.replace(tzinfo=zone)
    round_trip = aware.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None)
    return aware if round_trip == wall_clock else None
