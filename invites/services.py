"""Generating invites, revoking them, and guests' answers.

A batch is all or nothing (one transaction): lock the portal, check its
status and allocation under the lock, consume n invite credits in one ledger
entry that points at the batch, create the n invites with one bulk insert
(COPY on PostgreSQL: invites/bulk.py), and count them against the portal.
Lock order: portal -> credit account (credits/ledger.py). The organizer's own
invites skip the portal and its allocation but pay credits the same way.

An idempotency key (the API's Idempotency-Key header, or the id of a web
form) is stored on the batch, unique per organization, with a hash of the
request: a replay of the same request returns the first batch and uses no
credit; the same key with a different request is refused
(IdempotencyKeyMismatch). Keys are remembered for IDEMPOTENCY_KEY_TTL (24
hours); after that the key is released and may start a new request.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Sum
from django.utils import timezone

from credits import ledger
from credits.models import CreditEntry, CreditKind
from events.models import Event
from invites.bulk import InviteRow, insert_invites
from invites.models import Invite, InviteBatch
from portals.claiming import PortalRevoked
from portals.models import Portal
from portals.notifications import notify_credit_shortage

logger = logging.getLogger(__name__)

# One request may generate this many invites; the API benchmark uses 10,000.
MAX_BATCH_SIZE = 10_000
# An organizer's invite may bring at most this many extra guests.
MAX_PLUS_ONES = 50
MAX_TAGS = 20
MAX_TAG_LENGTH = 50
MAX_NAME_LENGTH: int = Invite._meta.get_field("guest_name").max_length  # type: ignore[assignment]
# A guest's metadata (API field, CSV columns) as compact UTF-8 JSON: one CSV
# row once stored 1.9 MB, which every list, export and preview then carried.
MAX_METADATA_BYTES = 4000
MAX_METADATA_DEPTH = 5
# How long an idempotency key answers with its first batch. Clients retry
# within minutes; after a day the key may be used again for a new request.
IDEMPOTENCY_KEY_TTL = timedelta(hours=24)

__all__ = [
    "AllocationExceeded",
    "EventFull",
    "GuestDetailsRequired",
    "GuestInput",
    "IdempotencyKeyMismatch",
    "IdempotencyKeyReused",
    "InvalidGuests",
    "InviteError",
    "InviteNotRevocable",
    "InviteRevoked",
    "PlusOnesExceeded",
    "PortalNotAssigned",
    "PortalRevoked",
    "RsvpClosed",
    "generate_invites",
    "generate_organizer_invites",
    "metadata_problem",
    "record_open",
    "respond",
    "revoke_invite",
]


@dataclass(frozen=True)
class GuestInput:
    name: str = ""
    email: str = ""
    tags: list[str] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    # None: the default (the portal group's plus-ones, 0 for the organizer).
    plus_ones: int | None = None


class InviteError(Exception):
    code = "invite_error"


class AllocationExceeded(InviteError):
    code = "allocation_exceeded"

    def __init__(self, *, requested: int, remaining: int) -> None:
        self.requested = requested
        self.remaining = remaining
        super().__init__(
            f"You asked for {requested} invite{'s' if requested != 1 else ''} but only "
            f"{remaining} remain{'s' if remaining == 1 else ''} in your allocation "
            f"({self.shortfall} short)."
        )

    @property
    def shortfall(self) -> int:
        return self.requested - self.remaining


class PortalNotAssigned(InviteError):
    code = "portal_not_assigned"

    def __init__(self) -> None:
        super().__init__("This portal has not been claimed yet, so it cannot generate invites.")


class InvalidGuests(InviteError):
    """The request itself is wrong (bad email, too many plus-ones...): nothing was created."""

    code = "invalid"

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__(" ".join(errors))


class IdempotencyKeyReused(InviteError):
    code = "idempotency_key_reused"

    def __init__(self) -> None:
        super().__init__("This idempotency key was already used for another portal or event.")


class IdempotencyKeyMismatch(InviteError):
    code = "idempotency_key_mismatch"
    # The request is wrong (not the state of anything): 422 in the API.
    status = 422

    def __init__(self) -> None:
        super().__init__(
            "This idempotency key was already used for a different request. "
            "Send a new key with a new request."
        )


class InviteRevoked(InviteError):
    code = "invite_revoked"

    def __init__(self) -> None:
        super().__init__("This invitation has been withdrawn.")


class InviteNotRevocable(InviteError):
    code = "invite_answered"

    def __init__(self) -> None:
        super().__init__("The guest has already answered, so this invite can no longer be revoked.")


class RsvpClosed(InviteError):
    code = "rsvp_closed"

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class PlusOnesExceeded(InviteError):
    code = "plus_ones_exceeded"

    def __init__(self, *, allowed: int) -> None:
        self.allowed = allowed
        super().__init__(f"This invitation allows at most {allowed} extra guest(s).")


class GuestDetailsRequired(InviteError):
    code = "guest_details_required"

    def __init__(self) -> None:
        super().__init__("Please give your name and email address.")


class EventFull(InviteError):
    code = "event_full"

    def __init__(self, *, spots_left: int) -> None:
        self.spots_left = spots_left
        if spots_left <= 0:
            message = "Sorry, the event is full."
        else:
            message = f"Sorry, only {spots_left} place(s) are left, fewer than you asked for."
        super().__init__(message)


# --- Generating ---------------------------------------------------------------


def generate_invites(
    portal: Portal,
    guests: Sequence[GuestInput],
    *,
    blank: int = 0,
    method: str,
    actor: Any = None,
    idempotency_key: str | None = None,
    request_hash: str | None = None,
) -> InviteBatch:
    """Generate invites for `guests` plus `blank` blank links from the portal's allocation.

    All or nothing. Raises AllocationExceeded, PortalNotAssigned, PortalRevoked,
    InvalidGuests, IdempotencyKeyReused, IdempotencyKeyMismatch or
    ledger.InsufficientCredits (after telling the organizer, at most once per
    portal a day). The returned batch has `replayed` set when the idempotency
    key had already been used for this request. `request_hash` identifies the
    request behind the key (the API hashes its whole body); by default, a hash
    of the guests, blank links and method.
    """
    allowance = portal.group.default_plus_ones
    _check_request(guests, blank, max_plus_ones=allowance, method=method)
    if idempotency_key:
        request_hash = request_hash or _request_hash(guests, blank=blank, method=method)
    try:
        with transaction.atomic(durable=True):
            # Every generation for this portal serialises here, so two batches
            # cannot both fit in the allocation that only one of them fits.
            locked = Portal.objects.select_for_update().get(pk=portal.pk)
            replay = _replayed_batch(locked.organization_id, idempotency_key)
            if replay is not None:
                return _checked_replay(replay, request_hash, portal_id=locked.pk)
            if locked.status == Portal.Status.REVOKED:
                raise PortalRevoked()
            if locked.status != Portal.Status.ASSIGNED:
                raise PortalNotAssigned()
            size = len(guests) + blank
            if size > locked.remaining:
                raise AllocationExceeded(requested=size, remaining=locked.remaining)
            batch = _create_batch(
                organization=portal.organization,
                event_id=portal.group.event_id,
                portal=locked,
                guests=guests,
                blank=blank,
                default_plus_ones=allowance,
                method=method,
                actor=actor,
                idempotency_key=idempotency_key,
                request_hash=request_hash,
            )
            if batch.replayed:
                return _checked_replay(batch, request_hash, portal_id=locked.pk)
            Portal.objects.filter(pk=locked.pk).update(
                invites_used=F("invites_used") + size, updated_at=timezone.now()
            )
    except ledger.InsufficientCredits as error:
        notify_credit_shortage(portal, kind=CreditKind.INVITE, requested=error.requested)
        raise
    return batch


def generate_organizer_invites(
    event: Event,
    guests: Sequence[GuestInput],
    *,
    blank: int = 0,
    method: str,
    actor: Any = None,
    idempotency_key: str | None = None,
    request_hash: str | None = None,
) -> InviteBatch:
    """The organizer's own invites for `event`: no portal, no allocation, one credit each.

    Raises InvalidGuests, IdempotencyKeyReused, IdempotencyKeyMismatch or
    ledger.InsufficientCredits. `request_hash` as for generate_invites.
    """
    _check_request(guests, blank, max_plus_ones=MAX_PLUS_ONES, method=method)
    if idempotency_key:
        request_hash = request_hash or _request_hash(guests, blank=blank, method=method)
    with transaction.atomic(durable=True):
        batch = _replayed_batch(event.organization_id, idempotency_key) or _create_batch(
            organization=event.organization,
            event_id=event.pk,
            portal=None,
            guests=guests,
            blank=blank,
            default_plus_ones=0,
            method=method,
            actor=actor,
            idempotency_key=idempotency_key,
            request_hash=request_hash,
        )
        if batch.replayed:
            return _checked_replay(batch, request_hash, portal_id=None, event_id=event.pk)
    return batch


def _check_request(
    guests: Sequence[GuestInput], blank: int, *, max_plus_ones: int, method: str
) -> None:
    InviteBatch.Method(method)
    errors: list[str] = []
    if blank < 0:
        errors.append("The number of blank links cannot be negative.")
    size = len(guests) + max(blank, 0)
    if size == 0:
        errors.append("Add at least one guest or one blank link.")
    if size > MAX_BATCH_SIZE:
        errors.append(f"At most {MAX_BATCH_SIZE:,} invites can be generated at once.")
    for number, guest in enumerate(guests, start=1):
        for problem in _guest_problems(guest, max_plus_ones=max_plus_ones):
            errors.append(f"Guest {number}: {problem}")
    if errors:
        raise InvalidGuests(errors)


def metadata_problem(metadata: Any) -> str | None:
    """Why `metadata` cannot be stored with an invite, or None. The API schema,
    the CSV parser and generation all ask this one function."""
    if not isinstance(metadata, dict):
        return "metadata must be a JSON object."
    problem = _json_problem(metadata, depth=0)
    if problem:
        return problem
    size = len(json.dumps(metadata, ensure_ascii=False, separators=(",", ":")).encode())
    if size > MAX_METADATA_BYTES:
        return (
            f"metadata is {size:,} bytes of JSON; keep it under {MAX_METADATA_BYTES:,} bytes "
            "per guest."
        )
    return None


def _json_problem(value: Any, *, depth: int) -> str | None:
    if depth > MAX_METADATA_DEPTH:
        return f"metadata may be nested at most {MAX_METADATA_DEPTH} levels deep."
    if isinstance(value, str) and "\x00" in value:
        # PostgreSQL cannot store NUL in JSON.
        return "metadata may not contain NUL characters."
    items: list[Any] = []
    if isinstance(value, dict):
        items = [item for pair in value.items() for item in pair]
    elif isinstance(value, list):
        items = value
    for item in items:
        problem = _json_problem(item, depth=depth + 1)
        if problem:
            return problem
    return None


def _guest_problems(guest: GuestInput, *, max_plus_ones: int) -> list[str]:
    problems = []
    if not guest.name.strip() and not guest.email.strip():
        problems.append("give a name or an email address.")
    if len(guest.name) > MAX_NAME_LENGTH:
        problems.append(f"the name is longer than {MAX_NAME_LENGTH} characters.")
    if guest.email:
        try:
            validate_email(guest.email)
        except ValidationError:
            problems.append(f"{guest.email!r} is not a valid email address.")
    if len(guest.tags) > MAX_TAGS or any(len(tag) > MAX_TAG_LENGTH for tag in guest.tags):
        problems.append(f"at most {MAX_TAGS} tags of {MAX_TAG_LENGTH} characters each.")
    if guest.plus_ones is not None and not 0 <= guest.plus_ones <= max_plus_ones:
        problems.append(f"plus-ones must be between 0 and {max_plus_ones}.")
    problem = metadata_problem(guest.metadata)
    if problem:
        problems.append(problem)
    return problems


def _request_hash(guests: Sequence[GuestInput], *, blank: int, method: str) -> str:
    """The request behind an idempotency key, canonically: the same guests give the same hash."""
    canonical = json.dumps(
        {"method": method, "blank": blank, "guests": [asdict(guest) for guest in guests]},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replayed_batch(organization_id: int, idempotency_key: str | None) -> InviteBatch | None:
    """The batch still remembered under this key, if any. Runs in the service's transaction."""
    if not idempotency_key:
        return None
    batch = InviteBatch.objects.filter(
        organization_id=organization_id, idempotency_key=idempotency_key
    ).first()
    if batch is None:
        return None
    if batch.created_at < timezone.now() - IDEMPOTENCY_KEY_TTL:
        # Forgotten: the key is released (the unique constraint would refuse
        # it otherwise) and this request is a new one.
        InviteBatch.objects.filter(pk=batch.pk).update(idempotency_key=None)
        return None
    batch.replayed = True
    return batch


