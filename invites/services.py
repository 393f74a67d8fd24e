"""Generating invites and revoking them (guests' answers: invites/answers.py).

A batch is all or nothing (one transaction): lock the portal, check its
status and allocation under the lock and count the invites against it,
create the n invites with one bulk insert (COPY on PostgreSQL:
invites/bulk.py), then consume n invite credits in one ledger entry that
points at the batch, just before commit. The organizer's own invites skip
the portal and its allocation but pay credits the same way.

Paying last: every invite and claim of an organization pays from one account
row, and the ledger's lock on it lasts until commit, so a batch that paid
first made every other portal of the organization wait for its whole insert
(a second or more for 10,000 invites). A batch that cannot be paid for is
still refused before its insert (an unlocked read of the balance); the
locked consume at the end decides, and refuses a batch whose credits went
meanwhile, rolling back the insert with it.

Locks: portal, then credit account (artsvp/locks.py). Before the account,
the inserts take KEY SHARE locks on the rows the invites point at
(organization, event, invite types, the batch's creator: invites/bulk.py
checks their foreign keys before it returns); no path that holds or waits
for a credit account locks those rows FOR UPDATE, so this cannot close a
cycle (artsvp/locks.py explains the order).

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
from contextlib import nullcontext
from dataclasses import asdict, replace
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from artsvp.i18n import first_language, recognized
from artsvp.locks import lock_existing_row, lock_row, locking_transaction
from artsvp.models_meta import max_length_of
from credits import ledger
from credits.models import CreditEntry, CreditKind
from deliveries.models import Delivery
from events.models import Event
from invites.bulk import InviteRow, insert_invites
from invites.guests import (
    MAX_METADATA_BYTES,
    MAX_METADATA_DEPTH,
    MAX_NAME_LENGTH,
    MAX_PLUS_ONES,
    MAX_TAG_LENGTH,
    MAX_TAGS,
    OWNER_FLAGS_PROBLEM,
    GuestInput,
    check_guest,
    metadata_problem,
)
from invites.hooks import answer_changed
from invites.models import Invite, InviteBatch
from portals.errors import AllocationExceeded
from portals.models import InviteType, Portal
from portals.notifications import notify_allocation_shortage, notify_credit_shortage
from portals.rules import ensure_live, release_allocation, reserve_allocation

logger = logging.getLogger(__name__)

# One request may generate this many invites; the API benchmark uses 10,000.
MAX_BATCH_SIZE = 10_000
MAX_IDEMPOTENCY_KEY_LENGTH = max_length_of(InviteBatch, "idempotency_key")
# How long an idempotency key answers with its first batch. Clients retry
# within minutes; after a day the key may be used again for a new request.
IDEMPOTENCY_KEY_TTL = timedelta(hours=24)

__all__ = [
    "MAX_BATCH_SIZE",
    "MAX_IDEMPOTENCY_KEY_LENGTH",
    "MAX_METADATA_BYTES",
    "MAX_METADATA_DEPTH",
    "MAX_NAME_LENGTH",
    "MAX_PLUS_ONES",
    "MAX_TAGS",
    "MAX_TAG_LENGTH",
    "GuestInput",
    "IdempotencyKeyMismatch",
    "IdempotencyKeyReused",
    "InvalidGuests",
    "InviteError",
    "InviteNotRevocable",
    "InviteTypeOfAnotherGroup",
    "UnknownInviteType",
    "event_invite_types",
    "generate_invites",
    "generate_organizer_invites",
    "metadata_problem",
    "resolve_event_invite_type",
    "revoke_invite",
]


class InviteError(Exception):
    code = "invite_error"
    # What users read when the error needs no figures; others pass their own message.
    message: str | Promise = ""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or str(self.message))

    @property
    def details(self) -> dict[str, Any]:
        """The machine-readable part of the API's answer."""
        return {}


class InvalidGuests(InviteError):
    """The request itself is wrong (bad email, too many plus-ones...): nothing was created."""

    code = "invalid"

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__(" ".join(errors))


