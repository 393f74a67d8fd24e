from __future__ import annotations

import threading
import time

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from credits.ledger import balances
from credits.models import CreditEntry
from deliveries.models import Delivery
from portals import errors, rules, services
from portals.models import Portal
from portals.services import live_types
from tests.conftest import give_credits
from tests.deliveries.outbox import RolledBack, deliveries_of, fail_after_queueing
from tests.mail import html_of
from tests.portals.test_groups import add_invites


def portal_data(**overrides):
    data = {"name": "Studio Aalto", "allocation": "12", "contact_email": "mia@aalto.example"}
    data.update(overrides)
    return data


def claim(portal, owner="owner@galerie-nord.example"):
    """What the owner's claim leaves behind (the claim itself is the owner side's)."""
    Portal.objects.filter(pk=portal.pk).update(
        status=Portal.Status.ASSIGNED, owner_email=owner, assigned_at=timezone.now()
    )
    portal.refresh_from_db()
    return portal


def ledger_state(org):
    current = balances(org)
    return current.portal, current.invite, CreditEntry.objects.filter(organization=org).count()


# --- Create --------------------------------------------------------------------


def test_creating_a_portal_uses_no_credit(alice_client, org, group):
    give_credits(org, portal=2, invite=5)
    before = ledger_state(org)

    response = alice_client.post(
        reverse("portals:portal_create", args=[org.slug, group.public_id]), portal_data()
    )

    portal = Portal.objects.get(group=group)
    assert response["Location"] == reverse(
        "portals:portal_detail", args=[org.slug, portal.public_id]
    )
    assert (portal.name, portal.allocation, portal.contact_email) == (
        "Studio Aalto",
        12,
        "mia@aalto.example",
    )
    assert (portal.status, portal.organization) == (Portal.Status.UNASSIGNED, org)
    assert len(portal.token) >= 32
    assert ledger_state(org) == before


def test_an_empty_allocation_means_the_group_default(alice_client, org, group):
    form = alice_client.get(reverse("portals:portal_create", args=[org.slug, group.public_id]))
    assert form.context["form"]["allocation"].value() == 20

    alice_client.post(
        reverse("portals:portal_create", args=[org.slug, group.public_id]),
        portal_data(allocation="", contact_email=""),
    )
    portal = Portal.objects.get(group=group)
    assert (portal.allocation, portal.contact_email) == (20, "")


def test_create_and_add_another_comes_back_to_the_form(bob_client, org, group):
    url = reverse("portals:portal_create", args=[org.slug, group.public_id])
    response = bob_client.post(url, {**portal_data(), "add_another": "1"})
    assert response["Location"] == url
    assert Portal.objects.filter(group=group).count() == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required."),
        ({"name": "galerie nord"}, "name", "This group already has a portal with this name."),
        ({"allocation": "-3"}, "allocation", "greater than or equal to 0"),
        ({"allocation": "ten"}, "allocation", "Enter a whole number."),
        ({"contact_email": "not-an-email"}, "contact_email", "Enter a valid email address."),
    ],
)
def test_invalid_portal_input_shows_errors_and_saves_nothing(
    alice_client, org, group, portal, overrides, field, message
):
    response = alice_client.post(
        reverse("portals:portal_create", args=[org.slug, group.public_id]),
        portal_data(**overrides),
    )
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert list(Portal.objects.filter(group=group)) == [portal]


# --- Detail --------------------------------------------------------------------


def test_portal_page_shows_state_owner_usage_and_the_link(alice_client, org, portal):
    claim(portal, owner="lena@galerie-nord.example")
    add_invites(portal, accepted=2, created=1)

    response = alice_client.get(reverse("portals:portal_detail", args=[org.slug, portal.public_id]))

    page = response.content.decode()
    assert '<span class="badge assigned">Assigned</span>' in page
    assert "lena@galerie-nord.example" in page
    assert "3 of 10" in page
    assert response.context["accepted_count"] == 2
    assert f'value="{settings.SITE_URL}/p/{portal.token}/"' in page
    assert f'data-copy="#link-{portal.public_id}"' in page
    assert "Email the link" in page
    # Once claimed, the link goes to the owner (the contact may be someone else).
    assert "to the owner, lena@galerie-nord.example" in page
    assert reverse("portals:portal_change_owner", args=[org.slug, portal.public_id]) in page
    assert "Europe/Zurich" in page  # the assignment time is shown in the event's zone


def test_portal_without_contact_email_explains_how_to_send_the_link(alice_client, org, portal):
    Portal.objects.filter(pk=portal.pk).update(contact_email="")
    page = alice_client.get(
        reverse("portals:portal_detail", args=[org.slug, portal.public_id])
    ).content.decode()
    assert "No contact email yet" in page
    assert "Email the link" not in page


# --- Edit ----------------------------------------------------------------------


