"""What guests and portal owners read of the organizer's texts, in their language:
the event's description, the group's instructions, the standard invite email."""

from __future__ import annotations

import html
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation

from deliveries.models import Delivery
from events.invite_texts import DEFAULT_INVITE_MESSAGE, DEFAULT_INVITE_SUBJECT, NAMELESS_GUEST
from events.models import Event
from invites.models import Invite
from invites.sending import queue_invite_emails
from invites.services import GuestInput, generate_invites
from portals.models import Portal, PortalGroup
from tests.conftest import give_credits
from tests.invites.helpers import assign, owner_client

pytestmark = pytest.mark.django_db

GERMAN = "Zeitgenössische Kunst aus 200 Galerien."


@pytest.fixture
def german_event(event: Event) -> Event:
    event.other_languages = ["de", "fr"]
    event.translations = {"de": {"description": GERMAN}}
    event.save()
    return event


@pytest.fixture
def owned(org, german_event, portal) -> Portal:
    give_credits(org, invite=10)
    return assign(portal)


@pytest.fixture
def invite(owned) -> Invite:
    return generate_invites(
        owned, [GuestInput(name="Anna Muster", email="anna@example.com")], method="single"
    ).invites.get()


def page_text(client: Client, url: str, language: str) -> str:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def in_language(invite: Invite, language: str) -> None:
    """The guest reads `language` (the exhibitor's pick, or their own switch)."""
    invite.language = language
    invite.save(update_fields=["language"])


def test_a_guest_reading_german_sees_the_german_description(invite) -> None:
    url = reverse("invites:guest", args=[invite.token])

    # The invite's language decides, not the browser's.
    in_language(invite, "de")
    german = page_text(Client(), url, "en")
    in_language(invite, "fr")
    french = page_text(Client(), url, "de")

    assert GERMAN in german
    assert "Contemporary art from 200 galleries." not in german
    # No French version: the default text.
    assert "Contemporary art from 200 galleries." in french
    assert GERMAN not in french


def test_the_owner_dashboard_shows_the_instructions_in_the_owners_language(
    owned, group: PortalGroup
) -> None:
    group.translations = {"de": {"instructions": "Laden Sie Ihre Sammler vor dem 1. Mai ein."}}
    group.save()
    url = reverse("owner:dashboard", args=[owned.public_id])

    german = page_text(owner_client(owned), url, "de")
    french = page_text(owner_client(owned), url, "fr")

    assert "Laden Sie Ihre Sammler vor dem 1. Mai ein." in german
    assert GERMAN in german
    assert "Invite your collectors before 1 May." in french


def send(invite: Invite, capture: Any, language: str, **texts: str) -> Any:
    """The invite email to a guest reading `language` (sent from a request in English)."""
    in_language(invite, language)
    with capture(execute=True):
        queue_invite_emails(
            [invite], subject=texts.get("subject", ""), message=texts.get("message", "")
        )
    assert Delivery.objects.filter(invite=invite).latest("pk").status == Delivery.Status.SENT
    return mail.outbox[-1]


def test_the_invite_email_in_german_uses_the_events_german_words(
    invite, german_event, django_capture_on_commit_callbacks
) -> None:
    german_event.translations["de"].update(
        invite_subject="Einladung zu {{ event }}",
        invite_message="Guten Tag {{ name }},\n\n{{ portal }} lädt Sie ein.",
    )
    german_event.save()

    email = send(invite, django_capture_on_commit_callbacks, "de")

    assert email.subject == "Einladung zu Spring Fair"
    assert email.body.startswith("Guten Tag Anna Muster,\n\nGalerie Nord lädt Sie ein.")


def test_without_a_german_version_the_email_has_our_standard_words_in_german(
    invite, german_event, django_capture_on_commit_callbacks
) -> None:
    # The event's own English words are for English readers only.
    german_event.translations["en"] = {"invite_subject": "Come to {{ event }}"}
    german_event.save()

    email = send(invite, django_capture_on_commit_callbacks, "de")

    with translation.override("de"):
        standard_subject = str(DEFAULT_INVITE_SUBJECT).replace("{{ event }}", "Spring Fair")
        greeting = str(DEFAULT_INVITE_MESSAGE).split("{{ name }}")[0]
    assert email.subject == standard_subject
    assert email.body.startswith(greeting + "Anna Muster")
    english = send(invite, django_capture_on_commit_callbacks, "en")
    assert english.subject == "Come to Spring Fair"


def test_a_senders_own_words_are_theirs_in_every_language(
    invite, german_event, django_capture_on_commit_callbacks
) -> None:
    german_event.translations["de"]["invite_subject"] = "Einladung zu {{ event }}"
    german_event.save()

    email = send(invite, django_capture_on_commit_callbacks, "de", subject="Our booth, {{ name }}")

    assert email.subject == "Our booth, Anna Muster"


def test_a_nameless_guest_is_greeted_in_their_language(
    owned, django_capture_on_commit_callbacks
) -> None:
    nameless = generate_invites(
        owned, [GuestInput(name="", email="someone@example.com")], method="single"
    ).invites.get()

    email = send(nameless, django_capture_on_commit_callbacks, "de")

    with translation.override("de"):
        assert str(NAMELESS_GUEST) in email.body.splitlines()[0]


def test_the_send_page_offers_the_events_words_and_kept_as_shown_they_follow_the_guest(
    alice_client, german_event, make_invites, django_capture_on_commit_callbacks
) -> None:
    invite = make_invites(1, names=["Ada"], emails=["ada@example.com"])[0]
    german_event.translations = {
        "en": {"invite_subject": "Come to {{ event }}"},
        "de": {"invite_subject": "Einladung zu {{ event }}"},
    }
    german_event.save()
    url = reverse("invites:send", args=[german_event.organization.slug, german_event.slug])
    page = alice_client.get(url, {"invite": invite.public_id})
    form = page.context["form"]
    shown = {"subject": form["subject"].value(), "message": form["message"].value()}
    assert shown["subject"] == "Come to {{ event }}"

    with django_capture_on_commit_callbacks(execute=False):
        alice_client.post(url, {"step": "send", "invite": invite.public_id, **shown})

    # Kept as shown: stored empty, so each guest reads the words of their language.
    delivery = Delivery.objects.get(invite=invite)
    assert (delivery.context["subject"], delivery.context["message"]) == ("", "")
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(
            url, {"step": "send", "invite": invite.public_id, **shown, "subject": "Mine"}
        )
    assert Delivery.objects.filter(invite=invite).latest("pk").context["subject"] == "Mine"
