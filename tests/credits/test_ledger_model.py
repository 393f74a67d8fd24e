"""A hypothesis state machine drives the ledger with random operations and
replays, and after every step checks the database against a plain model."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

from credits import ledger
from credits.models import CreditAccount, CreditEntry, CreditKind
from organizations.models import Organization

KINDS = st.sampled_from(CreditKind.values)
AMOUNTS = st.integers(min_value=1, max_value=60)
_numbers = itertools.count()


@dataclass(frozen=True)
class Done:
    """An operation that wrote an entry, kept for replaying."""

    operation: str
    kind: str
    amount: int
    key: str
    entry_id: int


class LedgerMachine(RuleBasedStateMachine):
    done = Bundle("done")

    def __init__(self) -> None:
        super().__init__()
        number = next(_numbers)
        self.organization = Organization.objects.create(
            name=f"Model {number}", slug=f"model-{number}"
        )
        self.balance = dict.fromkeys(CreditKind.values, 0)
        self.entries = dict.fromkeys(CreditKind.values, 0)

    def _key(self) -> str:
        return f"model:{next(_numbers)}"

    def _call(self, operation: str, kind: str, amount: int, key: str) -> Any:
        # Each step is its own transaction, as in the services.
        with transaction.atomic():
            if operation == "grant":
                return ledger.grant(
                    self.organization, kind, amount, reason="adjustment", idempotency_key=key
                )
            if operation == "consume":
                return ledger.consume(
                    self.organization, kind, amount, reason="invite_generation", idempotency_key=key
                )
            if operation == "adjust":
                return ledger.adjust(self.organization, kind, amount, idempotency_key=key)
            return ledger.take_back(
                self.organization, kind, amount, reason="refund", idempotency_key=key
            )

    def _wrote(self, operation: str, kind: str, amount: int, key: str, entry: Any) -> Done:
        self.balance[kind] += entry.amount
        self.entries[kind] += 1
        assert entry.balance_after == self.balance[kind]
        return Done(operation, kind, amount, key, entry.pk)

    @rule(target=done, kind=KINDS, amount=AMOUNTS)
    def grant(self, kind: str, amount: int) -> Done:
        key = self._key()
        entry = self._call("grant", kind, amount, key)
        assert entry.amount == amount
        return self._wrote("grant", kind, amount, key, entry)

    @rule(target=done, kind=KINDS, amount=AMOUNTS)
    def consume(self, kind: str, amount: int) -> Any:
        key = self._key()
        if amount > self.balance[kind]:
            with pytest.raises(ledger.InsufficientCredits) as refused:
                self._call("consume", kind, amount, key)
            assert (refused.value.requested, refused.value.available) == (
                amount,
                self.balance[kind],
            )
            return multiple()
        entry = self._call("consume", kind, amount, key)
        assert entry.amount == -amount
        return self._wrote("consume", kind, amount, key, entry)

    @rule(
        target=done,
        kind=KINDS,
        amount=st.integers(min_value=-60, max_value=60).filter(bool),
    )
    def adjust(self, kind: str, amount: int) -> Any:
        key = self._key()
        if self.balance[kind] + amount < 0:
            with pytest.raises(ledger.InsufficientCredits):
                self._call("adjust", kind, amount, key)
            return multiple()
        entry = self._call("adjust", kind, amount, key)
        return self._wrote("adjust", kind, amount, key, entry)

    @rule(target=done, kind=KINDS, amount=AMOUNTS)
    def take_back(self, kind: str, amount: int) -> Any:
        key = self._key()
        expected_taken = min(amount, self.balance[kind])
        entry, shortfall = self._call("take_back", kind, amount, key)
        assert shortfall == amount - expected_taken
        if entry is None:
            assert expected_taken == 0
            return multiple()
        assert entry.amount == -expected_taken
        return self._wrote("take_back", kind, amount, key, entry)

    @rule(done=done)
    def replay(self, done: Done) -> None:
        result = self._call(done.operation, done.kind, done.amount, done.key)
        entry = result[0] if done.operation == "take_back" else result
        assert entry.pk == done.entry_id
        # Nothing moved: the invariants below compare against the unchanged model.

    @invariant()
    def balances_match_the_model(self) -> None:
        current = ledger.balances(self.organization)
        for kind in CreditKind.values:
            assert getattr(current, kind) == self.balance[kind]
            assert self.balance[kind] >= 0

    @invariant()
    def entries_explain_every_balance(self) -> None:
        for account in CreditAccount.objects.filter(organization=self.organization):
            rows = list(
                CreditEntry.objects.filter(account=account)
                .order_by("id")
                .values_list("amount", "balance_after")
            )
            assert len(rows) == self.entries[account.kind]
            total = CreditEntry.objects.filter(account=account).aggregate(s=Sum("amount"))["s"]
            assert (total or 0) == account.balance
            running = 0
            for amount, balance_after in rows:
                running += amount
                assert amount != 0
                assert balance_after == running >= 0


@pytest.mark.django_db
def test_the_ledger_agrees_with_a_plain_model_after_every_step() -> None:
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=30,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
