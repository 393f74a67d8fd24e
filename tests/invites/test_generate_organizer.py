"""The organizer's own generation page: label, uses, golden and approval, and an
optional invite type of the event's groups (no allocation)."""

from __future__ import annotations

import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from invites.models import Invite
from portals.models import InviteType
from tests.conftest import give_credits
from tests.invites.helpers import balance
from tests.invites.type_helpers import add_type, used_by_type

pytestmark = pytest.mark.django_db


@pytest.fixture
def vip(org, group, portal):
    give_credits(org, invite=50)
    return add_type(group, "vip", "VIP", allocations={portal: 2}, golden=True, plus_ones=2)


def url(org, event) -> str:
    return reverse("invites:organizer_generate", args=[org.slug, event.slug])


def post(client, org, event, method, data, submission="s1"):
    payload = {"method": method, f"{method}-submission": submission}
    payload.update({f"{method}-{key}": value for key, value in data.items()})
    return client.post(url(org, event), payload)


def text(response) -> str:
    return html.unescape(response.content.decode())


def test_the_page_offers_the_event_groups_types(org, event, vip, alice_client):
    page = text(alice_client.get(url(org, event)))

    assert "Exhibitors · VIP" in page and "Exhibitors · Standard" in page
    assert "No type" in page
    assert "Golden: skips the event's and the window's capacity" in page


def test_one_guest_with_a_label_golden_and_approval(org, event, vip, alice_client):
    response = post(
        alice_client,
        org,
        event,
        "single",
        {"name": "Ada", "label": "Press", "golden": "on", "needs_approval": "on", "plus_ones": 0},
    )

    assert response.status_code == 302
    invite = Invite.objects.get()
    assert (invite.label, invite.golden, invite.needs_approval, invite.invite_type) == (
        "Press",
        True,
        True,
        None,
    )


def test_typed_blank_links_with_uses_take_the_types_defaults_and_no_allocation(
    org, event, portal, vip, alice_client
):
    response = post(
        alice_client,
        org,
        event,
        "blank",
        {"count": 2, "uses": 5, "label": "Crew", "invite_type": vip.public_id},
    )

    assert response.status_code == 302, text(response)
    links = list(Invite.objects.all())
    assert [(link.uses, link.label, link.golden, link.invite_type_id) for link in links] == [
        (5, "Crew", True, vip.pk)
    ] * 2
    assert {link.plus_ones_allowed for link in links} == {2}
    assert used_by_type(portal)["vip"] == (0, 2)
    assert balance(org) == 48


def test_the_csv_takes_type_label_uses_golden_and_approval_per_row(org, event, vip, alice_client):
    content = (
        "name,type,label,uses,golden,approval\n"
        "Ada,vip,Collector,,no,yes\n"
        "Bea,,,3,TRUE,0\n"
        "Cleo,standard,,,,\n"
    )
    upload = SimpleUploadedFile("g.csv", content.encode(), content_type="text/csv")
    preview = post(alice_client, org, event, "csv", {"file": upload, "plus_ones": 0}, "csv-1")
    assert preview.status_code == 200, text(preview)

    done = alice_client.post(url(org, event), {"method": "csv-confirm", "preview": "csv-1"})

    assert done.status_code == 302
    rows = {
        invite.guest_name: (
            invite.invite_type.code if invite.invite_type else None,
            invite.label,
            invite.uses,
            invite.golden,
            invite.needs_approval,
        )
        for invite in Invite.objects.select_related("invite_type")
    }
    assert rows == {
        "Ada": ("vip", "Collector", 1, False, True),
        "Bea": (None, "", 3, True, False),
        "Cleo": ("standard", "", 1, False, False),
    }


def test_bad_csv_flags_are_row_errors(org, event, vip, alice_client):
    content = "name,golden,type\nAda,maybe,\nBea,,nope\n"
    upload = SimpleUploadedFile("g.csv", content.encode(), content_type="text/csv")

    response = post(alice_client, org, event, "csv", {"file": upload, "plus_ones": 0}, "csv-1")

    page = text(response)
    assert response.status_code == 422
    assert "Golden must be yes or no, not 'maybe'." in page
    assert "There is no invite type 'nope'" in page
    assert not Invite.objects.exists()


def test_a_code_two_groups_share_is_refused_in_the_csv(org, event, group, vip, alice_client):
    from tests.conftest import make_group

    make_group(organization=org, event=event, name="Sponsors")
    assert InviteType.objects.filter(code="standard").count() == 2
    upload = SimpleUploadedFile("g.csv", b"name,type\nAda,standard\n", content_type="text/csv")

    response = post(alice_client, org, event, "csv", {"file": upload, "plus_ones": 0}, "csv-1")

    assert response.status_code == 422
    assert "There is no invite type 'standard'" in text(response)


def test_an_outsider_gets_404(org, event, charlie_client):
    assert charlie_client.get(url(org, event)).status_code == 404
