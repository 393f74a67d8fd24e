"""The organizer's guest list, its privacy rule, and the organizer's own invites."""

from __future__ import annotations

import csv
import html
import io
import json

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from invites.answers import respond
from invites.models import Invite
from invites.services import GuestInput, generate_invites, generate_organizer_invites
from portals.models import CreditShortageNotice, PortalGroup
from tests.conftest import give_credits, set_allocation
from tests.invites.helpers import assign, balance

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


def guest_list(org, event) -> str:
    return reverse("invites:guest_list", args=[org.slug, event.slug])


def generate_url(org, event) -> str:
    return reverse("invites:organizer_generate", args=[org.slug, event.slug])


def shared_from_the_start(group):
    """As if the group had shared all invites when its portals generated them."""
    PortalGroup.objects.filter(pk=group.pk).update(share_all_invites=True)
    Invite.objects.filter(portal__group=group).update(shared_with_organizer=True)


@pytest.fixture
def world(org, event, portal):
    """A portal with an accepted, a declined and an unanswered guest, and one organizer invite."""
    give_credits(org, invite=50)
    assign(portal)
    accepted, declined, waiting = generate_invites(
        portal,
        [
            GuestInput(name="Accepted Guest", email="yes@example.com"),
            GuestInput(name="Declined Guest", email="no@example.com"),
            GuestInput(name="Waiting Guest", email="wait@example.com"),
        ],
        method="paste",
    ).invites.order_by("id")
    respond(accepted, accept=True, plus_ones=1)
    respond(declined, accept=False)
    own = generate_organizer_invites(
        event, [GuestInput(name="Press Person", email="press@example.com")], method="single"
    ).invites.get()
    return {"accepted": accepted, "declined": declined, "waiting": waiting, "own": own}


class TestPrivacy:
    def test_by_default_the_organizer_sees_a_portals_guests_only_once_they_accept(
        self, org, event, world, alice_client
    ):
        page = text(alice_client.get(guest_list(org, event)))
        assert "Accepted Guest" in page
        assert "Declined Guest" not in page
        assert "Waiting Guest" not in page
        assert "Press Person" in page
        assert "Galerie Nord" in page  # the source of the accepted guest
        assert "share a guest with you once the guest accepts" in page
        # Not even through the CSV.
        export = alice_client.get(reverse("invites:guest_list_csv", args=[org.slug, event.slug]))
        body = b"".join(export.streaming_content).decode("utf-8-sig")
        assert "Accepted Guest" in body and "Waiting Guest" not in body

    def test_invites_generated_while_the_group_shares_all_invites_are_all_shown(
        self, org, event, group, portal, alice_client
    ):
        PortalGroup.objects.filter(pk=group.pk).update(share_all_invites=True)
        give_credits(org, portal=1, invite=1)
        assign(portal, "owner@example.com")
        generate_invites(portal, [GuestInput(name="Shared Guest")], method="single")
        page = text(alice_client.get(guest_list(org, event)))
        assert "Shared Guest" in page

    def test_sharing_turned_on_later_applies_to_new_invites_only(
        self, org, event, group, world, portal, alice_client
    ):
        PortalGroup.objects.filter(pk=group.pk).update(share_all_invites=True)
        generate_invites(portal, [GuestInput(name="Later Guest")], method="single")
        page = text(alice_client.get(guest_list(org, event)))
        assert "Later Guest" in page and "Accepted Guest" in page
        # Generated under the old rule: still private to the portal's owner.
        assert "Declined Guest" not in page and "Waiting Guest" not in page

    def test_the_portal_owner_always_sees_their_own_invites(self, world, portal):
        from tests.invites.helpers import owner_client

        page = text(owner_client(portal).get(reverse("owner:dashboard", args=[portal.public_id])))
        for name in ("Accepted Guest", "Declined Guest", "Waiting Guest"):
            assert name in page
        assert "Press Person" not in page

    def test_portal_links_stay_with_the_portal_owner(self, org, event, world, alice_client):
        page = text(alice_client.get(guest_list(org, event)))
        assert world["accepted"].token not in page
        assert world["own"].token in page

    def test_the_organizer_keeps_the_links_it_generated_for_a_portal_through_the_api(
        self, org, event, portal, world, alice_client
    ):
        api_invite = generate_invites(
            portal, [GuestInput(name="From the CRM")], method="api"
        ).invites.get()
        respond(api_invite, accept=True)

        page = text(alice_client.get(guest_list(org, event)))
        export = alice_client.get(reverse("invites:guest_list_csv", args=[org.slug, event.slug]))
        body = b"".join(export.streaming_content).decode()

        assert world["accepted"].token not in page and world["accepted"].token not in body
        assert api_invite.token in page and api_invite.token in body