class UnknownInviteType(InviteError):
    """A type code that names no live type where the invites go (422: the request is wrong).

    `field` is where the code was given: "invite_type" for the batch,
    "guests.<index>.invite_type" for one guest (0-based, as the API counts).
    """

    code = "unknown_invite_type"
    status = 422

    def __init__(
        self, code: str, *, field: str, known: Sequence[str], message: str | None = None
    ) -> None:
        self.invite_type = code
        self.field = field
        self.known = sorted(known)
        super().__init__(message or self.describe(code, ", ".join(self.known) or "none"))

    @staticmethod
    def describe(code: str, known: str) -> str:
        return _("There is no invite type %(code)r here (types: %(known)s).") % {
            "code": code,
            "known": known,
        }

    @property
    def details(self) -> dict[str, Any]:
        return {"fields": {self.field: [str(self)]}, "invite_type": self.invite_type}


class InviteTypeOfAnotherGroup(UnknownInviteType):
    """The code is a type of another portal group of the organization: not this
    portal's to give out, so the type is "not found" here (404)."""

    code = "invite_type_not_found"
    status = 404

    @staticmethod
    def describe(code: str, known: str) -> str:
        return _(
            "The invite type %(code)r belongs to another portal group; "
            "this portal's types are: %(known)s."
        ) % {"code": code, "known": known}


class IdempotencyKeyReused(InviteError):
    code = "idempotency_key_reused"
    # Shown on the generation page too (a form replayed for another portal).
    message = gettext_lazy("This idempotency key was already used for another portal or event.")


class IdempotencyKeyMismatch(InviteError):
    code = "idempotency_key_mismatch"
    # The request is wrong (not the state of anything): 422 in the API.
    status = 422
    message = (
        "This idempotency key was already used for a different request. "
        "Send a new key with a new request."
    )


class InviteNotRevocable(InviteError):
    code = "invite_answered"
    message = gettext_lazy(
        "The guest has already answered, so this invite can no longer be revoked."
    )


class InviteNotEditable(InviteError):
    code = "invite_not_editable"
    message = gettext_lazy(
        "This invite was already emailed, opened or answered, so its guest details can no "
        "longer be changed. Revoke it and create a new one instead."
    )


# --- Generating ---------------------------------------------------------------


def generate_invites(
    portal: Portal,
    guests: Sequence[GuestInput],
    *,
    blank: int = 0,
    blank_link: GuestInput | None = None,
    invite_type: str | None = None,
    method: str,
    actor: Any = None,
    by_owner: bool = False,
    idempotency_key: str | None = None,
    request_hash: str | None = None,
    language: str | None = None,
) -> InviteBatch:
    """Generate invites for `guests` plus `blank` blank links from the portal's allocation.

    `language`: the batch's (default and unknown codes: the event's); a guest's
    own `GuestInput.language` wins when we know it (`batch_languages`).

    `invite_type` (a code of the portal's group) is the type of the blank links
    and of every guest that names none; it is required when the group has more
    than one type. `blank_link` holds what every blank link gets (label, uses,
    golden, approval; its name and email are ignored). Each invite takes its
    `uses` places of its type's allocation
    (all or nothing across types) and one invite credit. `by_owner`: the
    portal's owner generates, who may not set golden or approval (those come
    from the type; only the organizer sets them per invite).

    All or nothing. Raises AllocationExceeded, PortalNotAssigned, PortalRevoked,
    InvalidGuests, UnknownInviteType, InviteTypeOfAnotherGroup,
    IdempotencyKeyReused, IdempotencyKeyMismatch or ledger.InsufficientCredits
    (after telling the organizer, at most once per portal a day). The returned
    batch has `replayed` set when the idempotency key had already been used for
    this request. `request_hash` identifies the request behind the key (the API
    hashes its whole body); by default, a hash of the guests, blank links,
    type and method.
    """
    types = _group_types(portal)
    rows = _rows_for_portal(
        portal,
        guests,
        blank,
        blank_link=blank_link,
        types=types,
        default_code=invite_type,
        method=method,
        by_owner=by_owner,
        language=batch_language(language, event=portal.group.event),
    )
    if idempotency_key:
        request_hash = request_hash or _request_hash(
            guests,
            blank=blank,
            blank_link=blank_link,
            method=method,
            invite_type=invite_type,
            language=language,
        )
    places: dict[int, int] = {}
    for row in rows:
        assert row.invite_type_id is not None
        places[row.invite_type_id] = places.get(row.invite_type_id, 0) + row.uses
    try:
        with locking_transaction():
            # Every generation for this portal serialises here, so two batches
            # cannot both fit in the allocation that only one of them fits.
            locked = lock_existing_row(Portal.objects.select_related("group").filter(pk=portal.pk))
            replay = _replayed_batch(locked.organization_id, idempotency_key)
            if replay is not None:
                return _checked_replay(replay, request_hash, portal_id=locked.pk)
            ensure_live(locked)
            # Before paying: a batch that does not fit is refused as such.
            reserve_allocation(locked, places)
            batch = _create_batch(
                organization=portal.organization,
                event_id=locked.group.event_id,
                portal=locked,
                rows=rows,
                # The rule in force now stays with these invites (not retroactive).
                shared_with_organizer=locked.group.share_all_invites,
                method=method,
                actor=actor,
                idempotency_key=idempotency_key,
                request_hash=request_hash,
            )
            if batch.replayed:
                # A request with this key committed first: answer with its
                # batch and keep nothing of this one, the reservation included.
                transaction.set_rollback(True)
                return _checked_replay(batch, request_hash, portal_id=locked.pk)
    except ledger.InsufficientCredits as error:
        notify_credit_shortage(
            portal,
            kind=CreditKind.INVITE,
            requested=error.requested,
            available=error.available,
            email=portal.owner_email if actor is None else "",
        )
        raise
    except AllocationExceeded as error:
        if actor is None:
            # The owner hit their allocation: the organizer hears of it in the digest.
            notify_allocation_shortage(
                portal,
                requested=error.requested,
                available=error.remaining,
                email=portal.owner_email,
            )
        raise
    return batch


