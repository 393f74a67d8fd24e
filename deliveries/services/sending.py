"""Sending queued deliveries, in a worker: claim, build, send, record.

models.py explains why this sends at least once and, in the normal case,
exactly once, on every channel. No lock is held while talking to the
provider; the channel (deliveries/channels.py) builds and sends the message
and says which errors are transient.

One row (`send_queued_delivery`, the small path) or a chunk of rows
(`send_queued_deliveries`) go the same way: the rows still queued are
claimed in one short transaction, their messages built and sent one by one
over one connection per channel, and their outcomes recorded together: the
first row's at once, then one transaction per `RECORD_EVERY` of sending (so
a worker that dies mid-chunk can only send again what it sent in its last
fraction of a second: the same window for a duplicate as one row has). Each row keeps its
own outcome: one that fails for good is failed alone, one that fails
transiently is released and retried alone with its own backoff, and the
others are sent. Rows a chunk claimed but had no time for go back to the
queue at once.
"""

from __future__ import annotations

import logging
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.db import transaction
from django.db.models import Case, CharField, F, Value, When
from django.utils import timezone

from artsvp.locks import lock_rows, locking_transaction
from deliveries.channels import describe_send_error, get_channel, is_transient, open_session
from deliveries.hooks import run_sent_hooks
from deliveries.models import Delivery
from deliveries.publishing import enqueue_deliveries, enqueue_retry
from deliveries.rendering import SkipDelivery

__all__ = [
    "MAX_ATTEMPTS",
    "RetryLater",
    "describe_send_error",
    "is_transient",
    "retry_countdown",
    "send_queued_deliveries",
    "send_queued_delivery",
]

logger = logging.getLogger(__name__)

Status = Delivery.Status

# Transient errors are retried with exponential backoff (30 s, 1, 2, 4 and 8
# minutes, then 10): about half an hour of provider outage before failing.
MAX_ATTEMPTS = 8
RETRY_BACKOFF_SECONDS = 30
RETRY_BACKOFF_MAX_SECONDS = 600
# A chunk records what it sent at least this often (seconds of sending).
RECORD_EVERY = 0.5
# A chunk that has been sending this long hands its remaining rows back to the
# queue (a new chunk task takes them) instead of running into its task's soft
# time limit (tasks.SEND_SOFT_TIME_LIMIT, 90 s): only a provider slower than
# half a second a message gets there with 50 rows.
CHUNK_BUDGET = 30.0


class RetryLater(Exception):
    def __init__(self, reason: str, *, countdown: int) -> None:
        super().__init__(reason)
        self.countdown = countdown


@dataclass
class _Outcomes:
    """What happened to claimed rows, not yet recorded."""

    sent: list[tuple[Delivery, str]] = field(default_factory=list)  # (row, provider's id)
    failed: list[tuple[Delivery, str]] = field(default_factory=list)  # (row, reason)
    retry: list[tuple[Delivery, str, int]] = field(default_factory=list)  # (row, reason, countdown)
    handed_back: list[Delivery] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.sent or self.failed or self.retry or self.handed_back)

    def counts(self) -> Counter[str]:
        return Counter(
            sent=len(self.sent),
            failed=len(self.failed),
            retried=len(self.retry),
            handed_back=len(self.handed_back),
        )


def send_queued_delivery(delivery_id: int) -> str:
    """Claim, build, send and record one delivery: 'sent', 'failed' or 'skipped'.

    Raises `RetryLater` on a transient error while attempts remain (the
    caller, the send task, retries itself).
    """
    rows = _claim([delivery_id])
    if not rows:
        return "skipped"
    outcomes = _send(rows, record=partial(_record, publish_retries=False))
    if outcomes.retry:
        _row, reason, countdown = outcomes.retry[0]
        raise RetryLater(reason, countdown=countdown)
    if outcomes.sent:
        return "sent"
    return "failed" if outcomes.failed else "skipped"


def send_queued_deliveries(delivery_ids: list[int]) -> dict[str, int]:
    """Claim, build, send and record a chunk of deliveries; counts by outcome.

    Rows no longer queued (sent, failed, or being sent by someone else) are
    skipped. A row released for a retry gets its own send task, due after
    its backoff (publishing.enqueue_retry).
    """
    rows = _claim(delivery_ids)
    outcomes = _send(rows, record=partial(_record, publish_retries=True))
    counts = outcomes.counts()
    counts["skipped"] = len(set(delivery_ids)) - len(rows)
    return dict(counts)