def _checked_replay(
    batch: InviteBatch,
    request_hash: str | None,
    *,
    portal_id: int | None,
    event_id: int | None = None,
) -> InviteBatch:
    """The replayed batch, if the key's first request was for the same target and body."""
    if batch.portal_id != portal_id or (event_id is not None and batch.event_id != event_id):
        raise IdempotencyKeyReused()
    if batch.request_hash and batch.request_hash != request_hash:
        raise IdempotencyKeyMismatch()
    return batch


def _create_batch(
    *,
    organization: Any,
    event_id: int,
    portal: Portal | None,
    guests: Sequence[GuestInput],
    blank: int,
    default_plus_ones: int,
    method: str,
    actor: Any,
    idempotency_key: str | None,
    request_hash: str | None,
) -> InviteBatch:
    """Insert the batch, pay for it, insert its invites. Runs inside the caller's transaction."""
    size = len(guests) + blank
    try:
        # A savepoint: a concurrent request with the same key that committed
        # first makes this insert fail, and we hand back its batch instead.
        with transaction.atomic():
            batch = InviteBatch.objects.create(
                organization=organization,
                event_id=event_id,
                portal=portal,
                method=method,
                size=size,
                created_by=actor if getattr(actor, "pk", None) else None,
                idempotency_key=idempotency_key or None,
                request_hash=(request_hash or "") if idempotency_key else "",
            )
    except IntegrityError:
        if not idempotency_key:
            raise
        replay = _replayed_batch(organization.pk, idempotency_key)
        if replay is None:
            raise
        return replay
    batch.replayed = False

    ledger.consume(
        organization,
        CreditKind.INVITE,
        size,
        reason=CreditEntry.Reason.INVITE_GENERATION,
        idempotency_key=f"invite-batch:{batch.pk}",
        invite_batch=batch,
        actor=actor if getattr(actor, "pk", None) else None,
        memo=f"{size} invite(s) for {portal.name if portal else 'the organizer'}",
    )

    rows = [
        InviteRow(
            guest_name=guest.name.strip(),
            guest_email=guest.email.strip(),
            tags=list(guest.tags),
            metadata=dict(guest.metadata),
            plus_ones_allowed=(default_plus_ones if guest.plus_ones is None else guest.plus_ones),
        )
        for guest in guests
    ]
    rows.extend([InviteRow(plus_ones_allowed=default_plus_ones)] * blank)
    insert_invites(
        rows,
        organization_id=organization.pk,
        event_id=event_id,
        batch_id=batch.pk,
        portal_id=portal.pk if portal else None,
        now=timezone.now(),
    )
    logger.info(
        "Invite batch %s: %d invites for %s",
        batch.public_id,
        size,
        f"portal {portal.public_id}" if portal else "the organizer",
    )
    return batch


