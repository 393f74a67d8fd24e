"""The ledger: the only code that changes a credit balance.

Every function here runs inside the caller's transaction (it refuses to run
outside one), locks the account row it changes, re-reads the balance under
that lock, decides, then writes one append-only entry and the new balance.
Nothing is written when it refuses, so a caller that catches
`InsufficientCredits` may carry on in the same transaction.

Locks: the account row, taken after any portal a caller holds and before
the purchase (the one order of every lock is in artsvp/locks.py; the raw SQL
here records its lock with `note_lock`).

Idempotency: every entry carries a unique key naming its cause
(`portal-assign:<id>`, `purchase:<id>`, `invite-batch:<id>`). Replaying a key
returns the entry written the first time and changes nothing. Entries are
inserted with `ON CONFLICT (idempotency_key) DO NOTHING`, so the unique index
(not a prior SELECT, which a concurrent replay could slip past) decides
which of two replays writes; the loser gets the winner's entry back.

How a change is written. The account row lock is the busiest lock in the
product (every claim and every invite batch of an organization queues on
it), so the time it is held is kept short (`bench/ledger.py` measures it):

- PostgreSQL, common case: one statement. A conditional UPDATE takes the
  lock, re-checks `balance + amount >= 0` on the newest row version and
  moves the balance; the same statement inserts the entry with the balance
  it left. A replay (key taken) has its move undone while the lock is held.
- Everywhere else (SQLite, and PostgreSQL when that UPDATE refuses): lock
  with SELECT ... FOR UPDATE, re-read, decide (a replay? enough credits? how
  much can a refund take back?), insert the entry, update the balance.

A caller with much to write besides the entry (a batch of 10,000 invites)
writes it all first and pays last, just before its commit, so that it holds
the account for its last statements only; `refuse_early_if_short` lets it
refuse, before that work, a request the balance cannot pay for.

Both statements name the entry's columns as CreditEntry._meta lists them
(`ENTRY_COLUMNS`), so a new field cannot be left out of them.
"""

from __future__ import annotations

import functools
from collections.abc import Container
from dataclasses import dataclass
from typing import Any, cast

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import ForeignKey
from django.utils import timezone
from django.utils.translation import gettext

from artsvp.locks import note_lock
from credits.hooks import credits_added
from credits.models import CreditAccount, CreditEntry, CreditKind
from organizations.models import Organization

CAUSES = ("purchase", "portal", "invite_batch")

# SQLite has no row locks: its IMMEDIATE transactions (settings.py) serialise
# writers for the whole database instead.
_LOCK_ACCOUNT = (
    "SELECT id, balance FROM credits_creditaccount WHERE organization_id = %s AND kind = %s"
)
_READ_BALANCE = "SELECT balance FROM credits_creditaccount WHERE organization_id = %s AND kind = %s"
_ACCOUNT = CreditAccount._meta.label

# The entry's columns come from the model, so a new field cannot be left out
# of the hand-written statements: every concrete column but the id, in the
# model's order. The ledger sets these attributes itself; any other column
# gets its field's default (`_entry_params`).
_ENTRY_FIELDS = tuple(field for field in CreditEntry._meta.concrete_fields if not field.primary_key)
ENTRY_COLUMNS = tuple(field.column for field in _ENTRY_FIELDS)
ENTRY_WRITTEN = frozenset(
    {
        "account_id",
        "organization_id",
        "kind",
        "amount",
        "balance_after",
        "reason",
        "idempotency_key",
        *(f"{cause}_id" for cause in CAUSES),
        "actor_id",
        "actor_email",
        "memo",
        "created_at",
    }
)
# from_db() takes every attribute in the model's order.
_ENTRY_ATTNAMES = [field.attname for field in CreditEntry._meta.concrete_fields]
# In the one-statement path these come from the account the UPDATE returned.
_FROM_ACCOUNT = {"account_id": "account.id", "balance_after": "account.balance"}

