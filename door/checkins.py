"""Letting guests in: the one home of every door decision.

A scan (a QR code, a code typed by staff or a hardware scanner, a tap on a
search result) asks `check_in` to let some people of an invite's party in.
The answer is a `Scan` with one of the outcomes below; only CHECKED_IN wrote
anything. The page, the API and the offline sync all call this module.

The rules:
- The code is looked up within the event's organization: another
  organization's code is UNKNOWN (nothing leaks), a code of another event of
  ours is WRONG_EVENT. A grant limited to one portal sees only that portal's
  guests: anyone else's code is UNKNOWN to it.
- REVOKED is refused, always. PENDING (waiting for approval) and
  NOT_ACCEPTED (declined or never answered) are refused unless a supervisor
  (anyone but check-in staff) lets them in anyway: `override`.
- An accepted guest whose entry window is not open now (from EARLY_ENTRY
  before its start to its end) is WRONG_WINDOW: a supervisor may let them in.
- A party is the guest and their plus-ones (person 0..n). A scan lets in
  `people` of those not yet in (the lowest numbers first), or the `persons`
  named (one tap per person). When everyone is in already: ALREADY_IN, with
  the last check-in (when, who, which device).
- Decided under the invite's row lock: two devices scanning one code at the
  same moment let the guest in once (the second sees ALREADY_IN). Undo locks
  the same row, so it cannot cross a scan of the same party; so does
  replacing the code, and a scan re-reads its code under the lock: a code
  replaced while the scan waited is UNKNOWN.
- A replayed offline scan (same device and `client_ref`) returns what the
  first one did and writes nothing.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from artsvp.locks import lock_existing_row, lock_row, locking_transaction
from door.models import CheckIn, CheckInPass, normalize_code
from events.models import EntryWindow, Event
from invites.models import Invite
from portals.models import InviteType

# Guests of a timed window may come this early.
EARLY_ENTRY = timedelta(minutes=30)
# The most people one party can have (guest + plus-ones): Invite.plus_ones_allowed is a small int.
MAX_PARTY = 100


class Outcome(enum.StrEnum):
    CHECKED_IN = "checked_in"
    ALREADY_IN = "already_checked_in"
    PENDING = "pending"
    NOT_ACCEPTED = "not_accepted"
    WRONG_WINDOW = "wrong_window"
    REVOKED = "revoked"
    WRONG_EVENT = "wrong_event"
    UNKNOWN = "unknown_code"

    @property
    def overridable(self) -> bool:
        """A supervisor may let this guest in anyway."""
        return self in {Outcome.PENDING, Outcome.NOT_ACCEPTED, Outcome.WRONG_WINDOW}

    @property
    def override(self) -> str:
        """The CheckIn.override recorded when a supervisor lets them in anyway."""
        if self is Outcome.WRONG_WINDOW:
            return CheckIn.Override.WRONG_WINDOW.value
        return CheckIn.Override.NOT_ACCEPTED.value


class DoorError(Exception):
    """A request the door refuses outright (not a scan outcome)."""

    code = "door_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class OverrideNotAllowed(DoorError):
    code = "override_not_allowed"


class NothingToUndo(DoorError):
    code = "nothing_to_undo"


class InvalidParty(DoorError):
    code = "invalid_party"


@dataclass
class Scan:
    """What the door shows after a scan."""

    outcome: Outcome
    invite: Invite | None = None
    # Everyone of the party: the guest and their plus-ones.
    party: int = 0
    # Person numbers now in (after this scan).
    people_in: list[int] = field(default_factory=list)
    # The rows this scan wrote (CHECKED_IN only).
    admitted: list[CheckIn] = field(default_factory=list)
    # The last check-in of this party (when, by whom, which device).
    last: CheckIn | None = None

    @property
    def people_out(self) -> list[int]:
        return [person for person in range(self.party) if person not in self.people_in]


def party_size(invite: Invite) -> int:
    """The guest and the plus-ones they said they bring (all allowed ones when
    they have not answered: a supervisor letting them in decides at the door)."""
    if invite.status == Invite.Status.ACCEPTED:
        return 1 + invite.plus_ones
    return 1 + invite.plus_ones_allowed


def people_in(invite_ids: Collection[int]) -> dict[int, list[int]]:
    """{invite id: the person numbers now in}, in one query; nobody in: missing."""
    if not invite_ids:
        return {}
    rows = (
        CheckIn.objects.filter(invite_id__in=list(invite_ids))
        .order_by()
        .values("invite_id", "person")
        .annotate(net=Sum("delta"))
        .filter(net__gt=0)
        .values_list("invite_id", "person")
    )
    found: dict[int, list[int]] = {}
    for invite_id, person in rows:
        found.setdefault(invite_id, []).append(person)
    for persons in found.values():
        persons.sort()
    return found


def last_check_ins(invite_ids: Collection[int]) -> dict[int, CheckIn]:
    """{invite id: its latest check-in row still in force} (staff loaded)."""
    rows = (
        CheckIn.objects.filter(
            invite_id__in=list(invite_ids), kind=CheckIn.Kind.CHECK_IN, reversed_by__isnull=True
        )
        .select_related("staff")
        .order_by("invite_id", "-created_at", "-id")
    )
    latest: dict[int, CheckIn] = {}
    for row in rows:
        latest.setdefault(row.invite_id, row)
    return latest


def find_invite(
    event: Event, code: str, *, portal_id: int | None = None
) -> tuple[Outcome, Invite | None]:
    """The invite a code belongs to, as the door may see it (no lock)."""
    normalized = normalize_code(code)
    if not normalized or len(normalized) > 64:
        return Outcome.UNKNOWN, None
    check_in_pass = (
        CheckInPass.objects.filter(code=normalized, organization_id=event.organization_id)
        .select_related(
            "invite__portal", "invite__invite_type", "invite__entry_window", "invite__batch"
        )
        .first()
    )
    if check_in_pass is None:
        return Outcome.UNKNOWN, None
    invite = check_in_pass.invite
    if portal_id is not None and invite.portal_id != portal_id:
        return Outcome.UNKNOWN, None
    if invite.event_id != event.pk:
        return Outcome.WRONG_EVENT, invite
    return Outcome.CHECKED_IN, invite


def window_is_open(window: EntryWindow | None, at: datetime) -> bool:
    if window is None:
        return True
    return window.starts_at - EARLY_ENTRY <= at <= window.ends_at


def _refusal(invite: Invite, at: datetime) -> Outcome | None:
    """Why this invite's guest may not simply walk in, if anything."""
    if invite.status == Invite.Status.REVOKED:
        return Outcome.REVOKED
    if invite.status == Invite.Status.PENDING:
        return Outcome.PENDING
    if invite.status != Invite.Status.ACCEPTED:
        return Outcome.NOT_ACCEPTED
    if not window_is_open(invite.entry_window, at):
        return Outcome.WRONG_WINDOW
    return None


