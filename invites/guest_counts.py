"""What the organizer sees of an event's guests, and its counts per invite type and window.

One home for the organizer's view of an event: the guest list, its CSV and
the event page all start from `organizer_invites` (the event's invites that
`Invite.objects.visible_to_organizer()` lets the organizer see), so a count
never includes a guest the list hides.

Counting rules:
- *invited* counts places given out, not rows: a multi-use link of 5 uses
  counts 5 (the places it took of its type), and the answers to it are not
  counted again; a revoked link keeps the places its answers took. An
  answer whose link the organizer cannot see (a private portal's link) is
  one person invited.
- *attending* is accepted guests with their plus-ones; golden guests are
  counted like everyone (they skip capacity, they still take a place);
  pending answers take no capacity and are counted apart.
- A window is *full* when attending >= capacity and *over capacity* when
  more: lowering a capacity never cancels anyone, so both can happen.

Each table is one aggregate query (conditional Count/Sum grouped by type or
window), whatever the number of guests.

Types: a group with one type hides it everywhere, so types are shown only
when a group of the event has several (`EventTypes.shown`); a one-type
group's row in the counts is named after the group.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils.dateformat import format as format_date
from django.utils.translation import gettext

from events.models import EntryWindow, Event
from events.templatetags.event_tags import DAY, EN_DASH, TIME
from events.windows import register_window_counter
from invites.models import Invite
from portals.models import InviteType, PortalAllocation

ACCEPTED = Q(status=Invite.Status.ACCEPTED)
PENDING = Q(status=Invite.Status.PENDING)
DECLINED = Q(status=Invite.Status.DECLINED)
# A generated invite (a link), not an answer to a multi-use link.
_GENERATED = Q(parent__isnull=True)
_LIVE = ~Q(status=Invite.Status.REVOKED)


# --- Places taken: the one rule capacity decisions and every page count with ---


def places_taken(invites: QuerySet[Invite]) -> int:
    """Places the accepted guests among `invites` take: each guest and their plus-ones
    (golden guests too: they skip capacity, not the room; pending answers take none)."""
    totals = invites.filter(ACCEPTED).aggregate(
        guests=Count("id"), extra=Sum("plus_ones", default=0)
    )
    return int(totals["guests"]) + int(totals["extra"])


def places_taken_by_window(
    window_ids: Collection[int], *, exclude: Invite | None = None
) -> dict[int, int]:
    """{window id: places taken} in one query; a window nobody took is missing.
    `exclude`: an invite whose own current answer does not count against it."""
    if not window_ids:
        return {}
    invites = Invite.objects.filter(entry_window_id__in=list(window_ids))
    if exclude is not None:
        invites = invites.exclude(pk=exclude.pk)
    rows = (
        invites.filter(ACCEPTED)
        .order_by()
        .values("entry_window_id")
        .annotate(guests=Count("id"), extra=Sum("plus_ones", default=0))
        .values_list("entry_window_id", "guests", "extra")
    )
    return {window_id: guests + extra for window_id, guests, extra in rows}


# Events' pages count through this (events/windows.py's registry).
register_window_counter(places_taken_by_window)


def organizer_invites(event: Event) -> QuerySet[Invite]:
    """The invites of `event` the organizer may see (reach `event` through access_event)."""
    return Invite.objects.filter(
        organization_id=event.organization_id, event=event
    ).visible_to_organizer()


def count_fields() -> dict[str, Any]:
    """The aggregate of a set of invites: places invited, accepted, plus-ones, pending, declined."""
    link_hidden = ~Exists(Invite.objects.visible_to_organizer().filter(pk=OuterRef("parent_id")))
    return {
        # A live link counts the places it took; a revoked one the places its answers took.
        "invited_live": Sum("uses", filter=_GENERATED & _LIVE, default=0),
        "invited_revoked": Sum("uses_taken", filter=_GENERATED & ~_LIVE, default=0),
        "invited_answers": Count("id", filter=Q(parent__isnull=False) & Q(link_hidden)),
        "accepted": Count("id", filter=ACCEPTED),
        "plus_ones": Sum("plus_ones", filter=ACCEPTED, default=0),
        "pending": Count("id", filter=PENDING),
        "declined": Count("id", filter=DECLINED),
    }


def _counts(row: dict[str, Any]) -> dict[str, int]:
    return {
        "invited": row["invited_live"] + row["invited_revoked"] + row["invited_answers"],
        "accepted": row["accepted"],
        "plus_ones": row["plus_ones"],
        "pending": row["pending"],
        "declined": row["declined"],
    }


_COUNT_NAMES = ("invited", "accepted", "plus_ones", "pending", "declined")


def guest_counts(invites: QuerySet[Invite]) -> dict[str, int]:
    """The counts of `invites` (already filtered), in one query."""
    return _counts(invites.order_by().aggregate(**count_fields()))


@dataclass(frozen=True)
class ListedCounts:
    """What a list of invites shows above its rows: its counts, how many rows it
    has, and whether one of them is a multi-use link (the uses column)."""

    counts: dict[str, int]
    rows: int
    multi_use: bool


def listed_counts(invites: QuerySet[Invite]) -> ListedCounts:
    """The counts of `invites` (already filtered) and its rows, in one query."""
    row = invites.order_by().aggregate(
        **count_fields(), rows=Count("id"), multi_use=Count("id", filter=Q(uses__gt=1))
    )
    return ListedCounts(counts=_counts(row), rows=row["rows"], multi_use=row["multi_use"] > 0)


def listed_counts_of_types(per_type: list[TypeCounts]) -> ListedCounts:
    """`listed_counts` of every invite of the event, from its type_counts (no query):
    the rows per type add up to the event's."""
    return ListedCounts(
        counts={name: sum(getattr(row, name) for row in per_type) for name in _COUNT_NAMES},
        rows=sum(row.invites for row in per_type),
        multi_use=any(row.multi_use for row in per_type),
    )