# Only the model's own table and column names go into the text; values are parameters.
_INSERT_ENTRY = (
    f"INSERT INTO {CreditEntry._meta.db_table} ({', '.join(ENTRY_COLUMNS)})"  # noqa: S608
    f" VALUES ({', '.join(['%s'] * len(ENTRY_COLUMNS))})"
    " ON CONFLICT (idempotency_key) DO NOTHING RETURNING id"
)
_UPDATE_BALANCE = "UPDATE credits_creditaccount SET balance = %s, updated_at = %s WHERE id = %s"


def _sql_type(field: Any) -> str:
    """The type a parameter of `field` is cast to inside INSERT ... SELECT, where
    PostgreSQL would otherwise take an untyped NULL or number for text. Strings
    go as text: a cast to varchar(n) would cut a long value silently, where an
    insert of text refuses it."""
    if field.get_internal_type() in ("CharField", "TextField", "EmailField", "SlugField"):
        return "text"
    return str(field.cast_db_type(connections[DEFAULT_DB_ALIAS]))


@functools.cache
def _move_balance_and_insert_entry() -> str:
    """PostgreSQL's one-statement path (built on first use: the casts are PostgreSQL's).

    In READ COMMITTED an UPDATE that waited for the row lock re-evaluates its
    WHERE on the row as the lock holder left it, so `balance + amount >= 0`
    is decided on the balance under the lock. No row back means "refused":
    the locked path then works out why (no account yet, not enough credits,
    a replay of a consumption that has since run the balance out).
    """
    values = [
        _FROM_ACCOUNT.get(field.attname, f"%s::{_sql_type(field)}") for field in _ENTRY_FIELDS
    ]
    # The model's own names only; values are parameters.
    return (
        "WITH account AS (UPDATE credits_creditaccount"  # noqa: S608
        " SET balance = balance + %s, updated_at = %s::timestamptz"
        " WHERE organization_id = %s AND kind = %s AND balance + %s >= 0 RETURNING id, balance),"
        f" entry AS (INSERT INTO {CreditEntry._meta.db_table} ({', '.join(ENTRY_COLUMNS)})"
        f" SELECT {', '.join(values)} FROM account"
        " ON CONFLICT (idempotency_key) DO NOTHING RETURNING id)"
        " SELECT account.id, account.balance, entry.id FROM account LEFT JOIN entry ON TRUE"
    )


def _entry_params(values: dict[str, Any], *, skip: Container[str] = ()) -> list[Any]:
    """The statement's parameters in ENTRY_COLUMNS order; a column the ledger
    does not set gets its field's default."""
    db = connections[DEFAULT_DB_ALIAS]
    return [
        values[field.attname]
        if field.attname in values
        else field.get_db_prep_save(field.get_default(), db)
        for field in _ENTRY_FIELDS
        if field.attname not in skip
    ]


# A replay found by the statement above: its balance move is undone before
# anyone else can see it (the row lock is still held).
_UNDO_MOVE = "UPDATE credits_creditaccount SET balance = balance - %s WHERE id = %s"


class LedgerError(Exception):
    pass


class InsufficientCredits(LedgerError):
    def __init__(self, kind: str, *, requested: int, available: int) -> None:
        self.kind = kind
        self.requested = requested
        self.available = available
        label = CreditKind(kind).label.lower()
        super().__init__(
            gettext(
                "Not enough %(credits)s: %(requested)d needed, %(available)d available "
                "(%(short)d short)."
            )
            % {
                "credits": label,
                "requested": requested,
                "available": available,
                "short": requested - available,
            }
        )

    @property
    def shortfall(self) -> int:
        return self.requested - self.available


class IdempotencyConflict(LedgerError):
    """The key was already used for a different account."""


@dataclass(frozen=True)
class Balances:
    portal: int
    invite: int


def _require_transaction() -> None:
    if not connection.in_atomic_block:
        raise LedgerError("Ledger operations must run inside the caller's transaction.")


def ensure_accounts(organization: Organization) -> None:
    """Create the organization's accounts if missing; safe under concurrency."""
    CreditAccount.objects.bulk_create(
        [CreditAccount(organization=organization, kind=kind) for kind in CreditKind.values],
        ignore_conflicts=True,
    )