def _claim(delivery_ids: list[int]) -> list[Delivery]:
    """Move the rows still queued to `sending` (attempts + 1); returns them claimed."""
    with locking_transaction():
        # A second task for a row (a broker redelivery, the sweeper, a second
        # worker) finds it `sending` or `sent` and leaves it: the email goes
        # out once. A row another transaction holds is skipped, not waited
        # for: its holder is claiming it or recording it (it goes from there),
        # or the sweeper is requeueing it (it publishes it again).
        rows = lock_rows(
            Delivery.objects.filter(pk__in=delivery_ids, status=Status.QUEUED).order_by("pk"),
            skip_locked=True,
        )
        if rows:
            now = timezone.now()
            Delivery.objects.filter(pk__in=[row.pk for row in rows]).update(
                status=Status.SENDING, attempts=F("attempts") + 1, updated_at=now
            )
            for row in rows:
                row.status, row.attempts, row.updated_at = Status.SENDING, row.attempts + 1, now
    return rows


def _send(rows: list[Delivery], *, record: Callable[[_Outcomes], None]) -> _Outcomes:
    """Build and send each claimed row, recording outcomes as it goes; returns them all."""
    every = _Outcomes()
    pending = _Outcomes()
    started = time.monotonic()
    # The first row is recorded as soon as it is done, so that a send's
    # progress shows from its first email; then every RECORD_EVERY.
    last_record = started - RECORD_EVERY
    with _Sessions() as sessions:
        for index, delivery in enumerate(rows):
            if index and time.monotonic() - started > CHUNK_BUDGET:
                pending.handed_back.extend(rows[index:])
                break
            try:
                _attempt(delivery, sessions, pending)
            except SoftTimeLimitExceeded:
                # The task is about to be stopped: what is left goes back to the queue.
                pending.handed_back.extend(rows[index + 1 :])
                break
            if time.monotonic() - last_record >= RECORD_EVERY:
                record(pending)
                _merge(every, pending)
                pending, last_record = _Outcomes(), time.monotonic()
    record(pending)
    _merge(every, pending)
    return every


def _attempt(delivery: Delivery, sessions: _Sessions, outcomes: _Outcomes) -> None:
    """Build and send one row; note its outcome. Re-raises a soft time limit once noted."""
    try:
        channel = get_channel(delivery.channel)
        message = channel.build(delivery)
    except SkipDelivery as exc:
        outcomes.failed.append((delivery, str(exc)))
        return
    except SoftTimeLimitExceeded:
        # Retried with backoff like a send that timed out (and within the same
        # MAX_ATTEMPTS): a message that always takes this long ends failed.
        _retry_or_fail(delivery, "The message took too long to build.", outcomes)
        raise
    except Exception:
        logger.exception("Delivery %s could not be rendered.", delivery.pk)
        outcomes.failed.append(
            (delivery, f"The {delivery.template!r} message could not be rendered.")
        )
        return
    try:
        provider_message_id = sessions.send(channel, message)
    except Exception as exc:
        reason = channel.describe_error(exc)
        if channel.is_transient(exc):
            _retry_or_fail(delivery, reason, outcomes)
        else:
            logger.warning("Delivery %s failed: %s", delivery.pk, reason)
            outcomes.failed.append((delivery, reason))
        if isinstance(exc, SoftTimeLimitExceeded):
            raise
        return
    outcomes.sent.append((delivery, provider_message_id))


def _retry_or_fail(delivery: Delivery, reason: str, outcomes: _Outcomes) -> None:
    if delivery.attempts < MAX_ATTEMPTS:
        outcomes.retry.append((delivery, reason, retry_countdown(delivery.attempts)))
    else:
        logger.warning("Delivery %s failed: %s", delivery.pk, reason)
        outcomes.failed.append((delivery, reason))


class _Sessions:
    """One open session (connection) per channel for the rows of one task."""

    def __init__(self) -> None:
        self._stack = ExitStack()
        self._senders: dict[str, Callable[[Any], str]] = {}

    def __enter__(self) -> _Sessions:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stack.close()

    def send(self, channel: Any, message: Any) -> str:
        sender = self._senders.get(channel.name)
        if sender is None:
            sender = self._senders[channel.name] = self._stack.enter_context(open_session(channel))
        return sender(message)


