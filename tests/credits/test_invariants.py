"""The database itself refuses what the ledger never does, even when Python is bypassed."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import DatabaseError, IntegrityError, connection, transaction

from credits import ledger
from credits.models import CreditAccount, CreditEntry, CreditKind
from organizations.models import Organization
from tests.conftest import give_credits

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(org: Organization, alice: Any) -> CreditEntry:
    give_credits(org, invite=10)
    return ledger.grant(
        org, CreditKind.INVITE, 5, reason="adjustment", idempotency_key="entry-1", actor=alice
    )


def refused(sql: str, params: list[Any]) -> None:
    # A savepoint, so the test's transaction survives the refusal.
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_an_entrys_amount_cannot_be_updated_with_raw_sql(entry: CreditEntry) -> None:
    refused("UPDATE credits_creditentry SET amount = 500 WHERE id = %s", [entry.pk])

    entry.refresh_from_db()
    assert entry.amount == 5


def test_an_entrys_balance_after_and_memo_cannot_be_updated_through_the_orm(
    entry: CreditEntry,
) -> None:
    for change in ({"balance_after": 99}, {"memo": "rewritten"}, {"reason": "refund"}):
        with pytest.raises(DatabaseError), transaction.atomic():
            CreditEntry.objects.filter(pk=entry.pk).update(**change)

    entry.refresh_from_db()
    assert (entry.balance_after, entry.memo, entry.reason) == (15, "", "adjustment")


def test_saving_a_loaded_entry_again_is_refused(entry: CreditEntry) -> None:
    stored = CreditEntry.objects.get(pk=entry.pk)
    stored.amount = 1

    with pytest.raises(DatabaseError), transaction.atomic():
        stored.save()


@pytest.mark.postgres
def test_an_entry_cannot_be_deleted_with_raw_sql(entry: CreditEntry) -> None:
    refused("DELETE FROM credits_creditentry WHERE id = %s", [entry.pk])

    assert CreditEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.postgres
def test_an_entry_cannot_be_deleted_through_the_orm(entry: CreditEntry) -> None:
    with pytest.raises(DatabaseError), transaction.atomic():
        CreditEntry.objects.filter(pk=entry.pk).delete()

    assert CreditEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.postgres
def test_the_trigger_names_the_refused_operation(entry: CreditEntry) -> None:
    with pytest.raises(DatabaseError, match="append-only: UPDATE"), transaction.atomic():
        CreditEntry.objects.filter(pk=entry.pk).update(amount=6)


def test_deleting_a_user_keeps_their_entries_with_no_actor(entry: CreditEntry, alice: Any) -> None:
    # The one change allowed: on_delete=SET_NULL clears the actor, nothing else.
    get_user_model().objects.filter(pk=alice.pk).delete()

    entry.refresh_from_db()
    assert entry.actor is None
    assert (entry.amount, entry.balance_after) == (5, 15)


def test_a_negative_balance_is_refused(org: Organization) -> None:
    give_credits(org, portal=2)

    with pytest.raises(IntegrityError), transaction.atomic():
        CreditAccount.objects.filter(organization=org, kind="portal").update(balance=-1)
    refused(
        "UPDATE credits_creditaccount SET balance = balance - 3 WHERE organization_id = %s",
        [org.pk],
    )

    assert ledger.balances(org).portal == 2


def _raw_entry(org: Organization, **overrides: Any) -> CreditEntry:
    account = CreditAccount.objects.get(organization=org, kind="invite")
    values = {
        "account": account,
        "organization": org,
        "kind": "invite",
        "amount": 1,
        "balance_after": 11,
        "reason": "adjustment",
        "idempotency_key": "raw-1",
    }
    values.update(overrides)
    return CreditEntry.objects.create(**values)


def test_a_duplicate_idempotency_key_is_refused(org: Organization, entry: CreditEntry) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        _raw_entry(org, idempotency_key=entry.idempotency_key)


def test_a_zero_amount_entry_is_refused(org: Organization, entry: CreditEntry) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        _raw_entry(org, amount=0)


def test_a_negative_balance_after_is_refused(org: Organization, entry: CreditEntry) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        _raw_entry(org, amount=-20, balance_after=-5)


def test_a_second_account_of_the_same_kind_is_refused(org: Organization) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        CreditAccount.objects.create(organization=org, kind="invite")
