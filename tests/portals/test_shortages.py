"""Refused portals: one digest a day for the organizer, a banner while they wait,
and the refused owner told once credits or allocation come back (portals/notifications.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from artsvp.locks import locking_transaction
from credits import ledger
from credits.models import CreditKind
from invites.services import generate_invites
from portals.claiming import claim_portal
from portals.errors import AllocationExceeded
from portals.models import CreditShortageNotice, ShortageDigest
from portals.services import update_portal
from tests.conftest import give_credits, make_portal, set_allocation
from tests.invites.helpers import assign

pytestmark = pytest.mark.django_db
NO_CREDITS = ledger.InsufficientCredits


def blank(portal, count):
    return generate_invites(portal, [], blank=count, method="blank")


def grant(org, kind, amount):

    with locking_transaction():
        ledger.grant(org, kind, amount, reason="adjustment", idempotency_key=f"t-{kind}-{amount}")


def test_many_refused_portals_are_one_digest_a_day(
    org, group, alice, django_capture_on_commit_callbacks
):
    give_credits(org, portal=3, invite=2)
    portals = [
        assign(make_portal(group=group, name=f"Galerie {n}", allocation=10)) for n in range(3)
    ]
    for portal in portals:
        set_allocation(portal, 10)
    with django_capture_on_commit_callbacks(execute=True):
        for portal in portals:
            with pytest.raises(ledger.InsufficientCredits):
                blank(portal, 5)
    [digest] = mail.outbox
    assert digest.to == [alice.email]
    # Built when sent: every portal refused so far today is in it.
    for n in range(3):
        assert f"Galerie {n}: asked for 5 invites" in digest.body
    assert CreditShortageNotice.objects.count() == 3
    assert ShortageDigest.objects.count() == 1


def test_the_banner_shows_while_portals_wait_and_the_owners_are_told_when_credits_come(
    org, portal, alice_client, django_capture_on_commit_callbacks
):
    give_credits(org, portal=1)
    owned = assign(portal)
    set_allocation(owned, 10)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ledger.InsufficientCredits),
    ):
        blank(owned, 3)
    events_page = reverse("events:list", args=[org.slug])
    page = alice_client.get(events_page).content.decode()
    assert "Some portals are held up." in page
    assert "1 portal could not generate invites: not enough invite credits." in page

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        grant(org, CreditKind.INVITE, 50)
    [told] = mail.outbox
    assert told.to == [owned.owner_email]
    assert "you can create invites again" in told.subject
    assert owned.path in told.body
    assert CreditShortageNotice.objects.get().resolved_at is not None
    assert "Some portals are held up." not in alice_client.get(events_page).content.decode()
    blank(owned, 3)


def test_someone_refused_a_claim_is_told_without_the_portal_link(
    org, portal, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ledger.InsufficientCredits),
    ):
        claim_portal(portal, email="maybe@gallery.example")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        grant(org, CreditKind.PORTAL, 1)
    [told] = mail.outbox
    assert told.to == ["maybe@gallery.example"]
    assert "can be claimed now" in told.subject
    assert portal.token not in told.body


def test_an_owner_refused_for_allocation_is_told_when_it_grows(
    org, portal, alice, django_capture_on_commit_callbacks
):
    give_credits(org, portal=1, invite=50)
    owned = assign(portal)
    set_allocation(owned, 4)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(AllocationExceeded):
        blank(owned, 6)
    [digest] = mail.outbox
    assert digest.to == [alice.email]
    assert "used up its allocation" in digest.subject
    assert "asked for 6, 4 left" in digest.body

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        update_portal(owned, allocation=10)
    [told] = mail.outbox
    assert told.to == [owned.owner_email]
    assert "raised the allocation" in told.body


def test_a_day_later_the_organizer_hears_again(org, portal, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ledger.InsufficientCredits),
    ):
        claim_portal(portal, email="a@gallery.example")
    yesterday = timezone.now().date() - timedelta(days=1)
    CreditShortageNotice.objects.update(day=yesterday)
    ShortageDigest.objects.update(day=yesterday)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ledger.InsufficientCredits),
    ):
        claim_portal(portal, email="a@gallery.example")
    assert len(mail.outbox) == 2


def test_check_in_staff_and_outsiders_see_no_banner(org, portal, charlie_client, other_org):
    with pytest.raises(ledger.InsufficientCredits):
        claim_portal(portal, email="a@gallery.example")
    page = charlie_client.get(reverse("events:list", args=[other_org.slug])).content.decode()
    assert "held up" not in page
    assert Client().get("/").status_code in {200, 302}