def _group_types(portal: Portal) -> dict[str, InviteType]:
    """The invite types a portal may generate now: its group's, not archived, by code."""
    return {
        invite_type.code: invite_type
        for invite_type in InviteType.objects.filter(
            group_id=portal.group_id, archived_at__isnull=True
        )
    }


def _portal_type(
    portal: Portal, code: str, *, field: str, types: dict[str, InviteType]
) -> InviteType:
    """The type `code` names in the portal's group. Raises InviteTypeOfAnotherGroup
    when it is a type of another group of the organization, else UnknownInviteType."""
    invite_type = types.get(code)
    if invite_type is not None:
        return invite_type
    elsewhere = InviteType.objects.filter(organization_id=portal.organization_id, code=code)
    if elsewhere.exclude(group_id=portal.group_id).exists():
        raise InviteTypeOfAnotherGroup(code, field=field, known=list(types))
    raise UnknownInviteType(code, field=field, known=list(types))


def _rows_for_portal(
    portal: Portal,
    guests: Sequence[GuestInput],
    blank: int,
    *,
    blank_link: GuestInput | None,
    types: dict[str, InviteType],
    default_code: str | None,
    method: str,
    by_owner: bool,
    language: str,
) -> list[InviteRow]:
    """The rows to insert, each with its type's defaults. Raises UnknownInviteType
    (or InviteTypeOfAnotherGroup) for the first code that names no type, else
    InvalidGuests naming every problem (guest number, field), before anything is
    locked."""
    InviteBatch.Method(method)
    errors = _size_errors(len(guests), blank)
    default_type: InviteType | None = next(iter(types.values())) if len(types) == 1 else None
    if default_code:
        default_type = _portal_type(portal, default_code, field="invite_type", types=types)
    rows: list[InviteRow] = []
    for index, guest in enumerate(guests):
        number = index + 1
        invite_type = default_type
        if guest.invite_type:
            invite_type = _portal_type(
                portal, guest.invite_type, field=f"guests.{index}.invite_type", types=types
            )
        if invite_type is None:
            errors.append(_("Guest %(number)d: choose an invite type.") % {"number": number})
            continue
        if by_owner and (guest.golden is not None or guest.needs_approval is not None):
            errors.append(
                _("Guest %(number)d: %(problem)s")
                % {"number": number, "problem": OWNER_FLAGS_PROBLEM}
            )
        for problem in check_guest(guest, max_plus_ones=invite_type.plus_ones_allowed):
            errors.append(
                _("Guest %(number)d: %(problem)s") % {"number": number, "problem": problem.message}
            )
        rows.append(_row(guest, invite_type, language=language))
    if blank > 0:
        if default_type is None:
            errors.append(_("Choose an invite type for the blank links."))
        else:
            link = _blank_link(blank_link)
            if by_owner and (link.golden is not None or link.needs_approval is not None):
                errors.append(_("Blank links: %(problem)s") % {"problem": OWNER_FLAGS_PROBLEM})
            for problem in check_guest(
                link, max_plus_ones=default_type.plus_ones_allowed, blank=True
            ):
                errors.append(_("Blank links: %(problem)s") % {"problem": problem.message})
            rows.extend([_row(link, default_type, language=language)] * blank)
    if errors:
        raise InvalidGuests(errors)
    return rows


