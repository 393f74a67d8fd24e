"""Event staff reach their events and nothing else (door/staff.py has the rules).

The sweeping tests walk every organizer URL (tests/door/staff_helpers.py), so
a page added later answers 404 to check-in staff unless someone decides
otherwise here.
"""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from door.access import door_access
from door.models import EventGrant
from door.staff import door_path, revoke_grant
from organizations import hooks
from organizations.models import Membership
from tests.conftest import client_for
from tests.door.staff_helpers import event_objects, give_access, organizer_routes, other_event

pytestmark = pytest.mark.django_db

# What check-in staff may open besides 404s: their landing page, and the door's
# pages of their events (Route.is_door_page: under /o/<org>/events/<slug>/door/).
CHECK_IN_PAGES = {"organizations:dashboard"}
# Organization-wide pages an event manager opens (showing their events only).
EVENT_MANAGER_ORG_PAGES = {"organizations:dashboard", "events:list"}
# Event pages that stay with the team, even for the event's manager.
TEAM_ONLY_EVENT_PAGES = {
    "events:archive",
    "events:unarchive",
    "door:staff",
    "door:staff_revoke",
    "door:staff_expiry",
    "events:brand",  # owners and admins only (organizations/brand_views.py)
}
# Pages that need a step first (a preview in the session, a Stripe session id): the team
# gets 404 there too.
NEEDS_A_STEP = {"invites:send_preview", "billing:success"}


@pytest.fixture
def here(event, group, portal):
    return event_objects(event)


@pytest.fixture
def elsewhere(event):
    return event_objects(other_event(event), name="Sponsors")


@pytest.fixture
def cara(event, alice):
    """Check-in staff of `event`."""
    user, _grant = give_access(event, "cara@example.com", granted_by=alice)
    return user


@pytest.fixture
def cara_client(cara):
    return client_for(cara)


@pytest.fixture
def emma(event, alice):
    """The event manager of `event`."""
    user, _grant = give_access(
        event, "emma@example.com", Membership.Role.EVENT_MANAGER, granted_by=alice
    )
    return user


@pytest.fixture
def emma_client(emma):
    return client_for(emma)


def signed_in(client):
    return "_auth_user_id" in client.session


# --- check-in staff ------------------------------------------------------------------


def test_check_in_staff_get_404_on_every_other_organizer_page(cara_client, bob_client, here):
    routes = [
        route
        for route in organizer_routes()
        if route.name not in CHECK_IN_PAGES and not route.is_door_page
    ]
    assert len(routes) > 40
    wrong = []
    for route in routes:
        url = route.url(here)
        # The URL is real: the team does not get a 404 there.
        if route.name not in NEEDS_A_STEP:
            assert bob_client.get(url).status_code != 404, url
        for method in ("get", "post"):
            status = getattr(cara_client, method)(url).status_code
            if status != 404:
                wrong.append(f"{method.upper()} {route.name}: {status}")
    assert not wrong, wrong
    assert signed_in(cara_client)


def test_check_in_staff_land_on_their_events_doors(cara_client, org, event, here):
    response = cara_client.get(reverse("organizations:dashboard", args=[org.slug]))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Your events" in content
    assert event.name in content
    assert f'href="{door_path(event)}"' in content
    # No way to the team's pages from the header.
    assert reverse("organizations:settings", args=[org.slug]) not in content
    assert reverse("billing:billing", args=[org.slug]) not in content
    assert f'href="{reverse("events:detail", args=[org.slug, event.slug])}"' not in content


def test_the_door_path_is_the_events_door_url(org, event):
    assert door_path(event) == f"/o/{org.slug}/events/{event.slug}/door/"


def test_a_portal_limited_grant_shows_the_door_only_that_portals_guests(event, portal, alice):
    user, _grant = give_access(event, "pia@example.com", portal=portal, granted_by=alice)
    membership = Membership.objects.get(user=user)
    request = SimpleNamespace(membership=membership, organization=event.organization)

    access = door_access(request, event.slug)  # type: ignore[arg-type]

    assert (access.event, access.portal_id, access.supervisor) == (event, portal.pk, False)


