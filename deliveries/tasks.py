"""The outbox's Celery tasks. They take ids and reload rows; models.py explains
why a message goes at least once and, in the normal case, exactly once.

They import the services modules; the services publish these tasks by name
(deliveries/publishing.py), so neither imports the other in a circle.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task

from deliveries import publishing
from deliveries.services import queueing, sending

# A send that hangs is killed (by the prefork pool) before the sweeper takes
# its row back (queueing.REQUEUE_SENDING_AFTER, 3 minutes, says why that
# margin is enough), so a row in `sending` that old is dead.
SEND_SOFT_TIME_LIMIT = 90
SEND_TIME_LIMIT = 120


@shared_task(
    bind=True,
    name=publishing.SEND_TASK,
    # Acknowledged after it ran, and given back to the broker when the worker
    # process dies under it: a killed worker's task runs again.
    acks_late=True,
    reject_on_worker_lost=True,
    # The row's attempt count decides when to give up (sending.MAX_ATTEMPTS),
    # so a task re-enqueued by the sweeper cannot reset the budget.
    max_retries=None,
    soft_time_limit=SEND_SOFT_TIME_LIMIT,
    time_limit=SEND_TIME_LIMIT,
)
def send_delivery(self: Any, delivery_id: int) -> Any:
    try:
        return sending.send_queued_delivery(delivery_id)
    except sending.RetryLater as exc:
        if self.request.is_eager:
            # In-process (no broker: development, tests) Celery runs a returned
            # Retry again at once, where a raised one would reach the caller.
            return self.retry(countdown=exc.countdown, exc=exc, throw=False)
        raise self.retry(countdown=exc.countdown, exc=exc) from exc


@shared_task(
    bind=True,
    name=publishing.SEND_CHUNK_TASK,
    # As send_delivery: a killed worker's chunk runs again, and finds the rows
    # it had claimed `sending` (the sweeper takes those back) and the others
    # still queued.
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=SEND_SOFT_TIME_LIMIT,
    time_limit=SEND_TIME_LIMIT,
)
def send_delivery_chunk(self: Any, delivery_ids: list[int]) -> dict[str, int]:
    """Up to publishing.SEND_CHUNK rows at once; a row that fails transiently
    gets a send_delivery task of its own, due after its backoff."""
    return sending.send_queued_deliveries(delivery_ids)


@shared_task(name=publishing.FAN_OUT_TASK, acks_late=True, reject_on_worker_lost=True)
def publish_send_tasks(delivery_ids: list[int]) -> int:
    """A large send's fan-out: its chunk tasks, published from here rather than
    from the request. Run twice, it publishes duplicates, which back off at
    the claim."""
    return publishing.enqueue_deliveries(delivery_ids, fan_out=False)


@shared_task(acks_late=True)
def requeue_stuck_deliveries() -> int:
    """Run by beat every minute: nothing queued is left behind for long."""
    return queueing.requeue_stuck_deliveries()
