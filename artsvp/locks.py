"""The one lock order, and the helpers that take row locks in it.

Two transactions that lock the same two rows in opposite orders can each
wait for the other forever (PostgreSQL then kills one with a deadlock
error). So every table that is ever row-locked has a rank in `LOCK_ORDER`,
and a transaction takes its locks in rank order: having locked a table, it
may lock that table again or a table further down the list, never one
further up.

The order was derived from what the services do (lock, then lock again while
holding the first):

- team changes: organization -> team invitation (organizations/services.py);
- portal imports and edits: portal group -> portal (portals/services.py);
- claiming and owner codes: portal -> credit account, portal -> owner code
  (portals/claiming.py; owner codes are only written under their portal's
  lock, so their rows are never locked out of turn);
- generating invites: portal -> credit account, the batch's inserts in
  between (it pays last, so that the account every invite and claim of the
  organization pays from is held only for its last statement and commit:
  invites/services.py). The inserts take KEY SHARE locks on the rows the
  invites point at (organization, event, invite types, the creator), checked
  at once rather than at commit (invites/bulk.py), so they are held while
  the batch waits for the account. KEY SHARE conflicts only with FOR UPDATE
  and with deleting or re-keying the row; the paths that do that to those
  rows (a credit request locks its organization, an event edit its event,
  a type's new code or removal its type) never take a credit account, and
  an RSVP holds its event and window FOR NO KEY UPDATE, which does not
  block them: no cycle (tests/artsvp/test_locks.py races them);
- Stripe fulfilment, refunds, disputes: credit account -> purchase
  (billing/services.py); granting a credit request: credit account ->
  credit request (billing/credit_requests.py);
- an RSVP: event -> entry window -> invite (a multi-use link, then the
  answer it creates; an answer to a portal's link first queues on the
  portal, whose KEY SHARE its insert needs while revoking the link holds
  the portal: invites/answers.py); revoking an invite: portal -> invite
  (invites/services.py);
- emailing invites: invite -> delivery (queueing, then the worker);
- confirmations and check-in codes: invite -> check-in pass -> delivery
  (door/services.py).

How: a service opens its transaction with `locking_transaction()` instead
of `transaction.atomic(durable=True)` and takes every lock through
`lock_row` / `lock_existing_row` / `lock_rows` (hand-written SQL that locks
calls `note_lock`). Inside that scope, a lock out of order raises
`LockOrderViolation` at once, on SQLite too, so any test that runs the
service catches it; a lock outside any transaction raises
`LockOutsideTransaction` (it would be released before the caller's next
statement). Outside a `locking_transaction` (a plain `atomic()` of a
helper that joins the caller's transaction) only the transaction is checked.

The helpers lock their own rows only (`FOR UPDATE OF <table>`): a FOR
UPDATE over a join would also lock the joined rows, in an order of the
planner's choosing and outside this list. Several rows of one table are
locked in primary-key order, so two such locks cannot cross.

Races of different operations on the same rows (tests/artsvp/test_locks.py,
tests/portals/test_races.py, tests/organizations/test_invitation_races.py)
run on PostgreSQL to catch an order the helpers cannot see: the implicit
locks of UPDATE and of foreign-key checks.

This module is the bottom layer: it names tables by model label and
imports no app.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import Model, QuerySet

# Every row-locked table, first to last.
LOCK_ORDER: tuple[str, ...] = (
    "organizations.Organization",
    "organizations.TeamInvitation",
    "portals.PortalGroup",
    "portals.Portal",
    "portals.OwnerCode",
    "credits.CreditAccount",
    "billing.Purchase",
    "billing.CreditRequest",
    "events.Event",
    "events.EntryWindow",
    "invites.Invite",
    "door.CheckInPass",
    "deliveries.Delivery",
)
_RANK = {label: rank for rank, label in enumerate(LOCK_ORDER)}

_M = TypeVar("_M", bound=Model)
_R = TypeVar("_R")


class LockError(RuntimeError):
    """A lock taken in a way that could deadlock or not hold: a programming error."""


class LockOutsideTransaction(LockError):
    pass


class LockOrderViolation(LockError):
    def __init__(self, label: str, *, held: str) -> None:
        self.label = label
        self.held = held
        super().__init__(
            f"Locking {label} while holding {held} breaks the lock order in "
            f"artsvp/locks.py ({label} comes before {held}): lock {label} first."
        )


@dataclass
class _Scope:
    """The locks one `locking_transaction` has taken so far."""

    block: Any  # the outermost Atomic, to tell whether its transaction is still open
    using: str
    highest: str | None = None
    labels: list[str] = field(default_factory=list)
    keys: set[tuple[str, Any]] = field(default_factory=set)


_scope: ContextVar[_Scope | None] = ContextVar("artsvp_lock_scope", default=None)


def _open_scope(using: str) -> _Scope | None:
    scope = _scope.get()
    if scope is None or scope.using != using:
        return None
    # After commit (on_commit callbacks run then) the scope's transaction is
    # gone; its locks with it.
    connection = transaction.get_connection(using)
    if not any(block is scope.block for block in connection.atomic_blocks):
        return None
    return scope


@contextmanager
def locking_transaction(*, using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """A service's outermost transaction, in which locks are checked against LOCK_ORDER.

    Used inside another `locking_transaction` it joins that transaction and
    its scope (an error rolls the whole of it back).
    """
    if _open_scope(using) is not None:
        with transaction.atomic(using=using, savepoint=False):
            yield
        return
    block = transaction.atomic(using=using, durable=True)
    token = _scope.set(_Scope(block=block, using=using))
    try:
        with block:
            yield
    finally:
        _scope.reset(token)


def note_lock(label: str, *, key: Any = None, using: str = DEFAULT_DB_ALIAS) -> None:
    """Record a lock taken by hand-written SQL on the table of model `label`.

    Call it before running the statement, so that a lock out of order is
    refused before it can wait. `key` names the row: locking a row this
    transaction already holds takes no new lock, so it is never out of order.
    """
    if label not in _RANK:
        raise LockError(f"{label} is not in LOCK_ORDER: give it its place in artsvp/locks.py.")
    if not transaction.get_connection(using).in_atomic_block:
        raise LockOutsideTransaction(
            f"Locking {label} outside a transaction: the lock would end with the statement. "
            "Lock inside the service's locking_transaction()."
        )
    scope = _open_scope(using)
    if scope is None:
        return
    if key is not None and (label, key) in scope.keys:
        return
    if scope.highest is not None and _RANK[label] < _RANK[scope.highest]:
        raise LockOrderViolation(label, held=scope.highest)
    scope.highest = label
    scope.labels.append(label)
    if key is not None:
        scope.keys.add((label, key))


def held_locks(*, using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """The tables locked so far in the open scope, in the order taken (for tests and logs)."""
    scope = _open_scope(using)
    return list(scope.labels) if scope is not None else []


def _for_update(queryset: QuerySet[Any, Any], *, no_key: bool, skip_locked: bool) -> Any:
    note_lock(queryset.model._meta.label, using=queryset.db)
    return queryset.select_for_update(of=("self",), no_key=no_key, skip_locked=skip_locked)


def lock_rows(
    queryset: QuerySet[_M, _R], *, no_key: bool = False, skip_locked: bool = False
) -> list[_R]:
    """Lock and return the queryset's rows, in primary-key order.

    With `skip_locked` (take what nobody else holds) the queryset keeps its
    own order and may be sliced: such a lock never waits, so it cannot
    deadlock. `no_key` takes FOR NO KEY UPDATE, which still lets other
    transactions insert rows that point at the locked ones.
    """
    if not skip_locked:
        queryset = queryset.order_by("pk")
    return list(_for_update(queryset, no_key=no_key, skip_locked=skip_locked))


def lock_row(
    queryset: QuerySet[_M, _R], *, no_key: bool = False, skip_locked: bool = False
) -> _R | None:
    """Lock and return the queryset's first row (in its order, else by primary key), or None."""
    return _for_update(queryset, no_key=no_key, skip_locked=skip_locked).first()


def lock_existing_row(queryset: QuerySet[_M, _R], *, no_key: bool = False) -> _R:
    """Lock and return the queryset's one row; raises the model's DoesNotExist like get()."""
    return _for_update(queryset, no_key=no_key, skip_locked=False).get()