def _blank_link(settings: GuestInput | None) -> GuestInput:
    """What every blank link of a batch gets: `settings` without a guest."""
    if settings is None:
        return GuestInput()
    return replace(settings, name="", email="", invite_type=None)


def batch_language(code: str | None, *, event: Event) -> str:
    """A batch's language: the one asked for when we know it, else the event's
    (an unknown code falls back, never an error: the same for a form, a CSV
    and the API)."""
    return first_language(code, event.language)


def _row(guest: GuestInput, invite_type: InviteType | None, *, language: str) -> InviteRow:
    """The one place an invite's defaults are taken: what the guest does not say
    comes from its type (plus-ones, golden, approval), or is off without one;
    their language from the batch's (`language`) when theirs is empty or unknown."""
    default_plus_ones = invite_type.plus_ones_allowed if invite_type is not None else 0
    return InviteRow(
        guest_name=guest.name.strip(),
        guest_email=guest.email.strip(),
        tags=list(guest.tags),
        metadata=dict(guest.metadata),
        plus_ones_allowed=default_plus_ones if guest.plus_ones is None else guest.plus_ones,
        label=guest.label.strip(),
        invite_type_id=invite_type.pk if invite_type is not None else None,
        golden=(
            guest.golden
            if guest.golden is not None
            else bool(invite_type is not None and invite_type.golden)
        ),
        needs_approval=(
            guest.needs_approval
            if guest.needs_approval is not None
            else bool(invite_type is not None and invite_type.needs_approval)
        ),
        uses=guest.uses,
        language=first_language(guest.language, language),
    )


def event_invite_types(event: Event) -> list[InviteType]:
    """The live invite types of the event's portal groups, which the organizer's
    own invites may carry, by group and then in each group's order."""
    return list(
        InviteType.objects.filter(group__event=event, archived_at__isnull=True)
        .select_related("group")
        .order_by("group__name", "position", "id")
    )


def resolve_event_invite_type(
    event: Event,
    reference: str,
    *,
    field: str = "invite_type",
    types: Sequence[InviteType] | None = None,
) -> InviteType:
    """The type of one of the event's groups that `reference` names: its public
    id, or its code when only one group of the event has that code (every
    group starts with "standard"). Raises UnknownInviteType."""
    types = event_invite_types(event) if types is None else types
    by_id = [invite_type for invite_type in types if invite_type.public_id == reference]
    by_code = [invite_type for invite_type in types if invite_type.code == reference]
    if by_id:
        return by_id[0]
    if len(by_code) == 1:
        return by_code[0]
    ambiguous = _(
        "Several portal groups of this event have an invite type %(code)r: "
        "give the type's id instead."
    ) % {"code": reference}
    raise UnknownInviteType(
        reference,
        field=field,
        known=sorted({invite_type.code for invite_type in types}),
        message=ambiguous if by_code else None,
    )


