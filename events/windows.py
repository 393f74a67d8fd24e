"""The organizer's writes on entry windows: create, change, delete.

A window's label is unique in its event (any case; also a database
constraint), it ends after it starts, and its capacity is 0 or more (empty:
no limit of its own). Times without a zone are read in the event's zone, as
the event's own times are (11:00 means 11:00 at the venue).

Lowering a capacity never cancels anyone: guests already accepted keep their
place and the window simply shows as full. The change takes the window's row
lock, the lock the guests' answers take to check the capacity
(artsvp/locks.py: event -> entry window -> invite), so an answer decides on
either the old capacity or the new one, never on a mix.

Moving a window's start or end tells the apps above once it commits
(events/hooks.py): the door re-sends its accepted guests' confirmations.

A window that guests chose can't be deleted (their invites point at it: the
PROTECT of the foreign key decides); lower its capacity to 0 instead.

How many places of a window are taken is counted by the invites app, which
sits above events: it registers the counter here (`register_window_counter`).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable, Collection, Mapping
from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext

from artsvp.locks import lock_existing_row, locking_transaction
from artsvp.models_meta import max_length_of
from events.hooks import schedule_changed
from events.models import EntryWindow, Event
from events.services import MAX_CAPACITY, EventError, NonexistentLocalTime
from events.times import check_event_time, localize

MAX_LABEL_LENGTH = max_length_of(EntryWindow, "label")


class WindowError(EventError):
    """A refused window change; `status` is the API's, `field` the input it is about."""

    code = "invalid"
    status = 422
    field = "label"

    @property
    def details(self) -> dict[str, Any]:
        return {"fields": {self.field: [str(self)]}}


class InvalidWindow(WindowError):
    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


class DuplicateWindowLabel(WindowError):
    code = "duplicate_window_label"
    status = 409

    def __init__(self, label: str) -> None:
        self.label = label
        super().__init__(gettext("This event already has an entry window with this label."))


class WindowHasInvites(WindowError):
    code = "window_has_invites"
    status = 409
    field = "capacity"

    def __init__(self) -> None:
        super().__init__(
            gettext(
                "Guests chose this entry window: it can't be deleted. "
                "Set its capacity to 0 to stop new guests choosing it."
            )
        )


@dataclass(frozen=True)
class WindowDetails:
    """What an organizer types about a window; naive times are the event's wall clock."""

    label: str
    starts_at: datetime
    ends_at: datetime
    capacity: int | None = None


_DETAIL_FIELDS = tuple(f.name for f in fields(WindowDetails))


def details_of(window: EntryWindow) -> WindowDetails:
    return WindowDetails(**{name: getattr(window, name) for name in _DETAIL_FIELDS})


def _checked(event: Event, details: WindowDetails) -> WindowDetails:
    label = details.label.strip()
    if not label or len(label) > MAX_LABEL_LENGTH:
        raise InvalidWindow(
            "label",
            gettext("A window needs a label of at most %(max)d characters.")
            % {"max": MAX_LABEL_LENGTH},
        )
    if details.capacity is not None and not 0 <= details.capacity <= MAX_CAPACITY:
        raise InvalidWindow(
            "capacity",
            gettext("The capacity is between 0 and %(max)s, or empty for no limit.")
            % {"max": MAX_CAPACITY},
        )
    zone = zoneinfo.ZoneInfo(event.timezone)
    times: dict[str, datetime] = {}
    for name in ("starts_at", "ends_at"):
        value: datetime = getattr(details, name)
        try:
            check_event_time(value)
            aware = localize(value, zone) if value.tzinfo is None else value
        except ValueError as error:
            raise InvalidWindow(name, str(error)) from None
        if aware is None:
            raise NonexistentLocalTime(name, event.timezone)
        times[name] = aware
    if times["ends_at"] <= times["starts_at"]:
        raise InvalidWindow("ends_at", gettext("The window must end after it starts."))
    return replace(details, label=label, starts_at=times["starts_at"], ends_at=times["ends_at"])


def _check_label_free(event: Event, label: str, *, exclude: EntryWindow | None = None) -> None:
    others = EntryWindow.objects.filter(event=event, label__iexact=label)
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    if others.exists():
        raise DuplicateWindowLabel(label)


def _save(window: EntryWindow) -> EntryWindow:
    _check_label_free(window.event, window.label, exclude=window)
    try:
        with transaction.atomic():
            window.save()
    except IntegrityError:
        # Another window took the label between the check and the write.
        raise DuplicateWindowLabel(window.label) from None
    return window


def create_window(event: Event, *, details: WindowDetails) -> EntryWindow:
    """Add an entry window to the event. Raises InvalidWindow, DuplicateWindowLabel
    or NonexistentLocalTime."""
    checked = _checked(event, details)
    window = EntryWindow(organization_id=event.organization_id, event=event, **asdict(checked))
    with transaction.atomic():
        return _save(window)


def update_window(window: EntryWindow, *, changes: Mapping[str, Any]) -> EntryWindow:
    """Apply `changes` (WindowDetails fields) to the stored window, all or nothing.
    A lower capacity cancels nobody. Raises like create_window."""
    with locking_transaction():
        # The lock the guests' answers take to check the capacity: an answer
        # sees the capacity before or after this change, never half of it.
        locked = lock_existing_row(EntryWindow.objects.select_related("event").filter(pk=window.pk))
        if not changes:
            return locked
        checked = _checked(locked.event, replace(details_of(locked), **changes))
        moved = (checked.starts_at, checked.ends_at) != (locked.starts_at, locked.ends_at)
        for name, value in asdict(checked).items():
            setattr(locked, name, value)
        _save(locked)
        if moved:
            # Its guests' calendar entries move (events/hooks.py).
            schedule_changed(locked.event_id, window_id=locked.pk)
        return locked


def delete_window(window: EntryWindow) -> None:
    """Remove a window no guest chose. Raises WindowHasInvites."""
    with locking_transaction():
        locked = lock_existing_row(EntryWindow.objects.filter(pk=window.pk))
        try:
            with transaction.atomic():
                locked.delete()
        except ProtectedError:
            raise WindowHasInvites() from None


# --- Places taken ------------------------------------------------------------------

WindowCounter = Callable[[Collection[int]], dict[int, int]]
_counter: list[WindowCounter] = []


def register_window_counter(counter: WindowCounter) -> None:
    """Set the function mapping window ids to their places taken (one query)."""
    _counter[:] = [counter]


def taken_places(window_ids: Collection[int]) -> dict[int, int]:
    """{window id: accepted guests and their plus-ones}; a window without any is missing."""
    if not _counter or not window_ids:
        return {}
    return _counter[0](window_ids)