class TestGuestList:
    def test_counts_invited_accepted_plus_ones_declined(
        self, org, event, group, world, alice_client
    ):
        shared_from_the_start(group)
        response = alice_client.get(guest_list(org, event))
        counts = response.context["counts"]
        assert counts == {"invited": 4, "accepted": 1, "plus_ones": 1, "pending": 0, "declined": 1}
        assert "2 people expected" in text(response)

    def test_filters_by_source_and_state(self, org, event, group, portal, world, alice_client):
        shared_from_the_start(group)
        organizer_only = text(alice_client.get(guest_list(org, event), {"source": "organizer"}))
        assert "Press Person" in organizer_only and "Waiting Guest" not in organizer_only
        portal_only = text(alice_client.get(guest_list(org, event), {"source": portal.public_id}))
        assert "Waiting Guest" in portal_only and "Press Person" not in portal_only
        declined = text(alice_client.get(guest_list(org, event), {"status": "declined"}))
        assert "Declined Guest" in declined and "Accepted Guest" not in declined

    def test_the_csv_export_is_filtered_and_spreadsheet_safe(
        self, org, event, alice_client, portal
    ):
        give_credits(org, invite=5)
        generate_organizer_invites(
            event,
            [GuestInput(name="@cmd|calc", email="x@example.com", tags=["VIP"])],
            method="single",
        )
        response = alice_client.get(
            reverse("invites:guest_list_csv", args=[org.slug, event.slug]), {"source": "organizer"}
        )
        body = b"".join(response.streaming_content).decode("utf-8-sig")
        [row] = list(csv.DictReader(io.StringIO(body)))
        assert row["name"] == "'@cmd|calc"
        assert row["source"] == "Organizer"
        assert row["tags"] == "VIP"
        assert row["link"].startswith(settings.SITE_URL + "/i/")

    def test_an_empty_guest_list_says_what_to_do_next(self, org, event, alice_client):
        page = text(alice_client.get(guest_list(org, event)))
        assert "No guests yet" in page and "Invite guests yourself" in page

    def test_members_see_the_guest_list_too(self, org, event, world, bob_client):
        assert bob_client.get(guest_list(org, event)).status_code == 200

    def test_query_count_does_not_grow_with_the_number_of_guests(
        self, org, event, group, portal, alice_client, django_assert_max_num_queries
    ):
        give_credits(org, invite=200)
        PortalGroup.objects.filter(pk=group.pk).update(share_all_invites=True)
        assign(portal)
        generate_invites(portal, [GuestInput(name="First")], method="single")
        with django_assert_max_num_queries(30) as few:
            alice_client.get(guest_list(org, event))
        set_allocation(portal, 100)
        generate_invites(portal, [GuestInput(name=f"G{i}") for i in range(60)], method="paste")
        generate_organizer_invites(
            event, [GuestInput(name=f"O{i}") for i in range(20)], method="paste"
        )
        with django_assert_max_num_queries(len(few.captured_queries)):
            response = alice_client.get(guest_list(org, event))
        assert response.status_code == 200


