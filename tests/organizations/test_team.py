"""The team page: invitations by email, roles, removal, and who may do what."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from deliveries.models import Delivery
from organizations import services
from organizations.models import INVITATION_VALID_FOR, Membership, TeamInvitation
from organizations.services import change_role
from tests.conftest import PASSWORD, client_for, make_user
from tests.deliveries.outbox import RolledBack, deliveries_of, fail_after_queueing
from tests.mail import html_of


def url(name, org):
    return reverse(f"organizations:{name}", args=[org.slug])


@pytest.fixture
def post(django_capture_on_commit_callbacks):
    """POST and run what the view scheduled after commit (the Celery sends), as in production."""

    def run(client, path, data=None, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(path, data or {}, **kwargs)

    return run


@pytest.fixture
def invite(post):
    def run(client, org, email, role="member"):
        return post(client, url("team_invite", org), {"email": email, "role": role})

    return run


def invitation_url(invitation):
    return reverse("organizations:invitation", args=[invitation.token])


def role_of(org, user):
    return Membership.objects.get(organization=org, user=user).role


@pytest.fixture
def dave(db):
    return make_user("dave@example.com")


@pytest.fixture
def admin_client(org, bob):
    Membership.objects.filter(organization=org, user=bob).update(role=Membership.Role.ADMIN)
    return client_for(bob)


# --- The team page ---------------------------------------------------------------


def test_team_page_lists_members_with_their_roles(bob_client, org):
    response = bob_client.get(url("team", org))
    assert response.status_code == 200
    content = response.content.decode()
    assert "alice@example.com" in content
    assert "bob@example.com" in content
    assert "Owner" in content and "Member" in content
    # Bob is a member: no controls, and a note saying who can change the team.
    assert "Send invitation" not in content
    assert "Only owners can invite teammates" in content


def test_team_page_query_count_does_not_grow_with_the_team(
    alice_client, org, django_assert_max_num_queries
):
    def load():
        response = alice_client.get(url("team", org))
        assert response.status_code == 200

    load()
    for n in range(15):
        user = make_user(f"member{n}@example.com")
        Membership.objects.create(organization=org, user=user)
        TeamInvitation.objects.create(organization=org, email=f"guest{n}@example.com")
    with django_assert_max_num_queries(12):
        load()


# --- Invitations ----------------------------------------------------------------------


def test_an_owner_invites_by_email_and_the_invitee_joins_after_signing_up(
    alice_client, org, client, invite
):
    response = invite(alice_client, org, "Dave@Example.com", role="admin")
    assert response.status_code == 302

    invitation = TeamInvitation.objects.get(organization=org)
    assert invitation.role == "admin"
    (message,) = mail.outbox
    assert message.to == ["Dave@Example.com"]
    assert "alice@example.com invited you to join Basel Art Week" in message.subject
    assert invitation_url(invitation) in message.body
    assert invitation_url(invitation) in html_of(message)
    assert message.reply_to == ["alice@example.com"]

    # Dave has no account: the link offers to sign up, and brings him back afterwards.
    page = client.get(invitation_url(invitation))
    assert page.status_code == 200
    assert b"Create an account" in page.content
    assert b"email=Dave%40Example.com" in page.content
    signup_page = client.get(reverse("account_signup"), {"email": "Dave@Example.com"})
    assert b'value="Dave@Example.com"' in signup_page.content
    response = client.post(
        reverse("account_signup") + f"?next={invitation_url(invitation)}",
        {"email": "dave@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response["Location"] == invitation_url(invitation)
    assert b"Accept and join Basel Art Week" in client.get(invitation_url(invitation)).content

    response = client.post(invitation_url(invitation))

    assert response["Location"] == url("dashboard", org)
    membership = Membership.objects.get(organization=org, user__email="dave@example.com")
    assert membership.role == "admin"
    invitation.refresh_from_db()
    assert invitation.accepted_by == membership.user
    assert invitation.accepted_at is not None


def test_an_existing_user_logs_in_then_accepts(alice_client, org, dave, client, invite):
    invite(alice_client, org, "dave@example.com")
    invitation = TeamInvitation.objects.get()
    response = client.post(
        reverse("account_login") + f"?next={invitation_url(invitation)}",
        {"login": "dave@example.com", "password": PASSWORD},
    )
    assert response["Location"] == invitation_url(invitation)
    client.post(invitation_url(invitation))
    assert role_of(org, dave) == "member"


def test_someone_logged_in_with_another_email_cannot_accept(
    alice_client, org, charlie_client, invite
):
    invite(alice_client, org, "dave@example.com")
    invitation = TeamInvitation.objects.get()

    page = charlie_client.get(invitation_url(invitation))
    assert b"This invitation was sent to dave@example.com" in page.content
    assert b"Accept and join" not in page.content

    response = charlie_client.post(invitation_url(invitation))
    assert response.status_code == 403
    assert b"Log in with that address to accept it" in response.content
    assert not Membership.objects.filter(organization=org, user__email="charlie@example.com")
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_an_unverified_second_address_is_not_enough(alice_client, org, charlie, invite):
    from allauth.account.models import EmailAddress

    invite(alice_client, org, "dave@example.com")
    EmailAddress.objects.create(user=charlie, email="dave@example.com", verified=False)
    response = client_for(charlie).post(invitation_url(TeamInvitation.objects.get()))
    assert response.status_code == 403
    assert not Membership.objects.filter(organization=org, user=charlie).exists()


def test_a_verified_second_address_may_accept(alice_client, org, charlie, invite):
    from allauth.account.models import EmailAddress

    invite(alice_client, org, "Charlie@Elsewhere.example")
    EmailAddress.objects.create(user=charlie, email="charlie@elsewhere.example", verified=True)
    client_for(charlie).post(invitation_url(TeamInvitation.objects.get()))
    assert role_of(org, charlie) == "member"


def test_accepting_twice_changes_nothing(alice_client, org, dave, invite):
    invite(alice_client, org, "dave@example.com", role="admin")
    invitation = TeamInvitation.objects.get()
    dave_client = client_for(dave)
    dave_client.post(invitation_url(invitation))
    Membership.objects.filter(user=dave).update(role="member")  # an owner demoted him since

    response = dave_client.post(invitation_url(invitation))

    assert response["Location"] == url("dashboard", org)
    assert Membership.objects.filter(organization=org, user=dave).count() == 1
    assert role_of(org, dave) == "member"


def test_a_used_invitation_is_invalid_for_anyone_else(
    alice_client, org, dave, charlie_client, invite
):
    invite(alice_client, org, "dave@example.com")
    invitation = TeamInvitation.objects.get()
    client_for(dave).post(invitation_url(invitation))
    response = charlie_client.post(invitation_url(invitation))
    assert response.status_code == 404
    assert not Membership.objects.filter(organization=org, user__email="charlie@example.com")


def test_an_unknown_invitation_token_is_404(client, db):
    response = client.get(reverse("organizations:invitation", args=["no-such-token-00000000000"]))
    assert response.status_code == 404
    assert b"This invitation link isn" in response.content


def test_an_expired_invitation_cannot_be_accepted(alice_client, org, dave, invite):
    invite(alice_client, org, "dave@example.com")
    TeamInvitation.objects.update(created_at=timezone.now() - INVITATION_VALID_FOR - timedelta(1))
    invitation = TeamInvitation.objects.get()
    response = client_for(dave).post(invitation_url(invitation))
    assert response.status_code == 403
    assert b"expired" in response.content
    assert not Membership.objects.filter(organization=org, user=dave).exists()


def test_inviting_an_address_again_after_expiry_replaces_the_old_invitation(
    alice_client, org, invite
):
    invite(alice_client, org, "dave@example.com")
    TeamInvitation.objects.update(created_at=timezone.now() - INVITATION_VALID_FOR - timedelta(1))
    old = TeamInvitation.objects.get()
    assert invite(alice_client, org, "DAVE@example.com").status_code == 302
    new = TeamInvitation.objects.get()
    assert new.token != old.token


def test_inviting_a_member_or_an_invited_address_is_refused_next_to_the_field(
    alice_client, org, invite
):
    response = invite(alice_client, org, "BOB@example.com")
    assert response.status_code == 400
    assert b"bob@example.com is already a member" in response.content.lower()

    invite(alice_client, org, "dave@example.com")
    response = invite(alice_client, org, "Dave@example.com")
    assert response.status_code == 400
    assert b"already has an open invitation" in response.content
    assert TeamInvitation.objects.count() == 1
    assert len(mail.outbox) == 1


def test_an_invalid_email_is_refused_next_to_the_field(alice_client, org, invite):
    response = invite(alice_client, org, "not-an-email")
    assert response.status_code == 400
    assert b'id="id_email_error"' in response.content
    assert not TeamInvitation.objects.exists()


def test_cancelling_an_invitation_kills_its_link(alice_client, org, dave, invite):
    invite(alice_client, org, "dave@example.com")
    invitation = TeamInvitation.objects.get()
    response = alice_client.post(url("invitation_cancel", org), {"email": "DAVE@example.com"})
    assert response.status_code == 302
    assert not TeamInvitation.objects.exists()
    assert client_for(dave).post(invitation_url(invitation)).status_code == 404
    assert not Membership.objects.filter(organization=org, user=dave).exists()


def test_resending_sends_a_new_link_and_retires_the_old_one(alice_client, org, dave, invite, post):
    invite(alice_client, org, "dave@example.com")
    old = TeamInvitation.objects.get()
    post(alice_client, url("invitation_resend", org), {"email": "dave@example.com"})
    new = TeamInvitation.objects.get()
    assert new.token != old.token
    assert len(mail.outbox) == 2
    assert invitation_url(new) in mail.outbox[1].body
    assert client_for(dave).get(invitation_url(old)).status_code == 404


def test_resending_an_invitation_cancelled_meanwhile_says_so(
    alice_client, org, invite, post, monkeypatch
):
    invite(alice_client, org, "dave@example.com")
    invitation = TeamInvitation.objects.get()
    # Another owner cancels it between this page's lookup and the resend.
    original = services._lock_invitation
    monkeypatch.setattr(
        services, "_lock_invitation", lambda row: (row.delete(), original(invitation))[1]
    )

    response = post(alice_client, url("invitation_resend", org), {"email": "dave@example.com"})

    assert response.status_code == 302
    page = alice_client.get(response["Location"]).content.decode()
    assert "This invitation was cancelled in the meantime." in page
    assert len(mail.outbox) == 1


def test_the_invitation_email_is_an_outbox_delivery_that_ends_sent(
    org, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invite_teammate(
            org, email="x@example.com", role="member", invited_by=alice
        )
        assert deliveries_of("team-invitation") == [("x@example.com", "queued")]
        assert mail.outbox == []

    assert deliveries_of("team-invitation") == [("x@example.com", "sent")]
    delivery = Delivery.objects.get(template="team-invitation")
    assert (delivery.organization, delivery.reply_to) == (org, alice.email)
    assert invitation_url(invitation) in mail.outbox[0].body


def test_a_rolled_back_invitation_emails_nothing(
    org, alice, monkeypatch, django_capture_on_commit_callbacks
):
    fail_after_queueing(monkeypatch, services)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RolledBack):
        services.invite_teammate(org, email="x@example.com", role="member", invited_by=alice)
    assert mail.outbox == []
    assert not Delivery.objects.exists() and not TeamInvitation.objects.exists()


def test_an_invitation_cancelled_before_the_worker_sends_is_skipped(
    org, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        invitation = services.invite_teammate(
            org, email="x@example.com", role="member", invited_by=alice
        )
    services.cancel_invitation(invitation)
    for callback in callbacks:
        callback()
    assert mail.outbox == []
    delivery = Delivery.objects.get(template="team-invitation")
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.last_error == "The invitation was cancelled or accepted before it was sent."


def test_open_invitations_show_on_the_create_page(alice_client, org, dave, invite):
    invite(alice_client, org, "Dave@Example.COM")
    response = client_for(dave).get(reverse("organizations:create"))
    assert b"You've been invited" in response.content
    assert invitation_url(TeamInvitation.objects.get()).encode() in response.content


# --- Roles ----------------------------------------------------------------------------------


def test_an_owner_changes_a_role(alice_client, org, bob):
    response = alice_client.post(
        url("team_role", org), {"email": "bob@example.com", "role": "admin"}
    )
    assert response.status_code == 302
    assert role_of(org, bob) == "admin"


def test_an_owner_removes_a_member(alice_client, org, bob):
    response = alice_client.post(url("team_remove", org), {"email": "bob@example.com"})
    assert response.status_code == 302
    assert not Membership.objects.filter(organization=org, user=bob).exists()
    assert client_for(bob).get(url("team", org)).status_code == 404


OWNER_ONLY = [
    ("team_invite", {"email": "dave@example.com", "role": "owner"}),
    ("team_role", {"email": "alice@example.com", "role": "member"}),
    ("team_remove", {"email": "alice@example.com"}),
    ("invitation_cancel", {"email": "pending@example.com"}),
    ("invitation_resend", {"email": "pending@example.com"}),
]


@pytest.mark.parametrize(("name", "data"), OWNER_ONLY)
def test_a_member_gets_403_on_owner_only_actions(bob_client, org, alice, name, data, post):
    TeamInvitation.objects.create(organization=org, email="pending@example.com")
    response = post(bob_client, url(name, org), data)
    assert response.status_code == 403
    assert b"Only owners can do this." in response.content
    assert b"css/app.css" in response.content
    assert role_of(org, alice) == "owner"
    assert TeamInvitation.objects.count() == 1
    assert mail.outbox == []


@pytest.mark.parametrize(("name", "data"), OWNER_ONLY)
def test_an_admin_also_gets_403_on_owner_only_actions(admin_client, org, alice, name, data, post):
    TeamInvitation.objects.create(organization=org, email="pending@example.com")
    response = post(admin_client, url(name, org), data)
    assert response.status_code == 403
    assert role_of(org, alice) == "owner"
    assert TeamInvitation.objects.count() == 1


def test_an_admin_sees_open_invitations_but_no_controls(admin_client, org):
    TeamInvitation.objects.create(organization=org, email="pending@example.com")
    content = admin_client.get(url("team", org)).content.decode()
    assert "pending@example.com" in content
    assert "Copy link" not in content
    assert "Send invitation" not in content


def test_a_member_does_not_see_open_invitations(bob_client, org):
    TeamInvitation.objects.create(organization=org, email="pending@example.com")
    assert b"pending@example.com" not in bob_client.get(url("team", org)).content


def test_a_member_can_leave(bob_client, org, bob):
    response = bob_client.post(url("team_remove", org), {"email": "bob@example.com"})
    assert response["Location"] == reverse("organizations:home")
    assert not Membership.objects.filter(organization=org, user=bob).exists()


# --- The last owner -------------------------------------------------------------------------


def test_the_last_owner_cannot_be_demoted(alice_client, org, alice):
    response = alice_client.post(
        url("team_role", org), {"email": "alice@example.com", "role": "admin"}, follow=True
    )
    assert b"needs at least one owner" in response.content
    assert role_of(org, alice) == "owner"


def test_the_last_owner_cannot_leave(alice_client, org, alice):
    response = alice_client.post(
        url("team_remove", org), {"email": "alice@example.com"}, follow=True
    )
    assert b"needs at least one owner" in response.content
    assert role_of(org, alice) == "owner"


def test_with_two_owners_one_may_step_down(alice_client, org, alice, bob):
    Membership.objects.filter(user=bob).update(role="owner")
    alice_client.post(url("team_role", org), {"email": "alice@example.com", "role": "member"})
    assert role_of(org, alice) == "member"
    response = client_for(bob).post(
        url("team_role", org), {"email": "bob@example.com", "role": "admin"}
    )
    assert role_of(org, bob) == "owner"
    assert response.status_code == 302


def test_the_last_owner_sees_why_the_controls_are_missing(alice_client, org):
    assert b"Only owner" in alice_client.get(url("team", org)).content


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_owners_demoting_each_other_at_once_leave_one_owner(alice, bob, charlie):
    from organizations.services import create_organization

    org = create_organization("Race Fair", owner=alice)
    Membership.objects.create(organization=org, user=bob, role="owner")
    memberships = list(org.memberships.all())
    barrier = threading.Barrier(2)
    outcomes = []

    def demote(membership):
        try:
            barrier.wait()
            change_role(membership, role="member")
            outcomes.append("demoted")
        except Exception as error:
            outcomes.append(type(error).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=demote, args=(m,)) for m in memberships]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["LastOwnerError", "demoted"]
    assert org.memberships.filter(role="owner").count() == 1


# --- Outsiders ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "data"), OWNER_ONLY)
def test_an_outsider_gets_404_on_every_team_action(
    charlie_client, org, other_org, name, data, post
):
    TeamInvitation.objects.create(organization=org, email="pending@example.com")
    response = post(charlie_client, url(name, org), data)
    assert response.status_code == 404
    assert TeamInvitation.objects.filter(organization=org).count() == 1
    assert org.memberships.count() == 2


@pytest.mark.parametrize("name", ["team", "settings", "dashboard"])
def test_an_outsider_gets_404_on_every_organization_page(charlie_client, org, other_org, name):
    assert charlie_client.get(url(name, org)).status_code == 404


def test_an_owner_cannot_reach_a_member_of_another_organization(
    alice_client, org, other_org, charlie
):
    response = alice_client.post(url("team_remove", org), {"email": "charlie@example.com"})
    assert response.status_code == 404
    assert other_org.memberships.filter(user=charlie).exists()