def test_editing_a_portal_saves_name_allocation_and_contact(alice_client, org, portal):
    response = alice_client.post(
        reverse("portals:portal_edit", args=[org.slug, portal.public_id]),
        portal_data(name="Galerie Nord & Süd", allocation="25", contact_email="new@nord.example"),
    )
    portal.refresh_from_db()
    assert response.status_code == 302
    assert (portal.name, portal.allocation, portal.contact_email) == (
        "Galerie Nord & Süd",
        25,
        "new@nord.example",
    )


def test_allocation_below_what_is_used_is_refused_with_the_numbers(alice_client, org, portal):
    claim(portal)
    add_invites(portal, created=7)

    response = alice_client.post(
        reverse("portals:portal_edit", args=[org.slug, portal.public_id]),
        portal_data(name="Renamed", allocation="6"),
    )

    assert response.status_code == 200
    [error] = response.context["form"].errors["allocation"]
    assert error == "7 invites already generated from this portal: the allocation can't go below 7."
    portal.refresh_from_db()
    assert (portal.name, portal.allocation, portal.invites_used) == ("Galerie Nord", 10, 7)


def test_allocation_may_go_down_to_exactly_what_is_used(alice_client, org, portal):
    add_invites(claim(portal), created=7)
    alice_client.post(
        reverse("portals:portal_edit", args=[org.slug, portal.public_id]),
        portal_data(name=portal.name, allocation="7"),
    )
    portal.refresh_from_db()
    assert portal.allocation == 7


def test_the_service_refuses_allocation_below_used(portal):
    add_invites(claim(portal), created=4)
    with pytest.raises(errors.AllocationBelowUsed) as refused:
        services.update_portal(portal, name=portal.name, allocation=3, contact_email="")
    assert refused.value.used == 4
    portal.refresh_from_db()
    assert portal.allocation == 10


def test_renaming_to_another_portals_name_is_refused(alice_client, org, group, portal):
    services.create_portal(group, name="Studio Aalto")
    response = alice_client.post(
        reverse("portals:portal_edit", args=[org.slug, portal.public_id]),
        portal_data(name="STUDIO AALTO"),
    )
    assert "name" in response.context["form"].errors
    portal.refresh_from_db()
    assert portal.name == "Galerie Nord"


def test_a_revoked_portal_cannot_be_edited(alice_client, org, portal):
    services.revoke_portal(portal, actor=None)
    response = alice_client.post(
        reverse("portals:portal_edit", args=[org.slug, portal.public_id]),
        portal_data(),
        follow=True,
    )
    assert "This portal is revoked" in response.content.decode()
    portal.refresh_from_db()
    assert portal.name == "Galerie Nord"


# --- Change owner email --------------------------------------------------------


def test_changing_the_owner_email_uses_no_credit(alice_client, org, portal):
    give_credits(org, portal=3, invite=10)
    claim(portal)
    assigned_at = portal.assigned_at
    before = ledger_state(org)

    response = alice_client.post(
        reverse("portals:portal_change_owner", args=[org.slug, portal.public_id]),
        {"email": "new-owner@galerie-nord.example"},
    )

    portal.refresh_from_db()
    assert response["Location"] == reverse(
        "portals:portal_detail", args=[org.slug, portal.public_id]
    )
    assert portal.owner_email == "new-owner@galerie-nord.example"
    assert (portal.status, portal.assigned_at) == (Portal.Status.ASSIGNED, assigned_at)
    assert ledger_state(org) == before


def test_change_owner_form_refuses_a_bad_address(alice_client, org, portal):
    claim(portal)
    response = alice_client.post(
        reverse("portals:portal_change_owner", args=[org.slug, portal.public_id]),
        {"email": "nope"},
    )
    assert "email" in response.context["form"].errors
    portal.refresh_from_db()
    assert portal.owner_email == "owner@galerie-nord.example"


def test_an_unassigned_portal_has_no_owner_to_change(alice_client, org, portal):
    response = alice_client.post(
        reverse("portals:portal_change_owner", args=[org.slug, portal.public_id]),
        {"email": "someone@example.com"},
        follow=True,
    )
    assert "This portal has no owner yet" in response.content.decode()
    portal.refresh_from_db()
    assert (portal.status, portal.owner_email) == (Portal.Status.UNASSIGNED, "")
    with pytest.raises(errors.PortalNotAssigned):
        services.change_owner_email(portal, email="someone@example.com", actor=None)


# --- Revoke --------------------------------------------------------------------


