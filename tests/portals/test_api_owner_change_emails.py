"""Owner changes are told through the REST API too: PATCH /portals/{id} with a
new `owner_email` sends what the organizer page sends (the new owner their
link, the old one a notice without it), from the one service both call."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from deliveries.models import Delivery
from organizations.api_key_services import create_api_key
from portals.claiming import claim_portal
from portals.models import Portal
from tests.api.conftest import ApiClient
from tests.conftest import give_credits, make_portal
from tests.mail import html_of

pytestmark = pytest.mark.django_db

OLD = "lena@galerie-nord.example"
NEW = "max@galerie-nord.example"


@pytest.fixture
def owned(org, portal) -> Portal:
    give_credits(org, portal=1)
    return claim_portal(portal, email=OLD)


@pytest.fixture
def api(org, alice) -> ApiClient:
    return ApiClient(create_api_key(org, name="CRM sync", created_by=alice).secret)


def patch_portal(api: ApiClient, portal: Portal, body: dict, capture) -> dict:
    mail.outbox.clear()
    with capture(execute=True):
        response = api.patch(f"/portals/{portal.public_id}", body)
    assert response.status_code == 200, response.content
    return response.json()


def test_the_new_owner_gets_the_link_and_the_old_one_a_notice_without_it(
    api, owned, django_capture_on_commit_callbacks
):
    body = patch_portal(api, owned, {"owner_email": NEW}, django_capture_on_commit_callbacks)

    assert body["owner_email"] == NEW
    to_new = [m for m in mail.outbox if m.to == [NEW]]
    to_old = [m for m in mail.outbox if m.to == [OLD]]
    assert len(to_new) == 1 and len(to_old) == 1 and len(mail.outbox) == 2
    assert f"/p/{owned.token}/" in to_new[0].body
    assert f"/p/{owned.token}/" in html_of(to_new[0])
    assert "is now yours" in to_new[0].subject
    assert "has a new owner" in to_old[0].subject
    assert "can no longer sign in" in to_old[0].body
    # No way back into the portal for the address that lost it.
    assert owned.token not in to_old[0].body
    assert owned.token not in html_of(to_old[0])
    # Replies reach the person whose key made the change, as on the page.
    assert to_new[0].reply_to == ["alice@example.com"]
    assert to_old[0].reply_to == ["alice@example.com"]


def test_the_api_sends_what_the_page_sends(
    api, alice_client, org, owned, django_capture_on_commit_callbacks
):
    patch_portal(api, owned, {"owner_email": NEW}, django_capture_on_commit_callbacks)
    by_api = sorted((m.to[0], m.subject) for m in mail.outbox)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(
            reverse("portals:portal_change_owner", args=[org.slug, owned.public_id]),
            {"email": OLD},
        )
    by_page = sorted((m.to[0], m.subject) for m in mail.outbox)

    # The same two emails, addressed the other way round.
    swap = {NEW: OLD, OLD: NEW}
    assert sorted((swap[to], subject) for to, subject in by_page) == by_api


@pytest.mark.parametrize("same", [OLD, OLD.upper(), f"  {OLD}  "])
def test_the_same_owner_email_again_tells_nobody(
    api, owned, same, django_capture_on_commit_callbacks
):
    before = Delivery.objects.count()

    patch_portal(api, owned, {"owner_email": same}, django_capture_on_commit_callbacks)

    assert mail.outbox == []
    assert Delivery.objects.count() == before


def test_changing_other_fields_tells_the_owner_nothing(
    api, owned, django_capture_on_commit_callbacks
):
    patch_portal(
        api, owned, {"name": "Galerie Süd", "allocation": 3}, django_capture_on_commit_callbacks
    )

    assert mail.outbox == []


def test_a_refused_change_sends_nothing(api, group, owned, django_capture_on_commit_callbacks):
    make_portal(group=group, name="Galerie Süd", allocation=1)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        # The new owner is checked first; the taken name refuses the whole change.
        response = api.patch(
            f"/portals/{owned.public_id}", {"owner_email": NEW, "name": "Galerie Süd"}
        )

    assert response.status_code == 409, response.content
    assert mail.outbox == []
    owned.refresh_from_db()
    assert owned.owner_email == OLD
