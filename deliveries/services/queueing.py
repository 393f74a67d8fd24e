"""Queueing messages in the caller's transaction, and the sweeper.

A row is written in the caller's transaction and its task is published
after that transaction commits (deliveries/publishing.py). Nothing here locks
anything but delivery rows, so a caller holding other locks (an app locking
its own rows before it queues their messages) keeps the project's lock order.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta
from functools import partial
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connections, models, router, transaction
from django.db.models import Q
from django.utils import timezone

from artsvp.i18n import supported
from artsvp.locks import lock_rows, locking_transaction
from deliveries.channels import get_channel
from deliveries.models import Delivery
from deliveries.publishing import NOT_ENQUEUED, enqueue_deliveries

logger = logging.getLogger(__name__)

Status = Delivery.Status

# A queued row this far past its due time, without that mark, lost its message
# some other way (Redis lost its queue, the process died before publishing).
# Long enough that rows still waiting their turn behind a large send are not
# published again and again (a duplicate task backs off at the claim, but
# costs a worker a locked read).
REQUEUE_QUEUED_AFTER = timedelta(minutes=2)
# A claim older than this belongs to a dead worker, and can be sent again
# without a second email going out from a live one: the claim is made inside
# the send task (of one row or of a chunk), which the worker kills
# `tasks.SEND_TIME_LIMIT` (120 s) after it started, whatever the email backend
# is doing (EMAIL_TIMEOUT, 30 s, bounds each socket operation, not a whole SMTP
# conversation, so the time limit is the bound; the soft limit at 90 s
# releases the row for a retry first, and a chunk's other rows with it). By
# claim + 120 s the row records its outcome or its process is dead; the extra
# minute covers clock differences between the worker's and the sweeper's
# hosts. The prefork pool (the default) enforces time limits; the threads and
# solo pools do not, so do not run the sender on those. tests/deliveries
# checks that this outlasts the time limit.
REQUEUE_SENDING_AFTER = timedelta(minutes=3)


class DeliveryError(Exception):
    """A send that is refused; the message is shown to the user."""

    code = "delivery_error"


class InvalidRecipient(DeliveryError):
    code = "invalid_recipient"

    def __init__(self, address: str) -> None:
        super().__init__(f"{address!r} is not a valid email address.")


# --- Queueing --------------------------------------------------------------------------------


def queue_email(
    template: str,
    *,
    to: str,
    context: dict[str, Any],
    organization: models.Model | None = None,
    about: models.Model | None = None,
    reply_to: str | None = None,
    language: str = "",
) -> Delivery:
    """Record one email in the outbox; a worker sends it once the caller's
    transaction commits (a rollback sends nothing).

    `context` holds JSON-safe values (ids, strings) that the template, or the
    context builder registered for it, renders at send time. `about` is what
    the email is about, for the app that wants to find its emails again.
    `language`: the recipient's, as known now (artsvp/i18n.py says whose).
    """
    return queue_message(
        template,
        channel=Delivery.Channel.EMAIL,
        to=to,
        context=context,
        organization=organization,
        about=about,
        reply_to=reply_to,
        language=language,
    )


def queue_message(
    template: str,
    *,
    channel: str,
    to: str,
    context: dict[str, Any],
    organization: models.Model | None = None,
    about: models.Model | None = None,
    reply_to: str | None = None,
    language: str = "",
) -> Delivery:
    """`queue_email` for any registered channel (deliveries/channels.py)."""
    to = to.strip()
    _validate_address(to, channel=channel)
    if reply_to:
        _validate_address(reply_to, channel=Delivery.Channel.EMAIL)
    delivery = Delivery(
        organization_id=organization.pk if organization is not None else None,
        channel=channel,
        template=template,
        recipient=to,
        reply_to=reply_to or "",
        context=context,
        language=supported(language) if language else "",
    )
    if about is not None:
        delivery.about = about
    delivery.save()
    transaction.on_commit(partial(enqueue_deliveries, [delivery.pk]))
    return delivery


def queue_deliveries(rows: Iterable[Delivery]) -> list[Delivery]:
    """Insert prepared rows in one statement and publish them after commit.

    For an app that queued many messages at once under its own locks (and
    validated their recipients itself).
    """
    deliveries = Delivery.objects.bulk_create(list(rows))
    transaction.on_commit(partial(enqueue_deliveries, [d.pk for d in deliveries]))
    return deliveries


def queue_delivery_columns(
    varying: Mapping[str, Sequence[Any]], *, same: Mapping[str, Any]
) -> list[int]:
    """Insert one row per position of `varying`'s lists in one statement,
    publish them after commit, and return their ids in that order.

    For an app that queues thousands of messages at once under its own locks
    (and validated their recipients itself), without building a model row
    for each: `varying` maps field names to one value per row, `same` maps
    field names to the value every row shares, and every other field takes
    its default (a callable default is called once, for all the rows). On
    PostgreSQL the rows go as one array per varying column.
    """
    counts = {len(values) for values in varying.values()}
    if len(counts) != 1:
        raise ValueError("Every varying column needs one value per row.")
    (count,) = counts
    fields = [field for field in Delivery._meta.concrete_fields if not field.primary_key]
    unknown = set(varying) | set(same)
    unknown -= {name for field in fields for name in (field.name, field.attname)}
    if unknown:
        raise ValueError(f"Delivery has no field {', '.join(sorted(unknown))}.")
    if not count:
        return []
    using = router.db_for_write(Delivery)
    connection = connections[using]
    if connection.vendor != "postgresql":
        rows = [
            Delivery(**same, **{name: values[n] for name, values in varying.items()})
            for n in range(count)
        ]
        ids = [row.pk for row in Delivery.objects.using(using).bulk_create(rows)]
    else:
        ids = _insert_columns(connection, fields, varying, same)
    transaction.on_commit(partial(enqueue_deliveries, ids), using=using)
    return ids


def _insert_columns(
    connection: Any,
    fields: list[Any],
    varying: Mapping[str, Sequence[Any]],
    same: Mapping[str, Any],
) -> list[int]:
    meta = Delivery._meta
    quote = connection.ops.quote_name
    columns, selected, arrays, array_params, params = [], [], [], [], []
    for field in fields:
        name = field.attname if field.attname in varying or field.attname in same else field.name
        # The array's element type without its length (varchar, not varchar(254)[]).
        db_type = field.db_type(connection).split("(")[0]
        columns.append(quote(field.column))
        if name in varying:
            arrays.append(f"%s::{db_type}[]")
            array_params.append(
                [field.get_db_prep_save(_pk_of(value), connection) for value in varying[name]]
            )
            selected.append(f"v.{quote(field.column)}")
        else:
            value = same[name] if name in same else field.get_default()
            selected.append(f"%s::{db_type}")
            params.append(field.get_db_prep_save(_pk_of(value), connection))
    varying_columns = [quote(field.column) for field in fields if _named(field, varying)]
    # Names from the model's _meta, types from its fields; every value is a parameter.
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(columns)}) "  # noqa: S608
        f"SELECT {', '.join(selected)} "
        f"FROM unnest({', '.join(arrays)}) AS v({', '.join(varying_columns)}) "
        f"RETURNING {quote(meta.pk.column)}"
    )
    with connection.cursor() as cursor:
        # The select list's parameters come first in the statement, then the arrays.
        cursor.execute(sql, [*params, *array_params])
        return [row[0] for row in cursor.fetchall()]


def _pk_of(value: Any) -> Any:
    # A related object given for a foreign key goes in as its id.
    return value.pk if isinstance(value, models.Model) else value


def _named(field: Any, names: Mapping[str, Any]) -> bool:
    return field.attname in names or field.name in names


def content_type_of(model: type[models.Model]) -> ContentType:
    """The `content_type` to give rows about `model`'s objects (cached by Django)."""
    return ContentType.objects.get_for_model(model)


