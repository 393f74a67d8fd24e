"""The owner's forms: blank links default to what remains and carry a label,
the forms switch off when the allocation is used up, and an unsent invite's
guest details can be corrected."""

from __future__ import annotations

import html

import pytest
from django.test import Client
from django.urls import reverse

from invites.models import Invite
from invites.sending import queue_invite_emails
from invites.services import GuestInput, InviteNotEditable, generate_invites, update_invite_details
from portals.models import Portal
from tests.conftest import give_credits, make_portal
from tests.invites.helpers import assign, owner_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def owned(org, portal) -> Portal:
    give_credits(org, invite=100)
    return assign(portal)


@pytest.fixture
def browser(owned) -> Client:
    return owner_client(owned)


def text(response) -> str:
    return html.unescape(response.content.decode())


def one_invite(portal: Portal, **guest) -> Invite:
    guest = {"name": "Ada Lovelace", "email": "ada@example.com", **guest}
    return generate_invites(portal, [GuestInput(**guest)], method="single").invites.get()


def edit_url(portal: Portal, invite: Invite) -> str:
    return reverse("owner:edit_invite", args=[portal.public_id, invite.public_id])


def test_blank_links_default_to_what_remains(owned, browser):
    one_invite(owned)
    page = text(browser.get(reverse("owner:add_invites", args=[owned.public_id])))
    remaining = owned.allocation - 1
    assert f'name="blank-count" value="{remaining}"' in page


def test_a_blank_link_carries_its_label(owned, browser):
    response = browser.post(
        reverse("owner:add_invites", args=[owned.public_id]),
        {"method": "blank", "blank-submission": "", "blank-count": 2, "blank-label": "Team A"},
    )
    assert response.status_code == 302
    labels = set(Invite.objects.filter(portal=owned).values_list("label", flat=True))
    assert labels == {"Team A"}


def test_the_forms_are_switched_off_with_a_note_when_the_allocation_is_used_up(org, group):
    give_credits(org, invite=10)
    full = assign(make_portal(organization=org, group=group, name="Full", allocation=1))
    one_invite(full)
    page = text(owner_client(full).get(reverse("owner:add_invites", args=[full.public_id])))
    assert "Your allocation is used up, so the forms below are switched off." in page
    assert '<fieldset class="plain-fieldset" disabled' in page


def test_an_unsent_invite_can_be_corrected(owned, browser):
    invite = one_invite(owned)
    dashboard = text(browser.get(reverse("owner:dashboard", args=[owned.public_id])))
    assert edit_url(owned, invite) in dashboard

    response = browser.post(
        edit_url(owned, invite),
        {"name": "Ada King", "email": "ada.king@example.com", "tags": "VIP; press", "label": "L1"},
    )

    assert response.status_code == 302
    invite.refresh_from_db()
    assert (invite.guest_name, invite.guest_email, invite.tags, invite.label) == (
        "Ada King",
        "ada.king@example.com",
        ["VIP", "press"],
        "L1",
    )


def test_a_bad_email_is_a_field_error(owned, browser):
    invite = one_invite(owned)
    response = browser.post(edit_url(owned, invite), {"name": "Ada", "email": "ada(at)example"})
    assert response.status_code == 422
    assert "Enter a valid email address." in text(response)
    invite.refresh_from_db()
    assert invite.guest_email == "ada@example.com"


def test_an_emailed_invite_can_no_longer_be_edited(owned, browser):
    invite = one_invite(owned)
    queue_invite_emails([invite], subject="Hello", message="Come")

    dashboard = text(browser.get(reverse("owner:dashboard", args=[owned.public_id])))
    assert edit_url(owned, invite) not in dashboard
    response = browser.post(edit_url(owned, invite), {"name": "Someone else"})
    assert response.status_code == 422
    assert "can no longer be changed" in text(response)
    invite.refresh_from_db()
    assert invite.guest_name == "Ada Lovelace"
    with pytest.raises(InviteNotEditable):
        update_invite_details(invite, guest_name="X", guest_email="", tags=[], label="")


def test_an_answered_invite_can_no_longer_be_edited(owned):
    invite = one_invite(owned)
    Invite.objects.filter(pk=invite.pk).update(status=Invite.Status.ACCEPTED)
    with pytest.raises(InviteNotEditable):
        update_invite_details(invite, guest_name="X", guest_email="", tags=[], label="")


def test_another_portals_invite_is_404(org, group, owned, browser, charlie_client):
    other = assign(
        make_portal(organization=org, group=group, name="Other", allocation=5),
        "other@example.com",
    )
    theirs = one_invite(other)
    assert browser.get(edit_url(owned, theirs)).status_code == 404
    assert browser.post(edit_url(owned, theirs), {"name": "Mine now"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.guest_name == "Ada Lovelace"
    # Charlie (another organization, no owner session) is asked to sign in, never shown it.
    response = charlie_client.get(edit_url(other, theirs))
    assert response.status_code == 302
    assert "/sign-in/" in response["Location"]