def look_up(event: Event, code: str, *, portal_id: int | None = None) -> Scan:
    """What scanning `code` would show, writing nothing."""
    outcome, invite = find_invite(event, code, portal_id=portal_id)
    if invite is None or outcome is Outcome.WRONG_EVENT:
        return Scan(outcome=outcome, invite=invite)
    return look_up_invite(invite)


def look_up_invite(invite: Invite) -> Scan:
    """What admitting an invite already found (a search result) would show, writing nothing."""
    return _state(invite, outcome=_refusal(invite, timezone.now()) or Outcome.CHECKED_IN)


def _state(
    invite: Invite,
    *,
    outcome: Outcome,
    admitted: list[CheckIn] | None = None,
    inside: Collection[int] | None = None,
) -> Scan:
    if inside is None:
        inside = people_in([invite.pk]).get(invite.pk, [])
    return Scan(
        outcome=outcome,
        invite=invite,
        party=party_size(invite),
        people_in=sorted(inside),
        admitted=admitted or [],
        last=last_check_ins([invite.pk]).get(invite.pk),
    )


def check_in(
    event: Event,
    code: str,
    *,
    staff: Any,
    people: int | None = None,
    persons: Sequence[int] | None = None,
    override: bool = False,
    supervisor: bool = False,
    device: str = "",
    gate: str = "",
    portal_id: int | None = None,
    scanned_at: datetime | None = None,
    client_ref: str = "",
) -> Scan:
    """Let `people` (default: the next one) or the `persons` of the party with
    this code in. See the module docstring for the outcomes."""
    _check_request(people=people, override=override, supervisor=supervisor)
    normalized = normalize_code(code)
    if not normalized or len(normalized) > 64:
        return Scan(outcome=Outcome.UNKNOWN)
    with locking_transaction():
        # One statement finds the party by its code, within the organization,
        # and takes its lock (the invite's row only): every scan of this party
        # queues here, so two devices cannot both let the same person in.
        locked = lock_row(
            Invite.objects.filter(
                organization_id=event.organization_id, check_in_pass__code=normalized
            ).select_related(*_LOCKED_RELATED)
        )
        if locked is None or (portal_id is not None and locked.portal_id != portal_id):
            return Scan(outcome=Outcome.UNKNOWN)
        if locked.event_id != event.pk:
            return Scan(outcome=Outcome.WRONG_EVENT, invite=locked)
        return _admit_now(
            locked,
            code=normalized,
            staff=staff,
            people=people,
            persons=persons,
            override=override,
            device=device,
            gate=gate,
            note="",
            scanned_at=scanned_at,
            client_ref=client_ref,
        )


