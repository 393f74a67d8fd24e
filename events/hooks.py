"""What the apps above events hear when the organizer moves an event or a window.

The door (above events) re-sends the confirmation of every accepted guest
whose calendar entry moved. Events must not import it, so the door registers
a callback here (`on_schedule_changed`, from its AppConfig.ready()), and the
services that change when or where guests come (events/services.py
update_event: start, end, venue; events/windows.py update_window: start,
end) call `schedule_changed(...)` inside their transaction. The callbacks run
once it commits (a rollback tells nobody), with the event's id and the
window's (None: the event itself changed), and read the rows fresh. A callback
decides itself what changed for whom; being told twice is harmless.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from django.db import transaction

# (event id, window id or None)
ScheduleCallback = Callable[[int, int | None], None]
# "module.qualname" -> callback: a module imported twice replaces its callback.
_CALLBACKS: dict[str, ScheduleCallback] = {}


def on_schedule_changed(callback: ScheduleCallback) -> ScheduleCallback:
    """Register `callback(event_id, window_id)`, run after commit when guests are moved."""
    _CALLBACKS[f"{callback.__module__}.{callback.__qualname__}"] = callback
    return callback


def schedule_changed(event_id: int, *, window_id: int | None = None) -> None:
    """Tell the registered callbacks, once the caller's transaction commits."""
    for callback in list(_CALLBACKS.values()):
        # robust: a failing listener is logged; the edit is committed already.
        transaction.on_commit(partial(callback, event_id, window_id), robust=True)
