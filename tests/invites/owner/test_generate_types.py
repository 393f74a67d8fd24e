"""The portal owner generating each invite type: the picker, every way of
generating, the CSV's type/label/uses columns, and the dashboard's numbers."""

from __future__ import annotations

import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from invites.models import Invite
from invites.services import GuestInput, generate_invites
from portals.models import Portal
from tests.conftest import give_credits
from tests.invites.helpers import asks_to_sign_in, assign, balance, owner_client
from tests.invites.type_helpers import add_type, used_by_type

pytestmark = pytest.mark.django_db


@pytest.fixture
def owned(org, group, portal) -> Portal:
    """Galerie Nord with standard 10, VIP Preview 3 and Public days 5."""
    give_credits(org, invite=100)
    assign(portal)
    add_type(group, "vip-preview", "VIP Preview", allocations={portal: 3})
    add_type(group, "public", "Public days", allocations={portal: 5})
    portal.refresh_from_db()
    return portal


@pytest.fixture
def browser(owned) -> Client:
    return owner_client(owned)


def text(response) -> str:
    return html.unescape(response.content.decode())


def add_url(portal: Portal) -> str:
    return reverse("owner:add_invites", args=[portal.public_id])


def post_form(browser: Client, portal: Portal, method: str, data: dict, submission: str = ""):
    payload = {"method": method, f"{method}-submission": submission}
    payload.update({f"{method}-{key}": value for key, value in data.items()})
    return browser.post(add_url(portal), payload)