# --- Revoking -------------------------------------------------------------------


def revoke_invite(invite: Invite, *, actor: Any = None) -> Invite:
    """Withdraw an unanswered invite; its allocation slot goes back to the portal.

    The invite credit is not returned: it was used when the invite was
    generated. Revoking twice is harmless. Raises InviteNotRevocable.
    """
    now = timezone.now()
    with transaction.atomic(durable=True):
        # Portal first (the fixed lock order), so that the slot we hand back
        # cannot race a batch that is checking the allocation.
        if invite.portal_id is not None:
            Portal.objects.select_for_update().filter(pk=invite.portal_id).first()
        locked = Invite.objects.select_for_update().get(pk=invite.pk)
        if locked.status == Invite.Status.REVOKED:
            return locked
        if not locked.is_unanswered:
            raise InviteNotRevocable()
        locked.status = Invite.Status.REVOKED
        locked.revoked_at = now
        locked.save(update_fields=["status", "revoked_at", "updated_at"])
        if locked.portal_id is not None:
            Portal.objects.filter(pk=locked.portal_id).update(
                invites_used=F("invites_used") - 1, updated_at=now
            )
    logger.info(
        "Invite %s revoked by %s", locked.public_id, getattr(actor, "pk", None) or "the owner"
    )
    return locked


