"""The door's API on PostgreSQL when several devices (or phone answers) arrive at once."""

from __future__ import annotations

from collections import Counter

import pytest

from door.models import CheckIn
from invites.models import Invite
from organizations.api_key_services import create_api_key
from tests.api.conftest import ApiClient
from tests.door.helpers import accepted_guest
from tests.invites.helpers import race
from tests.invites.windows import add_window, invites_of


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_devices_scanning_one_code_at_once_let_the_guest_in_once(event, org, alice):
    invite, code = accepted_guest(event)
    secrets = [
        create_api_key(org, name=f"Scanner {n}", created_by=alice, check_in_only=True).secret
        for n in range(6)
    ]

    statuses = race(
        6,
        lambda i: (
            ApiClient(secrets[i])
            .post(f"/events/{event.public_id}/check-ins", {"code": code, "device": f"phone-{i}"})
            .status_code
        ),
    )

    assert Counter(statuses) == {201: 1, 200: 5}
    assert CheckIn.objects.filter(invite=invite).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_answers_recorded_at_once_for_the_last_place_give_it_to_one(event, org, alice):
    last = add_window(event, "Preview", hour=11, capacity=1)
    add_window(event, "Evening", hour=18)
    invites = invites_of(event, 2)
    secret = create_api_key(org, name="CRM", created_by=alice).secret

    responses = race(
        2,
        lambda i: ApiClient(secret).post(
            f"/invites/{invites[i].public_id}/response",
            {"status": "accepted", "entry_window": last.public_id},
        ),
    )

    codes = sorted(
        "ok" if response.status_code == 200 else response.json()["code"] for response in responses
    )
    assert codes == ["ok", "window_full"]
    assert Invite.objects.filter(entry_window=last, status=Invite.Status.ACCEPTED).count() == 1