@dataclass(frozen=True)
class EventTypes:
    """The invite types of an event's groups (archived ones too: their invites stay)."""

    types: list[InviteType]
    # type id -> what the organizer's pages call it
    labels: dict[int, str]
    # Types of groups with several types, the ones a filter offers.
    filterable: list[InviteType]

    @property
    def shown(self) -> bool:
        return bool(self.filterable)


def event_types(event: Event) -> EventTypes:
    """The event's types and their labels, in one query."""
    types = list(
        InviteType.objects.filter(organization_id=event.organization_id, group__event=event)
        .select_related("group")
        .order_by("group__name", "group_id", "position", "id")
    )
    per_group: dict[int, int] = {}
    for invite_type in types:
        per_group[invite_type.group_id] = per_group.get(invite_type.group_id, 0) + 1
    several_groups = len(per_group) > 1
    labels: dict[int, str] = {}
    for invite_type in types:
        if per_group[invite_type.group_id] == 1:
            labels[invite_type.pk] = invite_type.group.name
        elif several_groups:
            labels[invite_type.pk] = f"{invite_type.group.name} · {invite_type.name}"
        else:
            labels[invite_type.pk] = invite_type.name
    filterable = [t for t in types if per_group[t.group_id] > 1]
    return EventTypes(types=types, labels=labels, filterable=filterable)


@dataclass
class TypeCounts:
    label: str
    invite_type: InviteType | None = None
    invited: int = 0
    accepted: int = 0
    plus_ones: int = 0
    pending: int = 0
    declined: int = 0
    # Of the portals' allocations of the type (None for the organizer's own invites).
    places_used: int | None = None
    places_allocated: int | None = None
    # Rows of the type (any state), and of them multi-use links.
    invites: int = 0
    multi_use: int = 0

    @property
    def attending(self) -> int:
        return self.accepted + self.plus_ones


