"""Real races on PostgreSQL: threads, a barrier, results counted from the database."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from credits import ledger
from credits.models import CreditEntry, CreditKind
from invites.models import Invite, InviteBatch
from invites.services import GuestInput, generate_invites
from organizations.models import Organization
from portals.claiming import claim_portal
from portals.models import Portal, PortalGroup
from tests.conftest import give_credits, make_portal

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(workers: int, work: Callable[[int], Any]) -> list[Any]:
    """Run work(i) in `workers` threads released at the same instant; return results."""
    barrier = threading.Barrier(workers)
    results: list[Any] = [None] * workers

    def run(number: int) -> None:
        try:
            barrier.wait()
            results[number] = work(number)
        except Exception as error:  # the test inspects what each thread got
            results[number] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a worker hung (deadlock?)"
    return results


def test_fifteen_consumers_of_five_credits_exactly_five_succeed(org: Organization) -> None:
    give_credits(org, portal=5)

    def claim(number: int) -> CreditEntry:
        with transaction.atomic(durable=True):
            return ledger.consume(
                org,
                CreditKind.PORTAL,
                1,
                reason=CreditEntry.Reason.PORTAL_ASSIGNMENT,
                idempotency_key=f"race-claim:{number}",
            )

    results = race(15, claim)

    won = [r for r in results if isinstance(r, CreditEntry)]
    lost = [r for r in results if isinstance(r, ledger.InsufficientCredits)]
    assert (len(won), len(lost)) == (5, 10), results
    assert all(r.available == 0 for r in lost)
    assert ledger.balances(org).portal == 0
    used = CreditEntry.objects.filter(organization=org, kind="portal", amount__lt=0)
    assert used.count() == 5
    assert sorted(used.values_list("balance_after", flat=True)) == [0, 1, 2, 3, 4]
    call_command("check_ledger", stdout=io.StringIO())


def test_ten_replays_of_one_key_write_one_entry_and_all_get_it(org: Organization) -> None:
    def fulfil(number: int) -> CreditEntry:
        with transaction.atomic(durable=True):
            return ledger.grant(
                org,
                CreditKind.INVITE,
                250,
                reason=CreditEntry.Reason.PURCHASE,
                idempotency_key="purchase:race",
            )

    results = race(10, fulfil)

    assert all(isinstance(r, CreditEntry) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert CreditEntry.objects.filter(idempotency_key="purchase:race").count() == 1
    assert ledger.balances(org).invite == 250


def test_ten_replays_of_one_consumption_use_credits_once(org: Organization) -> None:
    give_credits(org, invite=100)

    def generate(number: int) -> CreditEntry:
        with transaction.atomic(durable=True):
            return ledger.consume(
                org,
                CreditKind.INVITE,
                40,
                reason=CreditEntry.Reason.INVITE_GENERATION,
                idempotency_key="invite-batch:race",
            )

    results = race(10, generate)

    assert all(isinstance(r, CreditEntry) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert ledger.balances(org).invite == 60


def test_grants_and_consumptions_on_both_kinds_interleave_without_losing_a_credit(
    org: Organization,
) -> None:
    give_credits(org, portal=20, invite=20)

    def mixed(number: int) -> CreditEntry:
        kind = CreditKind.PORTAL if number % 2 else CreditKind.INVITE
        with transaction.atomic(durable=True):
            if number % 3 == 0:
                return ledger.grant(
                    org, kind, 3, reason="adjustment", idempotency_key=f"mixed-grant:{number}"
                )
            return ledger.consume(
                org, kind, 2, reason="invite_generation", idempotency_key=f"mixed-use:{number}"
            )

    results = race(24, mixed)

    assert all(isinstance(r, CreditEntry) for r in results), results
    for kind in (CreditKind.PORTAL, CreditKind.INVITE):
        moved = sum(r.amount for r in results if r.kind == kind)
        assert getattr(ledger.balances(org), kind) == 20 + moved
    call_command("check_ledger", stdout=io.StringIO())


def test_sixty_four_single_invites_claims_and_batches_share_one_hot_account(
    org: Organization, group: PortalGroup
) -> None:
    """The fair's morning on one organization: 64 single invites over 8 portals, two
    blank batches and four claims at once, with credit for fewer than asked. Every
    refusal is the clean insufficient-credits error; nothing deadlocks; the
    balances end at zero, never below; each paid batch and claim has one entry."""
    give_credits(org, invite=40, portal=2)
    booths = [
        make_portal(
            group=group,
            name=f"Booth {n}",
            allocation=100,
            status=Portal.Status.ASSIGNED,
            owner_email=f"booth{n}@example.com",
            assigned_at=timezone.now(),
        )
        for n in range(8)
    ]
    open_portals = [make_portal(group=group, name=f"Open {n}", allocation=5) for n in range(4)]
    singles, batches, claims = 64, 2, 4

    def work(number: int) -> Any:
        if number < singles:
            return generate_invites(
                booths[number % len(booths)],
                [GuestInput(name=f"Guest {number}", email=f"guest{number}@example.com")],
                method=InviteBatch.Method.SINGLE,
            )
        if number < singles + batches:
            return generate_invites(booths[number % len(booths)], [], blank=5, method="blank")
        return claim_portal(open_portals[number - singles - batches], email=f"c{number}@x.example")

    results = race(singles + batches + claims, work)

    unexpected = [
        r for r in results if not isinstance(r, InviteBatch | Portal | ledger.InsufficientCredits)
    ]
    assert unexpected == []
    paid = [r for r in results if isinstance(r, InviteBatch)]
    refused = [r for r in results if isinstance(r, ledger.InsufficientCredits)]
    claimed = [r for r in results if isinstance(r, Portal)]
    # 64 + 10 invites asked of 40 credits, 4 claims of 2: both accounts run out exactly.
    assert sum(batch.size for batch in paid) == 40
    assert len(claimed) == 2
    assert len(paid) + len(refused) + len(claimed) == singles + batches + claims
    assert ledger.balances(org) == ledger.Balances(portal=0, invite=0)
    assert Invite.objects.filter(organization=org).count() == 40
    assert InviteBatch.objects.filter(organization=org).count() == len(paid)
    # One entry per cause: each paid batch and each claimed portal, nothing for a refusal.
    generation = CreditEntry.objects.filter(reason=CreditEntry.Reason.INVITE_GENERATION)
    assert sorted(generation.values_list("invite_batch_id", flat=True)) == sorted(
        batch.pk for batch in paid
    )
    assignment = CreditEntry.objects.filter(reason=CreditEntry.Reason.PORTAL_ASSIGNMENT)
    assert sorted(assignment.values_list("portal_id", flat=True)) == sorted(
        portal.pk for portal in claimed
    )
    # No balance below zero at any point: every entry's balance after is >= 0.
    assert not CreditEntry.objects.filter(organization=org, balance_after__lt=0).exists()
    call_command("check_ledger", stdout=io.StringIO())
