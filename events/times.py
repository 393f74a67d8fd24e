"""The one rule for an event's start and end times, used by the form and the API.

An event happens between the years 2000 and 2100: far enough from datetime's
limits that reading a wall-clock time in any zone never overflows (year 9999
in New York would be year 10000 in UTC), and a time given with an offset must
have one PostgreSQL can read (at most ±15:59; Python accepts up to ±23:59).

Time zones: any IANA name the zone database knows is valid (the API takes
"US/Eastern" or "Asia/Calcutta" as before), but the menu organizers pick from
lists only the zones of the tz database's own table for people to choose from,
`zone.tab` (one zone per country and region: Europe/Amsterdam, Asia/Kolkata),
plus UTC. Old names, links and Etc/GMT+5-style offsets stay out of it. An
alias a browser reports is mapped to the listed zone with the same rules
(the tzdata package stores a link as a copy of its target's file).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from functools import cache
from importlib import resources

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_UTC_OFFSET = dt.timedelta(hours=15, minutes=59)


@cache
def available_timezones() -> frozenset[str]:
    """The zone names an event may have (the form's menu, the API's check)."""
    return frozenset(zoneinfo.available_timezones()) | {"UTC"}


def _zone_file(name: str) -> resources.abc.Traversable:
    path = resources.files("tzdata.zoneinfo")
    for part in name.split("/"):
        path = path / part
    return path


def _table_names(table: str) -> set[str]:
    """The zone names of one of the tz database's tables (the third column)."""
    lines = _zone_file(table).read_text(encoding="utf-8").splitlines()
    return {line.split("\t")[2] for line in lines if line and not line.startswith("#")}


@cache
def listed_timezones() -> tuple[str, ...]:
    """The zones the event form offers, sorted: zone.tab's names and UTC (module docstring)."""
    return tuple(sorted((_table_names("zone.tab") | {"UTC"}) & available_timezones()))


@cache
def timezone_aliases() -> dict[str, str]:
    """Every valid zone name that is not listed -> the listed zone it is a link to.

    Names whose rules match no listed zone (Etc/GMT+5, EST5EDT) are left out.
    When several listed zones share the rules (GB: Europe/London,
    Europe/Jersey, ...), the one with the same city wins, then the one
    zone1970.tab names (the link's real target), then the first by name.
    """
    listed = listed_timezones()
    targets = _table_names("zone1970.tab")
    by_rules: dict[bytes, list[str]] = defaultdict(list)
    for name in listed:
        if name != "UTC":
            by_rules[_zone_file(name).read_bytes()].append(name)

    def closeness(alias: str, name: str) -> tuple[bool, bool, str]:
        return (alias.rsplit("/", 1)[-1] != name.rsplit("/", 1)[-1], name not in targets, name)

    aliases: dict[str, str] = {}
    for alias in sorted(available_timezones() - set(listed)):
        try:
            rules = _zone_file(alias).read_bytes()
        except OSError:
            continue
        candidates = by_rules.get(rules)
        if candidates:
            aliases[alias] = min(candidates, key=lambda name: closeness(alias, name))
        elif alias.replace("Etc/", "") in {"UTC", "UCT", "Universal", "Zulu", "GMT", "Greenwich"}:
            aliases[alias] = "UTC"
    return aliases


def listed_timezone(name: str) -> str | None:
    """`name` if the menu lists it, the listed zone an alias stands for, or None."""
    if name in listed_timezones():
        return name
    return timezone_aliases().get(name)


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
