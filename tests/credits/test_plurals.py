"""Counts of credits read right for one and for many."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.template.loader import render_to_string

from artsvp.emails import render_email
from credits.models import credits_text


def card(balance: int, kind: str) -> str:
    return " ".join(
        render_to_string(
            "credits/_balance_card.html",
            {"balance": balance, "kind": kind, "low_credit_threshold": 3, "payments_ready": True},
        ).split()
    )


@pytest.mark.parametrize(
    ("balance", "kind", "label", "warning"),
    [
        (1, "invite", "Invite credit<", "only 1 invite credit left."),
        (2, "invite", "Invite credits<", "only 2 invite credits left."),
        (1, "portal", "Portal credit<", "only 1 portal credit left."),
        (3, "portal", "Portal credits<", "only 3 portal credits left."),
    ],
)
def test_the_balance_card_counts_in_the_singular_and_the_plural(
    balance: int, kind: str, label: str, warning: str
) -> None:
    html = card(balance, kind)

    assert label in html
    assert warning in html


def test_credit_amounts_are_written_for_people() -> None:
    assert credits_text(1, "invite") == "1 invite credit"
    assert credits_text(1250, "portal") == "1,250 portal credits"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("credit-request-declined", "Your request for 1 invite credit was not granted."),
        ("credit-request-granted", "Your request is granted: 1 invite credit added to"),
        ("credit-request", "asks for 1 invite credit."),
    ],
)
def test_credit_request_emails_say_1_credit(name: str, expected: str) -> None:
    request = SimpleNamespace(credits=1, kind="invite", note="", requested_by=None, public_id="x")
    email = render_email(
        name,
        {
            "credit_request": request,
            "organization": SimpleNamespace(name="Basel Art Week", slug="basel"),
            "billing_url": "https://example.com/billing",
            "admin_url": "https://example.com/admin",
        },
    )

    assert expected in email.text
    assert expected in email.html