class TestTypesWindowsAndLinks:
    @pytest.fixture
    def fair(self, org, event, portal):
        from tests.invites.fair import build_fair

        return build_fair(org, event, portal)

    def rows(self, response) -> dict[str, dict]:
        return {str(row["invite"]): row for row in response.context["rows"]}

    def test_it_shows_type_window_label_uses_and_the_pending_state(
        self, org, event, group, fair, alice_client
    ):
        shared_from_the_start(group)
        response = alice_client.get(guest_list(org, event))
        page = text(response)
        # Type and window share a column; a label and tags sit under the guest's name.
        for header in ("Type and window", "Uses taken / uses"):
            assert f'<th scope="col">{header}</th>' in page or f">{header}</th>" in page, header
        assert "Team Nord" in page  # the multi-use link's label
        rows = self.rows(response)
        assert rows["VIP Accepted"]["type_label"] == "VIP"
        assert rows["Std Declined"]["type_label"] == "Standard"
        assert "Thursday preview" in page and "Pending approval" in page
        assert "2 / 3" in page  # the link's uses taken / uses
        assert "Link for 3 people" in page

    def test_the_answers_of_a_link_are_rows_of_their_own_via_the_link(
        self, org, event, fair, alice_client
    ):
        response = alice_client.get(guest_list(org, event))
        rows = self.rows(response)
        assert {"Link Accepted", "Link Waiting"} <= set(rows)
        # The link itself stays with the portal's owner (not shared); its answers show it.
        assert "Blank invite" not in " ".join(rows)
        assert text(response).count("via Team Nord") == 2

    def test_pending_rows_get_the_approval_actions(self, org, event, fair, alice_client):
        response = alice_client.get(guest_list(org, event), {"status": "pending"})
        assert "invites/_approval_actions.html" in [t.name for t in response.templates]
        assert set(self.rows(response)) == {"VIP Waiting", "Link Waiting"}

    def test_it_filters_by_type_and_by_window(self, org, event, group, fair, alice_client):
        shared_from_the_start(group)
        vip = self.rows(
            alice_client.get(guest_list(org, event), {"invite_type": fair.vip.public_id})
        )
        assert set(vip) == {
            "VIP Accepted",
            "VIP Waiting",
            f"Blank invite {fair.invites['link'].public_id}",
            "Link Accepted",
            "Link Waiting",
        }
        thursday = self.rows(
            alice_client.get(guest_list(org, event), {"window": fair.thursday.public_id})
        )
        assert set(thursday) == {"VIP Accepted", "VIP Waiting", "Link Accepted"}
        none = self.rows(alice_client.get(guest_list(org, event), {"window": "none"}))
        assert "Public Accepted" not in none and "Std Declined" in none
        both = self.rows(
            alice_client.get(
                guest_list(org, event),
                {
                    "invite_type": fair.vip.public_id,
                    "status": "accepted",
                    "source": portal_id(fair),
                },
            )
        )
        assert set(both) == {"VIP Accepted", "Link Accepted"}

    def test_another_events_type_or_window_is_no_filter(
        self, org, event, fair, alice_client, other_portal
    ):
        from portals.models import InviteType

        foreign = InviteType.objects.get(group=other_portal.group)
        response = alice_client.get(guest_list(org, event), {"invite_type": foreign.public_id})
        assert response.status_code == 200
        assert "invite_type" in response.context["filters"].errors

    def test_a_group_with_one_type_shows_no_type_column_or_filter(
        self, org, event, world, alice_client
    ):
        response = alice_client.get(guest_list(org, event))
        assert response.context["show_types"] is False and response.context["show_windows"] is False
        assert "invite_type" not in response.context["filters"].fields
        assert "window" not in response.context["filters"].fields
        assert "Guests per invite type" not in text(response)

    def test_query_count_does_not_grow_with_guests_types_or_windows(
        self, org, event, group, portal, alice_client, django_assert_max_num_queries
    ):
        from tests.invites.fair import add_type, add_window, answer, answer_link, build_fair

        fair = build_fair(org, event, portal)
        shared_from_the_start(group)
        with django_assert_max_num_queries(40) as few:
            alice_client.get(guest_list(org, event))
        add_type(portal, name="Press", code="press", position=3, places=60)
        saturday = add_window(event, "Saturday", day=2, capacity=30)
        batch = generate_invites(
            portal,
            [GuestInput(name=f"P{i}", metadata={"k": i}) for i in range(40)],
            invite_type="press",
            method="paste",
        )
        for invite in batch.invites.all()[:20]:
            answer(invite, Invite.Status.ACCEPTED, window=saturday)
        answer_link(
            fair.invites["link"], "Late Answer", Invite.Status.ACCEPTED, entry_window=fair.friday
        )
        with django_assert_max_num_queries(len(few.captured_queries)):
            response = alice_client.get(guest_list(org, event))
        assert response.status_code == 200 and len(response.context["rows"]) == 49


