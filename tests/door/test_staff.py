"""Granting event staff access: door/staff.py and the event's staff page."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from deliveries.models import Delivery
from door.models import EventGrant
from door.staff import (
    STAFF_ACCESS,
    AlreadyGranted,
    AlreadyOnTeam,
    ExpiryInPast,
    PortalLimitForCheckInOnly,
    PortalNotOfEvent,
    RoleConflict,
    access_end,
    change_grant_expiry,
    default_expiry,
    grant_event_access,
    granted_event_ids,
    revoke_grant,
)
from organizations.models import Membership, TeamInvitation
from tests.conftest import client_for, make_group, make_portal, make_user
from tests.door.staff_helpers import give_access, other_event

pytestmark = pytest.mark.django_db

ZURICH = zoneinfo.ZoneInfo("Europe/Zurich")


def staff_url(org, event):
    return reverse("door:staff", args=[org.slug, event.slug])


def form(**fields):
    return {"role": "check_in", "expires_on": "", "portal": "", **fields}


def nothing_changed(org):
    return (
        not EventGrant.objects.exists()
        and not org.memberships.filter(role__in=["check_in", "event_manager"]).exists()
        and not TeamInvitation.objects.filter(organization=org).exists()
    )


# --- the default end ---------------------------------------------------------------------


def test_access_ends_by_default_at_the_end_of_the_day_after_the_event(event):
    event.ends_at = dt.datetime(2031, 10, 5, 18, 0, tzinfo=ZURICH)
    event.save(update_fields=["ends_at"])

    assert default_expiry(event) == dt.datetime(2031, 10, 7, 0, 0, tzinfo=ZURICH)


def test_the_day_after_is_the_day_after_in_the_events_time_zone(event):
    # 23:30 in Zurich is already the next day in UTC: the day after is still the 6th.
    event.ends_at = dt.datetime(2031, 10, 5, 23, 30, tzinfo=ZURICH)
    event.save(update_fields=["ends_at"])

    assert default_expiry(event).astimezone(ZURICH) == dt.datetime(2031, 10, 7, tzinfo=ZURICH)


def test_ends_read_in_the_events_time_zone(event):
    event.ends_at = dt.datetime(2031, 10, 5, 23, 30, tzinfo=ZURICH)

    assert access_end(event, default_expiry(event)) == "the end of Mon 6 Oct 2031"
    evening = dt.datetime(2031, 10, 6, 16, 0, tzinfo=dt.UTC)
    assert access_end(event, evening) == "Mon 6 Oct 2031, 18:00 CEST"


def test_a_grant_without_an_end_gets_the_default(event, alice):
    make_user("cara@example.com")

    grant = grant_event_access(event, email="cara@example.com", role="check_in", granted_by=alice)

    assert grant.expires_at == default_expiry(event)


# --- whom a grant goes to ----------------------------------------------------------------


def test_an_account_outside_the_team_becomes_check_in_staff_and_is_emailed_the_door(
    event, alice, django_capture_on_commit_callbacks
):
    cara = make_user("cara@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        grant = grant_event_access(
            event, email="Cara@Example.com ", role="check_in", granted_by=alice
        )

    membership = Membership.objects.get(user=cara)
    assert (membership.organization, membership.role) == (event.organization, "check_in")
    assert grant.membership == membership
    assert granted_event_ids(membership) == {event.pk}
    [message] = [m for m in mail.outbox if "cara@example.com" in m.to]
    assert message.subject == "You can now work Spring Fair"
    assert f"/o/{event.organization.slug}/events/{event.slug}/door/" in message.body
    assert "alice@example.com" in message.body
    assert Delivery.objects.filter(template=STAFF_ACCESS).count() == 1


def test_a_team_member_is_refused_they_already_reach_every_event(event, alice, bob):
    with pytest.raises(AlreadyOnTeam):
        grant_event_access(event, email="bob@example.com", role="check_in", granted_by=alice)
    assert not EventGrant.objects.exists()


def test_event_staff_get_a_second_event_on_the_same_membership(event, alice):
    _cara, first = give_access(event, "cara@example.com", granted_by=alice)
    second_event = other_event(event)

    second = grant_event_access(
        second_event, email="cara@example.com", role="check_in", granted_by=alice
    )

    assert first.membership is not None
    assert second.membership == first.membership
    assert granted_event_ids(first.membership) == {event.pk, second_event.pk}


def test_one_open_grant_per_address_and_event(event, alice):
    give_access(event, "cara@example.com", granted_by=alice)

    with pytest.raises(AlreadyGranted):
        grant_event_access(event, email="CARA@example.com", role="check_in", granted_by=alice)
    assert EventGrant.objects.count() == 1


def test_another_role_is_refused_while_other_grants_hold_the_first(event, alice):
    give_access(event, "cara@example.com", granted_by=alice)

    with pytest.raises(RoleConflict):
        grant_event_access(
            other_event(event), email="cara@example.com", role="event_manager", granted_by=alice
        )


def test_the_role_changes_once_no_grant_holds_the_old_one(event, alice):
    cara, _grant = give_access(event, "cara@example.com", granted_by=alice)
    EventGrant.objects.update(expires_at=timezone.now() - timedelta(minutes=1))

    grant_event_access(
        other_event(event), email="cara@example.com", role="event_manager", granted_by=alice
    )

    assert Membership.objects.get(user=cara).role == Membership.Role.EVENT_MANAGER


def test_event_managers_are_never_limited_to_a_portal(event, portal, alice):
    with pytest.raises(PortalLimitForCheckInOnly):
        grant_event_access(
            event, email="e@example.com", role="event_manager", portal=portal, granted_by=alice
        )


def test_a_portal_of_another_event_is_refused(event, alice, other_portal):
    with pytest.raises(PortalNotOfEvent):
        grant_event_access(
            event, email="e@example.com", role="check_in", portal=other_portal, granted_by=alice
        )


# --- an address with no account: the invitation, then the grant -------------------------


def test_an_unknown_address_is_invited_and_its_grant_waits(
    event, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        grant = grant_event_access(
            event, email="new@example.com", role="check_in", granted_by=alice
        )

    invitation = TeamInvitation.objects.get(email="new@example.com")
    assert invitation.role == Membership.Role.CHECK_IN
    assert grant.membership is None
    assert any("new@example.com" in message.to for message in mail.outbox)


def test_the_pending_grant_attaches_when_the_invitation_is_accepted(event, org, alice):
    grant_event_access(event, email="new@example.com", role="check_in", granted_by=alice)
    second_event = other_event(event)
    grant_event_access(second_event, email="new@example.com", role="check_in", granted_by=alice)
    # One invitation for both grants.
    invitation = TeamInvitation.objects.get(email="new@example.com")
    newcomer = client_for(make_user("new@example.com"))

    response = newcomer.post(reverse("organizations:invitation", args=[invitation.token]))

    assert response.status_code == 302
    membership = Membership.objects.get(user__email="new@example.com")
    assert membership.role == Membership.Role.CHECK_IN
    assert set(EventGrant.objects.values_list("membership", flat=True)) == {membership.pk}
    landing = newcomer.get(response["Location"])
    assert landing.status_code == 200
    assert "Spring Fair" in landing.content.decode()
    assert "Autumn Fair" in landing.content.decode()


def test_an_address_with_an_open_team_invitation_is_refused(event, org, alice):
    org.team_invitations.create(email="soon@example.com", role="member", invited_by=alice)

    with pytest.raises(Exception, match="open invitation to the team"):
        grant_event_access(event, email="soon@example.com", role="check_in", granted_by=alice)
    assert not EventGrant.objects.exists()


# --- ends --------------------------------------------------------------------------------


def test_a_new_end_must_not_be_past(event, alice):
    _user, grant = give_access(event, "cara@example.com", granted_by=alice)

    with pytest.raises(ExpiryInPast):
        change_grant_expiry(grant, expires_at=timezone.now(), actor=alice)
    with pytest.raises(ExpiryInPast):
        grant_event_access(
            event,
            email="d@example.com",
            role="check_in",
            expires_at=timezone.now() - timedelta(days=1),
            granted_by=alice,
        )


# --- the staff page ----------------------------------------------------------------------


def test_the_team_grants_access_on_the_staff_page(bob_client, org, event, portal):
    make_user("cara@example.com")

    response = bob_client.post(
        staff_url(org, event),
        form(email="cara@example.com", portal=portal.public_id, expires_on="2099-01-31"),
    )

    assert response.status_code == 302
    grant = EventGrant.objects.get()
    assert (grant.email, grant.portal, grant.membership.role) == (
        "cara@example.com",
        portal,
        "check_in",
    )
    # The end of that day in the event's time zone.
    assert grant.expires_at == dt.datetime(2099, 2, 1, tzinfo=ZURICH)
    page = bob_client.get(staff_url(org, event)).content.decode()
    assert "cara@example.com" in page
    assert "Galerie Nord" in page
    assert "Active" in page


def test_the_form_offers_the_day_after_the_event_and_the_events_portals(
    alice_client, org, event, portal, other_portal
):
    response = alice_client.get(staff_url(org, event))

    content = response.content.decode()
    day_after = (event.local_ends_at.date() + timedelta(days=1)).isoformat()
    assert f'value="{day_after}"' in content
    assert portal.public_id in content
    assert other_portal.public_id not in content


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"email": "not an address", "expires_on": "2099-01-01"}, "email", "valid email"),
        ({"email": "bob@example.com", "expires_on": "2099-01-01"}, "email", "on the team"),
        (
            {"email": "c@example.com", "portal": "nosuchportal12", "expires_on": "2099-01-01"},
            "portal",
            "Select a valid choice",
        ),
        ({"email": "c@example.com", "expires_on": "2001-01-01"}, "expires_on", "not ended"),
        ({"email": "c@example.com", "expires_on": "someday"}, "expires_on", "valid date"),
        (
            {"email": "c@example.com", "role": "owner", "expires_on": "2099-01-01"},
            "role",
            "Select a valid choice",
        ),
    ],
)
def test_bad_input_shows_field_errors_and_changes_nothing(
    alice_client, org, event, fields, field, message
):
    response = alice_client.post(staff_url(org, event), form(**fields))

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors, errors
    assert message in " ".join(errors[field])
    assert nothing_changed(org)


def test_a_portal_of_another_event_of_the_organization_is_no_choice(
    alice_client, org, event, alice
):
    elsewhere = other_event(event)
    foreign = make_portal(
        group=make_group(organization=org, event=elsewhere, name="Sponsors", kind="sponsor"),
        name="Sponsor",
        allocation=1,
    )

    response = alice_client.post(
        staff_url(org, event),
        form(email="c@example.com", portal=foreign.public_id, expires_on="2099-01-01"),
    )

    assert response.status_code == 400
    assert "portal" in response.context["form"].errors
    assert nothing_changed(org)


def test_revoking_on_the_staff_page_ends_access_at_the_next_request(
    alice_client, org, event, alice
):
    cara, grant = give_access(event, "cara@example.com", granted_by=alice)
    cara_client = client_for(cara)
    assert cara_client.get(reverse("organizations:dashboard", args=[org.slug])).status_code == 200

    response = alice_client.post(
        reverse("door:staff_revoke", args=[org.slug, event.slug]), {"email": "cara@example.com"}
    )

    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.revoked_at is not None
    assert cara_client.get(reverse("organizations:dashboard", args=[org.slug])).status_code == 302
    assert "_auth_user_id" not in cara_client.session
    assert "Revoked" in alice_client.get(staff_url(org, event)).content.decode()


def test_the_staff_page_moves_an_end(alice_client, org, event, alice):
    _cara, grant = give_access(event, "cara@example.com", granted_by=alice)

    alice_client.post(
        reverse("door:staff_expiry", args=[org.slug, event.slug]),
        {"email": "cara@example.com", "expires_on": "2099-03-01"},
    )

    grant.refresh_from_db()
    assert grant.expires_at == dt.datetime(2099, 3, 2, tzinfo=ZURICH)


def test_revoking_an_unknown_address_is_a_404(alice_client, org, event):
    response = alice_client.post(
        reverse("door:staff_revoke", args=[org.slug, event.slug]), {"email": "x@example.com"}
    )
    assert response.status_code == 404


def test_charlie_gets_404_on_the_staff_pages_and_nothing_changes(charlie_client, org, event, alice):
    _cara, grant = give_access(event, "cara@example.com", granted_by=alice)

    for name in ("door:staff", "door:staff_revoke", "door:staff_expiry"):
        url = reverse(name, args=[org.slug, event.slug])
        assert charlie_client.get(url).status_code == 404
        assert charlie_client.post(url, {"email": "cara@example.com"}).status_code == 404
    grant.refresh_from_db()
    assert grant.revoked_at is None


def test_the_event_manager_of_the_event_gets_404_on_its_staff_page(org, event, alice):
    emma, _grant = give_access(event, "emma@example.com", "event_manager", granted_by=alice)

    response = client_for(emma).get(staff_url(org, event))

    assert response.status_code == 404


def test_the_staff_page_has_flat_queries(
    alice_client, org, event, portal, alice, django_assert_max_num_queries
):
    give_access(event, "a0@example.com", portal=portal, granted_by=alice)
    alice_client.get(staff_url(org, event))  # the session remembers the organization
    with CaptureQueriesContext(connection) as one_grant:
        alice_client.get(staff_url(org, event))
    for n in range(1, 6):
        give_access(event, f"a{n}@example.com", portal=portal, granted_by=alice)
    grant_event_access(event, email="pending@example.com", role="check_in", granted_by=alice)

    with django_assert_max_num_queries(len(one_grant)):
        response = alice_client.get(staff_url(org, event))
    assert response.content.decode().count("@example.com</td>") == 7


def test_an_account_invited_to_the_team_is_not_made_event_staff(event, org, alice):
    make_user("soon@example.com")
    org.team_invitations.create(email="soon@example.com", role="admin", invited_by=alice)

    with pytest.raises(Exception, match="open invitation to the team"):
        grant_event_access(event, email="soon@example.com", role="check_in", granted_by=alice)
    assert not org.memberships.filter(user__email="soon@example.com").exists()


def test_revoking_the_last_pending_grant_cancels_the_staff_invitation(event, org, alice):
    first = grant_event_access(event, email="new@example.com", role="check_in", granted_by=alice)
    second = grant_event_access(
        other_event(event), email="new@example.com", role="check_in", granted_by=alice
    )

    revoke_grant(first, actor=alice)
    assert TeamInvitation.objects.filter(email="new@example.com").exists()
    revoke_grant(second, actor=alice)

    assert not TeamInvitation.objects.filter(email="new@example.com").exists()


def test_a_bad_new_end_is_refused_with_a_message(alice_client, org, event, alice):
    _cara, grant = give_access(event, "cara@example.com", granted_by=alice)
    before = grant.expires_at
    url = reverse("door:staff_expiry", args=[org.slug, event.slug])

    for day in ("someday", "2001-01-01"):
        response = alice_client.post(
            url, {"email": "cara@example.com", "expires_on": day}, follow=True
        )
        assert response.status_code == 200
        assert [m.level_tag for m in response.context["messages"]] == ["error"]

    grant.refresh_from_db()
    assert grant.expires_at == before
