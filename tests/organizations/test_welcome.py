"""Messages that greet a person call them by their name, or their email: never
the username made up from the email behind the scenes."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from organizations.people import display_name
from organizations.services import invite_teammate
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def _messages(response: Any) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _log_in(email: str) -> list[str]:
    client = Client()
    response = client.post(reverse("account_login"), {"login": email, "password": PASSWORD})
    assert response.status_code == 302
    return _messages(response)


def test_the_login_message_names_the_email_not_the_username(alice: Any) -> None:
    assert alice.username == "alice"

    assert _log_in("alice@example.com") == ["Successfully signed in as alice@example.com."]


def test_the_login_message_uses_the_full_name_when_there_is_one(alice: Any) -> None:
    alice.first_name, alice.last_name = "Alice", "Moser"
    alice.save()

    assert _log_in("alice@example.com") == ["Successfully signed in as Alice Moser."]


def test_joining_a_team_welcomes_the_person_by_email(org: Any, alice: Any) -> None:
    dave = make_user("dave.keller@example.com")
    invitation = invite_teammate(org, email=dave.email, role="member", invited_by=alice)
    client = Client()
    client.force_login(dave)

    response = client.post(reverse("organizations:invitation", args=[invitation.token]))

    assert response.status_code == 302
    [message] = _messages(response)
    assert message == ("Welcome to Basel Art Week, dave.keller@example.com! You joined as member.")
    assert "dave.keller!" not in message


def test_display_name_prefers_the_full_name(alice: Any) -> None:
    assert display_name(alice) == "alice@example.com"
    alice.first_name = "Alice"
    assert display_name(alice) == "Alice"