def lock_account(organization: Organization, kind: str) -> CreditAccount:
    """Lock and return the organization's account of `kind` (created if missing).

    `updated_at` is left deferred (loaded on first access).
    """
    _require_transaction()
    with connection.cursor() as cursor:
        account_id, balance = _lock(cursor, organization, CreditKind(kind).value)
    account = CreditAccount.from_db(
        DEFAULT_DB_ALIAS, ["id", "kind", "balance"], [account_id, kind, balance]
    )
    account.organization = organization
    return account


def _lock(cursor: Any, organization: Organization, kind: str) -> tuple[int, int]:
    """Lock the account row; return its id and balance as they are now.

    Hand-written SQL because it runs on every consumption: the ORM's query
    compilation costs more CPU than the query, and the lock is held meanwhile.
    """
    note_lock(_ACCOUNT, key=(organization.pk, kind))
    sql = _LOCK_ACCOUNT + (" FOR UPDATE" if cursor.db.features.has_select_for_update else "")
    cursor.execute(sql, [organization.pk, kind])
    row = cursor.fetchone()
    if row is None:
        ensure_accounts(organization)
        cursor.execute(sql, [organization.pk, kind])
        row = cursor.fetchone()
    return row[0], row[1]


def balances(organization: Organization) -> Balances:
    """Current balances, read without locks (for display)."""
    values = dict(
        CreditAccount.objects.filter(organization=organization).values_list("kind", "balance")
    )
    return Balances(
        portal=values.get(CreditKind.PORTAL, 0), invite=values.get(CreditKind.INVITE, 0)
    )


def refuse_early_if_short(organization: Organization, kind: str, amount: int) -> None:
    """Raise InsufficientCredits, as consume() would, if the balance read now
    (without a lock) is below `amount`.

    For a caller with much to write before it pays (a 10,000-invite batch
    pays last, so that it holds the account only for its last statements):
    a request that cannot be paid for is refused before that work, not after
    it. Only a refusal is decided here; consume() under the account lock
    still decides whether the credits are there, so passing this check
    promises nothing.
    """
    kind = CreditKind(kind).value
    with connection.cursor() as cursor:
        cursor.execute(_READ_BALANCE, [organization.pk, kind])
        row = cursor.fetchone()
    available = row[0] if row is not None else 0
    if available < amount:
        raise InsufficientCredits(kind, requested=amount, available=available)


def _check_cause(organization: Organization, cause: dict[str, Any]) -> None:
    unknown = set(cause) - set(CAUSES)
    if unknown:
        raise TypeError(f"Unknown cause {sorted(unknown)}: use one of {', '.join(CAUSES)}.")
    for name, obj in cause.items():
        # An entry pointing at another tenant's purchase or portal would show
        # that tenant's data on this organization's statement.
        if obj is not None and obj.organization_id != organization.pk:
            raise LedgerError(f"The {name} belongs to another organization.")


def _replayed(idempotency_key: str, account_id: int) -> CreditEntry | None:
    existing = CreditEntry.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None and existing.account_id != account_id:
        raise IdempotencyConflict(f"Key {idempotency_key!r} belongs to another account.")
    return existing


