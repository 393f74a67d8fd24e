"""A pasted line whose address cannot be used is an error on that line, not a guest."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

from invites.models import Invite
from tests.conftest import give_credits
from tests.invites.helpers import assign, balance, owner_client

pytestmark = pytest.mark.django_db


def test_max_bauer_with_a_spelled_out_address_costs_no_credit(org, portal):
    give_credits(org, invite=10)
    owned = assign(portal)
    browser = owner_client(owned)

    response = browser.post(
        reverse("owner:add_invites", args=[owned.public_id]),
        {"method": "paste", "paste-submission": "", "paste-lines": "Max Bauer, max(at)example"},
    )

    assert response.status_code == 200
    assert "Line 1: 'max(at)example' is not a valid email address." in html.unescape(
        response.content.decode()
    )
    assert Invite.objects.count() == 0 and balance(org) == 10


def test_a_name_only_line_is_still_a_guest(org, event, alice_client):
    give_credits(org, invite=10)

    response = alice_client.post(
        reverse("invites:organizer_generate", args=[org.slug, event.slug]),
        {
            "method": "paste",
            "paste-submission": "",
            "paste-lines": "Max Bauer",
            "paste-plus_ones": 0,
        },
    )

    assert response.status_code == 302
    assert list(Invite.objects.values_list("guest_name", "guest_email")) == [("Max Bauer", "")]
    assert balance(org) == 9