def generate_organizer_invites(
    event: Event,
    guests: Sequence[GuestInput],
    *,
    blank: int = 0,
    blank_link: GuestInput | None = None,
    invite_type: InviteType | None = None,
    method: str,
    actor: Any = None,
    idempotency_key: str | None = None,
    request_hash: str | None = None,
    language: str | None = None,
) -> InviteBatch:
    """The organizer's own invites for `event`: no portal, no allocation, one credit each.

    `language` as for generate_invites.

    They have no invite type unless the organizer gives one of the event's
    groups' types: `invite_type` for the batch, or a guest's own
    (`GuestInput.invite_type`, as resolve_event_invite_type reads it);
    `blank_link` as for generate_invites. A type
    brings its defaults (plus-ones, golden, approval) but takes no allocation.
    Raises InvalidGuests, UnknownInviteType, IdempotencyKeyReused,
    IdempotencyKeyMismatch or ledger.InsufficientCredits. `request_hash` as
    for generate_invites.
    """
    InviteBatch.Method(method)
    types = event_invite_types(event)
    if invite_type is not None and invite_type.pk not in {t.pk for t in types}:
        raise UnknownInviteType(
            invite_type.code, field="invite_type", known=sorted({t.code for t in types})
        )
    errors = _size_errors(len(guests), blank)
    chosen_language = batch_language(language, event=event)
    rows: list[InviteRow] = []
    for index, guest in enumerate(guests):
        guest_type = invite_type
        if guest.invite_type:
            guest_type = resolve_event_invite_type(
                event, guest.invite_type, field=f"guests.{index}.invite_type", types=types
            )
        for problem in check_guest(guest, max_plus_ones=MAX_PLUS_ONES):
            errors.append(
                _("Guest %(number)d: %(problem)s")
                % {"number": index + 1, "problem": problem.message}
            )
        rows.append(_row(guest, guest_type, language=chosen_language))
    link = _blank_link(blank_link)
    if blank > 0:
        for problem in check_guest(link, max_plus_ones=MAX_PLUS_ONES, blank=True):
            errors.append(_("Blank links: %(problem)s") % {"problem": problem.message})
    if errors:
        raise InvalidGuests(errors)
    rows += [_row(link, invite_type, language=chosen_language)] * max(blank, 0)
    if idempotency_key:
        request_hash = request_hash or _request_hash(
            guests,
            blank=blank,
            blank_link=blank_link,
            method=method,
            invite_type=invite_type.public_id if invite_type is not None else None,
            language=language,
        )
    with locking_transaction():
        batch = _replayed_batch(event.organization_id, idempotency_key) or _create_batch(
            organization=event.organization,
            event_id=event.pk,
            portal=None,
            rows=rows,
            shared_with_organizer=True,
            method=method,
            actor=actor,
            idempotency_key=idempotency_key,
            request_hash=request_hash,
        )
        if batch.replayed:
            return _checked_replay(batch, request_hash, portal_id=None, event_id=event.pk)
    return batch


def _size_errors(guests: int, blank: int) -> list[str]:
    errors: list[str] = []
    if blank < 0:
        errors.append(_("The number of blank links cannot be negative."))
    size = guests + max(blank, 0)
    if size == 0:
        errors.append(_("Add at least one guest or one blank link."))
    if size > MAX_BATCH_SIZE:
        errors.append(
            _("At most %(limit)s invites can be generated at once.")
            % {"limit": number_format(MAX_BATCH_SIZE, force_grouping=True)}
        )
    return errors


def _request_hash(
    guests: Sequence[GuestInput],
    *,
    blank: int,
    method: str,
    invite_type: str | None = None,
    blank_link: GuestInput | None = None,
    language: str | None = None,
) -> str:
    """The request behind an idempotency key, canonically: the same guests give the same hash."""
    body: dict[str, Any] = {
        "method": method,
        "blank": blank,
        "guests": [_hashed(guest) for guest in guests],
    }
    if invite_type:
        body["invite_type"] = invite_type
    if language:
        body["language"] = language
    if blank_link is not None and blank:
        body["blank_link"] = _hashed(_blank_link(blank_link))
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _hashed(guest: GuestInput) -> dict[str, Any]:
    # Without an empty language: a key's hash from before languages still matches.
    values = asdict(guest)
    if not values.get("language"):
        values.pop("language", None)
    return values


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
    rows: Sequence[InviteRow],
    shared_with_organizer: bool,
    method: str,
    actor: Any,
    idempotency_key: str | None,
    request_hash: str | None,
) -> InviteBatch:
    """Insert the batch and its invites, then pay for them. Runs inside the caller's transaction."""
    size = len(rows)
    try:
        # A savepoint: a concurrent request with the same key that committed
        # first makes this insert fail, and we hand back its batch instead.
        # Without a key a failed insert fails the request: no savepoint (two
        # round trips on every single invite).
        with transaction.atomic() if idempotency_key else nullcontext():
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

    # After the replay check (a request with this key that committed since is
    # answered with its batch, not refused), before the insert: a batch the
    # balance cannot pay for is not inserted only to be rolled back.
    ledger.refuse_early_if_short(organization, CreditKind.INVITE, size)
    insert_invites(
        rows,
        organization_id=organization.pk,
        event_id=event_id,
        batch_id=batch.pk,
        portal_id=portal.pk if portal else None,
        shared_with_organizer=shared_with_organizer,
        now=timezone.now(),
    )
    # Paid last: the account stays locked from here to the commit, so every
    # other invite and claim of the organization waits for this statement
    # and the commit only, not for the insert above.
    # One credit per generated invite, whatever its type or number of uses.
    ledger.consume(
        organization,
        CreditKind.INVITE,
        size,
        reason=CreditEntry.Reason.INVITE_GENERATION,
        idempotency_key=f"invite-batch:{batch.pk}",
        invite_batch=batch,
        actor=actor if getattr(actor, "pk", None) else None,
        # The portal owner, who has no account: named as they are now, on the entry.
        actor_email=portal.owner_email if portal and not getattr(actor, "pk", None) else "",
        # Stored with the entry, in English like every memo (the statement shows it as written).
        memo=(
            f"{size} invite{'' if size == 1 else 's'} for "
            f"{portal.name if portal else 'the organizer'}"
        ),
    )
    logger.info(
        "Invite batch %s: %d invites for %s",
        batch.public_id,
        size,
        f"portal {portal.public_id}" if portal else "the organizer",
    )
    return batch


