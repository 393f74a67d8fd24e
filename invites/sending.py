"""Emailing invites through the outbox: the send limit, what a send skips, and
each invite's email state for the lists.

The outbox (deliveries/) sends, retries and tracks the rows; the rules of
which invite may be emailed live here. Every query is one or two whatever the
number of invites, so list pages show every invite's state without a query
per row.

Invariant: an invite is emailed at most `MAX_SENDS_PER_INVITE` times (5: the
first send and 4 reminders). Failed rows never reached the guest and do not
count. The count is decided under the invite rows' locks
(`queue_invite_emails`).

Lock order: invite rows (by id), then delivery rows. Nothing here takes a
portal, credit account or purchase lock, so a caller holding those (e.g.
generating invites and queueing their emails in one transaction) keeps the
ledger's order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict

from django.db import transaction
from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from artsvp.ids import new_public_id
from artsvp.locks import lock_rows
from deliveries.channels import is_valid_address
from deliveries.models import Delivery
from deliveries.services import (
    DeliveryError,
    DeliveryProgress,
    content_type_of,
    queue_deliveries,
)
from invites.emails import INVITE_TEMPLATE
from invites.models import Invite, InviteBatch
from portals.models import Portal

if TYPE_CHECKING:
    # Types only (django-stubs' helper for annotated rows): not installed in production.
    from django_stubs_ext import WithAnnotations


class DeliveryStatus(TypedDict):
    """What `with_delivery_status` adds to each invite."""

    delivery_status: str | None
    delivery_error: str | None
    delivery_sends: int
    sends_left: int


MAX_SENDS_PER_INVITE = 5

# Why an invite is left out of a send.
REVOKED, WITHOUT_EMAIL, AT_LIMIT = "revoked", "without_email", "at_limit"


class SendLimitReached(DeliveryError):
    code = "send_limit_reached"

    def __init__(self, count: int) -> None:
        self.count = count
        limit = f"{MAX_SENDS_PER_INVITE} times, the most allowed (the first send and 4 reminders)"
        if count == 1:
            super().__init__(f"This invite has already been emailed {limit}.")
        else:
            super().__init__(f"All {count} invites have already been emailed {limit}.")


class NoRecipients(DeliveryError):
    code = "no_recipients"

    def __init__(self) -> None:
        super().__init__(
            "None of these invites can be emailed: add the guest's email address first "
            "(revoked invites are never sent)."
        )


@dataclass(frozen=True)
class Skipped:
    """Invites a send left out, by reason."""

    without_email: int = 0
    at_limit: int = 0
    revoked: int = 0

    @classmethod
    def count(cls, reasons: Counter[str]) -> Skipped:
        return cls(
            without_email=reasons[WITHOUT_EMAIL],
            at_limit=reasons[AT_LIMIT],
            revoked=reasons[REVOKED],
        )

    @property
    def total(self) -> int:
        return self.without_email + self.at_limit + self.revoked

    def __str__(self) -> str:
        """'Skipped 2 without an email address and 1 revoked.' (empty when none)"""
        parts = []
        if self.without_email:
            parts.append(f"{self.without_email} without an email address")
        if self.at_limit:
            parts.append(f"{self.at_limit} already emailed {MAX_SENDS_PER_INVITE} times")
        if self.revoked:
            parts.append(f"{self.revoked} revoked")
        if not parts:
            return ""
        if len(parts) > 1:
            return f"Skipped {', '.join(parts[:-1])} and {parts[-1]}."
        return f"Skipped {parts[0]}."


class QueuedInviteEmails(list[Delivery]):
    """The deliveries one send queued (it is the list), and what it left out."""

    def __init__(self, deliveries: Iterable[Delivery], *, send_id: str, skipped: Skipped) -> None:
        super().__init__(deliveries)
        self.send_id = send_id
        self.skipped = skipped


@dataclass(frozen=True)
class SendPlan:
    """What a send would do now: the invites it would email, what it would skip."""

    invites: list[Invite]
    skipped: Skipped


# --- Queueing --------------------------------------------------------------------------------


def queue_invite_emails(
    invites: Iterable[Invite], *, subject: str, message: str, actor: Any = None
) -> QueuedInviteEmails:
    """Queue the invite email for each invite that can take one more send.

    Invites without a (valid) email, revoked invites and invites already
    emailed `MAX_SENDS_PER_INVITE` times are skipped and counted. Raises
    `SendLimitReached` or `NoRecipients` when nothing at all can be sent.
    One bulk insert; the tasks are enqueued after commit.
    """
    invite_ids = sorted({invite.pk for invite in invites})
    send_id = new_public_id()
    queued_by = str(getattr(actor, "email", "") or actor or "")[:254]
    invite_type = content_type_of(Invite)
    with transaction.atomic():
        # Two sends of one invite at the same moment serialise on its row, so
        # the second counts the first's delivery and the limit holds.
        locked = lock_rows(
            Invite.objects.filter(pk__in=invite_ids).only(
                "pk", "organization_id", "portal_id", "guest_email", "status"
            )
        )
        used = sends_used(invite_ids)
        replies = _portal_owner_addresses({invite.portal_id for invite in locked})
        rows: list[Delivery] = []
        skipped: Counter[str] = Counter()
        for invite in locked:
            reason = skip_reason(invite, sends=used.get(invite.pk, 0))
            if reason:
                skipped[reason] += 1
                continue
            rows.append(
                Delivery(
                    organization_id=invite.organization_id,
                    template=INVITE_TEMPLATE,
                    recipient=invite.guest_email.strip(),
                    # A guest who answers the email reaches whoever invited them.
                    reply_to=replies.get(invite.portal_id, ""),
                    content_type=invite_type,
                    object_id=invite.pk,
                    context={"subject": subject, "message": message},
                    send_id=send_id,
                    queued_by=queued_by,
                )
            )
        if not rows:
            if skipped[AT_LIMIT]:
                raise SendLimitReached(skipped[AT_LIMIT])
            raise NoRecipients()
        deliveries = queue_deliveries(rows)
    return QueuedInviteEmails(deliveries, send_id=send_id, skipped=Skipped.count(skipped))


def _portal_owner_addresses(portal_ids: set[int | None]) -> dict[int | None, str]:
    ids = [pk for pk in portal_ids if pk is not None]
    if not ids:
        return {}
    rows = Portal.objects.filter(pk__in=ids).exclude(owner_email="")
    return dict(rows.values_list("pk", "owner_email"))


def skip_reason(invite: Invite, *, sends: int) -> str | None:
    """Why `invite` cannot be emailed now (it has had `sends` sends), or None."""
    if invite.status == Invite.Status.REVOKED:
        return REVOKED
    if not is_valid_address(invite.guest_email):
        return WITHOUT_EMAIL
    if sends >= MAX_SENDS_PER_INVITE:
        return AT_LIMIT
    return None


def plan_invite_emails(invites: QuerySet[Invite]) -> SendPlan:
    """What `queue_invite_emails` would do now, for the confirmation page: the
    invites it would email (annotated by `with_delivery_status`, oldest first)
    and what it would skip. Reads only; the real send decides under locks."""
    sendable: list[Invite] = []
    skipped: Counter[str] = Counter()
    for invite in with_delivery_status(invites).order_by("created_at", "pk"):
        reason = skip_reason(invite, sends=invite.delivery_sends)
        if reason:
            skipped[reason] += 1
        else:
            sendable.append(invite)
    return SendPlan(invites=sendable, skipped=Skipped.count(skipped))


# --- Reading ---------------------------------------------------------------------------------


def invite_emails() -> QuerySet[Delivery]:
    """Every invite email in the outbox (the rows about an invite, of its template)."""
    return Delivery.objects.filter(content_type=content_type_of(Invite), template=INVITE_TEMPLATE)


def _invite_sends(invite_ref: Any) -> QuerySet[Delivery]:
    return invite_emails().filter(object_id=invite_ref).exclude(status=Delivery.Status.FAILED)


def sends_used(invite_ids: list[int]) -> dict[int, int]:
    rows = (
        invite_emails()
        .filter(object_id__in=invite_ids)
        .exclude(status=Delivery.Status.FAILED)
        .values("object_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["object_id"]: row["n"] for row in rows}


def sends_left(invite: Invite) -> int:
    """How many more times `invite` may be emailed (failed sends do not count)."""
    return max(0, MAX_SENDS_PER_INVITE - _invite_sends(invite.pk).count())


def with_delivery_status(
    invites: QuerySet[Invite],
) -> QuerySet[WithAnnotations[Invite, DeliveryStatus]]:
    """Annotate each invite with its email state, in the same query, for lists.

    `delivery_status` (of the latest invite email, None when never emailed),
    `delivery_error`, `delivery_sends` and `sends_left`.
    """
    latest = invite_emails().filter(object_id=OuterRef("pk")).order_by("-queued_at", "-pk")
    used = (
        _invite_sends(OuterRef("pk"))
        .order_by()
        .values("object_id")
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


def invite_progress(scope: InviteBatch | QuerySet[Invite]) -> DeliveryProgress:
    """Counts by status of the latest invite email of each invite that was
    emailed, for a progress bar (a batch's, or any invites')."""
    if isinstance(scope, InviteBatch):
        scope = scope.invites.all()
    annotated = with_delivery_status(scope).exclude(delivery_status=None)
    rows = annotated.order_by().values("delivery_status").annotate(n=Count("pk"))
    counts = {row["delivery_status"]: row["n"] for row in rows}
    return DeliveryProgress(counts=counts)