# --- The guest's side ---------------------------------------------------------------


def record_open(invite: Invite) -> None:
    """The guest opened the link: created/sent -> opened, first time only."""
    now = timezone.now()
    updated = Invite.objects.filter(
        pk=invite.pk, status__in=[Invite.Status.CREATED, Invite.Status.SENT]
    ).update(status=Invite.Status.OPENED, opened_at=now, updated_at=now)
    if updated:
        invite.status = Invite.Status.OPENED
        invite.opened_at = now


def rsvp_closed_reason(event: Event) -> str | None:
    """Why guests can no longer answer for `event`, or None while they can."""
    if event.is_archived:
        return "This event has been archived, so answers are closed."
    if event.has_started:
        return "The event has started, so answers can no longer be changed."
    if not event.rsvp_open:
        return "The organizer has closed answers for this event."
    return None


def respond(
    invite: Invite,
    *,
    accept: bool,
    plus_ones: int = 0,
    name: str | None = None,
    email: str | None = None,
) -> Invite:
    """Record the guest's answer; they may change it until the event starts.

    A blank link needs the guest's name and email with the first answer.
    Raises InviteRevoked, RsvpClosed, PlusOnesExceeded, GuestDetailsRequired
    or EventFull (when the event has a capacity).
    """
    name = (name or "").strip()
    email = (email or "").strip()
    plus_ones = plus_ones if accept else 0
    with transaction.atomic(durable=True):
        event = Event.objects.get(pk=invite.event_id)
        if accept and event.capacity is not None:
            # All acceptances of a capped event queue here, so two guests
            # cannot both take the last place.
            event = Event.objects.select_for_update().get(pk=invite.event_id)
        locked = Invite.objects.select_for_update().get(pk=invite.pk)
        if locked.status == Invite.Status.REVOKED:
            raise InviteRevoked()
        reason = rsvp_closed_reason(event)
        if reason:
            raise RsvpClosed(reason)
        if not 0 <= plus_ones <= locked.plus_ones_allowed:
            raise PlusOnesExceeded(allowed=locked.plus_ones_allowed)
        if locked.is_blank:
            if not name or not email:
                raise GuestDetailsRequired()
            try:
                validate_email(email)
            except ValidationError as error:
                raise GuestDetailsRequired() from error
            locked.guest_name = name[:200]
            locked.guest_email = email
        if accept and event.capacity is not None:
            taken = (
                Invite.objects.filter(event_id=event.pk, status=Invite.Status.ACCEPTED)
                .exclude(pk=locked.pk)
                .aggregate(guests=Count("id"), extra=Sum("plus_ones"))
            )
            spots_left = event.capacity - taken["guests"] - (taken["extra"] or 0)
            if 1 + plus_ones > spots_left:
                raise EventFull(spots_left=spots_left)
        locked.status = Invite.Status.ACCEPTED if accept else Invite.Status.DECLINED
        locked.plus_ones = plus_ones
        locked.responded_at = timezone.now()
        if locked.opened_at is None:
            locked.opened_at = locked.responded_at
        locked.save(
            update_fields=[
                "status",
                "plus_ones",
                "responded_at",
                "opened_at",
                "guest_name",
                "guest_email",
                "updated_at",
            ]
        )
    return locked
