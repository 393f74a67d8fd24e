"""Reading the outbox for pages: sends left, each invite's email state, progress.

Everything here is a query or two whatever the number of rows, so list
pages can show every invite's state without a query per row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from deliveries.models import INVITE_TEMPLATE, MAX_SENDS_PER_INVITE, Delivery
from invites.models import Invite, InviteBatch

Status = Delivery.Status

# Statuses that mean the email reached (or was handed to) the provider.
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


def _invite_sends(invite_ref: Any) -> QuerySet[Delivery]:
    return Delivery.objects.filter(invite=invite_ref, template=INVITE_TEMPLATE).exclude(
        status=Status.FAILED
    )


def sends_used(invite_ids: list[int]) -> dict[int, int]:
    rows = (
        Delivery.objects.filter(invite_id__in=invite_ids, template=INVITE_TEMPLATE)
        .exclude(status=Status.FAILED)
        .values("invite_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["invite_id"]: row["n"] for row in rows}


def sends_left(invite: Invite) -> int:
    """How many more times `invite` may be emailed (failed sends do not count)."""
    return max(0, MAX_SENDS_PER_INVITE - _invite_sends(invite).count())


def with_delivery_status(invites: QuerySet[Invite]) -> QuerySet[Invite]:
    """Annotate each invite with its email state, in the same query, for lists.

    `delivery_status` (of the latest invite email, None when never emailed),
    `delivery_error`, `delivery_sends` and `sends_left`.
    """
    latest = Delivery.objects.filter(invite=OuterRef("pk"), template=INVITE_TEMPLATE).order_by(
        "-queued_at", "-pk"
    )
    used = (
        _invite_sends(OuterRef("pk"))
        .order_by()
        .values("invite")
        .annotate(n=Count("pk"))
        .values("n")
    )
    sends = Coalesce(Subquery(used, output_field=IntegerField()), Value(0))
    return invites.annotate(
        delivery_status=Subquery(latest.values("status")[:1]),
        delivery_error=Subquery(latest.values("last_error")[:1]),
        delivery_sends=sends,
        sends_left=Value(MAX_SENDS_PER_INVITE) - sends,
    )


def unsent_invites(invites: QuerySet[Invite]) -> QuerySet[Invite]:
    """Invites never emailed (a failed attempt does not count) that can be."""
    return (
        invites.exclude(guest_email="")
        .exclude(status=Invite.Status.REVOKED)
        .exclude(Exists(_invite_sends(OuterRef("pk"))))
    )


def delivery_progress(
    scope: InviteBatch | QuerySet[Invite] | QuerySet[Delivery],
) -> DeliveryProgress:
    """Counts by status, for a progress bar.

    For deliveries: those rows. For a batch or invites: the latest invite
    email of each invite that was emailed.
    """
    if isinstance(scope, InviteBatch):
        scope = scope.invites.all()
    if scope.model is Delivery:
        rows = scope.order_by().values("status").annotate(n=Count("pk"))
        counts = {row["status"]: row["n"] for row in rows}
        opened = scope.filter(opened_at__isnull=False).count()
        return DeliveryProgress(counts=counts, opened=opened)
    annotated = with_delivery_status(scope).filter(delivery_status__isnull=False)
    rows = annotated.order_by().values("delivery_status").annotate(n=Count("pk"))
    counts = {row["delivery_status"]: row["n"] for row in rows}
    return DeliveryProgress(counts=counts)


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
