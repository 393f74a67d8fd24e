"""Who reads which language (artsvp/i18n.py): a guest their invite's, a portal
owner theirs, the organizer's team their own choice or the browser's; emails
in the recipient's. The catalogs are translated elsewhere: these tests assert
what does not depend on the translated text (`<html lang>`, Content-Language,
the rendered email's `lang`, the stored codes)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.dateformat import format as format_date

from artsvp.i18n import date_pattern, first_language, recognized, supported
from deliveries.models import Delivery
from events.models import Event
from invites.answers import deadline_text
from invites.models import Invite, InviteBatch
from invites.sending import queue_invite_emails
from invites.services import GuestInput, generate_organizer_invites
from organizations.models import Organization, UserPreference
from portals.models import Portal
from portals.services import send_portal_link
from tests.conftest import give_credits
from tests.invites.helpers import OWNER_EMAIL, assign, owner_client

pytestmark = pytest.mark.django_db

HTML_LANG = re.compile(r'<html lang="([a-z-]+)"')


def page_language(response: Any) -> str:
    match = HTML_LANG.search(response.content.decode())
    assert match, "no <html lang>"
    return match.group(1)


def email_language(message: Any) -> str:
    html = next(body for body, kind in message.alternatives if kind == "text/html")
    match = HTML_LANG.search(html)
    assert match, "no <html lang> in the email"
    return match.group(1)


@pytest.fixture
def swiss(event: Event, org: Organization) -> Event:
    """A German-speaking fair that also offers French and English."""
    Event.objects.filter(pk=event.pk).update(language="de", other_languages=["fr", "en"])
    give_credits(org, invite=50, portal=5)
    event.refresh_from_db()
    return event


def invite_of(event: Event, *, language: str = "", name: str = "Ada", uses: int = 1) -> Invite:
    batch = InviteBatch.objects.create(
        organization=event.organization, event=event, method=InviteBatch.Method.SINGLE, size=1
    )
    return Invite.objects.create(
        organization=event.organization,
        event=event,
        batch=batch,
        guest_name=name,
        guest_email=f"{name.lower()}@example.com" if name else "",
        language=language,
        uses=uses,
    )


def send_invite_email(invite: Invite, capture: Any) -> Any:
    with capture(execute=True):
        queue_invite_emails([invite], subject="", message="")
    return mail.outbox[-1]


# --- The rule ------------------------------------------------------------------------------


def test_a_regional_code_reads_as_its_language_and_an_unknown_one_falls_back() -> None:
    assert supported("de-CH") == "de"
    assert supported("FR_ca") == "fr"
    assert supported("xx") == "en"
    assert supported("xx", default="it") == "it"
    assert recognized("es-419") == "es"
    assert recognized("klingon") == ""
    assert first_language("pt", "", "fr") == "fr"
    assert first_language(None, "zz") == "en"


# --- A batch's language --------------------------------------------------------------------


def test_the_organizers_pick_on_the_generate_page_reaches_the_invite(
    alice_client: Client, swiss: Event
) -> None:
    url = reverse("invites:organizer_generate", args=[swiss.organization.slug, swiss.slug])
    page = alice_client.get(url)
    # The select lists the event's languages, its own first and picked.
    assert re.search(r'<option value="de" selected>Deutsch</option>', page.content.decode())
    response = alice_client.post(
        url,
        {
            "method": "single",
            "single-submission": "lang-test",
            "single-name": "Ada Lovelace",
            "single-email": "ada@example.com",
            "single-language": "fr",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Invite.objects.get(guest_name="Ada Lovelace").language == "fr"


def test_blank_links_without_a_pick_take_the_events_language(
    alice_client: Client, swiss: Event
) -> None:
    url = reverse("invites:organizer_generate", args=[swiss.organization.slug, swiss.slug])
    response = alice_client.post(
        url, {"method": "blank", "blank-submission": "blank-test", "blank-count": "2"}
    )
    assert response.status_code == 302
    assert list(Invite.objects.filter(event=swiss).values_list("language", flat=True)) == [
        "de",
        "de",
    ]


def test_a_csv_language_column_wins_and_an_unknown_cell_takes_the_batchs(
    alice_client: Client, swiss: Event
) -> None:
    url = reverse("invites:organizer_generate", args=[swiss.organization.slug, swiss.slug])
    data = (
        b"name,email,language\n"
        b"Ada,ada@example.com,it-CH\n"
        b"Bea,bea@example.com,klingon\n"
        b"Cem,cem@example.com,\n"
    )
    preview = alice_client.post(
        url,
        {
            "method": "csv",
            "csv-submission": "csv-lang",
            "csv-language": "fr",
            "csv-file": SimpleUploadedFile("guests.csv", data, "text/csv"),
        },
    )
    # No row is refused for its language.
    assert preview.status_code == 200, preview.content.decode()[:3000]
    confirmed = alice_client.post(url, {"method": "csv-confirm", "preview": "csv-lang"})
    assert confirmed.status_code == 302
    stored = dict(Invite.objects.filter(event=swiss).values_list("guest_name", "language"))
    assert stored == {"Ada": "it", "Bea": "fr", "Cem": "fr"}
    # The language column is not kept as the guest's own data.
    assert Invite.objects.get(guest_name="Ada").metadata == {}


def test_the_owners_generate_page_offers_the_events_languages(swiss: Event, portal: Portal) -> None:
    owned = assign(portal)
    client = owner_client(owned)
    url = reverse("owner:add_invites", args=[owned.public_id])
    response = client.post(
        url,
        {
            "method": "single",
            "single-submission": "owner-lang",
            "single-name": "Ada",
            "single-email": "ada@example.com",
            "single-language": "en",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Invite.objects.get(portal=owned).language == "en"


# --- The guest's pages ---------------------------------------------------------------------


def test_the_guest_page_is_in_the_invites_language(client: Client, swiss: Event) -> None:
    invite = invite_of(swiss, language="fr")
    response = client.get(f"/i/{invite.token}/", HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 200
    assert page_language(response) == "fr"
    assert response["Content-Language"] == "fr"
    # The switcher names each language in its own name, the current one marked.
    html = response.content.decode()
    assert '<nav class="language-switch" aria-label=' in html
    assert '<span class="language-current" aria-current="true" lang="fr">Français</span>' in html
    assert 'lang="de">Deutsch</button>' in html


def test_an_invite_without_a_language_reads_the_events(client: Client, swiss: Event) -> None:
    invite = invite_of(swiss, language="")
    assert page_language(client.get(f"/i/{invite.token}/")) == "de"


def test_the_guests_switch_sticks_for_the_page_and_later_emails(
    client: Client, swiss: Event, django_capture_on_commit_callbacks: Any
) -> None:
    invite = invite_of(swiss, language="de")
    response = client.post(f"/i/{invite.token}/language/", {"language": "fr"})
    assert response.status_code == 302
    assert response["Location"] == f"/i/{invite.token}/"
    invite.refresh_from_db()
    assert invite.language == "fr"
    # Another browser (the guest's phone) reads the invite's language too.
    assert page_language(Client().get(f"/i/{invite.token}/")) == "fr"
    email = send_invite_email(invite, django_capture_on_commit_callbacks)
    assert email_language(email) == "fr"
    assert Delivery.objects.get(invite=invite).language == "fr"


def test_a_switch_after_the_email_was_queued_still_reaches_it(
    client: Client, swiss: Event, django_capture_on_commit_callbacks: Any
) -> None:
    invite = invite_of(swiss, language="de")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        queue_invite_emails([invite], subject="", message="")
    assert Delivery.objects.get(invite=invite).language == "de"
    client.post(f"/i/{invite.token}/language/", {"language": "en"})
    for callback in callbacks:
        callback()
    # The builder reads the invite when the worker sends: its language wins.
    assert email_language(mail.outbox[-1]) == "en"


def test_an_unknown_code_in_the_switch_changes_nothing(client: Client, swiss: Event) -> None:
    invite = invite_of(swiss, language="fr")
    response = client.post(f"/i/{invite.token}/language/", {"language": "klingon"})
    assert response.status_code == 302
    invite.refresh_from_db()
    assert invite.language == "fr"


def test_the_switch_on_a_token_that_names_no_invite_is_404(client: Client, swiss: Event) -> None:
    response = client.post(f"/i/{'x' * 43}/language/", {"language": "fr"})
    assert response.status_code == 404
    assert client.get(f"/i/{invite_of(swiss).token}/language/").status_code == 405


def test_a_shared_link_follows_each_visitors_choice_and_their_answer_keeps_it(
    swiss: Event,
) -> None:
    link = invite_of(swiss, language="de", name="", uses=5)
    visitor = Client()
    assert page_language(visitor.get(f"/i/{link.token}/")) == "de"
    switched = visitor.post(f"/i/{link.token}/language/", {"language": "fr"})
    assert switched.cookies["artsvp_language"].value == "fr"
    link.refresh_from_db()
    # The link is everyone's: it keeps its own language.
    assert link.language == "de"
    assert page_language(visitor.get(f"/i/{link.token}/")) == "fr"
    assert page_language(Client().get(f"/i/{link.token}/")) == "de"
    answered = visitor.post(f"/i/{link.token}/", {"name": "Bea", "email": "bea@example.com"})
    assert answered.status_code == 302, answered.content.decode()[:2000]
    assert Invite.objects.get(parent=link).language == "fr"


def test_the_revoked_page_and_the_calendar_file_are_in_the_invites_language(
    client: Client, swiss: Event
) -> None:
    invite = invite_of(swiss, language="fr")
    Invite.objects.filter(pk=invite.pk).update(status=Invite.Status.REVOKED)
    revoked = client.get(f"/i/{invite.token}/")
    assert revoked.status_code == 410
    assert page_language(revoked) == "fr"


def test_an_accepted_guest_gets_the_calendar_and_confirmation_in_their_language(
    client: Client, swiss: Event, django_capture_on_commit_callbacks: Any
) -> None:
    invite = invite_of(swiss, language="fr")
    with django_capture_on_commit_callbacks(execute=True):
        answered = client.post(f"/i/{invite.token}/", {"answer": "accept"})
    assert answered.status_code == 302, answered.content.decode()[:2000]
    confirmation = next(m for m in mail.outbox if m.to == [invite.guest_email])
    assert email_language(confirmation) == "fr"
    assert Delivery.objects.get(invite=invite, template="door-confirmation").language == "fr"
    ics = client.get(f"/i/{invite.token}/calendar.ics")
    assert ics.status_code == 200
    assert ics["Content-Language"] == "fr"
    assert b"SUMMARY;LANGUAGE=fr:Spring Fair" in ics.content


# --- The portal owner ----------------------------------------------------------------------


def test_the_owner_works_in_the_language_they_claimed_in_and_their_switch_sticks(
    swiss: Event, portal: Portal, django_capture_on_commit_callbacks: Any
) -> None:
    browser = Client(HTTP_ACCEPT_LANGUAGE="fr-CH,fr;q=0.9")
    link = browser.get(f"/p/{portal.token}/")
    assert page_language(link) == "fr"
    with django_capture_on_commit_callbacks(execute=True):
        claimed = browser.post(f"/p/{portal.token}/", {"email": OWNER_EMAIL})
    assert claimed.status_code == 302
    portal.refresh_from_db()
    assert portal.owner_language == "fr"
    # The copy of the link the claim sends is in French too.
    assert email_language(mail.outbox[-1]) == "fr"
    dashboard_url = reverse("owner:dashboard", args=[portal.public_id])
    # Another device of the owner, whose browser asks for German: still French.
    elsewhere = owner_client(portal)
    assert page_language(elsewhere.get(dashboard_url, HTTP_ACCEPT_LANGUAGE="de")) == "fr"
    switched = elsewhere.post(
        reverse("owner:language", args=[portal.public_id]),
        {"language": "en", "next": dashboard_url},
    )
    assert switched.status_code == 302
    assert switched["Location"] == dashboard_url
    portal.refresh_from_db()
    assert portal.owner_language == "en"
    assert page_language(browser.get(dashboard_url)) == "en"
    with django_capture_on_commit_callbacks(execute=True):
        send_portal_link(portal, actor=None)
    assert email_language(mail.outbox[-1]) == "en"
    assert Delivery.objects.filter(template="portal-link").latest("id").language == "en"


def test_the_owner_switch_goes_back_only_to_the_owners_own_pages(
    swiss: Event, portal: Portal
) -> None:
    owned = assign(portal)
    response = owner_client(owned).post(
        reverse("owner:language", args=[owned.public_id]),
        {"language": "fr", "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("owner:dashboard", args=[owned.public_id])


def test_another_browser_cannot_switch_the_owners_language(
    swiss: Event, portal: Portal, other_portal: Portal
) -> None:
    owned = assign(portal)
    stranger = Client()
    response = stranger.post(reverse("owner:language", args=[owned.public_id]), {"language": "fr"})
    assert response.status_code == 302  # to the sign-in page
    owned.refresh_from_db()
    assert owned.owner_language == ""
    # The owner of another portal is no owner of this one either.
    other = owner_client(assign(other_portal, "other@example.com"))
    other.post(reverse("owner:language", args=[owned.public_id]), {"language": "fr"})
    owned.refresh_from_db()
    assert owned.owner_language == ""
    assert stranger.post("/portal/zzzzzzzzzzzzzz/language/", {"language": "fr"}).status_code == 404


def test_a_new_owner_does_not_inherit_the_previous_owners_language(
    swiss: Event, portal: Portal, alice: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from portals.services import change_owner_email

    owned = assign(portal)
    Portal.objects.filter(pk=owned.pk).update(owner_language="fr")
    owned.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        change_owner_email(owned, email="new@galerie-nord.example", actor=alice)
    owned.refresh_from_db()
    assert owned.owner_language == ""
    by_recipient = {m.to[0]: email_language(m) for m in mail.outbox}
    # The replaced owner reads the notice in their language, the new one the event's.
    assert by_recipient == {OWNER_EMAIL: "fr", "new@galerie-nord.example": "de"}


# --- The organizer's team ------------------------------------------------------------------


def test_the_users_choice_beats_the_browser(alice_client: Client, alice: Any, org: Any) -> None:
    url = reverse("events:list", args=[org.slug])
    assert page_language(alice_client.get(url, HTTP_ACCEPT_LANGUAGE="de-CH")) == "de"
    saved = alice_client.post(reverse("organizations:language"), {"language": "it"})
    assert saved.status_code == 302
    assert UserPreference.objects.get(user=alice).language == "it"
    response = alice_client.get(url, HTTP_ACCEPT_LANGUAGE="de-CH")
    assert page_language(response) == "it"
    assert response["Content-Language"] == "it"
    # A new session (another device) reads the choice too.
    other_device = Client()
    other_device.force_login(alice)
    assert page_language(other_device.get(url, HTTP_ACCEPT_LANGUAGE="fr")) == "it"
    # "Browser default" gives the browser its say again.
    alice_client.post(reverse("organizations:language"), {"language": ""})
    assert page_language(alice_client.get(url, HTTP_ACCEPT_LANGUAGE="fr")) == "fr"


def test_the_language_page_refuses_a_code_it_does_not_offer(alice_client: Client) -> None:
    response = alice_client.post(reverse("organizations:language"), {"language": "klingon"})
    assert response.status_code == 422
    assert not UserPreference.objects.exists()


def test_signed_out_pages_switch_with_the_cookie(client: Client) -> None:
    login = client.get(reverse("account_login"))
    assert 'action="/i18n/setlang/"' in login.content.decode()
    response = client.post("/i18n/setlang/", {"language": "es", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert page_language(client.get(reverse("account_login"))) == "es"


def test_team_emails_follow_the_recipients_choice(
    alice: Any, org: Organization, django_capture_on_commit_callbacks: Any
) -> None:
    from organizations.services import invite_teammate

    UserPreference.objects.create(user=alice, language="de")
    other = Organization.objects.create(name="Other Fair", slug="other-fair")
    with django_capture_on_commit_callbacks(execute=True):
        invite_teammate(other, email=alice.email, role="member", invited_by=None)
        invite_teammate(other, email="stranger@example.com", role="member", invited_by=None)
    by_recipient = {m.to[0]: email_language(m) for m in mail.outbox}
    assert by_recipient == {alice.email: "de", "stranger@example.com": "en"}


# --- Unknown languages, anywhere -----------------------------------------------------------


def test_an_unknown_language_falls_back_to_english_everywhere(
    client: Client, event: Event, org: Any
) -> None:
    landing = client.get("/", HTTP_ACCEPT_LANGUAGE="xx-YY")
    assert page_language(landing) == "en"
    client.cookies["artsvp_language"] = "klingon"
    assert page_language(client.get("/")) == "en"
    invite = invite_of(event, language="en")
    Invite.objects.filter(pk=invite.pk).update(language="pt")
    assert page_language(client.get(f"/i/{invite.token}/")) == "en"


def test_the_service_falls_back_from_unknown_codes(event: Event, org: Organization) -> None:
    give_credits(org, invite=2)
    batch = generate_organizer_invites(
        event,
        [GuestInput(name="Ada", language="zz"), GuestInput(name="Bea", language="de-AT")],
        method=InviteBatch.Method.API,
        language="qq",
    )
    stored = dict(batch.invites.values_list("guest_name", "language"))
    assert stored == {"Ada": "en", "Bea": "de"}


# --- Formats -------------------------------------------------------------------------------


def test_dates_on_a_german_guest_page_follow_german_order(client: Client, swiss: Event) -> None:
    invite = invite_of(swiss, language="de")
    response = client.get(f"/i/{invite.token}/")
    with translation.override("de"):
        expected = deadline_text(swiss)
        day = format_date(swiss.answers_deadline.astimezone(swiss.tz), "j")
    assert f" {day}. " in expected
    assert expected in response.content.decode()
    with translation.override("en"):
        assert f" {day}. " not in deadline_text(swiss)
    assert date_pattern("D j M Y", "de") == "D, j. M Y"
    assert date_pattern("D j M Y", "fr") == "D j M Y"
