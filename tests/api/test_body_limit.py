"""API bodies: the largest batch fits the limit, a body over it is a 413 that
changes nothing; HTML forms over Django's limit get a 413 page."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.test import Client

from events.models import Event
from invites import services
from invites.api import GenerateIn, GuestIn
from invites.models import Invite
from organizations.models import Organization
from tests.api.conftest import ApiClient, assert_error
from tests.conftest import give_credits

# Four bytes in UTF-8 but one character: the most bytes a name or tag can take.
WIDE = "\U0001f600"


def compact(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def largest_guest() -> dict[str, Any]:
    """A guest with every field at its maximum, in the bytes that cost most."""
    metadata = {"notes": "é" * ((services.MAX_METADATA_BYTES - 12) // 2)}
    assert len(compact(metadata)) > services.MAX_METADATA_BYTES - 10
    guest = {
        "name": WIDE * services.MAX_NAME_LENGTH,
        "email": "a" * 64 + "@" + ("b" * 63 + ".") * 2 + "c" * 57 + ".com",  # 254
        "tags": [WIDE * services.MAX_TAG_LENGTH] * services.MAX_TAGS,
        "metadata": metadata,
        "plus_ones": services.MAX_PLUS_ONES,
    }
    GuestIn.model_validate(guest)  # the API accepts it: it is a real maximum
    return guest


def test_the_largest_batch_fits_under_the_limit() -> None:
    guest = compact(largest_guest())
    envelope = {
        "guests": [],
        "blank": 0,
        "send": True,
        "subject": WIDE * 200,
        "message": WIDE * 5000,
    }
    GenerateIn.model_validate(envelope)
    size = len(compact(envelope)) + services.MAX_BATCH_SIZE * (len(guest) + 1)

    assert 90_000_000 < size < settings.API_MAX_BODY_BYTES
    assert f"{settings.API_MAX_BODY_BYTES:,}" in json.dumps(
        Client().get("/api/v1/openapi.json").json()
    )


def test_a_batch_over_djangos_form_limit_is_accepted(
    api: ApiClient, org: Organization, event: Event
) -> None:
    give_credits(org, invite=1000)
    guests = [{**largest_guest(), "email": f"guest{i}@example.com"} for i in range(1000)]
    body = compact({"guests": guests})
    assert len(body) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE

    response = post_raw(api, event, body)

    assert response.status_code == 201, response.content[:300]
    assert Invite.objects.filter(event=event).count() == 1000


def post_raw(api: ApiClient, event: Event, body: bytes) -> Any:
    """POST these exact bytes as an invite batch (ApiClient.post would re-encode)."""
    return api.client.post(
        f"/api/v1/events/{event.public_id}/invites",
        data=body,
        content_type="application/json",
        headers=api._headers(None),
    )


def _padded(body: bytes, size: int) -> bytes:
    # JSON allows any amount of whitespace: the size without the cost of real guests.
    return body[:-1] + b" " * (size - len(body)) + body[-1:]


def test_a_body_just_under_the_limit_is_read(
    api: ApiClient, org: Organization, event: Event
) -> None:
    give_credits(org, invite=1)
    body = _padded(compact({"guests": [{"name": "Ada"}]}), settings.API_MAX_BODY_BYTES)

    response = post_raw(api, event, body)

    assert response.status_code == 201, response.content[:300]


def test_a_body_over_the_limit_is_413_and_creates_nothing(
    api: ApiClient, org: Organization, event: Event
) -> None:
    give_credits(org, invite=1)
    body = _padded(compact({"guests": [{"name": "Ada"}]}), settings.API_MAX_BODY_BYTES + 1)

    response = post_raw(api, event, body)

    error = assert_error(response, 413, "payload_too_large")
    assert f"{settings.API_MAX_BODY_BYTES:,}" in error["message"]
    assert not Invite.objects.exists()


def test_the_limit_is_a_setting(
    api: ApiClient, org: Organization, event: Event, settings: Any
) -> None:
    settings.API_MAX_BODY_BYTES = 1000
    give_credits(org, invite=1)

    response = api.post(f"/events/{event.public_id}/invites", {"guests": [{"name": "A" * 1000}]})

    assert_error(response, 413, "payload_too_large")
    assert not Invite.objects.exists()


def test_a_form_post_over_djangos_limit_gets_the_413_page(
    alice_client: Client, org: Organization
) -> None:
    name = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)

    response = alice_client.post("/o/new/", {"name": name})

    assert response.status_code == 413
    assert "more than we can take at once" in response.content.decode()
    assert Organization.objects.count() == 1


def test_a_made_up_key_cannot_make_the_server_read_a_large_body(
    org: Organization, event: Event, monkeypatch: Any
) -> None:
    reads: list[int] = []
    original = HttpRequest.read

    def counting_read(self: HttpRequest, *args: Any) -> bytes:
        data = original(self, *args)
        reads.append(len(data))
        return data

    monkeypatch.setattr(HttpRequest, "read", counting_read)
    body = _padded(compact({"guests": [{"name": "Ada"}]}), settings.DATA_UPLOAD_MAX_MEMORY_SIZE * 2)

    response = Client().post(
        f"/api/v1/events/{event.public_id}/invites",
        data=body,
        content_type="application/json",
        headers={"Authorization": "Bearer ak_live_" + "x" * 43},
    )

    assert_error(response, 401, "unauthenticated")
    assert sum(reads) == 0
    assert not Invite.objects.exists()
