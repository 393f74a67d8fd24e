"""ninja's own answers (a method a path does not take, an unknown path) use the
API's JSON error shape like every other error."""

from __future__ import annotations

from django.test import Client

from events.models import Event
from tests.api.conftest import ApiClient, assert_error


def test_a_method_the_path_does_not_take_is_a_json_405_with_allow(api: ApiClient) -> None:
    response = api.client.delete("/api/v1/events", headers=api._headers(None))

    error = assert_error(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET, POST"
    assert error["details"] == {"allowed": ["GET", "POST"]}


def test_a_put_on_an_event_names_the_methods_it_takes(api: ApiClient, event: Event) -> None:
    response = api.client.put(
        f"/api/v1/events/{event.public_id}", data="{}", headers=api._headers(None)
    )

    assert_error(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET, PATCH"


def test_without_a_key_a_wrong_method_is_still_json() -> None:
    response = Client().post("/api/v1/credits")

    assert response.status_code in (401, 405)
    assert response.json()["code"] in ("unauthenticated", "method_not_allowed")


def test_unknown_api_paths_are_json_404s(api: ApiClient) -> None:
    for path in ["/api/v1/nope", "/api/v1/events/x/y/z", "/api/v2/events", "/api/", "/api/v1/"]:
        response = api.client.get(path, headers=api._headers(None))
        assert_error(response, 404, "not_found")
