"""The outbox's Celery tasks. They take ids and reload rows; models.py explains
why an email goes at least once and, in the normal case, exactly once."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from deliveries import services

# A send that hangs is killed (by the prefork pool) before the sweeper takes
# its row back (services.REQUEUE_SENDING_AFTER, 3 minutes, says why that
# margin is enough), so a row in `sending` that old is dead.
SEND_SOFT_TIME_LIMIT = 90
SEND_TIME_LIMIT = 120


@shared_task(
    bind=True,
    # Acknowledged after it ran, and given back to the broker when the worker
    # process dies under it: a killed worker's task runs again.
    acks_late=True,
    reject_on_worker_lost=True,
    # The row's attempt count decides when to give up (services.MAX_ATTEMPTS),
    # so a task re-enqueued by the sweeper cannot reset the budget.
    max_retries=None,
    soft_time_limit=SEND_SOFT_TIME_LIMIT,
    time_limit=SEND_TIME_LIMIT,
)
def send_delivery(self: Any, delivery_id: int) -> Any:
    try:
        return services.send_queued_delivery(delivery_id)
    except services.RetryLater as exc:
        if self.request.is_eager:
            # In-process (no broker: development, tests) Celery runs a returned
            # Retry again at once, where a raised one would reach the caller.
            return self.retry(countdown=exc.countdown, exc=exc, throw=False)
        raise self.retry(countdown=exc.countdown, exc=exc) from exc


@shared_task(acks_late=True, reject_on_worker_lost=True)
def publish_send_tasks(delivery_ids: list[int]) -> int:
    """A large send's fan-out: one send task per delivery, published from here
    rather than from the request. Run twice, it publishes duplicates, which
    back off at the claim."""
    return services.enqueue_deliveries(delivery_ids, fan_out=False)


@shared_task(acks_late=True)
def requeue_stuck_deliveries() -> int:
    """Run by beat every minute: nothing queued is left behind for long."""
    return services.requeue_stuck_deliveries()
