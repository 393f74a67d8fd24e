"""The event's languages and texts per language through the API (the form's: tests/events)."""

from __future__ import annotations

import pytest

from tests.api.conftest import EVENT_BODY, ApiClient, assert_error

pytestmark = pytest.mark.django_db


def test_the_api_creates_an_event_with_its_languages_and_texts(api: ApiClient, org) -> None:
    response = api.post(
        "/events",
        {
            **EVENT_BODY,
            "language": "de",
            "other_languages": ["fr", "de", "en"],
            "translations": {"fr": {"description": "Art contemporain.", "invite_subject": ""}},
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["language"], body["other_languages"]) == ("de", ["en", "fr"])
    assert body["translations"] == {"fr": {"description": "Art contemporain."}}


def test_the_api_patch_writes_versions_over_the_stored_ones(api: ApiClient, event) -> None:
    event.translations = {
        "de": {"description": "Kunst.", "invite_subject": "Hallo"},
        "fr": {"description": "Art."},
    }
    event.save()

    response = api.patch(
        f"/events/{event.public_id}",
        {
            "other_languages": ["de"],
            "translations": {"de": {"invite_subject": ""}, "it": {"description": "Arte."}},
        },
    )

    assert response.status_code == 200, response.content
    assert response.json()["translations"] == {
        "de": {"description": "Kunst."},
        "fr": {"description": "Art."},
        "it": {"description": "Arte."},
    }
    event.refresh_from_db()
    assert event.other_languages == ["de"]


@pytest.mark.parametrize(
    "body",
    [
        {"language": "xx"},
        {"other_languages": ["de", "tlh"]},
        {"translations": {"tlh": {"description": "Qapla'"}}},
    ],
)
def test_the_api_refuses_an_unknown_language(api: ApiClient, event, body) -> None:
    response = api.patch(f"/events/{event.public_id}", body)

    assert_error(response, 422, "invalid")
    event.refresh_from_db()
    assert (event.language, event.other_languages, event.translations) == ("en", [], {})


def test_the_api_refuses_an_unknown_placeholder_with_its_code(api: ApiClient, event) -> None:
    response = api.patch(
        f"/events/{event.public_id}",
        {"translations": {"de": {"invite_message": "Hallo {{ gast }}"}}},
    )

    body = assert_error(response, 422, "unknown_placeholder")
    assert "{{ gast }}" in body["details"]["fields"]["translations"][0]
    event.refresh_from_db()
    assert event.translations == {}