def _post(
    organization: Organization,
    kind: str,
    amount: int,
    *,
    reason: str,
    idempotency_key: str,
    actor: Any = None,
    actor_email: str = "",
    memo: str = "",
    clamp: bool = False,
    **cause: Any,
) -> CreditEntry | None:
    db = connections[DEFAULT_DB_ALIAS]
    if not db.in_atomic_block:
        raise LedgerError("Ledger operations must run inside the caller's transaction.")
    if amount == 0:
        raise ValueError("A ledger entry moves at least one credit.")
    if not idempotency_key or len(idempotency_key) > 200:
        raise ValueError("An idempotency key is 1 to 200 characters.")
    # Plain strings from here on (and a ValueError now for an unknown kind or reason).
    kind = CreditKind(kind).value
    reason = CreditEntry.Reason(reason).value
    _check_cause(organization, cause)
    causes = [cause.get(name) for name in CAUSES]
    memo = (memo or "")[:500]
    # Who acted without an account of ours (a portal owner), as they were then.
    actor_email = (actor_email or "")[:254]

    with db.cursor() as cursor:
        if db.vendor == "postgresql":
            moved = _move_in_one_statement(
                cursor,
                organization,
                kind,
                amount,
                reason,
                idempotency_key,
                causes,
                actor,
                memo,
                actor_email=actor_email,
            )
            if moved is not None:
                return moved
        # Lock, then read the balance: two consumers of the last credit
        # serialise here and the second sees the first's balance.
        # (SQLite always; PostgreSQL only after the statement above refused.)
        account_id, balance = _lock(cursor, organization, kind)
        if balance + amount < 0:
            # A replay of a consumption that succeeded earlier must return its
            # entry even though the balance has since run out.
            existing = _replayed(idempotency_key, account_id)
            if existing is not None:
                return existing
            if not clamp:
                raise InsufficientCredits(kind, requested=-amount, available=balance)
            amount = -balance
            if amount == 0:
                return None

        new_balance = balance + amount
        now = timezone.now()
        stamp = db.ops.adapt_datetimefield_value(now)
        values = _entry_values(
            organization,
            kind,
            amount,
            reason,
            idempotency_key,
            causes,
            actor,
            memo,
            now,
            actor_email=actor_email,
        )
        values.update(account_id=account_id, balance_after=new_balance)
        cursor.execute(_INSERT_ENTRY, _entry_params({**values, "created_at": stamp}))
        row = cursor.fetchone()
        if row is not None:
            cursor.execute(_UPDATE_BALANCE, [new_balance, stamp, account_id])
    if row is None:
        # The key is taken: this is a replay, and nothing has been written.
        existing = _replayed(idempotency_key, account_id)
        assert existing is not None
        return existing
    return _entry(row[0], values, organization, actor, causes)


def _move_in_one_statement(
    cursor: Any,
    organization: Organization,
    kind: str,
    amount: int,
    reason: str,
    idempotency_key: str,
    causes: list[Any],
    actor: Any,
    memo: str,
    *,
    actor_email: str,
) -> CreditEntry | None:
    """PostgreSQL's one-statement path; None when refused (the caller then locks and looks)."""
    now = timezone.now()
    values = _entry_values(
        organization,
        kind,
        amount,
        reason,
        idempotency_key,
        causes,
        actor,
        memo,
        now,
        actor_email=actor_email,
    )
    # The UPDATE takes the account's row lock.
    note_lock(_ACCOUNT, key=(organization.pk, kind))
    cursor.execute(
        _move_balance_and_insert_entry(),
        [
            # The account: move by amount if the balance allows it.
            amount,
            now,
            organization.pk,
            kind,
            amount,
            # The entry.
            *_entry_params(values, skip=_FROM_ACCOUNT),
        ],
    )
    row = cursor.fetchone()
    if row is None:
        return None
    account_id, new_balance, entry_id = row
    if entry_id is None:
        # The key is taken: a replay. Undo the move before anyone can see it.
        cursor.execute(_UNDO_MOVE, [amount, account_id])
        existing = _replayed(idempotency_key, account_id)
        assert existing is not None
        return existing
    values.update(account_id=account_id, balance_after=new_balance)
    return _entry(entry_id, values, organization, actor, causes)


def _entry_values(
    organization: Organization,
    kind: str,
    amount: int,
    reason: str,
    idempotency_key: str,
    causes: list[Any],
    actor: Any,
    memo: str,
    now: Any,
    *,
    actor_email: str = "",
) -> dict[str, Any]:
    """The entry's attributes (ENTRY_WRITTEN) but the account and balance after."""
    return {
        "organization_id": organization.pk,
        "kind": kind,
        "amount": amount,
        "reason": reason,
        "idempotency_key": idempotency_key,
        **{
            f"{name}_id": getattr(obj, "pk", None) for name, obj in zip(CAUSES, causes, strict=True)
        },
        "actor_id": getattr(actor, "pk", None),
        "actor_email": actor_email or None,
        "memo": memo,
        "created_at": now,
    }


