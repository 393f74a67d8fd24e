"""What the apps above invites hear about a guest's answer.

The door (door/, above invites) sends a confirmation with a check-in code
when a guest is accepted, and a calendar cancellation when they are no
longer coming. Invites must not import it, so the door registers a callback
here from its AppConfig.ready() (`on_answer_changed`), and every service that
changes an invite's answer, plus-ones, window or status calls
`answer_changed(invite)` inside its transaction: the callbacks run once that
transaction commits (a rollback tells nobody), with the invite's id, and read
the invite fresh. A callback decides itself whether anything it cares about
changed; being told twice is harmless.

The guest page offers the same kind of registry for what the apps above
show there (`register_guest_page_part`: the door's QR code once accepted),
and the organizer's guest list for the actions they add to a row
(`register_guest_row_action`: the door's "New check-in code"). The door also
tells the guest list, the CSVs and the portal owner's page who arrived
(`register_arrival_source`), and fills the API invites' `check_in_code`
(`register_invite_api_field`).

Callers: answers.respond and answers.answer_link (the answer it creates),
approvals.approve and approvals.decline_pending, services.revoke_invite.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.db import transaction

from invites.models import Invite

AnswerCallback = Callable[[int], None]
# "module.qualname" -> callback: a module imported twice (autoreload, tests)
# replaces its callback instead of adding a second one.
_CALLBACKS: dict[str, AnswerCallback] = {}


def on_answer_changed(callback: AnswerCallback) -> AnswerCallback:
    """Register `callback(invite_id)`, run after commit when an invite's answer changes."""
    _CALLBACKS[f"{callback.__module__}.{callback.__qualname__}"] = callback
    return callback


def answer_changed(invite: Invite) -> None:
    """Tell the registered callbacks, once the caller's transaction commits."""
    for callback in list(_CALLBACKS.values()):
        # robust: a failing listener is logged; the answer is committed already.
        transaction.on_commit(partial(callback, invite.pk), robust=True)


# --- What the guest page shows for the apps above ---------------------------------------------


@dataclass(frozen=True)
class GuestPagePart:
    """A template the guest page includes below the answer, with its own context
    (`part` in the template); `context` returns None when the part has nothing to show."""

    template: str
    context: Callable[[Invite], Mapping[str, Any] | None]


_GUEST_PAGE_PARTS: dict[str, GuestPagePart] = {}


def register_guest_page_part(name: str, part: GuestPagePart) -> None:
    """Add a part to the guest page (/i/<token>/); a name registered again is replaced."""
    _GUEST_PAGE_PARTS[name] = part


def guest_page_parts(invite: Invite) -> list[dict[str, Any]]:
    """The parts to include, each `{"template": ..., "context": ...}`."""
    shown = []
    for part in _GUEST_PAGE_PARTS.values():
        context = part.context(invite)
        if context is not None:
            shown.append({"template": part.template, "context": context})
    return shown


# --- Actions the apps above add to a row of the organizer's guest list ------------------------


@dataclass(frozen=True)
class GuestRowAction:
    """A template included in the actions cell of a guest-list row whose invite has
    one of `statuses` (the row's context: invite, event, current_organization)."""

    template: str
    statuses: frozenset[str]


_GUEST_ROW_ACTIONS: dict[str, GuestRowAction] = {}


def register_guest_row_action(name: str, action: GuestRowAction) -> None:
    """Add an action to the guest list's rows; a name registered again is replaced."""
    _GUEST_ROW_ACTIONS[name] = action


def guest_row_actions() -> list[GuestRowAction]:
    return list(_GUEST_ROW_ACTIONS.values())


# --- Who arrived: the door's records, for the guest list, the CSVs and the owner's page ----


@dataclass(frozen=True)
class Arrival:
    """An invite's party at the door: how many of them are in now, of how many
    (`party`: the guest and their plus-ones), since when (the first check-in
    still in force)."""

    people_in: int
    party: int
    first_at: Any = None


# invite ids, or a queryset of invites (read as a subquery) -> {invite id: Arrival}
ArrivalSource = Callable[[Any], Mapping[int, Arrival]]
_ARRIVAL_SOURCES: dict[str, ArrivalSource] = {}


def register_arrival_source(name: str, source: ArrivalSource) -> None:
    """Tell invites who arrived: `source(invites)` answers, in one query, the
    invites with somebody in (the others are missing). A name registered again
    is replaced."""
    _ARRIVAL_SOURCES[name] = source


def arrivals(invites: Any) -> dict[int, Arrival]:
    """{invite id: Arrival} for `invites` (a list of ids or a queryset of invites);
    empty when no app above records arrivals."""
    found: dict[int, Arrival] = {}
    for source in _ARRIVAL_SOURCES.values():
        found.update(source(invites))
    return found


def arrivals_recorded() -> bool:
    """Whether an app above records arrivals (the pages show their column then)."""
    return bool(_ARRIVAL_SOURCES)


# --- Fields the apps above add to the API's invites -------------------------------------------

# invite ids -> {invite id: value}; the field is declared in invites/api.py's InviteOut.
InviteApiField = Callable[[list[int]], Mapping[int, Any]]
_INVITE_API_FIELDS: dict[str, InviteApiField] = {}


def register_invite_api_field(name: str, values: InviteApiField) -> None:
    """Fill the API invites' field `name` (declared in InviteOut, None where
    `values` has nothing): `values(invite_ids)` answers in one query."""
    _INVITE_API_FIELDS[name] = values


def invite_api_values(invite_ids: list[int]) -> dict[int, dict[str, Any]]:
    """{invite id: {field: value}} of the registered fields, for these invites."""
    found: dict[int, dict[str, Any]] = {}
    if not invite_ids:
        return found
    for name, values in _INVITE_API_FIELDS.items():
        for invite_id, value in values(invite_ids).items():
            found.setdefault(invite_id, {})[name] = value
    return found
