"""Creating, renaming and switching organizations; the settings page; error pages."""

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from organizations.models import Membership, Organization
from organizations.services import create_organization
from tests.conftest import client_for


def test_names_become_unique_slugs(alice, charlie):
    first = create_organization("Basel Art Week", owner=alice)
    second = create_organization("  Basel   Art Week ", owner=charlie)
    reserved = create_organization("Settings", owner=alice)
    symbols = create_organization("!!!", owner=alice)
    assert (first.slug, second.slug) == ("basel-art-week", "basel-art-week-2")
    assert reserved.slug == "settings-org"
    assert symbols.slug == "org"


def test_creating_an_organization_makes_the_creator_its_owner(alice_client, alice):
    response = alice_client.post(reverse("organizations:create"), {"name": "Paris Photo"})
    organization = Organization.objects.get(slug="paris-photo")
    assert response["Location"] == reverse("organizations:dashboard", args=["paris-photo"])
    assert Membership.objects.get(organization=organization).user == alice
    assert organization.credit_accounts.count() == 2


def test_a_blank_name_is_refused_next_to_the_field(alice_client, alice):
    response = alice_client.post(reverse("organizations:create"), {"name": "   "})
    assert response.status_code == 200
    assert b'id="id_name_error"' in response.content
    assert not Organization.objects.exists()


def test_the_create_page_needs_a_login(client, db):
    response = client.get(reverse("organizations:create"))
    assert response["Location"].startswith(reverse("account_login"))


# --- Switching ----------------------------------------------------------------------------------


@pytest.fixture
def second_org(alice):
    return create_organization("Zurich Editions", owner=alice)


def test_the_header_lists_every_organization_of_the_user(alice_client, org, second_org):
    content = alice_client.get(reverse("events:list", args=[org.slug])).content.decode()
    assert 'class="menu-org">Basel Art Week<' in content
    assert reverse("organizations:dashboard", args=[second_org.slug]) in content
    assert "Zurich Editions" in content


def test_switching_organizations_is_remembered(alice_client, org, second_org):
    # Several organizations and none chosen yet: the user picks one.
    response = alice_client.get(reverse("organizations:home"))
    assert response.status_code == 200
    assert b"Your organizations" in response.content

    response = alice_client.get(reverse("organizations:dashboard", args=[second_org.slug]))
    assert response["Location"] == reverse("events:list", args=[second_org.slug])
    page = alice_client.get(response["Location"]).content.decode()
    assert 'class="menu-org">Zurich Editions<' in page

    assert alice_client.get(reverse("organizations:home"))["Location"] == reverse(
        "organizations:dashboard", args=[second_org.slug]
    )
    alice_client.get(reverse("events:list", args=[org.slug]))
    assert alice_client.get(reverse("organizations:home"))["Location"] == reverse(
        "organizations:dashboard", args=[org.slug]
    )


def test_a_single_organization_needs_no_choice(bob_client, org):
    response = bob_client.get(reverse("organizations:home"))
    assert response["Location"] == reverse("organizations:dashboard", args=[org.slug])


def test_a_remembered_organization_the_user_left_is_forgotten(alice, org, second_org, charlie):
    client = client_for(alice)
    client.get(reverse("events:list", args=[second_org.slug]))
    Membership.objects.filter(organization=second_org, user=alice).delete()
    assert client.get(reverse("organizations:home"))["Location"] == reverse(
        "organizations:dashboard", args=[org.slug]
    )


# --- Settings --------------------------------------------------------------------------------


def test_an_owner_renames_the_organization_and_the_slug_stays(alice_client, org):
    response = alice_client.post(
        reverse("organizations:settings", args=[org.slug]), {"name": "BAW 2026"}
    )
    assert response["Location"] == reverse("organizations:settings", args=[org.slug])
    org.refresh_from_db()
    assert (org.name, org.slug) == ("BAW 2026", "basel-art-week")


def test_an_admin_may_rename_too(bob_client, org, bob):
    Membership.objects.filter(user=bob).update(role=Membership.Role.ADMIN)
    bob_client.post(reverse("organizations:settings", args=[org.slug]), {"name": "Renamed"})
    org.refresh_from_db()
    assert org.name == "Renamed"


def test_a_member_cannot_rename(bob_client, org):
    settings_url = reverse("organizations:settings", args=[org.slug])
    page = bob_client.get(settings_url)
    assert b"Only owners and admins can rename" in page.content
    response = bob_client.post(settings_url, {"name": "Hijacked"})
    assert response.status_code == 403
    org.refresh_from_db()
    assert org.name == "Basel Art Week"


def test_an_outsider_cannot_rename(charlie_client, org, other_org):
    response = charlie_client.post(
        reverse("organizations:settings", args=[org.slug]), {"name": "X"}
    )
    assert response.status_code == 404
    org.refresh_from_db()
    assert org.name == "Basel Art Week"


def test_settings_link_to_team_billing_and_the_api(alice_client, org):
    content = alice_client.get(reverse("organizations:settings", args=[org.slug])).content.decode()
    assert reverse("organizations:team", args=[org.slug]) in content
    assert reverse("billing:billing", args=[org.slug]) in content
    assert reverse("organizations:api_keys", args=[org.slug]) in content


# --- Error pages and health -----------------------------------------------------------------


def test_error_pages_use_the_app_layout(client, db):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert b"We can't find that page" in response.content
    assert b"css/app.css" in response.content
    for name in ["403.html", "429.html"]:
        assert "css/app.css" in render_to_string(name)
    # The 500 page renders with no request and no database.
    assert "Something went wrong" in render_to_string("500.html")


def test_healthz_reports_the_database(client, db):
    response = client.get(reverse("organizations:healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok", "broker": "ok"}


def test_healthz_answers_plain_http_while_everything_else_redirects(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get(reverse("organizations:healthz")).status_code == 200
    assert client.get(reverse("account_login")).status_code == 301
