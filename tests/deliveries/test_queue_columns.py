"""Queueing many outbox rows given column-wise (deliveries.services.queue_delivery_columns)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from deliveries.models import Delivery
from deliveries.services import queue_delivery_columns
from organizations.models import Organization

pytestmark = pytest.mark.django_db


def test_rows_given_by_column_are_queued_in_order_with_the_fields_defaults(
    org: Organization, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    published: list[list[int]] = []

    def publish(ids: list[int], **kwargs: Any) -> int:
        published.append(ids)
        return len(ids)

    monkeypatch.setattr("deliveries.services.queueing.enqueue_deliveries", publish)
    recipients = [f"guest{n}@example.com" for n in range(120)]
    with django_capture_on_commit_callbacks(execute=True):
        ids = queue_delivery_columns(
            {
                "recipient": recipients,
                "object_id": list(range(1000, 1120)),
                "organization_id": [org.pk] * 119 + [None],
            },
            same={"template": "invite", "context": {"subject": "Hi"}, "send_id": "s1"},
        )
        assert published == []  # only after commit

    assert published == [ids]
    rows = list(Delivery.objects.filter(pk__in=ids).order_by("pk"))
    assert [row.pk for row in rows] == ids
    assert [row.recipient for row in rows] == recipients
    assert [row.object_id for row in rows] == list(range(1000, 1120))
    assert rows[0].organization == org and rows[-1].organization is None
    first = rows[0]
    assert (first.template, first.context, first.send_id) == ("invite", {"subject": "Hi"}, "s1")
    assert (first.status, first.attempts, first.channel, first.reply_to, first.last_error) == (
        Delivery.Status.QUEUED,
        0,
        Delivery.Channel.EMAIL,
        "",
        "",
    )
    assert first.queued_at is not None and first.next_attempt_at is not None
    assert first.sent_at is None and first.content_type is None


def test_a_rolled_back_transaction_publishes_and_keeps_nothing(
    django_capture_on_commit_callbacks: Any,
) -> None:
    class Boom(Exception):
        pass

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Boom),
        transaction.atomic(),
    ):
        queue_delivery_columns({"recipient": ["a@example.com"]}, same={"template": "invite"})
        raise Boom
    assert callbacks == []
    assert not Delivery.objects.exists()


def test_columns_of_different_lengths_or_unknown_fields_are_refused() -> None:
    with pytest.raises(ValueError, match="one value per row"):
        queue_delivery_columns(
            {"recipient": ["a@example.com"], "object_id": [1, 2]}, same={"template": "x"}
        )
    with pytest.raises(ValueError, match="no field"):
        queue_delivery_columns({"recipient": ["a@example.com"]}, same={"colour": "red"})
    assert queue_delivery_columns({"recipient": []}, same={}) == []
    assert not Delivery.objects.exists()
