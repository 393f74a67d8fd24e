"""credits/ledger.py: each operation, each refusal, replays."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.db import transaction

from billing.models import Purchase
from credits import ledger
from credits.ledger import IdempotencyConflict, InsufficientCredits, LedgerError
from credits.models import CreditAccount, CreditEntry, CreditKind
from organizations.models import Organization
from tests.conftest import give_credits

pytestmark = pytest.mark.django_db

PORTAL, INVITE = CreditKind.PORTAL, CreditKind.INVITE
USE = CreditEntry.Reason.INVITE_GENERATION


def key() -> str:
    return f"test:{uuid.uuid4().hex}"


def entries(organization: Organization, kind: str) -> list[CreditEntry]:
    return list(CreditEntry.objects.filter(organization=organization, kind=kind).order_by("id"))


def balance(organization: Organization, kind: str) -> int:
    return getattr(ledger.balances(organization), kind)


def test_a_grant_adds_credits_and_records_why(org: Organization, alice: Any) -> None:
    entry = ledger.grant(
        org,
        INVITE,
        250,
        reason=CreditEntry.Reason.DEMO_GRANT,
        idempotency_key="grant-1",
        actor=alice,
        memo="Welcome credits",
    )

    assert balance(org, INVITE) == 250
    assert balance(org, PORTAL) == 0
    stored = CreditEntry.objects.get(pk=entry.pk)
    assert (stored.amount, stored.balance_after, stored.reason) == (250, 250, "demo_grant")
    assert (stored.actor, stored.memo, stored.kind) == (alice, "Welcome credits", "invite")
    assert stored.organization == org
    assert stored.account == CreditAccount.objects.get(organization=org, kind=INVITE)
    # The returned entry is the stored row, not an approximation of it.
    assert (entry.created_at, entry.idempotency_key) == (stored.created_at, stored.idempotency_key)


def test_consuming_uses_credits_and_chains_balance_after(org: Organization, portal: Any) -> None:
    give_credits(org, portal=3)

    entry = ledger.consume(
        org,
        PORTAL,
        1,
        reason=CreditEntry.Reason.PORTAL_ASSIGNMENT,
        idempotency_key=f"portal-assign:{portal.pk}",
        portal=portal,
    )

    assert balance(org, PORTAL) == 2
    assert (entry.amount, entry.balance_after) == (-1, 2)
    assert CreditEntry.objects.get(pk=entry.pk).portal == portal
    assert [e.balance_after for e in entries(org, PORTAL)] == [3, 2]


def test_consuming_the_last_credit_leaves_zero(org: Organization) -> None:
    give_credits(org, invite=5)

    ledger.consume(org, INVITE, 5, reason=USE, idempotency_key=key())

    assert balance(org, INVITE) == 0


def test_consuming_more_than_the_balance_is_refused_and_changes_nothing(
    org: Organization,
) -> None:
    give_credits(org, invite=30)

    with pytest.raises(InsufficientCredits) as refused:
        ledger.consume(org, INVITE, 50, reason=USE, idempotency_key="batch-1")

    assert (refused.value.requested, refused.value.available) == (50, 30)
    assert refused.value.shortfall == 20
    assert refused.value.kind == INVITE
    assert str(refused.value) == "Not enough invite credits: 50 needed, 30 available (20 short)."
    assert balance(org, INVITE) == 30
    assert len(entries(org, INVITE)) == 1
    assert not CreditEntry.objects.filter(idempotency_key="batch-1").exists()


def test_with_no_account_yet_consuming_is_refused_with_zero_available(db: Any) -> None:
    organization = Organization.objects.create(name="No accounts", slug="no-accounts")

    with pytest.raises(InsufficientCredits) as refused:
        ledger.consume(organization, PORTAL, 1, reason=USE, idempotency_key=key())

    assert refused.value.available == 0
    assert ledger.balances(organization) == ledger.Balances(portal=0, invite=0)


def test_accounts_are_created_on_first_grant(db: Any) -> None:
    organization = Organization.objects.create(name="New", slug="new-org")

    ledger.grant(
        organization, PORTAL, 2, reason=CreditEntry.Reason.ADJUSTMENT, idempotency_key=key()
    )

    assert CreditAccount.objects.filter(organization=organization).count() == 2
    assert balance(organization, PORTAL) == 2


def test_an_adjustment_can_add_or_take_away(org: Organization) -> None:
    ledger.adjust(org, PORTAL, 10, idempotency_key=key(), memo="Goodwill")
    taken = ledger.adjust(org, PORTAL, -4, idempotency_key=key(), memo="Duplicate grant")

    assert balance(org, PORTAL) == 6
    assert (taken.amount, taken.balance_after, taken.reason) == (-4, 6, "adjustment")
    assert taken.actor is None


def test_an_adjustment_below_zero_is_refused(org: Organization) -> None:
    give_credits(org, portal=2)

    with pytest.raises(InsufficientCredits) as refused:
        ledger.adjust(org, PORTAL, -3, idempotency_key=key())

    assert (refused.value.requested, refused.value.available) == (3, 2)
    assert balance(org, PORTAL) == 2


def test_taking_back_stops_at_zero_and_reports_the_shortfall(org: Organization) -> None:
    give_credits(org, invite=40)

    entry, shortfall = ledger.take_back(
        org, INVITE, 100, reason=CreditEntry.Reason.REFUND, idempotency_key="refund-1"
    )

    assert entry is not None
    assert (entry.amount, entry.balance_after, shortfall) == (-40, 0, 60)
    assert balance(org, INVITE) == 0


def test_taking_back_what_is_there_has_no_shortfall(org: Organization) -> None:
    give_credits(org, invite=40)

    entry, shortfall = ledger.take_back(
        org, INVITE, 15, reason=CreditEntry.Reason.DISPUTE, idempotency_key=key()
    )

    assert entry is not None and entry.amount == -15
    assert shortfall == 0
    assert balance(org, INVITE) == 25


def test_taking_back_from_an_empty_account_writes_nothing(org: Organization) -> None:
    entry, shortfall = ledger.take_back(
        org, INVITE, 10, reason=CreditEntry.Reason.REFUND, idempotency_key=key()
    )

    assert (entry, shortfall) == (None, 10)
    assert not CreditEntry.objects.filter(organization=org).exists()


@pytest.mark.parametrize(
    "call",
    [
        lambda org: ledger.grant(org, PORTAL, 0, reason="adjustment", idempotency_key=key()),
        lambda org: ledger.grant(org, PORTAL, -1, reason="adjustment", idempotency_key=key()),
        lambda org: ledger.consume(org, PORTAL, 0, reason=USE, idempotency_key=key()),
        lambda org: ledger.consume(org, PORTAL, -2, reason=USE, idempotency_key=key()),
        lambda org: ledger.adjust(org, PORTAL, 0, idempotency_key=key()),
        lambda org: ledger.take_back(org, PORTAL, 0, reason="refund", idempotency_key=key()),
        lambda org: ledger.grant(org, "gold", 1, reason="adjustment", idempotency_key=key()),
        lambda org: ledger.grant(org, PORTAL, 1, reason="because", idempotency_key=key()),
        lambda org: ledger.grant(org, PORTAL, 1, reason="adjustment", idempotency_key=""),
        lambda org: ledger.grant(org, PORTAL, 1, reason="adjustment", idempotency_key="k" * 201),
    ],
    ids=[
        "grant-zero",
        "grant-negative",
        "consume-zero",
        "consume-negative",
        "adjust-zero",
        "take-back-zero",
        "unknown-kind",
        "unknown-reason",
        "empty-key",
        "key-too-long",
    ],
)
def test_meaningless_requests_are_refused_before_anything_is_written(
    org: Organization, call: Any
) -> None:
    give_credits(org, portal=5)

    with pytest.raises(ValueError):
        call(org)

    assert CreditEntry.objects.filter(organization=org).count() == 1
    assert balance(org, PORTAL) == 5


def test_replaying_a_grant_returns_the_first_entry_and_changes_nothing(
    org: Organization,
) -> None:
    first = ledger.grant(org, INVITE, 100, reason="purchase", idempotency_key="purchase:7")
    again = ledger.grant(org, INVITE, 100, reason="purchase", idempotency_key="purchase:7")

    assert again.pk == first.pk
    assert (again.amount, again.balance_after) == (100, 100)
    assert balance(org, INVITE) == 100
    assert len(entries(org, INVITE)) == 1


def test_replaying_a_consumption_after_the_credits_ran_out_returns_the_first_entry(
    org: Organization,
) -> None:
    give_credits(org, invite=3)
    first = ledger.consume(org, INVITE, 3, reason=USE, idempotency_key="invite-batch:1")

    again = ledger.consume(org, INVITE, 3, reason=USE, idempotency_key="invite-batch:1")

    assert again.pk == first.pk
    assert balance(org, INVITE) == 0
    assert len(entries(org, INVITE)) == 2


def test_replaying_a_take_back_returns_the_first_entry(org: Organization) -> None:
    give_credits(org, portal=5)
    first, _ = ledger.take_back(org, PORTAL, 2, reason="refund", idempotency_key="refund:9")
    again, shortfall = ledger.take_back(org, PORTAL, 2, reason="refund", idempotency_key="refund:9")

    assert again is not None and first is not None and again.pk == first.pk
    assert shortfall == 0
    assert balance(org, PORTAL) == 3


def test_a_key_used_on_another_account_is_refused(
    org: Organization, other_org: Organization
) -> None:
    ledger.grant(org, INVITE, 10, reason="adjustment", idempotency_key="shared-key")

    with pytest.raises(IdempotencyConflict):
        ledger.grant(other_org, INVITE, 10, reason="adjustment", idempotency_key="shared-key")
    with pytest.raises(IdempotencyConflict):
        ledger.grant(org, PORTAL, 10, reason="adjustment", idempotency_key="shared-key")

    assert balance(other_org, INVITE) == 0
    assert balance(org, PORTAL) == 0


def test_a_cause_from_another_organization_is_refused(org: Organization, other_portal: Any) -> None:
    give_credits(org, portal=2)

    with pytest.raises(LedgerError, match="another organization"):
        ledger.consume(
            org,
            PORTAL,
            1,
            reason=CreditEntry.Reason.PORTAL_ASSIGNMENT,
            idempotency_key=key(),
            portal=other_portal,
        )

    assert balance(org, PORTAL) == 2


def test_an_unknown_cause_is_refused(org: Organization) -> None:
    with pytest.raises(TypeError):
        ledger.grant(org, PORTAL, 1, reason="adjustment", idempotency_key=key(), event=1)


def test_a_purchase_grant_points_at_its_purchase(org: Organization, alice: Any) -> None:
    purchase = Purchase.objects.create(
        organization=org,
        buyer=alice,
        kind=PORTAL,
        credits=10,
        unit_price="17",
        total_price="170.00",
        currency="EUR",
    )

    entry = ledger.grant(
        org,
        PORTAL,
        10,
        reason="purchase",
        idempotency_key=f"purchase:{purchase.pk}",
        purchase=purchase,
        actor=alice,
    )

    assert CreditEntry.objects.get(pk=entry.pk).purchase == purchase
    assert entry.purchase == purchase


def test_lock_account_returns_the_current_balance(org: Organization) -> None:
    give_credits(org, invite=12)

    account = ledger.lock_account(org, INVITE)

    assert (account.balance, account.kind, account.organization) == (12, "invite", org)
    # Loaded on demand, and right.
    assert account.updated_at == CreditAccount.objects.get(pk=account.pk).updated_at


@pytest.mark.django_db(transaction=True)
def test_the_ledger_refuses_to_run_outside_a_transaction(org: Organization) -> None:
    with pytest.raises(LedgerError, match="inside the caller's transaction"):
        ledger.grant(org, PORTAL, 1, reason="adjustment", idempotency_key=key())
    with pytest.raises(LedgerError):
        ledger.lock_account(org, PORTAL)

    assert balance(org, PORTAL) == 0


@pytest.mark.django_db(transaction=True)
def test_a_refusal_leaves_the_callers_transaction_usable(org: Organization) -> None:
    give_credits(org, invite=1)

    with transaction.atomic():
        with pytest.raises(InsufficientCredits):
            ledger.consume(org, INVITE, 2, reason=USE, idempotency_key=key())
        ledger.consume(org, INVITE, 1, reason=USE, idempotency_key=key())

    assert balance(org, INVITE) == 0