def test_revoking_asks_first_then_revokes_without_refund(alice_client, org, portal):
    give_credits(org, portal=1, invite=4)
    claim(portal)
    before = ledger_state(org)
    url = reverse("portals:portal_revoke", args=[org.slug, portal.public_id])

    confirm = alice_client.get(url)
    portal.refresh_from_db()
    assert confirm.status_code == 200
    assert "This cannot be undone" in confirm.content.decode()
    assert portal.status == Portal.Status.ASSIGNED

    response = alice_client.post(url, follow=True)

    portal.refresh_from_db()
    assert portal.status == Portal.Status.REVOKED
    assert portal.revoked_at is not None
    assert portal.owner_email == "owner@galerie-nord.example"
    assert ledger_state(org) == before
    page = response.content.decode()
    assert "is revoked" in page
    assert portal.token not in page  # the link is no longer offered


def test_revoking_twice_changes_nothing(alice_client, org, portal):
    services.revoke_portal(portal, actor=None)
    portal.refresh_from_db()
    revoked_at = portal.revoked_at
    response = alice_client.post(
        reverse("portals:portal_revoke", args=[org.slug, portal.public_id]), follow=True
    )
    assert "already revoked" in response.content.decode()
    portal.refresh_from_db()
    assert portal.revoked_at == revoked_at


# --- Email the link ------------------------------------------------------------


def test_the_link_is_emailed_to_the_contact_after_commit(
    alice_client, alice, org, event, group, portal, django_capture_on_commit_callbacks
):
    url = reverse("portals:portal_send_link", args=[org.slug, portal.public_id])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = alice_client.post(url, follow=True)

    assert len(callbacks) == 1
    assert "on its way to hello@galerie-nord.example" in response.content.decode()
    [message] = mail.outbox
    assert message.to == ["hello@galerie-nord.example"]
    assert message.reply_to == [alice.email]
    assert message.subject == "Your portal for Spring Fair: Galerie Nord"
    link = f"http://127.0.0.1:8000/p/{portal.token}/"
    assert link in message.body
    assert group.instructions in message.body
    assert event.venue in message.body
    assert f" · Europe/Zurich ({event.local_starts_at:%Z})\n" in message.body
    html = html_of(message)
    assert f'href="{link}"' in html
    assert group.instructions in html