# --- Editing ----------------------------------------------------------------------


def set_guest_language(invite: Invite, code: str) -> str:
    """The guest switched language on their page: their later pages and emails
    use it. Returns the language now in force (an unknown code changes nothing).
    A multi-use link is shared: each visitor's choice is their browser's
    (the view's cookie), and their answer takes it (answers.answer_link)."""
    chosen = recognized(code)
    if not chosen or invite.is_multi_use:
        return chosen or invite.guest_language
    # One column: nothing else of the invite is read to decide it.
    Invite.objects.filter(pk=invite.pk).update(language=chosen, updated_at=timezone.now())
    invite.language = chosen
    return chosen


def update_invite_details(
    invite: Invite,
    *,
    guest_name: str,
    guest_email: str,
    tags: Sequence[str],
    label: str,
    actor: Any = None,
) -> Invite:
    """Correct an invite nobody has received yet: its guest's name and email, its
    tags and label. Only while it is `created`, never emailed (no delivery,
    queued or sent) and unanswered: a guest who has the link keeps the invite
    they were given. Raises InviteNotEditable, having changed nothing."""
    with locking_transaction():
        # Lock, then re-read: a send (which queues under this same row lock,
        # invites/sending.py) or an answer committed since the page was read
        # wins, and the edit is refused instead of changing a sent invite.
        locked = lock_existing_row(Invite.objects.filter(pk=invite.pk))
        if (
            locked.status != Invite.Status.CREATED
            or locked.uses_taken
            or locked.parent_id is not None
            or Delivery.objects.filter(invite=locked).exists()
        ):
            raise InviteNotEditable()
        locked.guest_name = guest_name.strip()
        locked.guest_email = guest_email.strip()
        locked.tags = list(tags)
        locked.label = label.strip()
        locked.save(update_fields=["guest_name", "guest_email", "tags", "label", "updated_at"])
    logger.info(
        "Invite %s edited by %s", locked.public_id, getattr(actor, "pk", None) or "the owner"
    )
    return locked


# --- Revoking -------------------------------------------------------------------


def revoke_invite(invite: Invite, *, actor: Any = None) -> Invite:
    """Withdraw an unanswered invite; its allocation slot goes back to the portal.

    The invite credit is not returned: it was used when the invite was
    generated. Revoking twice is harmless. Raises InviteNotRevocable.
    """
    now = timezone.now()
    with locking_transaction():
        # Portal first (the fixed lock order), so that the slot we hand back
        # cannot race a batch that is checking the allocation.
        if invite.portal_id is not None:
            lock_row(Portal.objects.filter(pk=invite.portal_id))
        locked = lock_existing_row(Invite.objects.filter(pk=invite.pk))
        if locked.status == Invite.Status.REVOKED:
            return locked
        if not locked.is_unanswered:
            raise InviteNotRevocable()
        locked.status = Invite.Status.REVOKED
        locked.revoked_at = now
        locked.save(update_fields=["status", "revoked_at", "updated_at"])
        answer_changed(locked)
        if locked.portal is not None and locked.invite_type_id is not None:
            # The link's places that nobody took go back (all of them for a
            # single-use invite).
            release_allocation(locked.portal, locked.invite_type_id, locked.uses_left)
    logger.info(
        "Invite %s revoked by %s", locked.public_id, getattr(actor, "pk", None) or "the owner"
    )
    return locked
