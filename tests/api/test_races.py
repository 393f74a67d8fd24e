"""Concurrent API requests on PostgreSQL: credits are never overspent, a key is
used once. Real threads, each with its own connection, released together."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum

from credits.ledger import balances
from credits.models import CreditAccount, CreditEntry
from events.models import Event
from invites.models import Invite, InviteBatch
from organizations.api_key_services import NewApiKey
from organizations.models import Organization
from portals.models import Portal
from tests.api.conftest import ApiClient
from tests.conftest import give_credits, set_allocation

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(count: int, request: Callable[[ApiClient], Any], key: str) -> list[Any]:
    """Run `request` in `count` threads released at the same moment."""
    barrier = threading.Barrier(count)
    responses: list[Any] = [None] * count

    def worker(index: int) -> None:
        client = ApiClient(key)
        try:
            barrier.wait(timeout=30)
            responses[index] = request(client)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return responses


def assert_ledger_clean(organization: Organization) -> None:
    call_command("check_ledger", stdout=open("/dev/null", "w"))  # noqa: SIM115
    for account in CreditAccount.objects.filter(organization=organization):
        total = CreditEntry.objects.filter(account=account).aggregate(total=Sum("amount"))["total"]
        assert (total or 0) == account.balance


def test_forty_requests_for_twenty_five_credits_create_exactly_twenty_five_invites(
    org: Organization, assigned_portal: Portal, alice_key: NewApiKey
) -> None:
    set_allocation(assigned_portal, 100)
    give_credits(org, invite=25)
    path = f"/portals/{assigned_portal.public_id}/invites"

    responses = race(
        40,
        lambda client: client.post(path, {"guests": [{"name": "Guest", "email": "g@example.com"}]}),
        alice_key.secret,
    )

    statuses = Counter(response.status_code for response in responses)
    assert statuses == {201: 25, 402: 15}
    refused = [r.json() for r in responses if r.status_code == 402]
    assert {body["code"] for body in refused} == {"insufficient_credits"}
    assert {body["details"]["available"] for body in refused} == {0}
    assert Invite.objects.filter(portal=assigned_portal).count() == 25
    assert InviteBatch.objects.count() == 25
    assert balances(org).invite == 0
    assigned_portal.refresh_from_db()
    assert assigned_portal.invites_used == 25
    remaining = sorted(
        r.json()["invite_credits_remaining"] for r in responses if r.status_code == 201
    )
    assert remaining == list(range(25))
    assert_ledger_clean(org)


@pytest.mark.parametrize("target", ["portal", "event"])
def test_one_idempotency_key_sent_five_times_at_once_creates_one_batch(
    org: Organization, assigned_portal: Portal, event: Event, alice_key: NewApiKey, target: str
) -> None:
    give_credits(org, invite=25)
    path = (
        f"/portals/{assigned_portal.public_id}/invites"
        if target == "portal"
        else f"/events/{event.public_id}/invites"
    )
    body = {"guests": [{"name": "Ada", "email": "ada@example.com"}], "blank": 2}

    responses = race(
        5,
        lambda client: client.post(path, body, headers={"Idempotency-Key": "crm-export-77"}),
        alice_key.secret,
    )

    assert [response.status_code for response in responses] == [201] * 5
    bodies = [response.json() for response in responses]
    assert len({b["batch_id"] for b in bodies}) == 1
    assert len({tuple(i["id"] for i in b["invites"]) for b in bodies}) == 1
    assert {b["invite_credits_remaining"] for b in bodies} == {22}
    assert InviteBatch.objects.count() == 1
    assert Invite.objects.count() == 3
    assert balances(org).invite == 22
    assert_ledger_clean(org)