def test_check_in_staff_reach_no_other_event_door(cara, event, alice):
    elsewhere = other_event(event)
    request = SimpleNamespace(
        membership=Membership.objects.get(user=cara), organization=event.organization
    )

    assert door_access(request, event.slug).supervisor is False  # type: ignore[arg-type]
    with pytest.raises(Exception) as refused:
        door_access(request, elsewhere.slug)  # type: ignore[arg-type]
    assert refused.typename == "Http404"


# --- event managers --------------------------------------------------------------------


@pytest.mark.parametrize(
    "url_name",
    [
        "billing:billing",
        "credits:statement",
        "organizations:team",
        "organizations:api_keys",
        "organizations:settings",
        "events:create",
    ],
)
def test_an_event_manager_gets_404_on_the_organizations_pages(emma_client, org, url_name):
    assert emma_client.get(reverse(url_name, args=[org.slug])).status_code == 404


def test_an_event_manager_gets_404_on_every_page_of_another_event(
    emma_client, bob_client, here, elsewhere
):
    wrong = []
    routes = [route for route in organizer_routes() if route.event_scoped]
    for route in routes:
        url = route.url(elsewhere)
        if route.name not in NEEDS_A_STEP:
            assert bob_client.get(url).status_code != 404, url
        # A page refuses a method it does not serve (405) before it looks anything
        # up, which tells nothing about the event; the method it serves is a 404.
        statuses = {emma_client.get(url).status_code, emma_client.post(url).status_code}
        if 404 not in statuses or not statuses <= {404, 405}:
            wrong.append(f"{route.name}: {sorted(statuses)}")
    assert not wrong, wrong


def test_an_event_manager_sees_their_events_pages_as_a_team_member_does(
    emma_client, bob_client, here
):
    routes = [
        route
        for route in organizer_routes()
        if route.event_scoped and route.name not in TEAM_ONLY_EVENT_PAGES
    ]
    different = []
    for route in routes:
        url = route.url(here)
        team, manager = bob_client.get(url).status_code, emma_client.get(url).status_code
        if team != manager:
            different.append(f"{route.name}: team {team}, event manager {manager}")
    assert not different, different
    detail = emma_client.get(
        reverse("events:detail", args=[here.event.organization.slug, "spring-fair"])
    )
    assert detail.status_code == 200


def test_an_event_manager_gets_404_on_the_teams_event_actions(emma_client, here):
    for name in sorted(TEAM_ONLY_EVENT_PAGES):
        url = reverse(name, args=[here.kwargs["org_slug"], here.kwargs["event_slug"]])
        assert emma_client.post(url).status_code == 404, name
    here.event.refresh_from_db()
    assert not here.event.is_archived


def test_an_event_manager_gets_404_on_every_other_organization_page(emma_client, here):
    routes = [
        route
        for route in organizer_routes()
        if not route.event_scoped and route.name not in EVENT_MANAGER_ORG_PAGES
    ]
    wrong = [route.name for route in routes if emma_client.get(route.url(here)).status_code != 404]
    assert not wrong, wrong


def test_an_event_managers_events_list_shows_only_their_events(emma_client, org, event):
    other_event(event)

    response = emma_client.get(reverse("events:list", args=[org.slug]))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Spring Fair" in content
    assert "Autumn Fair" not in content
    assert reverse("events:create", args=[org.slug]) not in content


def test_an_event_manager_lands_on_their_events_with_the_event_page(emma_client, org, event):
    response = emma_client.get(reverse("organizations:dashboard", args=[org.slug]))

    content = response.content.decode()
    assert f'href="{door_path(event)}"' in content
    assert reverse("events:detail", args=[org.slug, event.slug]) in content


def test_an_event_managers_event_page_offers_no_archive_nor_staff_page(emma_client, org, event):
    content = emma_client.get(reverse("events:detail", args=[org.slug, event.slug])).content
    assert reverse("events:archive", args=[org.slug, event.slug]).encode() not in content
    assert reverse("door:staff", args=[org.slug, event.slug]).encode() not in content


def test_the_team_sees_the_staff_page_link_on_the_event_page(bob_client, org, event):
    content = bob_client.get(reverse("events:detail", args=[org.slug, event.slug])).content
    assert reverse("door:staff", args=[org.slug, event.slug]).encode() in content