def csv_file(content: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("guests.csv", content.encode(), content_type="text/csv")


class TestTypePicker:
    def test_the_page_offers_each_type_with_what_is_left(self, owned, browser):
        generate_invites(owned, [], blank=1, invite_type="vip-preview", method="blank")

        page = text(browser.get(add_url(owned)))

        assert "VIP Preview — 2 of 3 left" in page
        assert "Public days — 5 of 5 left" in page
        assert "Standard — 10 of 10 left" in page
        assert '<legend class="label">Invite type</legend>' in page

    def test_a_group_with_one_type_shows_no_picker(self, org, portal):
        give_credits(org, invite=5)
        page = text(owner_client(assign(portal)).get(add_url(portal)))

        assert "Invite type" not in page
        assert "Standard" not in page

    def test_without_a_picked_type_nothing_is_created(self, org, owned, browser):
        response = post_form(browser, owned, "single", {"name": "Ada"})

        assert response.status_code == 200
        assert "Choose the type of these invites." in text(response)
        assert not Invite.objects.exists() and balance(org) == 100

    @pytest.mark.parametrize(
        ("method", "data", "count"),
        [
            ("single", {"name": "Ada", "email": "ada@example.com", "label": "Collector"}, 1),
            ("paste", {"lines": "Ada, ada@example.com\nBea, bea@example.com"}, 2),
            ("blank", {"count": 2}, 2),
        ],
    )
    @pytest.mark.parametrize("code", ["standard", "vip-preview", "public"])
    def test_each_way_generates_the_picked_type(self, owned, browser, method, data, count, code):
        response = post_form(browser, owned, method, {**data, "invite_type": code})

        assert response.status_code == 302, text(response)
        assert list(Invite.objects.values_list("invite_type__code", flat=True)) == [code] * count
        assert used_by_type(owned)[code][0] == count

    def test_the_one_guest_form_takes_a_label(self, owned, browser):
        post_form(
            browser, owned, "single", {"name": "Ada", "label": "Collector", "invite_type": "public"}
        )

        assert Invite.objects.get().label == "Collector"

    def test_blank_links_with_several_uses_take_that_many_places(self, org, owned, browser):
        response = post_form(
            browser,
            owned,
            "blank",
            {"count": 1, "uses": 4, "label": "Team", "invite_type": "public"},
        )

        assert response.status_code == 302
        link = Invite.objects.get()
        assert (link.uses, link.label) == (4, "Team")
        assert used_by_type(owned)["public"] == (4, 5)
        assert balance(org) == 99

    def test_the_refusal_names_the_type_and_the_numbers_next_to_the_form(self, owned, browser):
        response = post_form(browser, owned, "blank", {"count": 4, "invite_type": "vip-preview"})

        assert response.status_code == 200
        assert "You asked for 4 VIP Preview invites but only 3 remain (1 short)." in text(response)
        assert not Invite.objects.exists()

    def test_an_owner_cannot_send_golden(self, owned, browser):
        # The owner's forms have no such field: a forged one is ignored.
        post_form(
            browser, owned, "single", {"name": "Ada", "golden": "on", "invite_type": "public"}
        )

        assert Invite.objects.get().golden is False

    def test_blank_links_default_to_what_remains(self, org, group, portal):
        give_credits(org, invite=5)
        assign(portal)
        generate_invites(portal, [], blank=3, method="blank")

        page = text(owner_client(portal).get(add_url(portal)))

        assert 'name="blank-count" value="7"' in page


class TestCsv:
    def upload(self, browser, portal, content, code="standard"):
        return post_form(
            browser, portal, "csv", {"file": csv_file(content), "invite_type": code}, "csv-1"
        )

    def confirm(self, browser, portal):
        return browser.post(add_url(portal), {"method": "csv-confirm", "preview": "csv-1"})

    def test_a_type_column_overrides_the_picked_type_per_row(self, owned, browser):
        content = (
            "name,email,type,label,uses\n"
            "Ada,ada@example.com,vip-preview,Collector,\n"
            "Bea,bea@example.com,,,\n"
            ",,,Team Nord,3\n"
        )
        preview = self.upload(browser, owned, content, code="public")
        page = text(preview)
        assert preview.status_code == 200
        assert "Rows without a type: Public days — 5 of 5 left" in page
        assert "Team Nord" in page

        assert self.confirm(browser, owned).status_code == 302
        rows = {
            invite.guest_name or invite.label: (invite.invite_type.code, invite.label, invite.uses)
            for invite in Invite.objects.select_related("invite_type")
        }
        assert rows == {
            "Ada": ("vip-preview", "Collector", 1),
            "Bea": ("public", "", 1),
            "Team Nord": ("public", "Team Nord", 3),
        }
        assert used_by_type(owned) == {
            "standard": (0, 10),
            "vip-preview": (1, 3),
            "public": (4, 5),
        }

    def test_bad_values_are_row_errors_and_nothing_is_created(self, org, owned, browser):
        content = (
            "name,type,uses,golden,approval\n"
            "Ada,gold,,,\n"
            "Bea,,many,,\n"
            "Cleo,,0,,\n"
            "Dora,,,yes,\n"
            "Emil,,,,no\n"
            "Fine,,,,\n"
        )
        response = self.upload(browser, owned, content)
        page = text(response)

        assert response.status_code == 422
        assert "5 rows need fixing" in page
        assert "There is no invite type 'gold' (types: public, standard, vip-preview)." in page
        assert "Uses must be a whole number, not 'many'." in page
        assert "Uses must be between 1 and 500." in page
        assert "Golden: golden and approval are set by the organizer." in page
        assert "Approval: golden and approval are set by the organizer." in page
        assert not Invite.objects.exists() and balance(org) == 100

    def test_a_refused_confirmation_names_the_type(self, owned, browser):
        content = "name,type\n" + "".join(f"G{i},vip-preview\n" for i in range(4))
        self.upload(browser, owned, content)

        response = self.confirm(browser, owned)

        assert response.status_code == 409
        assert "You asked for 4 VIP Preview invites but only 3 remain (1 short)." in text(response)
        assert not Invite.objects.exists()


class TestDashboard:
    def test_it_shows_each_types_allocation_the_type_and_uses_of_each_invite(self, owned, browser):
        generate_invites(
            owned, [GuestInput(name="Ada")], invite_type="vip-preview", method="single"
        )
        generate_invites(
            owned,
            [],
            blank=1,
            blank_link=GuestInput(label="Team", uses=3),
            invite_type="public",
            method="blank",
        )

        page = text(browser.get(reverse("owner:dashboard", args=[owned.public_id])))

        assert "Your allocation by invite type" in page
        assert "1 / 3" in page and "3 / 5" in page and "0 / 10" in page
        assert '<td data-label="Type">VIP Preview</td>' in page
        assert '<td data-label="Type">Public days</td>' in page
        assert "0 of 3 taken" in page
        assert "Team" in page

    def test_a_one_type_portal_shows_no_types(self, org, portal):
        give_credits(org, invite=5)
        assign(portal)
        generate_invites(portal, [GuestInput(name="Ada")], method="single")

        page = text(owner_client(portal).get(reverse("owner:dashboard", args=[portal.public_id])))

        assert "Your allocation by invite type" not in page
        assert "Standard" not in page

    def test_it_says_which_privacy_rule_applies_and_that_earlier_invites_keep_theirs(
        self, group, owned, browser
    ):
        url = reverse("owner:dashboard", args=[owned.public_id])
        assert "The organizer sees your guests once they accept." in text(browser.get(url))
        generate_invites(owned, [GuestInput(name="Ada")], invite_type="public", method="single")

        group.share_all_invites = True
        group.save()
        page = text(browser.get(url))

        assert "The organizer sees every invite you generate." in page
        assert "keep the rule of their time" in page

    def test_an_outsider_is_asked_to_sign_in(self, owned, charlie_client):
        for name in ("owner:dashboard", "owner:add_invites"):
            response = charlie_client.get(reverse(name, args=[owned.public_id]))
            assert asks_to_sign_in(response)
