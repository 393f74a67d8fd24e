"""The door's Celery tasks: telling confirmed guests that the organizer moved
their entry. They take ids and reload rows (door/services.py decides).

Without a broker (development, tests) they run in-process, right away.
"""

from __future__ import annotations

from celery import shared_task

from door import services
from events.hooks import on_schedule_changed

# Guests per transaction: its locks are held for one chunk's emails only.
CHUNK = 500
# Guests one sweep tells (the next run takes the rest).
SWEEP_LIMIT = 5000


@on_schedule_changed
def publish_schedule_change(event_id: int, window_id: int | None) -> None:
    """After the organizer's edit commits: the fan-out leaves the request."""
    announce_schedule_change.delay(event_id, window_id)


@shared_task(acks_late=True)
def announce_schedule_change(event_id: int, window_id: int | None = None) -> int:
    """One task per chunk of the guests the move may concern; returns how many guests.
    Run twice, the second run's chunks find everyone told already."""
    invite_ids = services.confirmed_invite_ids(event_id, window_id=window_id)
    for start in range(0, len(invite_ids), CHUNK):
        sync_confirmation_chunk.delay(invite_ids[start : start + CHUNK])
    return len(invite_ids)


@shared_task(acks_late=True)
def sync_confirmation_chunk(invite_ids: list[int]) -> int:
    return services.sync_confirmations(invite_ids)


@shared_task
def sweep_unannounced_moves() -> int:
    """Beat's safety net (config/settings.py): a move announced by no task (the
    broker was down when it was published, a worker died) still reaches its
    guests within minutes. Each run tells at most SWEEP_LIMIT guests."""
    invite_ids = services.unannounced_moves(limit=SWEEP_LIMIT)
    for start in range(0, len(invite_ids), CHUNK):
        services.sync_confirmations(invite_ids[start : start + CHUNK])
    return len(invite_ids)