def test_the_team_still_reaches_every_event(bob_client, org, event, elsewhere):
    assert (
        bob_client.get(reverse("events:detail", args=[org.slug, "autumn-fair"])).status_code == 200
    )
    content = bob_client.get(reverse("events:list", args=[org.slug])).content.decode()
    assert "Spring Fair" in content and "Autumn Fair" in content


# --- when grants end -------------------------------------------------------------------


def test_an_expired_grant_signs_its_holder_out_at_the_next_request(cara_client, org):
    dashboard = reverse("organizations:dashboard", args=[org.slug])
    assert cara_client.get(dashboard).status_code == 200

    EventGrant.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = cara_client.get(dashboard)

    assert response.status_code == 302
    assert response["Location"] == reverse("account_login")
    assert not signed_in(cara_client)
    page = cara_client.get(response["Location"])
    assert f"Your access to {org.name} has ended" in page.content.decode()


def test_a_revoked_grant_ends_the_session_on_any_page_of_the_organization(
    cara_client, org, event, alice
):
    revoke_grant(EventGrant.objects.get(email="cara@example.com"), actor=alice)

    response = cara_client.get(reverse("billing:billing", args=[org.slug]))

    assert response.status_code == 302
    assert not signed_in(cara_client)
    assert any("has ended" in str(message) for message in get_messages(response.wsgi_request))


def test_a_revoked_grant_closes_its_event_but_not_the_others(emma, emma_client, org, event, alice):
    elsewhere = other_event(event)
    give_access(elsewhere, "emma@example.com", Membership.Role.EVENT_MANAGER, granted_by=alice)
    assert emma_client.get(reverse("events:detail", args=[org.slug, event.slug])).status_code == 200

    revoke_grant(EventGrant.objects.get(event=event, email="emma@example.com"), actor=alice)

    assert emma_client.get(reverse("events:detail", args=[org.slug, event.slug])).status_code == 404
    assert (
        emma_client.get(reverse("events:detail", args=[org.slug, elsewhere.slug])).status_code
        == 200
    )
    assert signed_in(emma_client)


def test_a_grant_on_an_archived_event_opens_nothing(cara_client, org, event):
    event.archived_at = timezone.now()
    event.save(update_fields=["archived_at"])

    response = cara_client.get(reverse("organizations:dashboard", args=[org.slug]))

    assert response.status_code == 302
    assert not signed_in(cara_client)


def test_a_restricted_member_of_another_organization_gets_404_here(cara, other_org):
    client = client_for(cara)
    assert client.get(reverse("organizations:dashboard", args=[other_org.slug])).status_code == 404
    assert signed_in(client)


# --- the team page -----------------------------------------------------------------------


def test_the_team_page_lists_event_staff_apart_with_their_events(alice_client, org, cara, emma):
    response = alice_client.get(reverse("organizations:team", args=[org.slug]))

    content = response.content.decode()
    assert "Event staff" in content
    staff = content.split('id="staff-heading"')[1]
    assert "cara@example.com" in staff and "emma@example.com" in staff
    assert "Spring Fair, until" in staff
    # Members' role menus offer team roles only: staff roles come with a grant.
    members = content.split('id="staff-heading"')[0]
    assert 'value="check_in"' not in members
    assert 'value="event_manager"' not in members


def test_the_team_page_cannot_invite_or_make_event_staff(alice_client, org, bob):
    team_role = reverse("organizations:team_role", args=[org.slug])
    alice_client.post(team_role, {"email": "bob@example.com", "role": "check_in"})
    invite = alice_client.post(
        reverse("organizations:team_invite", args=[org.slug]),
        {"email": "new@example.com", "role": "check_in"},
    )

    assert Membership.objects.get(user=bob).role == Membership.Role.MEMBER
    assert invite.status_code == 400
    assert not org.team_invitations.filter(email="new@example.com").exists()


def test_without_the_doors_grants_event_staff_are_let_in_nowhere(cara_client, org, monkeypatch):
    monkeypatch.setattr(hooks, "_event_staff", [])

    response = cara_client.get(reverse("organizations:dashboard", args=[org.slug]))

    assert response.status_code == 302
    assert not signed_in(cara_client)
