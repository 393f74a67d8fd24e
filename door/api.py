"""The door in the API: check guests in, undo a check-in, read an event's attendance.

Every decision is door/checkins.py's, as on the door page. An API key is
never a supervisor: what a supervisor could let in anyway (not accepted,
pending, wrong window) is a 409 here, like a revoked invite. Keys limited to
check-in (door devices) may call these endpoints and nothing else: the
router authenticates with `ApiKeyAuth(check_in_keys=True)`.

Check-in rows have no public id column; the API names them with an opaque
id, a keyed permutation of the row's id (`check_in_public_id`): not
sequential, not guessable without the server's secret, and read back without
a lookup table. Another organization's check-in is a 404 all the same.
"""

from __future__ import annotations

import hashlib
import hmac
import string
from datetime import datetime
from typing import Any, Literal

from django.http import Http404
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext
from ninja import Field, Router, Schema, Status

from artsvp.api_support import ApiError, InputSchema, PublicId, errors, text
from door.checkins import MAX_PARTY, Outcome, Scan, attendance, check_in, undo
from door.models import CheckIn
from events.access import access_event_by_public_id
from organizations.api_auth import ApiKeyAuth, ApiRequest, actor_of

router = Router(auth=ApiKeyAuth(check_in_keys=True))

# --- Opaque ids for check-in rows -------------------------------------------------------------

_ID_ALPHABET = string.digits + string.ascii_lowercase
_ID_LENGTH = 13  # 36**13 > 2**64
_HALF = 0xFFFFFFFF
_ROUNDS = 4


