"""The ledger: the only code that changes a credit balance.

Every function here runs inside the caller's transaction (it refuses to run
outside one), locks the account row it changes, re-reads the balance under
that lock, decides, then writes one append-only entry and the new balance.

Lock order, for the whole codebase, so that no two transactions can wait on
each other in a cycle:

    portal  ->  credit account (portal kind before invite kind)  ->  purchase

A service that needs a portal and credits locks the portal first (claiming,
generating invites); Stripe fulfilment reads the purchase unlocked, locks the
account, then locks the purchase and re-checks it.

Idempotency: every entry carries a unique key naming its cause
(`portal-assign:<id>`, `purchase:<id>`, `invite-batch:<id>`). Replaying a key
returns the entry written the first time and changes nothing; because the key
is checked after the account lock is taken, two concurrent replays serialise
and the second sees the first's entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from credits.models import CreditAccount, CreditEntry, CreditKind
from organizations.models import Organization


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
    _require_transaction()
    CreditKind(kind)
    try:
        return CreditAccount.objects.select_for_update().get(organization=organization, kind=kind)
    except CreditAccount.DoesNotExist:
        ensure_accounts(organization)
        return CreditAccount.objects.select_for_update().get(organization=organization, kind=kind)


def balances(organization: Organization) -> Balances:
    """Current balances, read without locks (for display)."""
    values = dict(
        CreditAccount.objects.filter(organization=organization).values_list("kind", "balance")
    )
    return Balances(
        portal=values.get(CreditKind.PORTAL, 0), invite=values.get(CreditKind.INVITE, 0)
    )


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
    _require_transaction()
    if amount == 0:
        raise ValueError("A ledger entry moves at least one credit.")
    account = lock_account(organization, kind)
    # Re-read under the account lock: a concurrent replay of this key has
    # either committed (we return its entry) or is waiting behind us.
    existing = CreditEntry.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        if existing.account_id != account.pk:
            raise IdempotencyConflict(f"Key {idempotency_key!r} belongs to another account.")
        return existing
    if account.balance + amount < 0:
        if not clamp:
            raise InsufficientCredits(kind, requested=-amount, available=account.balance)
        amount = -account.balance
        if amount == 0:
            return None
    account.balance += amount
    account.save(update_fields=["balance", "updated_at"])
    return CreditEntry.objects.create(
        account=account,
        organization=organization,
        kind=kind,
        amount=amount,
        balance_after=account.balance,
        reason=reason,
        idempotency_key=idempotency_key,
        actor=actor,
        memo=memo[:500],
        **cause,
    )


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
    return _post(
        organization,
        kind,
        amount,
        reason=reason,
        idempotency_key=idempotency_key,
        actor=actor,
        memo=memo,
    )  # type: ignore[return-value]


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
    already used.
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