def _merge(into: _Outcomes, outcomes: _Outcomes) -> None:
    into.sent += outcomes.sent
    into.failed += outcomes.failed
    into.retry += outcomes.retry
    into.handed_back += outcomes.handed_back


def _record(outcomes: _Outcomes, *, publish_retries: bool) -> None:
    """Record these outcomes in one transaction (a statement or two each kind)."""
    if not outcomes:
        return
    now = timezone.now()
    # A plain transaction, as the sent hooks have always run in: they are the
    # apps' code, which the outbox's lock scope should not judge.
    with transaction.atomic():
        if outcomes.sent:
            _record_sent(outcomes.sent, now=now)
        failed_by_reason: defaultdict[str, list[int]] = defaultdict(list)
        for delivery, reason in outcomes.failed:
            failed_by_reason[reason[:2000]].append(delivery.pk)
        for reason, ids in failed_by_reason.items():
            Delivery.objects.filter(pk__in=ids, status=Status.SENDING).update(
                status=Status.FAILED, last_error=reason, updated_at=now
            )
        for delivery, reason, countdown in outcomes.retry:
            Delivery.objects.filter(pk=delivery.pk, status=Status.SENDING).update(
                status=Status.QUEUED,
                last_error=reason[:2000],
                next_attempt_at=now + timedelta(seconds=countdown),
                updated_at=now,
            )
            if publish_retries:
                transaction.on_commit(partial(enqueue_retry, delivery.pk, countdown=countdown))
        if outcomes.handed_back:
            ids = [delivery.pk for delivery in outcomes.handed_back]
            Delivery.objects.filter(pk__in=ids, status=Status.SENDING).update(
                status=Status.QUEUED, next_attempt_at=now, updated_at=now
            )
            transaction.on_commit(partial(enqueue_deliveries, ids))


def _record_sent(sent: list[tuple[Delivery, str]], *, now: Any) -> None:
    # `queued` too: the sweeper may have taken back a slow claim; this
    # message did go, so the duplicate task it enqueued must back off.
    recorded = set(
        lock_rows(
            Delivery.objects.filter(
                pk__in=[delivery.pk for delivery, _id in sent],
                status__in=[Status.SENDING, Status.QUEUED],
            ).values_list("pk", flat=True)
        )
    )
    if not recorded:
        return
    message_ids = {delivery.pk: message_id for delivery, message_id in sent if message_id}
    provider_message_id: Any = ""
    if message_ids:
        provider_message_id = Case(
            *(When(pk=pk, then=Value(message_id)) for pk, message_id in message_ids.items()),
            default=Value(""),
            output_field=CharField(),
        )
    Delivery.objects.filter(pk__in=recorded).update(
        status=Status.SENT,
        sent_at=now,
        provider_message_id=provider_message_id,
        last_error="",
        updated_at=now,
    )
    # Once per row: a row already recorded (by a duplicate run) skips them.
    # A hook's UPDATE (an invite's status) locks its row after this
    # delivery's, the reverse of artsvp/locks.py's invite -> delivery. It
    # cannot deadlock: whoever holds an invite lock (queueing) only inserts
    # new delivery rows and never waits for an existing one. Two chunks
    # whose rows are about the same objects run their hooks in the same
    # order (by what the row is about), so their UPDATEs cannot cross.
    rows = sorted(
        (delivery for delivery, _id in sent if delivery.pk in recorded),
        key=lambda d: (d.content_type_id or 0, d.object_id or 0, d.pk),
    )
    for delivery in rows:
        delivery.status, delivery.sent_at, delivery.last_error = Status.SENT, now, ""
        delivery.provider_message_id = message_ids.get(delivery.pk, "")
        run_sent_hooks(delivery)


def retry_countdown(attempts: int) -> int:
    base = min(RETRY_BACKOFF_MAX_SECONDS, RETRY_BACKOFF_SECONDS * 2 ** max(0, attempts - 1))
    # Jitter spreads the retries of a large send that failed all at once.
    return int(base * random.uniform(0.75, 1.0))
