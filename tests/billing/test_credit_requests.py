"""billing/credit_requests.py: requesting credits while buying online is not available."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse

from billing.credit_requests import (
    MAX_OPEN,
    RequestAlreadyDecided,
    decline_request,
    grant_request,
    request_credits,
)
from billing.models import CreditRequest
from credits import ledger
from credits.models import CreditEntry
from tests.conftest import client_for, make_user
from tests.credits.test_races import race

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _operators(settings: Any) -> None:
    settings.ADMINS = [("ops@example.com", "ops@example.com")]
    settings.STRIPE_SECRET_KEY = ""


def post_request(client: Any, org: Any, **data: Any) -> Any:
    return client.post(
        reverse("billing:request_credits", args=[org.slug]),
        {"kind": "invite", "credits": "250", "note": "For the spring fair", **data},
    )


def test_an_owner_requests_credits_and_the_operators_are_emailed(
    alice_client: Any, org: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = post_request(alice_client, org)
    assert response.status_code == 302
    credit_request = CreditRequest.objects.get(organization=org)
    assert (credit_request.kind, credit_request.credits) == ("invite", 250)
    assert credit_request.status == CreditRequest.Status.OPEN
    (message,) = mail.outbox
    assert message.to == ["ops@example.com"]
    assert org.name in message.subject
    assert "250 invite credits" in message.body
    assert "For the spring fair" in message.body
    assert f"grant_credits --request {credit_request.public_id}" in message.body
    page = alice_client.get(reverse("billing:billing", args=[org.slug])).content.decode()
    assert "Your requests" in page and "250 invite credits" in page


@pytest.mark.parametrize(
    ("data", "field"),
    [({"credits": "0"}, "credits"), ({"credits": "lots"}, "credits"), ({"kind": "gold"}, "kind")],
)
def test_a_bad_request_shows_the_error_next_to_the_field(
    alice_client: Any, org: Any, data: dict[str, str], field: str
) -> None:
    response = post_request(alice_client, org, **data)
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html
    assert not CreditRequest.objects.exists()


def test_too_many_open_requests_are_refused(alice: Any, org: Any) -> None:
    for _ in range(MAX_OPEN):
        request_credits(org, kind="portal", credits=5, requested_by=alice)
    response = post_request(client_for(alice), org)
    assert response.status_code == 400
    assert "open requests" in response.content.decode()
    assert CreditRequest.objects.count() == MAX_OPEN


def test_a_member_is_told_to_ask_a_manager_and_cannot_post(bob_client: Any, org: Any) -> None:
    page = bob_client.get(reverse("billing:billing", args=[org.slug])).content.decode()
    assert "Ask an owner or admin" in page
    assert post_request(bob_client, org).status_code == 403
    assert not CreditRequest.objects.exists()


def test_another_organization_cannot_request_for_us(charlie_client: Any, org: Any) -> None:
    assert post_request(charlie_client, org).status_code == 404


def test_with_stripe_configured_requests_are_not_taken(
    alice_client: Any, org: Any, settings: Any
) -> None:
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_x"
    assert post_request(alice_client, org).status_code == 302
    assert not CreditRequest.objects.exists()


def test_granting_adds_the_credits_once_and_tells_the_requester(
    alice: Any, org: Any, django_capture_on_commit_callbacks: Any
) -> None:
    credit_request = request_credits(org, kind="invite", credits=250, requested_by=alice)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        entry = grant_request(credit_request)
    assert ledger.balances(org).invite == 250
    assert entry.reason == CreditEntry.Reason.ADJUSTMENT
    assert credit_request.public_id in entry.memo
    (message,) = mail.outbox
    assert message.to == [alice.email]
    assert "arrived: 250 invite credits" in message.subject
    with pytest.raises(RequestAlreadyDecided):
        grant_request(credit_request)
    with pytest.raises(RequestAlreadyDecided):
        decline_request(credit_request)
    assert ledger.balances(org).invite == 250


def test_the_admin_grants_and_declines_with_one_action(
    alice: Any, org: Any, django_capture_on_commit_callbacks: Any
) -> None:
    operator = make_user("operator@example.com")
    operator.is_staff = operator.is_superuser = True
    operator.save()
    granted = request_credits(org, kind="portal", credits=12, requested_by=alice)
    declined = request_credits(org, kind="invite", credits=9000, requested_by=alice)
    admin = client_for(operator)
    url = reverse("admin:billing_creditrequest_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(url, {"action": "grant_selected", ACTION_CHECKBOX_NAME: [granted.pk]})
        admin.post(url, {"action": "decline_selected", ACTION_CHECKBOX_NAME: [declined.pk]})
    granted.refresh_from_db()
    declined.refresh_from_db()
    assert granted.status == "granted" and granted.decided_by == operator
    assert declined.status == "declined"
    balances = ledger.balances(org)
    assert (balances.portal, balances.invite) == (12, 0)
    assert any("not granted" in message.body for message in mail.outbox)


def test_grant_credits_grants_a_request(alice: Any, org: Any) -> None:
    credit_request = request_credits(org, kind="portal", credits=7, requested_by=alice)
    out = io.StringIO()
    call_command("grant_credits", "--request", credit_request.public_id, stdout=out)
    assert "Granted 7 portal credits" in out.getvalue()
    assert ledger.balances(org).portal == 7
    with pytest.raises(CommandError, match="already granted"):
        call_command("grant_credits", "--request", credit_request.public_id)
    with pytest.raises(CommandError, match="No credit request"):
        call_command("grant_credits", "--request", "nope")
    assert ledger.balances(org).portal == 7


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_operators_granting_at_once_grant_once(alice: Any, org: Any) -> None:
    credit_request = request_credits(org, kind="invite", credits=100, requested_by=alice)

    results = race(4, lambda _n: grant_request(credit_request))

    assert sum(isinstance(result, CreditEntry) for result in results) == 1
    assert sum(isinstance(result, RequestAlreadyDecided) for result in results) == 3
    assert ledger.balances(org).invite == 100


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_grant_racing_a_decline_does_one_of_them(alice: Any, org: Any) -> None:
    credit_request = request_credits(org, kind="invite", credits=100, requested_by=alice)

    def decide(number: int) -> Any:
        if number % 2:
            return decline_request(credit_request)
        return grant_request(credit_request)

    results = race(4, decide)

    credit_request.refresh_from_db()
    winners = [result for result in results if not isinstance(result, RequestAlreadyDecided)]
    assert len(winners) == 1
    expected = 100 if credit_request.status == "granted" else 0
    assert ledger.balances(org).invite == expected