# --- The sweeper ----------------------------------------------------------------------------


def requeue_stuck_deliveries(
    *,
    queued_for: timedelta = REQUEUE_QUEUED_AFTER,
    sending_for: timedelta = REQUEUE_SENDING_AFTER,
    limit: int = 2000,
) -> int:
    """Enqueue again what no worker is going to send, and return how many.

    Due rows whose publish failed (`NOT_ENQUEUED`) have no message in the
    broker; queued rows long past due lost theirs; rows stuck in `sending`
    were claimed by a worker that died. Their tasks are published after
    commit; a row that still has a message in the broker just gets a second
    one, and whichever runs second backs off at the claim.
    """
    now = timezone.now()
    with locking_transaction():
        stuck = lock_rows(
            Delivery.objects.filter(
                Q(status=Status.QUEUED, last_error=NOT_ENQUEUED, next_attempt_at__lte=now)
                | Q(status=Status.QUEUED, next_attempt_at__lte=now - queued_for)
                | Q(status=Status.SENDING, updated_at__lte=now - sending_for)
            )
            .order_by("next_attempt_at", "pk")
            .values_list("pk", "status", "last_error")[:limit],
            skip_locked=True,
        )
        ids = [pk for pk, _status, _error in stuck]
        abandoned = [pk for pk, status, _error in stuck if status == Status.SENDING]
        not_enqueued = [pk for pk, _status, error in stuck if error == NOT_ENQUEUED]
        if abandoned:
            Delivery.objects.filter(pk__in=abandoned).update(
                last_error="The worker stopped while sending; sending again."
            )
        if not_enqueued:
            # Published now; if that fails too, enqueue_deliveries marks them again.
            Delivery.objects.filter(pk__in=not_enqueued).update(last_error="")
        # Pushing the due time forward keeps the next sweeps from enqueueing
        # the same rows again while these tasks wait in the broker.
        Delivery.objects.filter(pk__in=ids).update(
            status=Status.QUEUED, next_attempt_at=now, updated_at=now
        )
        transaction.on_commit(partial(enqueue_deliveries, ids))
    if ids:
        logger.info(
            "Requeued %d deliveries (%d abandoned while sending).", len(ids), len(abandoned)
        )
    return len(ids)


# --- Helpers --------------------------------------------------------------------------------


def _validate_address(address: str, *, channel: str) -> None:
    if not get_channel(channel).validate_recipient(address):
        raise InvalidRecipient(address)
