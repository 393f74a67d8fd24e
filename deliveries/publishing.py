"""Publishing the send tasks of committed outbox rows.

Its own module so that the queueing services and the tasks both use it
without importing each other: the tasks are looked up by name in the Celery
app's registry (deliveries/tasks.py registers them; DeliveriesConfig.ready()
imports it), so this module never imports tasks.py.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import current_app
from django.db import DatabaseError

from deliveries.models import Delivery

logger = logging.getLogger(__name__)

SEND_TASK = "deliveries.tasks.send_delivery"
FAN_OUT_TASK = "deliveries.tasks.publish_send_tasks"

# The `last_error` of a queued row whose task could not be published (the
# broker was down): no message for it exists, so the sweeper's next run (beat:
# every minute) enqueues it again without waiting. Once the broker is back,
# such messages leave within about a minute.
NOT_ENQUEUED = "Waiting for the task queue, which was unreachable."
# Large sends are published by a worker, in chunks (see enqueue_deliveries).
FAN_OUT_ABOVE = 50
FAN_OUT_CHUNK = 1000


def _task(name: str) -> Any:
    # The registered task itself (not send_task): it honours
    # CELERY_TASK_ALWAYS_EAGER in development and tests.
    return current_app.tasks[name]


def enqueue_deliveries(delivery_ids: list[int], *, fan_out: bool = True) -> int:
    """Publish the send tasks of these rows; returns how many rows were handed over.

    Publishing takes about a millisecond a task, so past `FAN_OUT_ABOVE` rows
    a request publishes one task per `FAN_OUT_CHUNK` rows and a worker
    publishes the rest (`tasks.publish_send_tasks`): a send of 1,000 returns
    at once. Never raises: the rows are committed, so a broker that is down
    only delays them until the sweeper runs. It stops at the first failure
    (every further attempt would wait for the same dead broker) and marks
    the rows left over `NOT_ENQUEUED`, so the next sweep takes them at once.
    How long a dead broker can hold the caller is set by
    CELERY_BROKER_TRANSPORT_OPTIONS and CELERY_TASK_PUBLISH_RETRY_POLICY.
    """
    # (the task's arguments, the rows that call hands over)
    calls: list[tuple[tuple[Any, ...], list[int]]]
    if fan_out and len(delivery_ids) > FAN_OUT_ABOVE:
        task = _task(FAN_OUT_TASK)
        batches = [
            delivery_ids[start : start + FAN_OUT_CHUNK]
            for start in range(0, len(delivery_ids), FAN_OUT_CHUNK)
        ]
        calls = [((batch,), batch) for batch in batches]
    else:
        task = _task(SEND_TASK)
        calls = [((delivery_id,), [delivery_id]) for delivery_id in delivery_ids]
    handed_over = 0
    try:
        # One broker connection for all of them, not one per task.
        with task.app.producer_or_acquire() as producer:
            for args, rows in calls:
                task.apply_async(args, producer=producer)
                handed_over += len(rows)
    except Exception as exc:
        left = delivery_ids[handed_over:]
        # A warning without the traceback: during an outage every send logs one.
        logger.warning(
            "Could not enqueue %d of %d deliveries (%s: %s); they stay queued for the sweeper.",
            len(left),
            len(delivery_ids),
            type(exc).__name__,
            exc,
        )
        _mark_not_enqueued(left)
    return handed_over


def _mark_not_enqueued(delivery_ids: list[int]) -> None:
    try:
        # Only rows still waiting: a publish that failed late may have reached
        # a worker, which has claimed the row by now.
        Delivery.objects.filter(pk__in=delivery_ids, status=Delivery.Status.QUEUED).update(
            last_error=NOT_ENQUEUED
        )
    except DatabaseError:
        # The sweeper's REQUEUE_QUEUED_AFTER still finds them, only later.
        logger.warning("Could not mark %d deliveries as not enqueued.", len(delivery_ids))
