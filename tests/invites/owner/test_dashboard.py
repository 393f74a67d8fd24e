"""The portal owner's dashboard: allocation, credits state, invites, the four ways to add them."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from credits.models import CreditKind
from invites.answers import respond
from invites.models import Invite, InviteBatch
from invites.services import GuestInput, generate_invites
from portals.models import CreditShortageNotice, Portal
from tests.conftest import give_credits, make_portal, set_allocation
from tests.invites.helpers import asks_to_sign_in, assign, balance, live_invites, owner_client

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


def dashboard_url(portal: Portal) -> str:
    return reverse("owner:dashboard", args=[portal.public_id])


def add_url(portal: Portal) -> str:
    return reverse("owner:add_invites", args=[portal.public_id])


def post_form(browser: Client, portal: Portal, method: str, data: dict, **extra):
    payload = {"method": method, f"{method}-submission": extra.pop("submission", "")}
    payload.update({f"{method}-{key}": value for key, value in data.items()})
    return browser.post(add_url(portal), payload, **extra)


def csv_file(content: str, name: str = "guests.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content.encode("utf-8"), content_type="text/csv")


class TestDashboard:
    def test_it_shows_the_event_the_allocation_and_that_credits_are_available(
        self, org, owned, browser
    ):
        generate_invites(
            owned, [GuestInput(name="Anna", email="anna@example.com")], method="single"
        )
        response = browser.get(dashboard_url(owned))
        page = text(response)
        assert response.status_code == 200
        assert "Spring Fair" in page and "Messe Basel, Hall 2" in page
        assert "Invite your collectors before 1 May." in page
        assert '1 <small class="muted">/ 10</small>' in page
        assert "Available" in page
        assert "Anna" in page and "anna@example.com" in page
        # The organizer's balance (99) is never shown to the owner (tokens and
        # ids are random, so look for the number on its own).
        assert re.search(r"(?<![\w-])99(?![\w-])", page) is None
        invite = Invite.objects.get()
        assert f"{settings.SITE_URL}/i/{invite.token}/" in page
        # It lists invite links: never cached.
        assert response["Cache-Control"] == "no-store"

    def test_without_invite_credits_it_says_not_available(self, org, portal):
        owned = assign(portal)
        page = text(owner_client(owned).get(dashboard_url(owned)))
        assert "Not available" in page

    def test_an_empty_portal_says_what_to_do_next(self, owned, browser):
        page = text(browser.get(dashboard_url(owned)))
        assert "No invites yet" in page
        assert "Add your first invites" in page

    def test_invites_can_be_filtered_by_state(self, owned, browser):
        batch = generate_invites(
            owned, [GuestInput(name="Yes"), GuestInput(name="No")], method="paste"
        )
        yes, no = batch.invites.order_by("id")
        respond(yes, accept=True)
        respond(no, accept=False)
        page = text(browser.get(dashboard_url(owned), {"status": "accepted"}))
        assert "<strong>Yes</strong>" in page and "<strong>No</strong>" not in page

    def test_query_count_does_not_grow_with_the_number_of_invites(
        self, owned, browser, django_assert_max_num_queries
    ):
        generate_invites(owned, [], blank=2, method="blank")
        with django_assert_max_num_queries(20) as few:
            browser.get(dashboard_url(owned))
        set_allocation(owned, 200)
        generate_invites(
            owned, [GuestInput(name=f"G{i}", tags=["a"]) for i in range(60)], method="paste"
        )
        with django_assert_max_num_queries(len(few.captured_queries)):
            response = browser.get(dashboard_url(owned))
        assert response.status_code == 200

    def test_a_revoked_portal_shows_a_page_saying_so(self, owned, browser):
        Portal.objects.filter(pk=owned.pk).update(status=Portal.Status.REVOKED)
        for url in (dashboard_url(owned), add_url(owned)):
            response = browser.get(url)
            assert response.status_code == 410
            assert "This portal has been closed" in text(response)


class TestIsolation:
    def test_a_portal_owner_cannot_see_another_portal(self, org, group, owned, browser):
        other = assign(
            make_portal(organization=org, group=group, name="Other", allocation=5),
            "other@example.com",
        )
        invite = generate_invites(
            other, [GuestInput(name="Secret guest")], method="single"
        ).invites.get()
        for url in (
            dashboard_url(other),
            add_url(other),
            reverse("owner:export", args=[other.public_id]),
        ):
            assert asks_to_sign_in(browser.get(url))
        # Nor act on another portal's invite through their own portal.
        response = browser.post(
            reverse("owner:revoke_invite", args=[owned.public_id, invite.public_id])
        )
        assert response.status_code == 404
        invite.refresh_from_db()
        assert invite.status == Invite.Status.CREATED

    def test_the_organizer_is_not_signed_in_to_the_portal(
        self, owned, alice_client, charlie_client
    ):
        assert asks_to_sign_in(alice_client.get(dashboard_url(owned)))
        assert asks_to_sign_in(charlie_client.get(dashboard_url(owned)))

    def test_a_stranger_without_a_session_is_asked_to_sign_in_everywhere(self, owned):
        stranger = Client()
        assert asks_to_sign_in(stranger.get(dashboard_url(owned)))
        assert asks_to_sign_in(stranger.get(add_url(owned)))
        assert asks_to_sign_in(post_form(stranger, owned, "blank", {"count": 1}))
        assert live_invites(owned) == 0


class TestGenerating:
    def test_one_guest(self, org, owned, browser):
        response = post_form(
            browser,
            owned,
            "single",
            {"name": "Anna Muster", "email": "anna@example.com", "tags": "VIP, press"},
        )
        assert response.status_code == 302
        assert response["Location"] == dashboard_url(owned)
        invite = Invite.objects.get()
        assert (invite.guest_name, invite.guest_email, invite.tags) == (
            "Anna Muster",
            "anna@example.com",
            ["VIP", "press"],
        )
        assert invite.plus_ones_allowed == 1  # the group's default
        assert invite.batch.method == InviteBatch.Method.SINGLE
        assert balance(org) == 99
        assert "1 invite created" in text(browser.get(dashboard_url(owned)))

    def test_a_pasted_list(self, org, owned, browser):
        lines = (
            "Anna Muster, anna@example.com\n\nLeo Berg\tleo@example.com\nMia <mia@example.com>\n"
        )
        response = post_form(browser, owned, "paste", {"lines": lines})
        assert response.status_code == 302
        assert sorted(Invite.objects.values_list("guest_email", flat=True)) == [
            "anna@example.com",
            "leo@example.com",
            "mia@example.com",
        ]
        assert InviteBatch.objects.get().size == 3
        assert balance(org) == 97

    def test_a_pasted_list_with_bad_lines_creates_nothing_and_names_each_line(
        self, org, owned, browser
    ):
        lines = (
            "Anna, anna@example.com\nBob, bob@\nanna@example.com, Anna again\nLeo, ANNA@example.com"
        )
        response = post_form(browser, owned, "paste", {"lines": lines})
        page = text(response)
        assert response.status_code == 200
        assert "Line 2: 'bob@' is not a valid email address." in page
        assert "Line 3: put the name first" in page
        assert "Line 4: ANNA@example.com is already on line 1." in page
        assert Invite.objects.count() == 0
        assert balance(org) == 100

    def test_blank_links(self, org, owned, browser):
        response = post_form(browser, owned, "blank", {"count": 4})
        assert response.status_code == 302
        invites = list(Invite.objects.all())
        assert len(invites) == 4 and all(invite.is_blank for invite in invites)
        assert balance(org) == 96

    def test_the_allocation_refusal_says_which_limit_and_by_how_much(self, org, owned, browser):
        set_allocation(owned, 50, used=0)
        generate_invites(owned, [], blank=20, method="blank")
        response = post_form(browser, owned, "blank", {"count": 50})
        assert response.status_code == 200
        assert "You asked for 50 invites but only 30 remain in your allocation (20 short)." in text(
            response
        )
        assert live_invites(owned) == 20
        assert balance(org) == 80

    def test_the_credit_refusal_is_friendly_tells_the_organizer_and_shows_no_numbers(
        self, org, portal, alice, django_capture_on_commit_callbacks
    ):
        give_credits(org, invite=2)
        owned = assign(portal)
        browser = owner_client(owned)
        with django_capture_on_commit_callbacks(execute=True):
            for _ in range(3):
                response = post_form(browser, owned, "blank", {"count": 5})
        page = text(response)
        # Some credits remain, too few for this many: "not enough", not "none left".
        assert "The organizer doesn't have enough invite credits for this many invites" in page
        assert "they have been told" in page
        assert "2 invite credit" not in page and "(3 short)" not in page
        assert live_invites(owned) == 0
        assert balance(org) == 2
        # One email to the organizer, with a link to buy, not one per click.
        [notice] = mail.outbox
        assert notice.to == [alice.email]
        assert "not enough invite credits" in notice.subject
        assert reverse("billing:billing", args=[org.slug]) in notice.body
        assert CreditShortageNotice.objects.filter(kind=CreditKind.INVITE).count() == 1

    def test_submitting_the_same_form_twice_creates_one_batch(self, org, owned, browser):
        for _ in range(2):
            response = post_form(browser, owned, "single", {"name": "Anna"}, submission="form-123")
            assert response.status_code == 302
        assert Invite.objects.count() == 1
        assert balance(org) == 99

    def test_an_unknown_method_is_a_bad_request(self, owned, browser):
        assert browser.post(add_url(owned), {"method": "magic"}).status_code == 400


class TestCsvUpload:
    def upload(self, browser, portal, content, **kwargs):
        return post_form(
            browser, portal, "csv", {"file": csv_file(content, **kwargs)}, submission="csv-1"
        )

    def test_a_good_file_shows_a_preview_then_creates_the_invites(self, org, owned, browser):
        content = (
            "name,email,tags,Company,Table\n"
            "Anna,anna@example.com,VIP;press,Muster AG,4\n"
            "Leo,leo@example.com,,,\n"
        )
        preview = self.upload(browser, owned, content)
        page = text(preview)
        assert preview.status_code == 200
        assert "Check your CSV" in page and "Create 2 invites" in page
        assert Invite.objects.count() == 0 and balance(org) == 100

        done = browser.post(add_url(owned), {"method": "csv-confirm", "preview": "csv-1"})
        assert done.status_code == 302
        anna = Invite.objects.get(guest_email="anna@example.com")
        assert anna.tags == ["VIP", "press"]
        assert anna.metadata == {"Company": "Muster AG", "Table": "4"}
        assert Invite.objects.get(guest_email="leo@example.com").metadata == {}
        assert InviteBatch.objects.get().method == InviteBatch.Method.CSV
        assert balance(org) == 98

        # Confirming again (double click, back button) adds nothing.
        again = browser.post(add_url(owned), {"method": "csv-confirm", "preview": "csv-1"})
        assert again.status_code == 302
        assert Invite.objects.count() == 2 and balance(org) == 98

    def test_a_file_with_bad_rows_changes_nothing_until_its_valid_rows_are_imported(
        self, org, owned, browser
    ):
        content = (
            "name,email\nAnna,anna@example.com\n,\nBob,bob@\n,\n,carl@example.com\n"
            "Dup,ANNA@example.com\n"
        )
        response = self.upload(browser, owned, content)
        page = text(response)
        assert response.status_code == 422
        assert "2 rows need fixing" in page
        assert "Nothing has been created yet" in page
        assert "'bob@' is not a valid email address." in page
        assert "ANNA@example.com is already on line 2." in page
        assert "Import the 2 valid rows, skip 2" in page
        assert Invite.objects.count() == 0 and balance(org) == 100
        # Importing the valid rows creates those and skips the others.
        response = browser.post(add_url(owned), {"method": "csv-confirm", "preview": "csv-1"})
        assert response.status_code == 302
        assert sorted(Invite.objects.values_list("guest_email", flat=True)) == [
            "anna@example.com",
            "carl@example.com",
        ]
        assert balance(org) == 98

    def test_a_file_that_is_not_a_guest_list_is_refused_next_to_the_field(self, owned, browser):
        response = self.upload(browser, owned, "foo,bar\n1,2\n")
        assert response.status_code == 200
        assert "at least 'name' or 'email'" in text(response)
        assert Invite.objects.count() == 0

    def test_semicolon_files_in_windows_encoding_are_read(self, owned, browser):
        upload = SimpleUploadedFile(
            "guests.csv", "name;email\nJosé Müller;jose@example.com\n".encode("cp1252")
        )
        preview = post_form(browser, owned, "csv", {"file": upload}, submission="csv-2")
        assert "José Müller" in text(preview)

    def test_a_refusal_at_confirmation_keeps_the_preview_and_says_why(self, org, owned, browser):
        set_allocation(owned, 1)
        self.upload(browser, owned, "name\nA\nB\n")
        response = browser.post(add_url(owned), {"method": "csv-confirm", "preview": "csv-1"})
        assert response.status_code == 409
        assert "You asked for 2 invites but only 1 remains in your allocation (1 short)." in text(
            response
        )
        assert Invite.objects.count() == 0


class TestUsingInvites:
    def test_revoking_an_unused_invite_returns_its_place(self, org, owned, browser):
        invite = generate_invites(owned, [GuestInput(name="Anna")], method="single").invites.get()
        # Before: the button asks, saying the place returns and the credit does not.
        dashboard = text(browser.get(reverse("owner:dashboard", args=[owned.public_id])))
        confirm = "the place returns to your allocation; the invite credit it used is not returned"
        assert confirm in dashboard
        response = browser.post(
            reverse("owner:revoke_invite", args=[owned.public_id, invite.public_id]), follow=True
        )
        assert response.redirect_chain[-1][1] == 302
        # After: the message says the same.
        assert "its place is back in your allocation" in text(response)
        assert "The invite credit it used is not returned." in text(response)
        invite.refresh_from_db()
        owned.refresh_from_db()
        assert invite.status == Invite.Status.REVOKED
        assert owned.invites_used == 0
        assert balance(org) == 99  # the credit was used when it was generated

    def test_an_answered_invite_cannot_be_revoked(self, owned, browser):
        invite = generate_invites(owned, [GuestInput(name="Anna")], method="single").invites.get()
        respond(invite, accept=True)
        browser.post(reverse("owner:revoke_invite", args=[owned.public_id, invite.public_id]))
        invite.refresh_from_db()
        assert invite.status == Invite.Status.ACCEPTED
        assert "already answered" in text(browser.get(dashboard_url(owned)))

    def test_the_csv_download_has_links_states_tags_and_is_spreadsheet_safe(self, owned, browser):
        generate_invites(
            owned,
            [
                GuestInput(
                    name='=HYPERLINK("http://evil.example","click")',
                    email="anna@example.com",
                    tags=["VIP"],
                    metadata={"company": "+Muster"},
                ),
            ],
            blank=1,
            method="paste",
        )
        response = browser.get(reverse("owner:export", args=[owned.public_id]))
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        assert response["Cache-Control"] == "no-store"
        body = b"".join(response.streaming_content).decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(body)))
        assert len(rows) == 2
        first = rows[0]
        assert first["name"].startswith("'=HYPERLINK")
        assert first["email"] == "anna@example.com"
        assert first["state"] == "created"
        assert first["tags"] == "VIP"
        assert first["metadata"] == '{"company": "+Muster"}'
        invite = Invite.objects.get(guest_email="anna@example.com")
        assert first["link"] == f"{settings.SITE_URL}/i/{invite.token}/"
        assert rows[1]["name"] == "" and rows[1]["link"].startswith(f"{settings.SITE_URL}/i/")
