"""manage.py check_ledger and grant_credits."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from credits import ledger
from credits.models import CreditAccount, CreditEntry, CreditKind
from organizations.models import Organization
from tests.conftest import give_credits

pytestmark = pytest.mark.django_db


def run(*args: Any) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_a_clean_ledger_passes_the_check(org: Organization, other_org: Organization) -> None:
    give_credits(org, portal=5, invite=100)
    give_credits(other_org, invite=7)
    with transaction.atomic():
        ledger.consume(org, "invite", 30, reason="invite_generation", idempotency_key="b1")

    report = run("check_ledger")

    assert "Accounts checked: 4" in report
    assert "Entries checked:  4" in report
    assert "No drift" in report


def test_a_balance_changed_behind_the_ledgers_back_is_reported(org: Organization) -> None:
    give_credits(org, portal=5)
    CreditAccount.objects.filter(organization=org, kind="portal").update(balance=8)
    out = io.StringIO()

    with pytest.raises(CommandError) as failed:
        call_command("check_ledger", stdout=out)

    assert failed.value.returncode == 1
    assert "Ledger drift in 1 of 2 accounts" in str(failed.value)
    report = out.getvalue()
    assert f"DRIFT {org.slug} / portal" in report
    assert "balance is 8 but its entries sum to 5 (drift +3)" in report


def test_an_entry_inserted_behind_the_ledgers_back_breaks_the_chain(org: Organization) -> None:
    give_credits(org, invite=10)
    account = CreditAccount.objects.get(organization=org, kind="invite")
    # Written without the ledger: balance_after and the cached balance are not updated.
    bad = CreditEntry.objects.create(
        account=account,
        organization=org,
        kind="invite",
        amount=-4,
        balance_after=10,
        reason="adjustment",
        idempotency_key="bypass",
    )
    out = io.StringIO()

    with pytest.raises(CommandError):
        call_command("check_ledger", stdout=out)

    report = out.getvalue()
    assert f"entry {bad.pk}: balance_after is 10, expected 6 (10 before, -4)" in report
    assert "balance is 10 but its entries sum to 6 (drift +4)" in report


def test_the_check_can_be_limited_to_one_organization(
    org: Organization, other_org: Organization
) -> None:
    give_credits(org, portal=1)
    CreditAccount.objects.filter(organization=other_org, kind="portal").update(balance=3)

    assert "No drift" in run("check_ledger", "--organization", org.slug)
    with pytest.raises(CommandError):
        run("check_ledger", "--organization", other_org.slug)
    with pytest.raises(CommandError, match="No organization"):
        run("check_ledger", "--organization", "nowhere")


def test_grant_credits_adds_an_explained_adjustment(org: Organization) -> None:
    output = run("grant_credits", org.slug, "portal", "12", "--reason", "Goodwill for the fair")

    assert "Added 12 portal credits for Basel Art Week: balance is now 12." in output
    entry = CreditEntry.objects.get(organization=org)
    assert (entry.amount, entry.reason, entry.memo) == (12, "adjustment", "Goodwill for the fair")
    assert entry.actor is None
    assert entry.idempotency_key.startswith("operator-adjustment:")


def test_grant_credits_with_a_negative_number_takes_credits_away(org: Organization) -> None:
    give_credits(org, invite=50)

    output = run("grant_credits", org.slug, "invite", "-20", "--reason", "Granted twice")

    assert "Took away 20 invite credits" in output
    assert ledger.balances(org).invite == 30


def test_grant_credits_never_takes_the_balance_below_zero(org: Organization) -> None:
    give_credits(org, invite=5)

    with pytest.raises(CommandError) as failed:
        run("grant_credits", org.slug, "invite", "-6", "--reason", "Too much")

    assert str(failed.value) == (
        "Cannot take 6 invite credits from Basel Art Week: only 5 left. Nothing was changed."
    )
    assert ledger.balances(org).invite == 5
    assert CreditEntry.objects.filter(organization=org).count() == 1


def test_running_grant_credits_twice_makes_two_adjustments(org: Organization) -> None:
    run("grant_credits", org.slug, "portal", "2", "--reason", "One")
    run("grant_credits", org.slug, "portal", "2", "--reason", "One")

    assert ledger.balances(org).portal == 4
    assert CreditEntry.objects.filter(organization=org).count() == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nowhere", "portal", "1", "--reason", "x"], "No organization with the slug 'nowhere'"),
        (["basel-art-week", "portal", "0", "--reason", "x"], "must not be zero"),
        (["basel-art-week", "portal", "3", "--reason", "  "], "Give a reason"),
        (["basel-art-week", "gold", "3", "--reason", "x"], "invalid choice"),
        (["basel-art-week", "portal", "3"], "--reason"),
    ],
)
def test_grant_credits_refuses_bad_input_clearly(
    org: Organization, args: list[str], message: str
) -> None:
    assert org.slug == "basel-art-week"

    with pytest.raises(CommandError, match=message):
        run("grant_credits", *args)

    assert not CreditEntry.objects.filter(organization=org).exists()


def test_kinds_are_the_two_credit_kinds() -> None:
    assert CreditKind.values == ["portal", "invite"]


# --- The admin's adjustment form (operators) ------------------------------------


@pytest.fixture
def operator_client(db: Any) -> Any:
    from django.contrib.auth import get_user_model

    from tests.conftest import client_for

    operator = get_user_model().objects.create_superuser(
        username="operator", email="ops@artsvp.example", password="x" * 20
    )
    return client_for(operator)


def adjust_url(org: Organization, kind: str) -> str:
    from django.urls import reverse

    account = CreditAccount.objects.get(organization=org, kind=kind)
    return reverse("admin:credits_creditaccount_adjust", args=[account.pk])


def test_an_operator_adjusts_a_balance_in_the_admin(
    operator_client: Any, org: Organization
) -> None:
    give_credits(org, portal=4)

    response = operator_client.post(
        adjust_url(org, "portal"), {"amount": "-3", "memo": "Granted twice by mistake"}
    )

    assert response.status_code == 302
    assert ledger.balances(org).portal == 1
    entry = CreditEntry.objects.filter(organization=org).first()
    assert (entry.amount, entry.memo, entry.actor.email) == (
        -3,
        "Granted twice by mistake",
        "ops@artsvp.example",
    )


def test_the_admin_refuses_to_take_more_than_the_balance(
    operator_client: Any, org: Organization
) -> None:
    give_credits(org, portal=2)

    response = operator_client.post(adjust_url(org, "portal"), {"amount": "-3", "memo": "x"})

    assert response.status_code == 200
    assert "Only 2 left: nothing was changed." in response.content.decode()
    assert ledger.balances(org).portal == 2


def test_organization_owners_cannot_adjust_their_own_balance(
    alice_client: Any, org: Organization
) -> None:
    response = alice_client.post(adjust_url(org, "portal"), {"amount": "100", "memo": "free"})

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert ledger.balances(org).portal == 0
