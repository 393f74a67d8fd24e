"""The ledger: the only code that changes a credit balance.

Every function here runs inside the caller's transaction (it refuses to run
outside one), locks the account row it changes, re-reads the balance under
that lock, decides, then writes one append-only entry and the new balance.
Nothing is written when it refuses, so a caller that catches
`InsufficientCredits` may carry on in the same transaction.

Lock order, for the whole codebase, so that no two transactions can wait on
each other in a cycle:

    portal  ->  credit account (portal kind before invite kind)  ->  purchase

A service that needs a portal and credits locks the portal first (claiming,
generating invites); Stripe fulfilment reads the purchase unlocked, locks the
account, then locks the purchase and re-checks it.

Idempotency: every entry carries a unique key naming its cause
(`portal-assign:<id>`, `purchase:<id>`, `invite-batch:<id>`). Replaying a key
returns the entry written the first time and changes nothing. The entry is
inserted with `ON CONFLICT (idempotency_key) DO NOTHING` before the balance is
written, so the unique index (not a prior SELECT, which a concurrent replay
could slip past) decides which of two replays writes; the loser gets the
winner's entry back.

Per call the common path is three statements, the minimum for the job: lock
the account, insert the entry, update the balance (see `bench/ledger.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone

from credits.models import CreditAccount, CreditEntry, CreditKind
from organizations.models import Organization

CAUSES = ("purchase", "portal", "invite_batch")

# SQLite has no row locks: its IMMEDIATE transactions (settings.py) serialise
# writers for the whole database instead.
_LOCK_ACCOUNT = (
    "SELECT id, balance FROM credits_creditaccount WHERE organization_id = %s AND kind = %s"
)
_INSERT_ENTRY_IF_NEW = (
    "INSERT INTO credits_creditentry (account_id, organization_id, kind, amount, balance_after,"
    " reason, idempotency_key, purchase_id, portal_id, invite_batch_id, actor_id, memo,"
    " created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
    " ON CONFLICT (idempotency_key) DO NOTHING"
)
_INSERT_ENTRY = _INSERT_ENTRY_IF_NEW + " RETURNING id"
_ENTRY_COLUMNS = [
    "id",
    "account_id",
    "organization_id",
    "kind",
    "amount",
    "balance_after",
    "reason",
    "idempotency_key",
    "purchase_id",
    "portal_id",
    "invite_batch_id",
    "actor_id",
    "memo",
    "created_at",
]
_UPDATE_BALANCE = "UPDATE credits_creditaccount SET balance = %s, updated_at = %s WHERE id = %s"
# PostgreSQL writes both in one round trip while the account lock is held.
# The balance is copied from the entry just written, so it moves only if the
# entry went in (a taken key means a replay) and always to its balance_after.
_INSERT_ENTRY_AND_UPDATE_BALANCE = (
    "WITH entry AS ("  # noqa: S608 (constants only)
    + _INSERT_ENTRY_IF_NEW
    + " RETURNING id, account_id, balance_after, created_at),"
    " account AS (UPDATE credits_creditaccount SET balance = entry.balance_after,"
    " updated_at = entry.created_at FROM entry WHERE credits_creditaccount.id = entry.account_id)"
    " SELECT id FROM entry"
)


class LedgerError(Exception):
    pass


class InsufficientCredits(LedgerError):
    def __init__(self, kind: str, *, requested: int, available: int) -> None:
        self.kind = kind
        self.requested = requested
        self.available = available
        label = CreditKind(kind).label.lower()
        super().__init__(
            f"Not enough {label}: {requested} needed, {available} available "
            f"({requested - available} short)."
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

    with db.cursor() as cursor:
        # Lock, then read the balance: two consumers of the last credit
        # serialise here and the second sees the first's balance.
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
        # In the column order of CreditEntry's fields (see _ENTRY_COLUMNS).
        entry_values = [
            account_id,
            organization.pk,
            kind,
            amount,
            new_balance,
            reason,
            idempotency_key,
            *(getattr(obj, "pk", None) for obj in causes),
            getattr(actor, "pk", None),
            memo,
        ]
        if db.vendor == "postgresql":
            cursor.execute(_INSERT_ENTRY_AND_UPDATE_BALANCE, [*entry_values, stamp])
            row = cursor.fetchone()
        else:
            cursor.execute(_INSERT_ENTRY, [*entry_values, stamp])
            row = cursor.fetchone()
            if row is not None:
                cursor.execute(_UPDATE_BALANCE, [new_balance, stamp, account_id])
    if row is None:
        # The key is taken: this is a replay, and nothing has been written.
        existing = _replayed(idempotency_key, account_id)
        assert existing is not None
        return existing

    entry = CreditEntry.from_db(DEFAULT_DB_ALIAS, _ENTRY_COLUMNS, [row[0], *entry_values, now])
    # What the caller passed in, so reading entry.portal & co. costs no query.
    for name, obj in (
        ("organization", organization),
        ("actor", actor),
        *zip(CAUSES, causes, strict=True),
    ):
        if getattr(obj, "pk", None) is not None:
            CreditEntry._meta.get_field(name).set_cached_value(entry, obj)
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
    return entry


def consume(
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
    """Use `amount` (> 0) credits or raise InsufficientCredits, changing nothing."""
    if amount <= 0:
        raise ValueError("consume() takes a positive amount.")
    entry = _post(
        organization,
        kind,
        -amount,
        reason=reason,
        idempotency_key=idempotency_key,
        actor=actor,
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