def type_counts(event: Event, types: EventTypes) -> list[TypeCounts]:
    """One row per type of the event, then one for invites without a type (the
    organizer's own) when there are any. Two queries: the invites and the allocations."""
    rows: dict[int | None, TypeCounts] = {
        invite_type.pk: TypeCounts(label=types.labels[invite_type.pk], invite_type=invite_type)
        for invite_type in types.types
    }
    for row in (
        organizer_invites(event)
        .order_by()
        .values("invite_type_id")
        .annotate(
            **count_fields(), invites=Count("id"), multi_use=Count("id", filter=Q(uses__gt=1))
        )
    ):
        type_id = row["invite_type_id"]
        if type_id not in rows:
            rows[type_id] = TypeCounts(label=gettext("No type (your own invites)"))
        for name, value in _counts(row).items():
            setattr(rows[type_id], name, value)
        rows[type_id].invites, rows[type_id].multi_use = row["invites"], row["multi_use"]
    for row in (
        PortalAllocation.objects.filter(invite_type_id__in=[t.pk for t in types.types])
        .order_by()
        .values("invite_type_id")
        .annotate(used=Sum("used"), size=Sum("size"))
    ):
        counts = rows[row["invite_type_id"]]
        counts.places_used, counts.places_allocated = row["used"], row["size"]
    return list(rows.values())


@dataclass
class WindowCounts:
    window: EntryWindow
    accepted: int = 0
    plus_ones: int = 0
    pending: int = 0
    golden: int = 0

    @property
    def attending(self) -> int:
        return self.accepted + self.plus_ones

    @property
    def is_full(self) -> bool:
        return self.window.capacity is not None and self.attending >= self.window.capacity

    @property
    def over_by(self) -> int:
        """How many more people accepted than the capacity (after lowering it, or golden)."""
        if self.window.capacity is None:
            return 0
        return max(self.attending - self.window.capacity, 0)

    @property
    def when(self) -> str:
        """ "Thu 14 Mar 2026, 11:00-15:00" in the event's zone (the window's event is loaded)."""
        tz = self.window.event.tz
        starts, ends = self.window.starts_at.astimezone(tz), self.window.ends_at.astimezone(tz)
        start_text = format_date(starts, f"{DAY}, {TIME}")
        if starts.date() == ends.date():
            return f"{start_text}{EN_DASH}{format_date(ends, TIME)}"
        return f"{start_text} {EN_DASH} {format_date(ends, f'{DAY}, {TIME}')}"

    @property
    def places_left(self) -> int | None:
        if self.window.capacity is None:
            return None
        return max(self.window.capacity - self.attending, 0)


def event_windows(event: Event) -> list[EntryWindow]:
    """The event's entry windows in time order, each with `event` set (no query per window)."""
    windows = list(
        EntryWindow.objects.filter(organization_id=event.organization_id, event=event).order_by(
            "starts_at", "label", "id"
        )
    )
    for window in windows:
        window.event = event
    return windows


def window_counts(event: Event, windows: list[EntryWindow]) -> list[WindowCounts]:
    """Per window: accepted guests and plus-ones (against its capacity), pending answers."""
    rows = {window.pk: WindowCounts(window=window) for window in windows}
    if not rows:
        return []
    for row in (
        organizer_invites(event)
        .filter(entry_window__isnull=False)
        .order_by()
        .values("entry_window_id")
        .annotate(
            accepted=Count("id", filter=ACCEPTED),
            plus_ones=Sum("plus_ones", filter=ACCEPTED, default=0),
            pending=Count("id", filter=PENDING),
            golden=Count("id", filter=ACCEPTED & Q(golden=True)),
        )
    ):
        counts = rows.get(row["entry_window_id"])
        if counts is not None:
            counts.accepted, counts.plus_ones = row["accepted"], row["plus_ones"]
            counts.pending, counts.golden = row["pending"], row["golden"]
    return list(rows.values())
