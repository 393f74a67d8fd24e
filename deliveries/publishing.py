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
SEND_CHUNK_TASK = "deliveries.tasks.send_delivery_chunk"
FAN_OUT_TASK = "deliveries.tasks.publish_send_tasks"

# The `last_error` of a queued row whose task could not be published (the
# broker was down): no message for it exists, so the sweeper's next run (beat:
# every minute) enqueues it again without waiting. Once the broker is back,
# such messages leave within about a minute.
NOT_ENQUEUED = "Waiting for the task queue, which was unreachable."
# More than one row goes in chunk tasks of up to SEND_CHUNK rows: one claim,
# one connection to the provider and a handful of statements for all of them
# (services/sending.py), where a task per row cost a broker round trip and
# three transactions each. 50 keeps a chunk's sends well inside its task's
# time limit even with a slow provider (sending.CHUNK_BUDGET hands back the
# rest before that), and a large send still spreads over every worker process.
SEND_CHUNK = 50
# Past FAN_OUT_ABOVE rows the request publishes the first chunk itself, so
# the first emails leave at once, and hands the rest to a worker in fan-out
# tasks of FAN_OUT_CHUNK rows (`tasks.publish_send_tasks`), so a send of
# 10,000 returns at once.
FAN_OUT_ABOVE = 250
FAN_OUT_CHUNK = 1000


def _task(name: str) -> Any:
    # The registered task itself (not send_task): it honours
    # CELERY_TASK_ALWAYS_EAGER in development and tests.
    return current_app.tasks[name]


def _pieces(ids: list[int], size: int) -> list[list[int]]:
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def enqueue_deliveries(delivery_ids: list[int], *, fan_out: bool = True) -> int:
    """Publish the send tasks of these rows; returns how many rows were handed over.

    One row goes in its own send task (a portal link, a confirmation: the
    small path), more in chunk tasks of `SEND_CHUNK` rows. Publishing takes
    about a millisecond a task, so past `FAN_OUT_ABOVE` rows a request
    publishes the first chunk and then one fan-out task per `FAN_OUT_CHUNK`
    of the other rows, which a worker turns into their chunks: the first
    emails do not wait for the rest to be published. Never raises: the rows
    are committed, so a broker that is down only delays them until the
    sweeper runs. It stops at the first failure (every further attempt would
    wait for the same dead broker) and marks the rows left over
    `NOT_ENQUEUED`, so the next sweep takes them at once. How long a dead
    broker can hold the caller is set by CELERY_BROKER_TRANSPORT_OPTIONS and
    CELERY_TASK_PUBLISH_RETRY_POLICY.
    """
    # (the task, its arguments, the rows that call hands over), in publishing order
    calls: list[tuple[Any, tuple[Any, ...], list[int]]]
    if len(delivery_ids) == 1:
        calls = [(_task(SEND_TASK), (delivery_ids[0],), delivery_ids)]
    elif fan_out and len(delivery_ids) > FAN_OUT_ABOVE:
        first, rest = delivery_ids[:SEND_CHUNK], delivery_ids[SEND_CHUNK:]
        calls = [(_task(SEND_CHUNK_TASK), (first,), first)]
        calls += [(_task(FAN_OUT_TASK), (ids,), ids) for ids in _pieces(rest, FAN_OUT_CHUNK)]
    else:
        calls = [(_task(SEND_CHUNK_TASK), (ids,), ids) for ids in _pieces(delivery_ids, SEND_CHUNK)]
    handed_over = 0
    try:
        # One broker connection for all of them, not one per task.
        with current_app.producer_or_acquire() as producer:
            for task, args, rows in calls:
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


def enqueue_retry(delivery_id: int, *, countdown: int) -> None:
    """Publish the send task of a row released for a retry, due in `countdown` seconds.

    A row of a chunk whose send failed is retried alone, as a row sent on
    its own is (`tasks.send_delivery` retrying itself). Never raises: if the
    broker is down, the sweeper finds the row once it is overdue
    (queueing.REQUEUE_QUEUED_AFTER past its due time).
    """
    try:
        _task(SEND_TASK).apply_async((delivery_id,), countdown=countdown)
    except Exception as exc:
        logger.warning(
            "Could not enqueue the retry of delivery %s (%s: %s); the sweeper will.",
            delivery_id,
            type(exc).__name__,
            exc,
        )


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
