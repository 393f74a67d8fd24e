"""Reading the outbox for pages: the progress of a set of rows, or of one send.

Each is a query or two whatever the number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, QuerySet

from deliveries.models import Delivery

Status = Delivery.Status

# Statuses that mean the message reached (or was handed to) the provider.
SENT_STATUSES = (Status.SENT, Status.DELIVERED, Status.BOUNCED, Status.COMPLAINED)


@dataclass(frozen=True)
class DeliveryProgress:
    counts: dict[str, int] = field(default_factory=dict)
    opened: int = 0
    send_id: str = ""

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def pending(self) -> int:
        return self.counts.get(Status.QUEUED, 0) + self.counts.get(Status.SENDING, 0)

    @property
    def finished(self) -> int:
        return self.total - self.pending

    @property
    def sent(self) -> int:
        """Handed to the provider, whatever it reported afterwards."""
        return sum(self.counts.get(status, 0) for status in SENT_STATUSES)

    @property
    def delivered(self) -> int:
        return self.counts.get(Status.DELIVERED, 0)

    @property
    def failed(self) -> int:
        return self.counts.get(Status.FAILED, 0)

    @property
    def bounced(self) -> int:
        return self.counts.get(Status.BOUNCED, 0) + self.counts.get(Status.COMPLAINED, 0)

    @property
    def done(self) -> bool:
        return self.pending == 0

    @property
    def percent(self) -> int:
        if not self.total:
            return 100
        return round(100 * (self.total - self.pending) / self.total)


def delivery_progress(deliveries: QuerySet[Delivery]) -> DeliveryProgress:
    """Counts of these rows by status, for a progress bar."""
    rows = deliveries.order_by().values("status").annotate(n=Count("pk"))
    counts = {row["status"]: row["n"] for row in rows}
    opened = deliveries.filter(opened_at__isnull=False).count()
    return DeliveryProgress(counts=counts, opened=opened)


def send_progress(send_id: str, *, deliveries: QuerySet[Delivery]) -> DeliveryProgress:
    """Progress of one send; `deliveries` is already scoped to the viewer."""
    progress = delivery_progress(deliveries.filter(send_id=send_id))
    return DeliveryProgress(counts=progress.counts, opened=progress.opened, send_id=send_id)


def pending_send_progress(deliveries: QuerySet[Delivery]) -> DeliveryProgress | None:
    """The newest send among `deliveries` (already scoped) that is still going."""
    send_id = (
        deliveries.filter(status__in=[Status.QUEUED, Status.SENDING])
        .exclude(send_id="")
        .order_by("-queued_at", "-pk")
        .values_list("send_id", flat=True)
        .first()
    )
    if not send_id:
        return None
    return send_progress(send_id, deliveries=deliveries)
