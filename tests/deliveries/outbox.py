"""Helpers for tests of emails that go through the outbox, whichever app sends them."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest

from deliveries.models import Delivery
from deliveries.services import queue_email


class RolledBack(Exception):
    """The service's transaction failed after its email was queued."""


def fail_after_queueing(monkeypatch: pytest.MonkeyPatch, service_module: ModuleType) -> None:
    """Make the services of `service_module` raise right after they queue an
    email, so the transaction the email was queued in rolls back."""

    def queue_then_fail(*args: Any, **kwargs: Any) -> Delivery:
        queue_email(*args, **kwargs)
        raise RolledBack()

    monkeypatch.setattr(service_module, "queue_email", queue_then_fail)


def deliveries_of(template: str) -> list[tuple[str, str]]:
    """(recipient, status) of each delivery of `template`, oldest first."""
    return list(
        Delivery.objects.filter(template=template).order_by("pk").values_list("recipient", "status")
    )