def portal_id(fair) -> str:
    return fair.portal.public_id


class TestOrganizerInvites:
    def test_the_organizer_generates_invites_with_plus_ones(self, org, event, alice, alice_client):
        give_credits(org, invite=10)
        response = alice_client.post(
            generate_url(org, event),
            {
                "method": "paste",
                "paste-submission": "s1",
                "paste-lines": "Anna, anna@example.com\nLeo, leo@example.com",
                "paste-plus_ones": "2",
            },
        )
        assert response.status_code == 302
        invites = Invite.objects.filter(portal__isnull=True)
        assert invites.count() == 2
        assert set(invites.values_list("plus_ones_allowed", flat=True)) == {2}
        assert invites.first().batch.created_by == alice
        assert balance(org) == 8

    def test_blank_links_and_one_guest(self, org, event, alice_client):
        give_credits(org, invite=10)
        alice_client.post(
            generate_url(org, event),
            {"method": "blank", "blank-count": "3", "blank-plus_ones": "0"},
        )
        alice_client.post(
            generate_url(org, event),
            {"method": "single", "single-name": "Solo", "single-plus_ones": "0"},
        )
        assert Invite.objects.filter(portal__isnull=True).count() == 4
        assert balance(org) == 6

    def test_a_csv_goes_through_a_preview(self, org, event, alice_client):
        give_credits(org, invite=10)
        from django.core.files.uploadedfile import SimpleUploadedFile

        upload = SimpleUploadedFile("g.csv", b"name,email,Company\nAnna,anna@example.com,ACME\n")
        preview = alice_client.post(
            generate_url(org, event),
            {"method": "csv", "csv-submission": "c1", "csv-file": upload, "csv-plus_ones": "1"},
        )
        assert preview.status_code == 200 and "Create 1 invite" in text(preview)
        assert Invite.objects.count() == 0
        alice_client.post(generate_url(org, event), {"method": "csv-confirm", "preview": "c1"})
        invite = Invite.objects.get()
        assert invite.metadata == {"Company": "ACME"} and invite.plus_ones_allowed == 1

    def test_a_csv_whose_preview_would_bloat_the_session_is_refused(self, org, event, alice_client):
        """Long column names repeat on every row: a 200 KB file made a 3+ MB session."""
        from django.core.files.uploadedfile import SimpleUploadedFile

        from invites.generate_views import MAX_PREVIEW_BYTES, PREVIEW_SESSION_KEY

        give_credits(org, invite=10)
        columns = [f"{i:02} " + "c" * 95 for i in range(30)]
        lines = ["name,email," + ",".join(columns)]
        lines += [f"G{i},g{i}@example.com," + ",".join("x" * 30) for i in range(1000)]
        upload = SimpleUploadedFile("g.csv", "\n".join(lines).encode())
        assert (upload.size or 0) < 250_000

        response = alice_client.post(
            generate_url(org, event),
            {"method": "csv", "csv-submission": "big", "csv-file": upload, "csv-plus_ones": "0"},
        )

        assert response.status_code == 200
        assert "too large to preview" in text(response)
        assert PREVIEW_SESSION_KEY not in alice_client.session
        assert len(alice_client.session.encode(dict(alice_client.session))) < MAX_PREVIEW_BYTES

    def test_the_session_keeps_previews_under_the_byte_bound(self, org, event, alice_client):
        from django.core.files.uploadedfile import SimpleUploadedFile

        from invites.generate_views import MAX_PREVIEW_BYTES, PREVIEW_SESSION_KEY

        columns = [f"{i:02} " + "c" * 95 for i in range(30)]
        lines = ["name,email," + ",".join(columns)]
        lines += [f"G{i},g{i}@example.com," + ",".join("x" * 30) for i in range(500)]
        for submission in ("one", "two", "three"):
            upload = SimpleUploadedFile("g.csv", "\n".join(lines).encode())
            response = alice_client.post(
                generate_url(org, event),
                {
                    "method": "csv",
                    "csv-submission": submission,
                    "csv-file": upload,
                    "csv-plus_ones": "0",
                },
            )
            assert response.status_code == 200 and "Create 500 invites" in text(response)

        previews = alice_client.session[PREVIEW_SESSION_KEY]
        assert list(previews)[-1] == "three"
        assert len(json.dumps(previews).encode()) <= MAX_PREVIEW_BYTES

    def test_a_form_sent_again_with_other_guests_is_refused_not_replayed(
        self, org, event, alice_client
    ):
        give_credits(org, invite=10)
        form = {"method": "single", "single-submission": "s1", "single-plus_ones": "0"}
        alice_client.post(generate_url(org, event), {**form, "single-name": "Anna"})

        # The back button, another name, the same rendered form.
        again = alice_client.post(generate_url(org, event), {**form, "single-name": "Ben"})

        assert "This form was already used to create invites" in text(again)
        assert list(Invite.objects.values_list("guest_name", flat=True)) == ["Anna"]
        assert balance(org) == 9

    def test_the_credit_refusal_gives_the_numbers_and_a_link_to_buy(self, org, event, alice_client):
        give_credits(org, invite=30)
        response = alice_client.post(
            generate_url(org, event),
            {"method": "blank", "blank-count": "50", "blank-plus_ones": "0"},
        )
        page = text(response)
        assert (
            "You asked for 50 invites but your organization has 30 invite credits (20 short)."
            in page
        )
        assert reverse("billing:billing", args=[org.slug]) in page
        assert Invite.objects.count() == 0 and balance(org) == 30
        assert mail.outbox == [] and CreditShortageNotice.objects.count() == 0

    def test_the_organizer_revokes_their_own_unused_invite(self, org, event, world, alice_client):
        own = world["own"]
        response = alice_client.post(
            reverse("invites:organizer_revoke", args=[org.slug, event.slug, own.public_id])
        )
        assert response.status_code == 302
        own.refresh_from_db()
        assert own.status == Invite.Status.REVOKED

    def test_the_organizer_cannot_revoke_a_portals_invite(self, org, event, world, alice_client):
        waiting = world["waiting"]
        response = alice_client.post(
            reverse("invites:organizer_revoke", args=[org.slug, event.slug, waiting.public_id])
        )
        assert response.status_code == 404
        waiting.refresh_from_db()
        assert waiting.status == Invite.Status.CREATED


class TestOutsider:
    def test_charlie_gets_404_on_every_organizer_page(
        self, org, event, world, charlie_client, other_org
    ):
        own = world["own"]
        urls = [
            ("get", guest_list(org, event)),
            ("get", reverse("invites:guest_list_csv", args=[org.slug, event.slug])),
            ("get", generate_url(org, event)),
            ("post", generate_url(org, event)),
            (
                "post",
                reverse("invites:organizer_revoke", args=[org.slug, event.slug, own.public_id]),
            ),
        ]
        for method, url in urls:
            response = getattr(charlie_client, method)(url, {"method": "blank", "blank-count": "1"})
            assert response.status_code == 404, url
        own.refresh_from_db()
        assert own.status == Invite.Status.CREATED

    def test_charlie_cannot_reach_alices_event_through_his_own_org(
        self, org, event, world, charlie_client, other_org
    ):
        for name in ("invites:guest_list", "invites:organizer_generate", "invites:guest_list_csv"):
            url = reverse(name, args=[other_org.slug, event.slug])
            assert charlie_client.get(url).status_code == 404, url
        url = reverse(
            "invites:organizer_revoke", args=[other_org.slug, event.slug, world["own"].public_id]
        )
        assert charlie_client.post(url).status_code == 404
