"""The organization's API keys page and the create_api_key command."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from organizations.api_key_services import create_api_key, looks_like_api_key
from organizations.models import ApiKey, Organization
from portals.models import Portal
from tests.api.conftest import ApiClient
from tests.conftest import give_credits


def page_url(organization: Organization) -> str:
    return reverse("organizations:api_keys", args=[organization.slug])


def test_owner_creates_a_key_that_is_shown_once_and_stored_as_a_hash(
    alice_client: Client, org: Organization, alice: Any
) -> None:
    response = alice_client.post(page_url(org), {"action": "create", "name": "CRM sync"})

    assert response.status_code == 200
    api_key = ApiKey.objects.get(organization=org)
    secret = response.context["new_key"].secret
    assert looks_like_api_key(secret)
    assert secret in response.content.decode()
    assert api_key.name == "CRM sync"
    assert api_key.created_by == alice
    assert secret.startswith(api_key.prefix)
    assert api_key.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in api_key.secret_hash
    # The next visit lists the key by its prefix only.
    again = alice_client.get(page_url(org)).content.decode()
    assert secret not in again
    assert api_key.prefix in again
    assert "CRM sync" in again


def test_the_new_key_works_against_the_api(alice_client: Client, org: Organization) -> None:
    response = alice_client.post(page_url(org), {"action": "create", "name": "CRM sync"})
    secret = response.context["new_key"].secret

    assert ApiClient(secret).get("/credits").status_code == 200
    listed = alice_client.get(page_url(org)).content.decode()
    assert "Never" not in listed  # "last used" now shows a time


def test_a_key_needs_a_name(alice_client: Client, org: Organization) -> None:
    response = alice_client.post(page_url(org), {"action": "create", "name": "  "})

    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert "errorlist" in response.content.decode()
    assert not ApiKey.objects.exists()


def test_revoking_a_key_refuses_it_from_then_on(
    alice_client: Client, org: Organization, alice: Any
) -> None:
    new_key = create_api_key(org, name="Old sync", created_by=alice)
    assert ApiClient(new_key.secret).get("/credits").status_code == 200

    response = alice_client.post(
        page_url(org), {"action": "revoke", "prefix": new_key.api_key.prefix}, follow=True
    )

    assert response.status_code == 200
    assert "is revoked" in response.content.decode()
    new_key.api_key.refresh_from_db()
    assert new_key.api_key.revoked_at is not None
    assert ApiClient(new_key.secret).get("/credits").status_code == 401
    assert "Revoked" in response.content.decode()


def test_the_page_explains_the_api_with_a_working_curl_example(
    alice_client: Client, org: Organization, settings: Any
) -> None:
    settings.SITE_URL = "https://artsvp.example"
    content = alice_client.get(page_url(org)).content.decode()

    assert (
        "curl https://artsvp.example/api/v1/credits \\\n"
        '  -H "Authorization: Bearer YOUR_API_KEY"' in content
    )
    assert "https://artsvp.example/api/v1/portals/PORTAL_ID/invites" in content
    assert "https://artsvp.example/api/v1/docs" in content
    assert "No API keys yet" in content


def test_the_example_uses_the_new_key_and_a_claimed_portal(
    alice_client: Client, org: Organization, assigned_portal: Portal
) -> None:
    response = alice_client.post(page_url(org), {"action": "create", "name": "CRM sync"})
    content = response.content.decode()
    secret = response.context["new_key"].secret

    assert f'-H "Authorization: Bearer {secret}"' in content
    assert f"/api/v1/portals/{assigned_portal.public_id}/invites" in content
    assert "Galerie Nord" in content
    # The example, run as written, works.
    give_credits(org, invite=1)
    example = ApiClient(secret).post(
        f"/portals/{assigned_portal.public_id}/invites",
        {"guests": [{"name": "Ada Lovelace", "email": "ada@example.com"}]},
        headers={"Idempotency-Key": "crm-order-1234"},
    )
    assert example.status_code == 201


def test_members_who_are_not_managers_cannot_manage_keys(
    bob_client: Client, org: Organization
) -> None:
    assert bob_client.get(page_url(org)).status_code == 403
    assert bob_client.post(page_url(org), {"action": "create", "name": "x"}).status_code == 403
    assert not ApiKey.objects.exists()


def test_another_organization_gets_404(
    charlie_client: Client, org: Organization, other_org: Organization, alice: Any
) -> None:
    alice_key = create_api_key(org, name="Alice's", created_by=alice)

    assert charlie_client.get(page_url(org)).status_code == 404
    # Charlie's own page cannot revoke alice's key by its prefix either.
    response = charlie_client.post(
        page_url(other_org), {"action": "revoke", "prefix": alice_key.api_key.prefix}
    )
    assert response.status_code == 404
    alice_key.api_key.refresh_from_db()
    assert alice_key.api_key.revoked_at is None


def test_listing_keys_takes_the_same_queries_for_many_keys(
    alice_client: Client, org: Organization, alice: Any, django_assert_max_num_queries: Any
) -> None:
    for n in range(3):
        create_api_key(org, name=f"Key {n}", created_by=alice)
    with django_assert_max_num_queries(12) as few:
        alice_client.get(page_url(org))
    for n in range(20):
        create_api_key(org, name=f"More {n}", created_by=alice)
    with django_assert_max_num_queries(len(few.captured_queries)):
        alice_client.get(page_url(org))


def test_the_command_prints_a_working_key(org: Organization) -> None:
    out = io.StringIO()
    call_command(
        "create_api_key", org.slug, "--name", "Operator key", stdout=out, stderr=io.StringIO()
    )

    secret = out.getvalue().strip()
    assert looks_like_api_key(secret)
    assert ApiKey.objects.get(organization=org).name == "Operator key"
    assert ApiClient(secret).get("/credits").status_code == 200


def test_the_command_refuses_an_unknown_organization(db: Any) -> None:
    with pytest.raises(CommandError, match="No organization"):
        call_command("create_api_key", "nowhere", "--name", "x", stderr=io.StringIO())


def test_a_key_can_be_limited_to_check_in_and_the_list_says_so(
    alice_client: Client, org: Organization
) -> None:
    page = alice_client.get(page_url(org)).content.decode()
    assert "Check-in only (door devices)" in page

    response = alice_client.post(
        page_url(org), {"action": "create", "name": "Scanner", "check_in_only": "on"}
    )
    alice_client.post(page_url(org), {"action": "create", "name": "CRM"})

    assert ApiKey.objects.get(name="Scanner").check_in_only
    assert not ApiKey.objects.get(name="CRM").check_in_only
    secret = response.context["new_key"].secret
    assert ApiClient(secret).get("/credits").status_code == 403
    listed = alice_client.get(page_url(org)).content.decode()
    assert listed.count('<span class="badge info">Check-in only</span>') == 1
