"""The event's languages and the organizer's texts per language: form and API."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from events.models import Event
from tests.events.test_events import event_data

pytestmark = pytest.mark.django_db


def edit_data(event: Event, **overrides: Any) -> dict[str, Any]:
    data = event_data(
        name=event.name,
        slug=event.slug,
        starts_at=event.local_starts_at.strftime("%Y-%m-%dT%H:%M"),
        ends_at=event.local_ends_at.strftime("%Y-%m-%dT%H:%M"),
        timezone=event.timezone,
        description=event.description,
        language=event.language,
        other_languages=event.other_languages,
    )
    data.update(overrides)
    return data


def edit(client: Any, event: Event, **overrides: Any) -> Any:
    return client.post(
        reverse("events:edit", args=[event.organization.slug, event.slug]),
        edit_data(event, **overrides),
    )


def test_the_form_saves_the_default_language_and_the_others_in_our_order(alice_client, org) -> None:
    alice_client.post(
        reverse("events:create", args=[org.slug]),
        event_data(language="de", other_languages=["it", "en"]),
    )

    event = Event.objects.get()
    assert (event.language, event.other_languages) == ("de", ["en", "it"])
    assert event.languages == ["de", "en", "it"]


def test_the_default_language_is_never_also_another(alice_client, event) -> None:
    response = edit(alice_client, event, language="fr", other_languages=["fr", "de"])

    assert response.status_code == 302
    event.refresh_from_db()
    assert (event.language, event.other_languages) == ("fr", ["de"])


def test_an_unknown_language_is_a_field_error(alice_client, event) -> None:
    response = edit(alice_client, event, language="xx", other_languages=["de", "klingon"])

    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"language", "other_languages"}
    event.refresh_from_db()
    assert (event.language, event.other_languages) == ("en", [])


def test_each_other_language_gets_a_description_field_named_in_its_own_language(
    alice_client, event
) -> None:
    event.other_languages = ["de", "fr"]
    event.save()

    page = alice_client.get(reverse("events:edit", args=[event.organization.slug, event.slug]))

    content = page.content.decode()
    assert "Description (Deutsch)" in content
    assert "Description (Français)" in content
    assert "Invite email subject (Deutsch)" in content
    assert "Description (Italiano)" not in content
    assert "no longer offered" in content


def test_versions_are_saved_and_empty_ones_not_kept(alice_client, event) -> None:
    event.other_languages = ["de", "fr"]
    event.translations = {"fr": {"description": "Ancienne description."}}
    event.save()

    response = edit(
        alice_client,
        event,
        other_languages=["de", "fr"],
        description_de="Kunst aus 200 Galerien.",
        invite_subject_de="Einladung: {{ event }}",
        description_fr="",
        invite_subject="Join us at {{ event }}",
    )

    assert response.status_code == 302
    event.refresh_from_db()
    assert event.translations == {
        "de": {
            "description": "Kunst aus 200 Galerien.",
            "invite_subject": "Einladung: {{ event }}",
        },
        "en": {"invite_subject": "Join us at {{ event }}"},
    }


def test_a_dropped_language_keeps_its_texts_but_is_no_longer_offered(alice_client, event) -> None:
    event.other_languages = ["de"]
    event.translations = {"de": {"description": "Kunst."}}
    event.save()

    edit(alice_client, event, other_languages=[], description_de="Kunst.")

    event.refresh_from_db()
    assert event.other_languages == []
    assert event.translations == {"de": {"description": "Kunst."}}
    page = alice_client.get(reverse("events:edit", args=[event.organization.slug, event.slug]))
    assert "Description (Deutsch)" not in page.content.decode()


def test_a_translated_invite_message_with_an_unknown_placeholder_is_refused(
    alice_client, event
) -> None:
    event.other_languages = ["de"]
    event.save()

    response = edit(
        alice_client, event, other_languages=["de"], invite_message_de="Hallo {{ gast }}"
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "Unknown placeholder {{ gast }}" in errors["invite_message_de"][0]
    event.refresh_from_db()
    assert event.translations == {}


def test_the_default_invite_message_follows_the_same_rule(alice_client, event) -> None:
    response = edit(alice_client, event, invite_message="Dear {{ guest }}")

    assert "Unknown placeholder {{ guest }}" in response.context["form"].errors["invite_message"][0]


def test_an_empty_invite_field_shows_our_standard_words_in_its_language(
    alice_client, event
) -> None:
    event.other_languages = ["de"]
    event.save()

    page = alice_client.get(reverse("events:edit", args=[event.organization.slug, event.slug]))

    form = page.context["form"]
    assert form.fields["invite_subject"].widget.attrs["placeholder"] == (
        "You're invited to {{ event }}"
    )
    assert "{{ event }}" in form.fields["invite_subject_de"].widget.attrs["placeholder"]
