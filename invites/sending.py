"""Emailing invites through the outbox: the send limit, what a send skips, and
each invite's email state for the lists.

The outbox (deliveries/) sends, retries and tracks the rows; the rules of
which invite may be emailed live here. Every query is one or two whatever the
number of invites, so list pages show every invite's state without a query
per row.

Invariant: an invite is emailed at most `MAX_SENDS_PER_INVITE` times (5: the
first send and 4 reminders). Failed rows never reached the guest and do not
count. The count is decided under the invite rows' locks
(`queue_invite_emails`), and so is "never emailed" for a send to every unsent
invite (`unsent_only`): a second click while the first send is still in
flight finds those invites emailed and queues nothing for them.

The confirmation page's plan (`plan_invite_emails`) is counted by the
database in one grouped query and shows a handful of recipients, whatever
the number of invites; a send reads the invites it locks as plain values.

Lock order: invite rows (by id), then delivery rows. Nothing here takes a
portal, credit account or purchase lock, so a caller holding those (e.g.
generating invites and queueing their emails in one transaction) keeps the
ledger's order.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict, overload

from django.db import transaction
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Length
from django.utils.translation import gettext, ngettext

from artsvp.i18n import first_language
from artsvp.ids import new_public_id
from artsvp.locks import lock_rows
from deliveries.channels import is_valid_address
from deliveries.models import Delivery
from deliveries.services import (
    DeliveryError,
    DeliveryProgress,
    content_type_of,
    queue_delivery_columns,
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
# How many recipients the confirmation page names.
PLAN_SAMPLE = 5

# Addresses of a shape Django's `validate_email` (hence `is_valid_address`)
# always accepts: an ASCII dot-atom, host labels, a TLD of letters, at most 64
# characters in all (so no label is longer than the 63 it allows). Only for
# counting in SQL: an address of any other shape (an IDN domain, a quoted
# local part, a typo) is checked by `is_valid_address` itself. No bounded
# repeats: PostgreSQL's engine takes ten times longer with them. \A and \Z
# mean the same in Python's `re` (SQLite's REGEXP) and PostgreSQL's.
# tests/invites/test_send_scale.py checks the claim against Django's validator.
PLAIN_ADDRESS = (
    r"\A[A-Za-z0-9_+-]+(\.[A-Za-z0-9_+-]+)*"
    r"@([A-Za-z0-9]+(-+[A-Za-z0-9]+)*\.)+[A-Za-z][A-Za-z]+\Z"
)
MAX_PLAIN_LENGTH = 64


class SendLimitReached(DeliveryError):
    code = "send_limit_reached"

    def __init__(self, count: int) -> None:
        self.count = count
        values = {
            "count": count,
            "limit": MAX_SENDS_PER_INVITE,
            "reminders": MAX_SENDS_PER_INVITE - 1,
        }
        if count == 1:
            message = gettext(
                "This invite has already been emailed %(limit)s times, the most allowed "
                "(the first send and %(reminders)s reminders)."
            )
        else:
            message = gettext(
                "All %(count)s invites have already been emailed %(limit)s times, the most "
                "allowed (the first send and %(reminders)s reminders)."
            )
        super().__init__(message % values)


class NoRecipients(DeliveryError):
    code = "no_recipients"

    def __init__(self) -> None:
        super().__init__(
            gettext(
                "None of these invites can be emailed: add the guest's email address first "
                "(revoked invites are never sent)."
            )
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
            parts.append(
                ngettext(
                    "%(count)d without an email address",
                    "%(count)d without an email address",
                    self.without_email,
                )
                % {"count": self.without_email}
            )
        if self.at_limit:
            parts.append(
                ngettext(
                    "%(count)d already emailed %(limit)d times",
                    "%(count)d already emailed %(limit)d times",
                    self.at_limit,
                )
                % {"count": self.at_limit, "limit": MAX_SENDS_PER_INVITE}
            )
        if self.revoked:
            parts.append(
                ngettext("%(count)d revoked", "%(count)d revoked", self.revoked)
                % {"count": self.revoked}
            )
        if not parts:
            return ""
        if len(parts) > 1:
            # The invites a send left out, listed: "2 without an email address, 1 revoked".
            listed = gettext("%(first)s and %(last)s") % {
                "first": ", ".join(parts[:-1]),
                "last": parts[-1],
            }
        else:
            listed = parts[0]
        return gettext("Skipped %(invites)s.") % {"invites": listed}


class QueuedInviteEmails(Sequence[Delivery]):
    """The deliveries one send queued (it is their sequence), and what it left out.

    It holds their ids; the rows are read from the outbox, in one query, the
    first time one is looked at: a page that only says how many went never
    builds thousands of them.
    """

    def __init__(self, delivery_ids: list[int], *, send_id: str, skipped: Skipped) -> None:
        self.delivery_ids = delivery_ids
        self.send_id = send_id
        self.skipped = skipped
        self._rows: list[Delivery] | None = None

    def __len__(self) -> int:
        return len(self.delivery_ids)

    @overload
    def __getitem__(self, index: int) -> Delivery: ...

    @overload
    def __getitem__(self, index: slice) -> list[Delivery]: ...

    def __getitem__(self, index: int | slice) -> Delivery | list[Delivery]:
        if self._rows is None:
            by_id = Delivery.objects.in_bulk(self.delivery_ids)
            self._rows = [by_id[pk] for pk in self.delivery_ids]
        return self._rows[index]


@dataclass(frozen=True)
class SendPlan:
    """What a send would do now: how many invites it would email (the first
    few of them, oldest first, annotated by `with_delivery_status`), and what
    it would skip."""

    count: int
    sample: list[Invite]
    skipped: Skipped

    @property
    def more(self) -> int:
        """The recipients the sample leaves out."""
        return self.count - len(self.sample)


# --- Queueing --------------------------------------------------------------------------------


def queue_invite_emails(
    invites: Iterable[Invite] | QuerySet[Invite],
    *,
    subject: str,
    message: str,
    actor: Any = None,
    unsent_only: bool = False,
) -> QueuedInviteEmails:
    """Queue the invite email for each invite that can take one more send.

    `invites` is a list, or a queryset the database selects from (a send to
    thousands of invites reads their ids, never model rows). Invites without
    a (valid) email, revoked invites and invites already emailed
    `MAX_SENDS_PER_INVITE` times are skipped and counted. With `unsent_only`
    (a send to every invite not yet emailed), an invite emailed by the time
    its lock is taken is left out without a word: another send has it.
    Raises `SendLimitReached` or `NoRecipients` when nothing at all can be
    sent. One bulk insert; the tasks are enqueued after commit.
    """
    if isinstance(invites, QuerySet):
        selection = Invite.objects.filter(pk__in=invites.select_related(None).values("pk"))
    else:
        selection = Invite.objects.filter(pk__in=sorted({invite.pk for invite in invites}))
    send_id = new_public_id()
    queued_by = str(getattr(actor, "email", "") or actor or "")[:254]
    invite_type = content_type_of(Invite)
    with transaction.atomic():
        # Two sends of one invite at the same moment serialise on its row, so
        # the second counts the first's delivery and the limit holds.
        # Only the invites are locked (artsvp/locks.py: of self); the event's
        # language comes along for Invite.guest_language.
        locked = lock_rows(
            selection.values_list(
                "pk",
                "organization_id",
                "portal_id",
                "guest_email",
                "status",
                "language",
                "event__language",
            )
        )
        used = sends_used([pk for pk, *_rest in locked])
        replies = _portal_owner_addresses({portal_id for _pk, _org, portal_id, *_ in locked})
        # One column per varying field: a send of thousands builds no model rows.
        columns: dict[str, list[Any]] = {
            "object_id": [],
            "organization_id": [],
            "recipient": [],
            "reply_to": [],
            "language": [],
        }
        skipped: Counter[str] = Counter()
        for pk, organization_id, portal_id, guest_email, status, language, event_language in locked:
            sends = used.get(pk, 0)
            if unsent_only and sends:
                # Emailed since the page was read (a double click): that send has it.
                continue
            reason = _skip_reason(status, guest_email, sends=sends)
            if reason:
                skipped[reason] += 1
                continue
            columns["object_id"].append(pk)
            columns["organization_id"].append(organization_id)
            columns["recipient"].append(guest_email.strip())
            # A guest who answers the email reaches whoever invited them.
            columns["reply_to"].append(replies.get(portal_id, ""))
            # Invite.guest_language, from the row: the builder reads it again at send time.
            columns["language"].append(first_language(language, event_language))
        if not columns["object_id"]:
            if skipped[AT_LIMIT]:
                raise SendLimitReached(skipped[AT_LIMIT])
            raise NoRecipients()
        delivery_ids = queue_delivery_columns(
            columns,
            same={
                "template": INVITE_TEMPLATE,
                "content_type": invite_type,
                "context": {"subject": subject, "message": message},
                "send_id": send_id,
                "queued_by": queued_by,
            },
        )
    return QueuedInviteEmails(delivery_ids, send_id=send_id, skipped=Skipped.count(skipped))


def _portal_owner_addresses(portal_ids: set[int | None]) -> dict[int | None, str]:
    ids = [pk for pk in portal_ids if pk is not None]
    if not ids:
        return {}
    rows = Portal.objects.filter(pk__in=ids).exclude(owner_email="")
    return dict(rows.values_list("pk", "owner_email"))


def skip_reason(invite: Invite, *, sends: int) -> str | None:
    """Why `invite` cannot be emailed now (it has had `sends` sends), or None."""
    return _skip_reason(invite.status, invite.guest_email, sends=sends)


def _skip_reason(status: str, guest_email: str, *, sends: int) -> str | None:
    if status == Invite.Status.REVOKED:
        return REVOKED
    if not _is_sendable_address(guest_email):
        return WITHOUT_EMAIL
    if sends >= MAX_SENDS_PER_INVITE:
        return AT_LIMIT
    return None


_PLAIN_ADDRESS = re.compile(PLAIN_ADDRESS)


def _is_sendable_address(address: str) -> bool:
    # The plain shape first: twenty times faster than the full check, for thousands at once.
    if len(address) <= MAX_PLAIN_LENGTH and _PLAIN_ADDRESS.match(address):
        return True
    return is_valid_address(address)


# An invite's state for the plan's grouped count: its status and address
# decide most of it in SQL; an address of an unusual shape is checked here.
_REVOKED_ROW, _NO_ADDRESS_ROW, _ADDRESS_ROW = 0, 1, 2


def plan_invite_emails(
    invites: QuerySet[Invite], *, never_emailed: bool = False, sample_size: int = PLAN_SAMPLE
) -> SendPlan:
    """What `queue_invite_emails` would do now, for the confirmation page: how
    many invites it would email, the first `sample_size` of them (oldest
    first, annotated by `with_delivery_status`) and what it would skip.

    Two queries whatever the number of invites: one groups them by what a
    send would do with them (the database counts; only addresses of an
    unusual shape come back, to be checked as a send checks them), one reads
    the sample. Reads only; the real send decides under locks.
    `never_emailed` says that `invites` are `unsent_invites(...)`: none of
    them is at the send limit, so their sends are not counted again.
    """
    revoked = Q(status=Invite.Status.REVOKED)
    no_address = Q(guest_email="")
    plain = Q(email_length__lte=MAX_PLAIN_LENGTH) & Q(guest_email__regex=PLAIN_ADDRESS)
    if never_emailed:
        at_limit: Case | Value = Value(False)
    else:
        # Revoked invites and those without an address never need their sends counted.
        at_limit = Case(
            When(revoked | no_address, then=Value(False)),
            When(Q(sends__gte=MAX_SENDS_PER_INVITE), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    groups = (
        invites.select_related(None)
        .order_by()
        .alias(email_length=Length("guest_email"))
        .alias(**({} if never_emailed else {"sends": _sends(OuterRef("pk"))}))
        .annotate(
            row_kind=Case(
                When(revoked, then=Value(_REVOKED_ROW)),
                When(no_address, then=Value(_NO_ADDRESS_ROW)),
                default=Value(_ADDRESS_ROW),
                output_field=IntegerField(),
            ),
            # The one place the address's shape is read: "" for a plain one.
            other_address=Case(
                When(revoked | no_address | plain, then=Value("")),
                default=F("guest_email"),
                output_field=CharField(),
            ),
            at_limit=at_limit,
        )
        .values("row_kind", "other_address", "at_limit")
        .annotate(n=Count("pk"))
    )
    count = 0
    skipped: Counter[str] = Counter()
    # Rows the sample query reads that a send would refuse (their address).
    refused_addresses = 0
    for group in groups:
        n = group["n"]
        reason: str | None = None
        if group["row_kind"] == _REVOKED_ROW:
            reason = REVOKED
        elif group["row_kind"] == _NO_ADDRESS_ROW:
            reason = WITHOUT_EMAIL
        elif group["other_address"] and not is_valid_address(group["other_address"]):
            reason = WITHOUT_EMAIL
            refused_addresses += n
        elif group["at_limit"]:
            reason = AT_LIMIT
        if reason:
            skipped[reason] += n
        else:
            count += n
    sample: list[Invite] = []
    if count:
        candidates = (
            with_delivery_status(invites.exclude(revoked).exclude(no_address))
            .filter(delivery_sends__lt=MAX_SENDS_PER_INVITE)
            .order_by("created_at", "pk")
        )
        # Enough rows to fill the sample even if every refused address comes first.
        for invite in candidates[: sample_size + refused_addresses]:
            if skip_reason(invite, sends=invite.delivery_sends) is None:
                sample.append(invite)
                if len(sample) == sample_size:
                    break
    return SendPlan(count=count, sample=sample, skipped=Skipped.count(skipped))


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


def _sends(invite_ref: Any) -> Coalesce:
    """How many times the invite `invite_ref` points at was emailed (failed sends do not count)."""
    used = (
        _invite_sends(invite_ref).order_by().values("object_id").annotate(n=Count("pk")).values("n")
    )
    return Coalesce(Subquery(used, output_field=IntegerField()), Value(0))


def with_delivery_status(
    invites: QuerySet[Invite],
) -> QuerySet[WithAnnotations[Invite, DeliveryStatus]]:
    """Annotate each invite with its email state, in the same query, for lists.

    `delivery_status` (of the latest invite email, None when never emailed),
    `delivery_error`, `delivery_sends` and `sends_left`.
    """
    latest = invite_emails().filter(object_id=OuterRef("pk")).order_by("-queued_at", "-pk")
    sends = _sends(OuterRef("pk"))
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