def _entry(
    entry_id: int,
    values: dict[str, Any],
    organization: Organization,
    actor: Any,
    causes: list[Any],
) -> CreditEntry:
    """The entry just written, built from what was sent rather than read back."""
    db = connections[DEFAULT_DB_ALIAS]
    row = {"id": entry_id, **values}
    entry = CreditEntry.from_db(
        DEFAULT_DB_ALIAS,
        _ENTRY_ATTNAMES,
        [
            row[field.attname]
            if field.attname in row
            else field.get_db_prep_save(field.get_default(), db)
            for field in CreditEntry._meta.concrete_fields
        ],
    )
    # What the caller passed in, so reading entry.portal & co. costs no query.
    for name, obj in (
        ("organization", organization),
        ("actor", actor),
        *zip(CAUSES, causes, strict=True),
    ):
        if getattr(obj, "pk", None) is not None:
            # Every name here is a ForeignKey of CreditEntry.
            field = cast("ForeignKey[Any, Any]", CreditEntry._meta.get_field(name))
            field.set_cached_value(entry, obj)
    return entry


def grant(
    organization: Organization,
    kind: str,
    amount: int,
    *,
    reason: str,
    idempotency_key: str,
    actor: Any = None,
    memo: str = "",
    **cause: Any,
) -> CreditEntry:
    """Add `amount` (> 0) credits. `cause` is purchase=, portal= or invite_batch=."""
    if amount <= 0:
        raise ValueError("grant() takes a positive amount.")
    entry = _post(
        organization,
        kind,
        amount,
        reason=reason,
        idempotency_key=idempotency_key,
        actor=actor,
        memo=memo,
        **cause,
    )
    assert entry is not None
    credits_added(organization.pk, entry.kind)
    return entry


def consume(
    organization: Organization,
    kind: str,
    amount: int,
    *,
    reason: str,
    idempotency_key: str,
    actor: Any = None,
    actor_email: str = "",
    memo: str = "",
    **cause: Any,
) -> CreditEntry:
    """Use `amount` (> 0) credits or raise InsufficientCredits, changing nothing.
    `actor_email`: who did it when they have no account (a portal owner)."""
    if amount <= 0:
        raise ValueError("consume() takes a positive amount.")
    entry = _post(
        organization,
        kind,
        -amount,
        reason=reason,
        idempotency_key=idempotency_key,
        actor=actor,
        actor_email=actor_email,
        memo=memo,
        **cause,
    )
    assert entry is not None
    return entry


def adjust(
    organization: Organization,
    kind: str,
    amount: int,
    *,
    idempotency_key: str,
    actor: Any = None,
    memo: str = "",
    reason: str = CreditEntry.Reason.ADJUSTMENT,
) -> CreditEntry:
    """An operator's signed correction; taking away more than the balance is refused."""
    entry = _post(
        organization,
        kind,
        amount,
        reason=reason,
        idempotency_key=idempotency_key,
        actor=actor,
        memo=memo,
    )
    assert entry is not None
    if amount > 0:
        credits_added(organization.pk, entry.kind)
    return entry


def take_back(
    organization: Organization,
    kind: str,
    amount: int,
    *,
    reason: str,
    idempotency_key: str,
    actor: Any = None,
    memo: str = "",
    **cause: Any,
) -> tuple[CreditEntry | None, int]:
    """Remove up to `amount` credits, never below zero (refunds, disputes).

    Returns the entry (None when the balance was already zero) and the
    shortfall: how many credits could not be taken back because they were
    already used. With no entry nothing records the key, so the caller keeps
    its own record of what it took back (the purchase's `credits_reversed`).
    """
    if amount <= 0:
        raise ValueError("take_back() takes a positive amount.")
    entry = _post(
        organization,
        kind,
        -amount,
        reason=reason,
        idempotency_key=idempotency_key,
        actor=actor,
        memo=memo,
        clamp=True,
        **cause,
    )
    taken = -entry.amount if entry is not None else 0
    return entry, amount - taken


@transaction.atomic
def grant_now(organization: Organization, kind: str, amount: int, **kwargs: Any) -> CreditEntry:
    """grant() in a transaction of its own, for commands, seeds and tests."""
    return grant(organization, kind, amount, **kwargs)