def _round(key: bytes, number: int, half: int) -> int:
    digest = hmac.new(key, f"{number}:{half}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:4], "big")


def _key() -> bytes:
    return salted_hmac("door.api.check-in-id", "permutation").digest()


def check_in_public_id(pk: int) -> str:
    """The API's id of check-in row `pk` (a Feistel permutation of 64 bits, in base 36)."""
    key, left, right = _key(), pk >> 32, pk & _HALF
    for number in range(_ROUNDS):
        left, right = right, left ^ _round(key, number, right)
    value = (left << 32) | right
    digits = []
    for _ in range(_ID_LENGTH):
        value, digit = divmod(value, 36)
        digits.append(_ID_ALPHABET[digit])
    return "".join(reversed(digits))


def check_in_pk(public_id: str) -> int | None:
    """The row id behind `check_in_public_id`'s answer; None for anything else."""
    if len(public_id) != _ID_LENGTH or any(c not in _ID_ALPHABET for c in public_id):
        return None
    value = int(public_id, 36)
    if value >> 64:
        return None
    key, left, right = _key(), value >> 32, value & _HALF
    for number in reversed(range(_ROUNDS)):
        left, right = right ^ _round(key, number, left), left
    return (left << 32) | right


# --- Schemas -----------------------------------------------------------------------------------


class CheckInIn(InputSchema):
    code: str = text(
        64,
        default=...,
        blank=False,
        description="The guest's check-in code, as the QR code holds it or as typed "
        "(spaces and dashes are ignored, any case).",
    )
    people: int = Field(
        1,
        ge=1,
        le=MAX_PARTY,
        strict=True,
        description="How many of the party to let in (the guest first, then their "
        "plus-ones); fewer go in when fewer are left outside.",
    )
    device: str = text(64, description="Which device scanned (default: the API key).")
    gate: str = text(64, description="Which gate or entrance.")


class WindowRef(Schema):
    id: str
    label: str


class GuestOut(Schema):
    invite_id: str
    name: str
    status: str = Field(..., description="The invite's state (accepted, pending, revoked...).")
    portal_id: str | None = Field(..., description="The portal that invited; null: you did.")
    portal: str | None = Field(..., description="The portal's name; null: you invited.")
    invite_type: str | None = Field(..., description="The invite type's name; null: none.")
    entry_window: WindowRef | None
    walk_in: bool
    party: int = Field(..., description="The guest and the plus-ones they bring.")
    people_in: list[int] = Field(
        ..., description="Who of the party is in: 0 is the guest, 1.. their plus-ones."
    )


class CheckInRowOut(Schema):
    id: str = Field(..., description="Undo it with DELETE /check-ins/{id}.")
    person: int = Field(..., description="0: the guest; 1..: a plus-one.")
    at: datetime


class LastCheckInOut(Schema):
    at: datetime
    by: str | None = Field(..., description="The staff member (for the API: the key's creator).")
    device: str


class CheckedInOut(Schema):
    status: Literal["checked_in"]
    check_ins: list[CheckInRowOut]
    guest: GuestOut


class AlreadyInOut(Schema):
    status: Literal["already_checked_in"]
    last: LastCheckInOut | None
    guest: GuestOut


class TallyOut(Schema):
    id: str
    label: str
    checked_in: int
    accepted: int
    capacity: int | None


class TypeTallyOut(Schema):
    id: str
    name: str
    checked_in: int
    accepted: int


class AttendanceOut(Schema):
    checked_in: int = Field(..., description="People in now (guests and plus-ones).")
    accepted: int = Field(..., description="People expected: accepted guests and plus-ones.")
    walk_ins: int = Field(..., description="People in who came as walk-ins.")
    capacity: int | None
    windows: list[TallyOut]
    types: list[TypeTallyOut]


# --- Representation ----------------------------------------------------------------------------


def _guest(scan: Scan) -> dict[str, Any]:
    invite = scan.invite
    assert invite is not None
    window = invite.entry_window
    return {
        "invite_id": invite.public_id,
        "name": str(invite),
        "status": invite.status,
        "portal_id": invite.portal.public_id if invite.portal is not None else None,
        "portal": invite.portal.name if invite.portal is not None else None,
        "invite_type": invite.invite_type.name if invite.invite_type is not None else None,
        "entry_window": {"id": window.public_id, "label": window.label} if window else None,
        "walk_in": invite.is_walk_in,
        "party": scan.party,
        "people_in": scan.people_in,
    }


def _by(row: CheckIn) -> str | None:
    staff = row.staff
    if staff is None:
        return None
    return staff.get_full_name() or staff.email


def _refusal_message(outcome: Outcome) -> str:
    messages = {
        Outcome.PENDING: gettext("This guest's answer is waiting for approval."),
        Outcome.NOT_ACCEPTED: gettext("This guest has not accepted the invitation."),
        Outcome.WRONG_WINDOW: gettext("This guest's entry window is not open now."),
        Outcome.REVOKED: gettext("This invitation has been withdrawn: do not let them in."),
        Outcome.WRONG_EVENT: gettext("This code is for another event."),
    }
    return messages[outcome]


# --- Endpoints ----------------------------------------------------------------------------------


@router.post(
    "/events/{event_id}/check-ins",
    response={201: CheckedInOut, 200: AlreadyInOut, **errors(403, 404, 409)},
    summary="Check a guest in",
    description=(
        "Lets `people` of the party with this code in (201 `checked_in`, with the rows "
        "written). When everyone of the party is in already: 200 `already_checked_in` with "
        "the last check-in (when, by whom, which device). Refusals are 409 with `code` "
        "`not_accepted`, `pending`, `revoked`, `wrong_window` or `wrong_event` and the guest "
        "in `details.guest` (not for `wrong_event`); an unknown code is 404 `unknown_code`. "
        "An API key is never a supervisor: nobody is let in anyway. Two devices scanning the "
        "same code at once let the guest in once (the second gets 200). Keys limited to "
        "check-in may call this."
    ),
)
def create_check_in(request: ApiRequest, event_id: PublicId, payload: CheckInIn) -> Status:
    event = access_event_by_public_id(request.organization, event_id)
    key = request.api_key
    scan = check_in(
        event,
        payload.code,
        staff=actor_of(request),
        people=payload.people,
        device=payload.device.strip() or f"API key {key.prefix}",
        gate=payload.gate.strip(),
    )
    if scan.outcome is Outcome.UNKNOWN:
        raise ApiError(404, "unknown_code", gettext("No guest has this code."))
    if scan.outcome is Outcome.WRONG_EVENT:
        raise ApiError(409, scan.outcome.value, _refusal_message(scan.outcome))
    # The scan's invite comes with what _guest shows (door/checkins.py loads it).
    if scan.outcome is Outcome.CHECKED_IN:
        return Status(
            201,
            {
                "status": "checked_in",
                "check_ins": [
                    {"id": check_in_public_id(row.pk), "person": row.person, "at": row.scanned_at}
                    for row in scan.admitted
                ],
                "guest": _guest(scan),
            },
        )
    if scan.outcome is Outcome.ALREADY_IN:
        last = scan.last
        return Status(
            200,
            {
                "status": "already_checked_in",
                "last": (
                    {"at": last.scanned_at, "by": _by(last), "device": last.device}
                    if last
                    else None
                ),
                "guest": _guest(scan),
            },
        )
    raise ApiError(409, scan.outcome.value, _refusal_message(scan.outcome), {"guest": _guest(scan)})


@router.delete(
    "/check-ins/{check_in_id}",
    response={204: None, **errors(403, 404, 409)},
    summary="Undo a check-in",
    description=(
        "Reverses one check-in (one person let in by mistake): a reversing record is written, "
        "the check-in itself stays in the history. 409 `nothing_to_undo` when it was undone "
        "already. Keys limited to check-in may call this."
    ),
)
def delete_check_in(request: ApiRequest, check_in_id: PublicId) -> Status:
    pk = check_in_pk(check_in_id)
    row = (
        CheckIn.objects.filter(
            pk=pk, organization=request.organization, kind=CheckIn.Kind.CHECK_IN
        ).first()
        if pk is not None
        else None
    )
    if row is None:
        raise Http404("No such check-in.")
    undo(row, staff=actor_of(request), device=f"API key {request.api_key.prefix}")
    return Status(204, None)


@router.get(
    "/events/{event_id}/attendance",
    response={200: AttendanceOut, **errors(403, 404)},
    summary="Read an event's attendance",
    description=(
        "People checked in against people accepted (guests with their plus-ones) and the "
        "capacity, for the event, per entry window and per invite type; walk-ins count in "
        "`checked_in` and `accepted` too. Keys limited to check-in may call this."
    ),
)
def get_attendance(request: ApiRequest, event_id: PublicId) -> dict[str, Any]:
    event = access_event_by_public_id(request.organization, event_id)
    counts = attendance(event)
    return {
        "checked_in": counts.event.checked_in,
        "accepted": counts.event.accepted,
        "walk_ins": counts.walk_ins,
        "capacity": counts.event.capacity,
        "windows": [
            {
                "id": tally.key,
                "label": tally.label,
                "checked_in": tally.checked_in,
                "accepted": tally.accepted,
                "capacity": tally.capacity,
            }
            for tally in counts.windows
        ],
        "types": [
            {
                "id": tally.key,
                "name": tally.label,
                "checked_in": tally.checked_in,
                "accepted": tally.accepted,
            }
            for tally in counts.types
        ],
    }