def test_the_email_goes_to_the_site_url(settings, portal, django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://rsvp.example.org"
    with django_capture_on_commit_callbacks(execute=True):
        services.send_portal_link(portal, actor=None)
    [message] = mail.outbox
    assert f"https://rsvp.example.org/p/{portal.token}/" in message.body
    assert message.reply_to == []


def test_no_contact_email_means_no_email_and_a_clear_message(
    alice_client, org, portal, django_capture_on_commit_callbacks
):
    Portal.objects.filter(pk=portal.pk).update(contact_email="")
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(
            reverse("portals:portal_send_link", args=[org.slug, portal.public_id]), follow=True
        )
    assert "This portal has no contact email" in response.content.decode()
    assert mail.outbox == []


def test_a_revoked_portals_link_is_not_sent(portal, django_capture_on_commit_callbacks):
    services.revoke_portal(portal, actor=None)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(errors.PortalRevoked):
        services.send_portal_link(portal, actor=None)
    assert mail.outbox == []


def test_the_link_email_is_an_outbox_delivery_that_ends_sent(
    alice, portal, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        queued = services.send_portal_link(portal, actor=alice)
        assert queued.status == Delivery.Status.QUEUED

    assert deliveries_of("portal-link") == [("hello@galerie-nord.example", "sent")]
    delivery = Delivery.objects.get(pk=queued.pk)
    assert delivery.organization == portal.organization
    assert delivery.reply_to == alice.email
    assert len(mail.outbox) == 1


def test_a_rolled_back_send_emails_nothing(
    alice, portal, monkeypatch, django_capture_on_commit_callbacks
):
    fail_after_queueing(monkeypatch, services)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RolledBack):
        services.send_portal_link(portal, actor=alice)
    assert mail.outbox == []
    assert not Delivery.objects.exists()


def test_a_portal_revoked_before_the_worker_sends_is_skipped(
    portal, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        services.send_portal_link(portal, actor=None)
    services.revoke_portal(portal, actor=None)
    for callback in callbacks:
        callback()
    assert mail.outbox == []
    delivery = Delivery.objects.get(template="portal-link")
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.last_error == "The portal was revoked before its link was sent."


def test_a_contact_changed_before_the_worker_sends_does_not_get_the_old_ones_link(
    portal, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        services.send_portal_link(portal, actor=None)
    Portal.objects.filter(pk=portal.pk).update(contact_email="someone-else@example.com")
    for callback in callbacks:
        callback()
    assert mail.outbox == []
    assert Delivery.objects.get(template="portal-link").last_error == (
        "The portal's contact email changed before its link was sent."
    )


def test_sending_from_the_group_page_returns_there(
    alice_client, org, group, portal, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(
            reverse("portals:portal_send_link", args=[org.slug, portal.public_id]),
            {"next": "group"},
        )
    assert response["Location"] == reverse("portals:group_detail", args=[org.slug, group.public_id])
    assert len(mail.outbox) == 1


# --- Who may do what -----------------------------------------------------------

# (url name, method, which id the URL takes)
ORGANIZER_VIEWS = [
    ("portals:group_create", "get", "event"),
    ("portals:group_create", "post", "event"),
    ("portals:group_detail", "get", "group"),
    ("portals:group_edit", "get", "group"),
    ("portals:group_edit", "post", "group"),
    ("portals:portal_create", "get", "group"),
    ("portals:portal_create", "post", "group"),
    ("portals:portal_import", "get", "group"),
    ("portals:portal_import", "post", "group"),
    ("portals:portal_import_confirm", "post", "group"),
    ("portals:portal_import_template", "get", "group"),
    ("portals:portal_detail", "get", "portal"),
    ("portals:portal_edit", "get", "portal"),
    ("portals:portal_edit", "post", "portal"),
    ("portals:portal_send_link", "post", "portal"),
    ("portals:portal_change_owner", "get", "portal"),
    ("portals:portal_change_owner", "post", "portal"),
    ("portals:portal_revoke", "get", "portal"),
    ("portals:portal_revoke", "post", "portal"),
]


def url_for(name, kind, org_slug, event, group, portal):
    public = {"event": event.slug, "group": group.public_id, "portal": portal.public_id}[kind]
    return reverse(name, args=[org_slug, public])


def snapshot(org):
    return (
        list(Portal.objects.filter(organization=org).values().order_by("pk")),
        list(org.portal_groups.values().order_by("pk")),
    )


@pytest.mark.parametrize(("name", "method", "kind"), ORGANIZER_VIEWS)
def test_outsider_gets_404_on_every_organizer_portal_view(
    charlie_client,
    org,
    other_org,
    event,
    group,
    portal,
    name,
    method,
    kind,
    django_capture_on_commit_callbacks,
):
    claim(portal)
    before = snapshot(org)
    data = {"name": "Hijacked", "email": "charlie@example.com", **portal_data(name="Hijacked")}
    with django_capture_on_commit_callbacks(execute=True):
        via_their_org = getattr(charlie_client, method)(
            url_for(name, kind, org.slug, event, group, portal), data
        )
        via_own_org = getattr(charlie_client, method)(
            url_for(name, kind, other_org.slug, event, group, portal), data
        )

    assert via_their_org.status_code == 404
    assert via_own_org.status_code == 404
    assert snapshot(org) == before
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("name", "method", "kind"), [view for view in ORGANIZER_VIEWS if view[1] == "get"]
)
def test_members_can_open_every_organizer_portal_page(
    bob_client, org, event, group, portal, name, method, kind
):
    claim(portal)
    response = bob_client.get(url_for(name, kind, org.slug, event, group, portal))
    assert response.status_code == 200


def test_a_member_can_revoke_and_change_owners(bob_client, org, portal):
    claim(portal)
    bob_client.post(
        reverse("portals:portal_change_owner", args=[org.slug, portal.public_id]),
        {"email": "b@example.com"},
    )
    bob_client.post(reverse("portals:portal_revoke", args=[org.slug, portal.public_id]))
    portal.refresh_from_db()
    assert (portal.owner_email, portal.status) == ("b@example.com", Portal.Status.REVOKED)


def test_anonymous_visitors_are_sent_to_log_in(client, org, group):
    response = client.get(reverse("portals:group_detail", args=[org.slug, group.public_id]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# --- Races (PostgreSQL) --------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_allocation_change_waits_for_invites_being_generated(portal):
    """The owner generates 6 invites while the organizer lowers the allocation to 4:
    the change waits for the portal lock, sees 6 used and is refused."""
    claim(portal)
    barrier = threading.Barrier(2)
    outcome: dict[str, object] = {}

    def owner_generates() -> None:
        try:
            with transaction.atomic():
                locked = Portal.objects.select_for_update().get(pk=portal.pk)
                barrier.wait()
                time.sleep(0.3)  # the organizer's change is now waiting on the lock
                # As generation does: through the rules, per type, under the lock.
                (invite_type,) = live_types(portal.group)
                rules.reserve_allocation(locked, {invite_type.pk: 6})
        finally:
            connection.close()

    def organizer_lowers() -> None:
        try:
            barrier.wait()
            services.update_portal(portal, name=portal.name, allocation=4, contact_email="")
            outcome["result"] = "saved"
        except errors.AllocationBelowUsed as error:
            outcome["result"] = error.used
        finally:
            connection.close()

    threads = [threading.Thread(target=owner_generates), threading.Thread(target=organizer_lowers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    portal.refresh_from_db()
    assert outcome["result"] == 6
    assert (portal.allocation, portal.invites_used) == (10, 6)