def admit(
    invite: Invite,
    *,
    staff: Any,
    people: int | None = None,
    persons: Sequence[int] | None = None,
    override: bool = False,
    supervisor: bool = False,
    device: str = "",
    gate: str = "",
    note: str = "",
    scanned_at: datetime | None = None,
    client_ref: str = "",
) -> Scan:
    """`check_in` for an invite already found (a search result)."""
    _check_request(people=people, override=override, supervisor=supervisor)
    with locking_transaction():
        # Every scan of this party queues here: two devices cannot both let
        # the same person in, and an undo cannot cross a scan.
        locked = lock_existing_row(
            Invite.objects.filter(pk=invite.pk).select_related(*_LOCKED_RELATED)
        )
        return _admit_now(
            locked,
            code=None,
            staff=staff,
            people=people,
            persons=persons,
            override=override,
            device=device,
            gate=gate,
            note=note,
            scanned_at=scanned_at,
            client_ref=client_ref,
        )


# What the door shows of a guest (templates make no queries).
_LOCKED_RELATED = ("entry_window", "portal", "invite_type", "batch")


def _check_request(*, people: int | None, override: bool, supervisor: bool) -> None:
    if override and not supervisor:
        raise OverrideNotAllowed(gettext("Only a supervisor can let a guest in anyway."))
    if people is not None and not 1 <= people <= MAX_PARTY:
        raise InvalidParty(
            gettext("Let in between 1 and %(most)d people at a time.") % {"most": MAX_PARTY}
        )


def _admit_now(
    locked: Invite,
    *,
    code: str | None,
    staff: Any,
    people: int | None,
    persons: Sequence[int] | None,
    override: bool,
    device: str,
    gate: str,
    note: str,
    scanned_at: datetime | None,
    client_ref: str,
) -> Scan:
    """Under the invite's lock, taken by the caller."""
    # A code found before the lock: a replacement (door/services.py
    # replace_code, under the same lock) committed while this scan waited
    # kills it now, not after the scan. A statement of its own, after the
    # lock: the locking statement read the pass as of before its wait.
    if code is not None and not CheckInPass.objects.filter(invite=locked, code=code).exists():
        return Scan(outcome=Outcome.UNKNOWN)
    # The time under the lock: a check-in is never stamped before a
    # replacement or undo it waited for.
    now = timezone.now()
    return admit_locked(
        locked,
        staff=staff,
        people=people,
        persons=persons,
        override=override,
        device=device[:64],
        gate=gate[:64],
        note=note,
        scanned_at=min(scanned_at or now, now),
        now=now,
        client_ref=client_ref[:64],
    )


def admit_locked(
    locked: Invite,
    *,
    staff: Any,
    people: int | None,
    persons: Sequence[int] | None,
    override: bool,
    device: str,
    gate: str,
    note: str,
    scanned_at: datetime,
    now: datetime,
    client_ref: str,
) -> Scan:
    """The decision of `admit`, under the invite's lock (held by the caller)."""
    if client_ref:
        replayed = list(CheckIn.objects.filter(device=device, client_ref=client_ref))
        if replayed:
            return _state(locked, outcome=Outcome.CHECKED_IN, admitted=replayed)
    refusal = _refusal(locked, scanned_at)
    if refusal is not None and not (override and refusal.overridable):
        return _state(locked, outcome=refusal)
    party = party_size(locked)
    inside = set(people_in([locked.pk]).get(locked.pk, []))
    waiting = [person for person in range(party) if person not in inside]
    if persons is not None:
        if any(not 0 <= person < party for person in persons):
            raise InvalidParty(
                ngettext(
                    "This party has %(party)d person.", "This party has %(party)d people.", party
                )
                % {"party": party}
            )
        wanted = [person for person in dict.fromkeys(persons) if person in waiting]
    else:
        wanted = waiting[: people or 1]
    if not wanted:
        return _state(locked, outcome=Outcome.ALREADY_IN, inside=inside)
    rows = CheckIn.objects.bulk_create(
        CheckIn(
            organization_id=locked.organization_id,
            event_id=locked.event_id,
            invite=locked,
            person=person,
            override=refusal.override if refusal is not None else "",
            staff=staff if getattr(staff, "pk", None) else None,
            device=device,
            gate=gate,
            note=note[:200],
            client_ref=client_ref,
            scanned_at=scanned_at,
            created_at=now,
        )
        for person in wanted
    )
    # What _state would read again: everyone inside, and the newest row (ours).
    return Scan(
        outcome=Outcome.CHECKED_IN,
        invite=locked,
        party=party,
        people_in=sorted(inside | set(wanted)),
        admitted=rows,
        last=rows[-1],
    )


