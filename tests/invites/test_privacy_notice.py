"""Every form where a guest (or a portal's future owner) types their email says
who receives it, whether the organizer sees it, and links the organizer's
privacy policy when they set one."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client
from django.urls import reverse

from invites.models import Invite, InviteBatch
from invites.services import GuestInput, generate_invites, generate_organizer_invites
from organizations.models import OrganizationBrand
from portals.models import PortalGroup
from tests.conftest import give_credits
from tests.invites.helpers import assign

pytestmark = pytest.mark.django_db

POLICY = "https://baselartweek.example/privacy"


def notice(response) -> str:
    """The notice's text (tags dropped, spaces joined), and its policy link if any."""
    page = response.content.decode()
    match = re.search(r'<aside class="privacy-notice[^"]*"[^>]*>(.*?)</aside>', page, re.S)
    assert match, "no privacy notice on the page"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))).split())


def policy_link(response) -> str | None:
    page = response.content.decode()
    block = re.search(r'<aside class="privacy-notice.*?</aside>', page, re.S)
    assert block
    link = re.search(r'href="([^"]+)"', block.group(0))
    return html.unescape(link.group(1)) if link else None


def portal_invite(org, portal, **guest) -> Invite:
    give_credits(org, invite=10)
    assign(portal)
    guests = [GuestInput(**guest)] if guest else []
    return generate_invites(
        portal, guests, blank=0 if guest else 1, method="single" if guest else "blank"
    ).invites.get()


def share_all(portal) -> None:
    PortalGroup.objects.filter(pk=portal.group_id).update(share_all_invites=True)
    portal.group.refresh_from_db()


def test_a_blank_portal_invite_names_the_exhibitor_and_the_organizer_sees_only_on_accept(
    org, portal
):
    invite = portal_invite(org, portal)
    response = Client().get(reverse("invites:guest", args=[invite.token]))
    assert 'name="email"' in response.content.decode()
    text = notice(response)
    assert "Galerie Nord receives the details you give here." in text
    assert "Basel Art Week, the organizer of Spring Fair, sees them only if you accept." in text
    assert policy_link(response) is None


def test_when_the_group_shares_every_invite_the_notice_says_the_organizer_sees_them_too(
    org, portal
):
    share_all(portal)
    invite = portal_invite(org, portal)
    assert invite.shared_with_organizer
    text = notice(Client().get(reverse("invites:guest", args=[invite.token])))
    assert "Galerie Nord receives the details you give here." in text
    assert "sees them too" in text and "only if you accept" not in text


def test_the_organizers_privacy_policy_is_linked_when_set(org, portal):
    OrganizationBrand.objects.create(organization=org, privacy_url=POLICY)
    invite = portal_invite(org, portal)
    response = Client().get(reverse("invites:guest", args=[invite.token]))
    assert policy_link(response) == POLICY
    assert "Privacy policy of Basel Art Week" in notice(response)


def test_a_named_guests_answer_form_has_the_notice_too(org, portal):
    invite = portal_invite(org, portal, name="Anna Muster", email="anna@example.com")
    assert "Galerie Nord receives" in notice(
        Client().get(reverse("invites:guest", args=[invite.token]))
    )


def test_the_organizers_own_invite_says_the_organizer_receives_the_details(org, event, alice):
    give_credits(org, invite=10)
    invite = generate_organizer_invites(
        event, [], blank=1, method="blank", actor=alice
    ).invites.get()
    text = notice(Client().get(reverse("invites:guest", args=[invite.token])))
    assert (
        "Basel Art Week, the organizer of Spring Fair, receives the details you give here" in text
    )


def test_a_shared_link_page_has_the_notice_with_its_portals_rule(org, portal):
    share_all(portal)
    give_credits(org, invite=10)
    assign(portal)
    link = generate_invites(
        portal, [GuestInput(label="Team", uses=3)], method=InviteBatch.Method.SINGLE
    ).invites.get()
    response = Client().get(reverse("invites:guest", args=[link.token]))
    assert response.status_code == 200
    assert 'name="email"' in response.content.decode()
    assert "Galerie Nord receives the details you give here." in notice(response)
    assert "sees them too" in notice(response)


def test_the_portal_claim_form_says_the_organizer_receives_the_owner_address(org, portal):
    OrganizationBrand.objects.create(organization=org, privacy_url=POLICY)
    response = Client().get(reverse("owner:link", args=[portal.token]))
    assert 'name="email"' in response.content.decode()
    assert "Basel Art Week, the organizer of Spring Fair, receives this address" in notice(response)
    assert policy_link(response) == POLICY
