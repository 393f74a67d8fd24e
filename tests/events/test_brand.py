"""The brand in force for an event (events/brand.py): the event's override field
by field over its organization's, on the guest, portal owner and door pages
and in every email; never another organization's."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from events.brand import brand_for_event
from events.models import Event, EventBrand
from events.services import update_event_brand
from invites.answers import respond
from invites.emails import preview_invite_email
from invites.models import Invite
from invites.services import GuestInput, generate_invites
from organizations.brand import PRODUCT_ACCENT
from organizations.brand_images import ImageKind, process_image
from organizations.brand_services import BrandChanges, update_organization_brand
from tests.conftest import give_credits
from tests.invites.helpers import assign, owner_client
from tests.mail import html_of
from tests.organizations.brand_helpers import png

pytestmark = pytest.mark.django_db

ORG_FOOTER = "Basel Art Week · Messeplatz 10, 4058 Basel"
EVENT_FOOTER = "Spring Fair · Hall 2"


def logo(name: str = "logo.png"):
    return process_image(png(name), ImageKind.LOGO)


@pytest.fixture
def org_brand(org):
    return update_organization_brand(
        org,
        changes=BrandChanges(
            accent="#006633",
            footer_text=ORG_FOOTER,
            privacy_url="https://basel.example/privacy",
            imprint_url="https://basel.example/imprint",
            logo=logo("fair.png"),
        ),
    )


@pytest.fixture
def invite(org, portal) -> Invite:
    give_credits(org, invite=10)
    assign(portal)
    return generate_invites(
        portal, [GuestInput(name="Anna Muster", email="anna@example.com")], method="single"
    ).invites.get()


def fresh(event: Event) -> Event:
    return Event.objects.get(pk=event.pk)


def page_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def stylesheet(accent: str) -> str:
    return reverse("organizations:brand_css", args=[accent[1:]])


# --- Resolution ----------------------------------------------------------------------


def test_an_unbranded_event_has_the_product_default(event):
    brand = brand_for_event(event)
    assert brand.accent == PRODUCT_ACCENT
    assert not brand.is_custom_accent
    assert (brand.logo, brand.cover, brand.footer_text, brand.privacy_url) == ("", "", "", "")


def test_the_event_override_wins_field_by_field(event, org_brand):
    update_event_brand(event, changes=BrandChanges(accent="#8a1538", footer_text=EVENT_FOOTER))
    brand = brand_for_event(fresh(event))
    # Set on the event:
    assert brand.accent == "#8a1538"
    assert brand.footer_text == EVENT_FOOTER
    # Not set on the event: the organization's.
    assert brand.logo == org_brand.logo.name
    assert brand.privacy_url == "https://basel.example/privacy"
    assert brand.imprint_url == "https://basel.example/imprint"
    # An event logo of its own replaces the organization's, the rest stays.
    update_event_brand(
        event,
        changes=BrandChanges(accent="#8a1538", footer_text=EVENT_FOOTER, logo=logo("event.png")),
    )
    event_logo = EventBrand.objects.get(event=event).logo.name
    assert brand_for_event(fresh(event)).logo == event_logo != org_brand.logo.name
    # Emptying an override field falls back to the organization again.
    update_event_brand(event, changes=BrandChanges())
    brand = brand_for_event(fresh(event))
    assert (brand.accent, brand.footer_text) == ("#006633", ORG_FOOTER)
    assert brand.logo == event_logo  # an image goes only when removed
    update_event_brand(event, changes=BrandChanges(remove_logo=True))
    assert brand_for_event(fresh(event)).logo == org_brand.logo.name


def test_the_brand_is_read_once_per_event_instance(event, org_brand, django_assert_num_queries):
    with django_assert_num_queries(1):
        brand_for_event(event)
        brand_for_event(event)


def test_the_event_brand_page_saves_an_override_and_shows_what_it_inherits(
    alice_client, org, event, org_brand
):
    url = reverse("events:brand", args=[org.slug, event.slug])
    page = page_of(alice_client.get(url))
    assert "#006633" in page  # the organization's colour it falls back to
    assert "the organization's logo is shown" in page
    response = alice_client.post(
        url,
        {"accent": "#8a1538", "footer_text": "", "privacy_url": "", "imprint_url": ""},
    )
    assert response.status_code == 302
    assert brand_for_event(fresh(event)).accent == "#8a1538"
    refused = alice_client.post(url, {"accent": "#ffee00"})
    assert refused.status_code == 400
    assert "4.5:1" in refused.content.decode()
    assert brand_for_event(fresh(event)).accent == "#8a1538"


def test_members_may_not_brand_an_event_and_outsiders_get_404(
    org, event, bob_client, charlie_client
):
    url = reverse("events:brand", args=[org.slug, event.slug])
    assert bob_client.get(url).status_code == 403
    assert charlie_client.get(url).status_code == 404
    assert charlie_client.post(url, {"accent": "#000000"}).status_code == 404
    assert not EventBrand.objects.exists()


# --- Where it shows -------------------------------------------------------------------


def test_the_guest_page_shows_the_brand(client, invite, org_brand, event):
    update_event_brand(
        event, changes=BrandChanges(cover=process_image(png(size=(3200, 1200)), ImageKind.COVER))
    )
    page = page_of(client.get(reverse("invites:guest", args=[invite.token])))
    assert f'href="{stylesheet("#006633")}"' in page
    assert f'src="/media/{org_brand.logo.name}"' in page
    assert 'alt="Basel Art Week"' in page
    cover = EventBrand.objects.get(event=event).cover.name
    assert f'src="/media/{cover}"' in page
    assert "Messeplatz 10, 4058 Basel" in page
    assert 'href="https://basel.example/privacy"' in page
    assert 'href="https://basel.example/imprint"' in page
    assert "style=" not in re.sub(r"<svg.*?</svg>", "", page, flags=re.S)


def test_the_logo_is_served_from_media(client, org_brand):
    response = client.get(f"/media/{org_brand.logo.name}")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


def test_an_answer_page_keeps_the_brand(client, invite, org_brand):
    url = reverse("invites:guest", args=[invite.token])
    refused = client.post(url, {"answer": "maybe"})
    assert refused.status_code == 422
    assert f'href="{stylesheet("#006633")}"' in refused.content.decode()
    page = page_of(client.post(url, {"answer": "accept"}, follow=True))
    assert "you'll be there" in page.replace("&#x27;", "'")
    assert f'href="{stylesheet("#006633")}"' in page
    assert ORG_FOOTER in page


def test_the_portal_owners_pages_show_the_brand(invite, portal, org_brand):
    browser = owner_client(portal)
    page = page_of(browser.get(reverse("owner:dashboard", args=[portal.public_id])))
    assert f'href="{stylesheet("#006633")}"' in page
    assert f'src="/media/{org_brand.logo.name}"' in page
    assert ORG_FOOTER in page
    # A page before signing in (only the portal is known) too.
    page = page_of(Client().get(reverse("owner:sign_in", args=[portal.public_id])))
    assert f'src="/media/{org_brand.logo.name}"' in page


def test_the_door_page_shows_the_brand(alice_client, org, event, org_brand):
    page = page_of(alice_client.get(reverse("door:door", args=[org.slug, event.slug])))
    assert f'href="{stylesheet("#006633")}"' in page
    assert f'src="/media/{org_brand.logo.name}"' in page


def test_an_unbranded_guest_page_links_no_brand_stylesheet(client, invite):
    page = page_of(client.get(reverse("invites:guest", args=[invite.token])))
    assert "/brand/" not in page
    assert "art<span>svp</span>" in page


def test_the_invite_email_is_branded(invite, org_brand, event):
    update_event_brand(event, changes=BrandChanges(accent="#8a1538"))
    email = preview_invite_email(fresh_invite(invite), subject="Hello", message="Come")
    assert "background:#8a1538" in email.html
    # An absolute address: the email is read far from this site.
    assert f'src="{settings.SITE_URL}/media/{org_brand.logo.name}"' in email.html
    assert ORG_FOOTER in email.html
    assert 'href="https://basel.example/privacy"' in email.html


def fresh_invite(invite: Invite) -> Invite:
    return Invite.objects.select_related("event", "portal", "organization").get(pk=invite.pk)


def test_the_sent_confirmation_email_is_branded(
    invite, org_brand, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        respond(fresh_invite(invite), accept=True)
    [message] = [m for m in mail.outbox if invite.guest_email in m.to]
    html = html_of(message)
    assert "background:#006633" in html
    assert f"/media/{org_brand.logo.name}" in html
    assert ORG_FOOTER in html


# --- Tenancy --------------------------------------------------------------------------


def test_another_organizations_brand_is_never_shown(client, invite, other_org, other_portal):
    update_organization_brand(
        other_org,
        changes=BrandChanges(accent="#123456", footer_text="Elsewhere footer", logo=logo()),
    )
    page = page_of(client.get(reverse("invites:guest", args=[invite.token])))
    assert "Elsewhere footer" not in page
    assert "/brand/123456.css" not in page
    assert "/media/brand/" not in page
    email = preview_invite_email(fresh_invite(invite), subject="Hello", message="Come")
    assert "Elsewhere footer" not in email.html and "#123456" not in email.html
    # And the other way round: the other organization's own event shows its brand.
    assert brand_for_event(other_portal.group.event).footer_text == "Elsewhere footer"
