"""Fulfilment races for real: threads, PostgreSQL, committed transactions."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse

from billing.models import Purchase, StripeEvent
from credits import ledger
from credits.models import CreditEntry, CreditKind
from tests.billing.kit import FakeStripe, bought, charge_event, deliver, session_event, use_credits
from tests.conftest import client_for

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(actions: list[Callable[[], int]]) -> list[int]:
    """Start every action at the same instant; return their HTTP status codes."""
    barrier = threading.Barrier(len(actions))
    statuses: list[int] = []
    errors: list[BaseException] = []

    def run(action: Callable[[], int]) -> None:
        try:
            barrier.wait()
            statuses.append(action())
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return statuses


def test_five_simultaneous_deliveries_and_the_success_page_grant_once(
    stripe_fake: FakeStripe, alice: Any, org: Any, bundle: Any
) -> None:
    purchase = bought(client_for(alice), org, bundle)
    session = stripe_fake.complete(purchase.stripe_checkout_session_id)
    body = json.dumps(
        session_event(
            "checkout.session.completed", purchase, payment_intent=session["payment_intent"]
        )
    )
    buyer = client_for(alice)
    success = reverse("billing:success", args=[org.slug])

    statuses = race(
        [lambda: deliver(body).status_code for _ in range(5)]
        + [lambda: buyer.get(success, {"session_id": session["id"]}).status_code]
    )

    assert statuses == [200] * 6
    purchase.refresh_from_db()
    assert purchase.status == Purchase.Status.PAID
    assert ledger.balances(org).invite == 120
    assert CreditEntry.objects.filter(purchase=purchase).count() == 1
    assert StripeEvent.objects.count() == 1
    assert len(mail.outbox) == 1


def test_simultaneous_deliveries_of_one_refund_take_back_once(
    stripe_fake: FakeStripe, alice: Any, org: Any, bundle: Any
) -> None:
    purchase = bought(client_for(alice), org, bundle)
    deliver(session_event("checkout.session.completed", purchase))
    purchase.refresh_from_db()
    use_credits(org, CreditKind.INVITE, 100)
    body = json.dumps(charge_event(purchase, amount_refunded=3600))

    statuses = race([lambda: deliver(body).status_code for _ in range(5)])

    assert statuses == [200] * 5
    purchase.refresh_from_db()
    assert ledger.balances(org).invite == 0
    assert (purchase.credits_reversed, purchase.credits_shortfall) == (20, 100)
    assert CreditEntry.objects.filter(purchase=purchase, reason="refund").count() == 1


def test_a_refund_racing_the_payment_it_refunds_still_ends_at_zero(
    stripe_fake: FakeStripe, alice: Any, org: Any, bundle: Any
) -> None:
    purchase = bought(client_for(alice), org, bundle)
    completed = json.dumps(session_event("checkout.session.completed", purchase))
    purchase.stripe_payment_intent_id = "pi_3QpaidIntent0000000001"
    refund = json.dumps(charge_event(purchase, amount_refunded=3600))

    statuses = race([lambda: deliver(completed).status_code, lambda: deliver(refund).status_code])

    assert statuses == [200, 200]
    purchase.refresh_from_db()
    assert purchase.status == Purchase.Status.REFUNDED
    assert ledger.balances(org).invite == 0
    assert CreditEntry.objects.filter(purchase=purchase).count() == 2
