"""The ledger: the only code that changes a credit balance.

Every function here runs inside the caller's transaction (it refuses to run
outside one), locks the account row it changes, re-reads the balance under
that lock, decides, then writes one append-only entry and the new balance.
Nothing is written when it refuses, so a caller that catches
`InsufficientCredits` may carry on in the same transaction.

Lock order, for the whole codebase, so that no two transactions can wait on
each other in a cycle:

    organization  ->  team invitation
    portal group  ->  portal  ->  event (a capped event's acceptances)
        ->  invite (several: by id)  ->  delivery
    portal  ->  credit account (portal kind before invite kind)  ->  purchase

A service that needs a portal and credits locks the portal first (claiming,
generating invites); portal imports and renames lock their group first
(portals/services.py); revoking an invite locks its portal, then the invite;
Stripe fulfilment reads the purchase unlocked, locks the account, then locks
the purchase and re-checks it; team changes lock the organization, then the
invitation (organizations/services.py), FOR NO KEY UPDATE so that rows
referencing the organization can still be inserted meanwhile.

Every lock helper locks its own row only (`select_for_update(of=("self",))`
when it also loads related rows): a FOR UPDATE over a join locks the joined
rows too, in an order of the planner's choosing, outside this list.
`tests/portals/test_races.py` and `tests/organizations/test_invitation_races.py`
run different operations against each other to catch a lock out of order.

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
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import ForeignKey
from django.utils import timezone

from credits.models import CreditAccount, CreditEntry, CreditKind
from organizations.models import Organization

CAUSES = ("purchase", "portal", "invite_batch")

# SQLite has no row locks: its IMMEDIATE transactions (settings.py) serialise
# writers for the whole database instead.
_LOCK_ACCOUNT = (
    "SELECT id, balance FROM credits_creditaccount WHERE organization_id = %s AND kind = %s"
)
_INSERT_ENTRY = (
    "INSERT INTO credits_creditentry (account_id, organization_id, kind, amount, balance_after,"
    " reason, idempotency_key, purchase_id, portal_id, invite_batch_id, actor_id, memo,"
    " created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
    " ON CONFLICT (idempotency_key) DO NOTHING RETURNING id"
)
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
# PostgreSQL's one-statement path. In READ COMMITTED an UPDATE that waited
# for the row lock re-evaluates its WHERE on the row as the lock holder left
# it, so `balance + amount >= 0` is decided on the balance under the lock.
# No row back means "refused": the locked path then works out why (no
# account yet, not enough credits, a replay of a consumption that has since
# run the balance out).
_MOVE_BALANCE_AND_INSERT_ENTRY = (
    "WITH account AS (UPDATE credits_creditaccount"
    " SET balance = balance + %s, updated_at = %s::timestamptz"
    " WHERE organization_id = %s AND kind = %s AND balance + %s >= 0 RETURNING id, balance),"
    " entry AS (INSERT INTO credits_creditentry (account_id, organization_id, kind, amount,"
    " balance_after, reason, idempotency_key, purchase_id, portal_id, invite_batch_id, actor_id,"
    " memo, created_at) SELECT account.id, %s::bigint, %s, %s::bigint, account.balance, %s, %s,"
    " %s::bigint, %s::bigint, %s::bigint, %s::bigint, %s, %s::timestamptz FROM account"
    " ON CONFLICT (idempotency_key) DO NOTHING RETURNING id)"
    " SELECT account.id, account.balance, entry.id FROM account LEFT JOIN entry ON TRUE"
)
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
        if db.vendor == "postgresql":
            moved = _move_in_one_statement(
                cursor, organization, kind, amount, reason, idempotency_key, causes, actor, memo
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
        cursor.execute(_INSERT_ENTRY, [*entry_values, stamp])
        row = cursor.fetchone()
        if row is not None:
            cursor.execute(_UPDATE_BALANCE, [new_balance, stamp, account_id])
    if row is None:
        # The key is taken: this is a replay, and nothing has been written.
        existing = _replayed(idempotency_key, account_id)
        assert existing is not None
        return existing
    return _entry(row[0], entry_values, now, organization, actor, causes)


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
) -> CreditEntry | None:
    """PostgreSQL's one-statement path; None when refused (the caller then locks and looks)."""
    now = timezone.now()
    cause_ids = [getattr(obj, "pk", None) for obj in causes]
    actor_id = getattr(actor, "pk", None)
    cursor.execute(
        _MOVE_BALANCE_AND_INSERT_ENTRY,
        [
            # The account: move by amount if the balance allows it.
            amount,
            now,
            organization.pk,
            kind,
            amount,
            # The entry.
            organization.pk,
            kind,
            amount,
            reason,
            idempotency_key,
            *cause_ids,
            actor_id,
            memo,
            now,
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
    entry_values = [
        account_id,
        organization.pk,
        kind,
        amount,
        new_balance,
        reason,
        idempotency_key,
        *cause_ids,
        actor_id,
        memo,
    ]
    return _entry(entry_id, entry_values, now, organization, actor, causes)


def _entry(
    entry_id: int,
    entry_values: list[Any],
    now: Any,
    organization: Organization,
    actor: Any,
    causes: list[Any],
) -> CreditEntry:
    """The entry just written, built from what was sent rather than read back."""
    entry = CreditEntry.from_db(DEFAULT_DB_ALIAS, _ENTRY_COLUMNS, [entry_id, *entry_values, now])
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