def undo(row: CheckIn, *, staff: Any, device: str = "") -> CheckIn:
    """Reverse one check-in (a person let in by mistake): a reversing row.
    Raises NothingToUndo when it was already undone."""
    with locking_transaction():
        # The party's lock: an undo and a scan of the same party queue.
        lock_row(Invite.objects.filter(pk=row.invite_id))
        current = CheckIn.objects.filter(pk=row.pk, kind=CheckIn.Kind.CHECK_IN).first()
        if current is None or CheckIn.objects.filter(reverses=current).exists():
            raise NothingToUndo(gettext("This check-in was already undone."))
        return CheckIn.objects.create(
            organization_id=current.organization_id,
            event_id=current.event_id,
            invite_id=current.invite_id,
            person=current.person,
            kind=CheckIn.Kind.UNDO,
            delta=-1,
            reverses=current,
            staff=staff if getattr(staff, "pk", None) else None,
            device=device[:64],
            gate=current.gate,
        )


# --- Counts -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    """Checked in vs accepted vs capacity, for the event, a window or a type."""

    label: str
    checked_in: int
    accepted: int
    capacity: int | None = None
    key: str = ""


@dataclass(frozen=True)
class Attendance:
    event: Tally
    walk_ins: int
    windows: list[Tally]
    types: list[Tally]


def _people_in_by(event: Event, column: str) -> dict[Any, int]:
    rows = (
        CheckIn.objects.filter(event=event)
        .order_by()
        .values(f"invite__{column}")
        .annotate(net=Sum("delta"))
        .values_list(f"invite__{column}", "net")
    )
    return {key: int(net or 0) for key, net in rows}


def _accepted_by(event: Event, column: str) -> dict[Any, int]:
    rows = (
        Invite.objects.filter(event=event, status=Invite.Status.ACCEPTED)
        .order_by()
        .values(column)
        .annotate(guests=Count("id"), extra=Sum("plus_ones", default=0))
        .values_list(column, "guests", "extra")
    )
    return {key: int(guests) + int(extra) for key, guests, extra in rows}


def attendance(event: Event) -> Attendance:
    """The door's and the event page's live counts (a handful of queries)."""
    in_by_window = _people_in_by(event, "entry_window_id")
    accepted_by_window = _accepted_by(event, "entry_window_id")
    in_by_type = _people_in_by(event, "invite_type_id")
    accepted_by_type = _accepted_by(event, "invite_type_id")
    walk_ins = int(
        CheckIn.objects.filter(event=event, invite__batch__method="walk_in").aggregate(
            net=Sum("delta", default=0)
        )["net"]
    )
    windows = [
        Tally(
            label=window.label,
            checked_in=in_by_window.get(window.pk, 0),
            accepted=accepted_by_window.get(window.pk, 0),
            capacity=window.capacity,
            key=window.public_id,
        )
        for window in EntryWindow.objects.filter(event=event)
    ]
    types = [
        Tally(
            label=invite_type.name,
            checked_in=in_by_type.get(invite_type.pk, 0),
            accepted=accepted_by_type.get(invite_type.pk, 0),
            key=invite_type.public_id,
        )
        for invite_type in InviteType.objects.filter(
            Q(pk__in=[key for key in accepted_by_type if key is not None])
            | Q(pk__in=[key for key in in_by_type if key is not None])
        ).order_by("group__name", "position", "id")
    ]
    return Attendance(
        event=Tally(
            label=event.name,
            checked_in=sum(in_by_window.values()),
            accepted=sum(accepted_by_window.values()),
            capacity=event.capacity,
            key=event.public_id,
        ),
        walk_ins=walk_ins,
        windows=windows,
        types=types,
    )
