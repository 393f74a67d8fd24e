"""Emails to guests and exhibitors count right for one and for many."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.template.loader import render_to_string

from events.models import Event


def text(template: str, **context: object) -> str:
    return " ".join(render_to_string(template, context).split())


@pytest.mark.parametrize(("allowed", "expected"), [(1, "bring 1 guest"), (2, "bring 2 guests")])
def test_the_invite_email_counts_plus_ones(event: Event, allowed: int, expected: str) -> None:
    invite = SimpleNamespace(plus_ones_allowed=allowed, guest_name="Ana")
    for template in ("emails/invite-body.txt", "emails/invite-body.html"):
        page = text(template, invite=invite, event=event, host_name="Galerie Nord")
        assert expected in page
        assert f"{expected}s" not in page


@pytest.mark.parametrize(
    ("allocation", "expected"), [(1, "(up to 1 invitation)"), (5, "(up to 5 invitations)")]
)
@pytest.mark.parametrize("name", ["portal-link", "portal-link-reminder"])
def test_the_portal_link_emails_count_the_allocation(
    event: Event, name: str, allocation: int, expected: str
) -> None:
    portal = SimpleNamespace(allocation=allocation, name="Galerie Nord")
    for kind in ("txt", "html"):
        assert expected in text(f"emails/{name}-body.{kind}", portal=portal, event=event)


def test_the_rate_limited_page_says_1_minute() -> None:
    assert "Please try again in 1 minute." in text("invites/rate_limited.html", retry_minutes=1)
    assert "Please try again in 5 minutes." in text("invites/rate_limited.html", retry_minutes=5)
