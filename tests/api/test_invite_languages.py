"""The API's `language` field: per batch and per guest, in the output, and an
unknown code falling back (as the CSV column does), never a 422."""

from __future__ import annotations

from typing import Any

import pytest

from events.models import Event
from invites.models import Invite
from organizations.models import Organization
from portals.models import Portal
from tests.api.conftest import ApiClient
from tests.conftest import give_credits

pytestmark = pytest.mark.django_db


@pytest.fixture
def swiss_event(event: Event, org: Organization) -> Event:
    Event.objects.filter(pk=event.pk).update(language="de", other_languages=["fr", "en"])
    give_credits(org, invite=20)
    event.refresh_from_db()
    return event


def test_the_batch_language_reaches_each_invite_and_a_guest_may_have_their_own(
    api: ApiClient, swiss_event: Event
) -> None:
    response = api.post(
        f"/events/{swiss_event.public_id}/invites",
        {
            "language": "fr",
            "guests": [
                {"name": "Ada", "email": "ada@example.com"},
                {"name": "Bea", "email": "bea@example.com", "language": "it-CH"},
            ],
        },
    )
    assert response.status_code == 201, response.content
    languages = [invite["language"] for invite in response.json()["invites"]]
    assert languages == ["fr", "it"]
    stored = dict(Invite.objects.filter(event=swiss_event).values_list("guest_name", "language"))
    assert stored == {"Ada": "fr", "Bea": "it"}


def test_without_a_language_the_invites_take_the_events(api: ApiClient, swiss_event: Event) -> None:
    response = api.post(f"/events/{swiss_event.public_id}/invites", {"guests": [{"name": "Ada"}]})
    assert response.status_code == 201
    assert response.json()["invites"][0]["language"] == "de"


def test_an_unknown_language_falls_back_instead_of_failing(
    api: ApiClient, swiss_event: Event
) -> None:
    response = api.post(
        f"/events/{swiss_event.public_id}/invites",
        {"language": "klingon", "guests": [{"name": "Ada", "language": "xx-YY"}]},
    )
    assert response.status_code == 201, response.content
    invite = response.json()["invites"][0]
    # The guest's unknown code reads as the batch's, the batch's unknown one as the event's.
    assert invite["language"] == "de"
    read = api.get(f"/invites/{invite['id']}")
    assert read.json()["language"] == "de"


def test_a_portals_batch_takes_its_language_too(
    api: ApiClient, swiss_event: Event, assigned_portal: Portal
) -> None:
    response = api.post(
        f"/portals/{assigned_portal.public_id}/invites",
        {"language": "en", "guests": [{"name": "Ada", "email": "ada@example.com"}]},
    )
    assert response.status_code == 201, response.content
    assert response.json()["invites"][0]["language"] == "en"


def test_a_stored_code_we_no_longer_offer_reads_as_the_events(
    api: ApiClient, swiss_event: Event
) -> None:
    response = api.post(f"/events/{swiss_event.public_id}/invites", {"guests": [{"name": "Ada"}]})
    invite_id = response.json()["invites"][0]["id"]
    Invite.objects.filter(public_id=invite_id).update(language="pt")
    listed: Any = api.get(f"/events/{swiss_event.public_id}/invites").json()["items"]
    assert [item["language"] for item in listed] == ["de"]
