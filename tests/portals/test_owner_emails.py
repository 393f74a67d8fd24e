"""Owner changes are told: the new owner gets the link, the old one a notice
without it; "Email the link" writes to the owner once there is one; a claim
sends the owner a copy of the link. All through the outbox, re-checked when
the worker sends."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from deliveries.models import Delivery
from portals import services
from portals.claiming import claim_portal
from portals.models import Portal
from tests.conftest import give_credits
from tests.mail import html_of

pytestmark = pytest.mark.django_db

OLD = "lena@galerie-nord.example"
NEW = "max@galerie-nord.example"


@pytest.fixture
def owned(org, portal) -> Portal:
    give_credits(org, portal=1)
    return claim_portal(portal, email=OLD)


def change_owner(client: Client, org, portal: Portal, email: str, capture) -> None:
    with capture(execute=True):
        response = client.post(
            reverse("portals:portal_change_owner", args=[org.slug, portal.public_id]),
            {"email": email},
        )
    assert response.status_code == 302


def test_the_new_owner_gets_the_link_and_the_old_one_a_notice_without_it(
    alice_client, org, owned, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    change_owner(alice_client, org, owned, NEW, django_capture_on_commit_callbacks)

    to_new = [m for m in mail.outbox if m.to == [NEW]]
    to_old = [m for m in mail.outbox if m.to == [OLD]]
    assert len(to_new) == 1 and len(to_old) == 1
    assert f"/p/{owned.token}/" in to_new[0].body
    assert "handed the portal" in to_new[0].body
    assert "is now yours" in to_new[0].subject
    assert "has a new owner" in to_old[0].subject
    assert "can no longer sign in" in to_old[0].body
    # No way back into the portal for the address that lost it.
    assert owned.token not in to_old[0].body
    assert owned.token not in html_of(to_old[0])
    assert to_old[0].reply_to == ["alice@example.com"]


def test_the_same_owner_email_again_tells_nobody(
    alice_client, org, owned, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    change_owner(alice_client, org, owned, OLD.upper(), django_capture_on_commit_callbacks)
    assert mail.outbox == []


def test_an_owner_changed_again_before_the_send_gets_nothing(
    alice, owned, django_capture_on_commit_callbacks
):
    before = Delivery.objects.count()  # the claim's own copy of the link
    with django_capture_on_commit_callbacks() as first:
        services.change_owner_email(owned, email=NEW, actor=alice)
    with django_capture_on_commit_callbacks() as second:
        services.change_owner_email(owned, email=OLD, actor=alice)
    for callback in [*first, *second]:
        callback()

    sent = {(d.template, d.recipient): d for d in Delivery.objects.order_by("id")[before:]}
    # NEW no longer owns it: its link is skipped. OLD owns it again: told nothing.
    assert sent[("portal-link", NEW)].status == Delivery.Status.FAILED
    assert "owner changed" in sent[("portal-link", NEW)].last_error
    assert sent[("portal-owner-replaced", OLD)].status == Delivery.Status.FAILED
    assert sent[("portal-link", OLD)].status == Delivery.Status.SENT
    assert sent[("portal-owner-replaced", NEW)].status == Delivery.Status.SENT
    assert all(owned.token not in m.body for m in mail.outbox if m.to == [NEW])


def test_email_the_link_goes_to_the_owner_once_claimed(
    alice_client, org, owned, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    page = alice_client.get(reverse("portals:portal_detail", args=[org.slug, owned.public_id]))
    assert f"to the owner, {OLD}" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(reverse("portals:portal_send_link", args=[org.slug, owned.public_id]))
    [message] = mail.outbox
    assert message.to == [OLD]
    assert owned.contact_email != OLD


def test_email_the_link_goes_to_the_contact_before_a_claim(
    alice_client, org, portal, django_capture_on_commit_callbacks
):
    page = alice_client.get(reverse("portals:portal_detail", args=[org.slug, portal.public_id]))
    assert f"to the contact, {portal.contact_email}" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(reverse("portals:portal_send_link", args=[org.slug, portal.public_id]))
    [message] = mail.outbox
    assert message.to == [portal.contact_email]


def test_a_link_queued_for_the_contact_is_skipped_once_someone_else_claims(
    org, portal, django_capture_on_commit_callbacks
):
    give_credits(org, portal=1)
    with django_capture_on_commit_callbacks() as callbacks:
        services.send_portal_link(portal, actor=None)
    with django_capture_on_commit_callbacks(execute=True):
        claim_portal(portal, email=NEW)
    for callback in callbacks:
        callback()
    assert [m.to for m in mail.outbox] == [[NEW]]


def test_claiming_emails_the_owner_a_copy_of_the_link(
    org, portal, django_capture_on_commit_callbacks
):
    give_credits(org, portal=1)
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(reverse("owner:link", args=[portal.token]), {"email": NEW})
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == [NEW]
    assert "You claimed" in message.subject
    assert f"/p/{portal.token}/" in message.body
    assert "Keep this email" in message.body


def test_a_refused_claim_sends_no_copy(portal, django_capture_on_commit_callbacks):
    # No portal credit: the claim is refused and nothing is queued for the owner.
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(reverse("owner:link", args=[portal.token]), {"email": NEW})
    assert not Delivery.objects.filter(template="portal-link").exists()
