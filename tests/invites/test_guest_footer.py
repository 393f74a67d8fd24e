"""Guests never see the product's line ("portals, credits and invites for
events") in the footer: the guest pages show the organizer's brand footer
(its text, privacy and imprint links) and a discreet "artsvp" credit."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from invites.services import GuestInput, generate_invites, revoke_invite
from organizations.models import OrganizationBrand
from tests.conftest import give_credits
from tests.invites.helpers import assign, owner_client

pytestmark = pytest.mark.django_db

PRODUCT_LINE = "portals, credits and invites"


def footer(response) -> str:
    page = response.content.decode()
    start = page.rfind("<footer")
    assert start != -1, "the page has no footer"
    return page[start : page.index("</footer>", start)]


def test_every_guest_facing_page_shows_the_brand_footer_not_the_product_line(org, portal):
    OrganizationBrand.objects.create(
        organization=org,
        footer_text="Basel Art Week AG · Messeplatz 10",
        privacy_url="https://baselartweek.example/privacy",
        imprint_url="https://baselartweek.example/imprint",
    )
    give_credits(org, invite=10)
    assign(portal)
    named, link, revoked = generate_invites(
        portal,
        [
            GuestInput(name="Anna", email="anna@example.com"),
            GuestInput(label="Team", uses=3),
            GuestInput(name="Ben", email="ben@example.com"),
        ],
        method="paste",
    ).invites.order_by("pk")
    blank = generate_invites(portal, [], blank=1, method="blank").invites.get()
    revoke_invite(revoked)
    guest = Client()
    pages = {
        "guest page": guest.get(reverse("invites:guest", args=[named.token])),
        "blank link": guest.get(reverse("invites:guest", args=[blank.token])),
        "shared link": guest.get(reverse("invites:guest", args=[link.token])),
        "revoked": guest.get(reverse("invites:guest", args=[revoked.token])),
        "portal dashboard": owner_client(portal).get(
            reverse("owner:dashboard", args=[portal.public_id])
        ),
    }
    for name, response in pages.items():
        assert response.status_code in (200, 410), name
        shown = footer(response)
        assert PRODUCT_LINE not in shown, name
        assert "Basel Art Week AG · Messeplatz 10" in shown, name
        assert 'href="https://baselartweek.example/privacy"' in shown, name
        assert 'href="https://baselartweek.example/imprint"' in shown, name


def test_a_mistyped_guest_link_shows_no_product_line_either(portal):
    response = Client().get("/i/" + "x" * 43 + "/")
    assert response.status_code == 404
    assert PRODUCT_LINE not in footer(response)
    assert "artsvp" in footer(response)


def test_organizer_pages_may_keep_the_product_line(alice_client, org):
    response = alice_client.get(reverse("events:list", args=[org.slug]))
    assert response.status_code == 200
    assert PRODUCT_LINE in footer(response)
