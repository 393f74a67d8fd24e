"""Who may call the API: keys, tenancy, rate limits, and the documented schema."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.utils import timezone

from organizations.api_key_services import NewApiKey, create_api_key, revoke_api_key
from organizations.models import ApiKey, Organization
from tests.api.conftest import (
    ENDPOINTS,
    ENDPOINTS_WITH_IDS,
    ApiClient,
    assert_error,
    call,
    fill,
    snapshot,
)


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_every_endpoint_refuses_a_request_without_a_key(
    world: SimpleNamespace, method: str, path: str, body: Any
) -> None:
    before = snapshot(world.organization)

    response = call(ApiClient(None), method, fill(path, world), body)

    assert_error(response, 401, "unauthenticated")
    assert response["WWW-Authenticate"] == "Bearer"
    assert snapshot(world.organization) == before


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_every_endpoint_refuses_a_revoked_key(
    world: SimpleNamespace, alice_key: NewApiKey, method: str, path: str, body: Any
) -> None:
    revoke_api_key(alice_key.api_key)
    before = snapshot(world.organization)

    response = call(ApiClient(alice_key.secret), method, fill(path, world), body)

    assert_error(response, 401, "unauthenticated")
    assert snapshot(world.organization) == before


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS_WITH_IDS)
def test_another_organizations_key_gets_404_for_every_object(
    world: SimpleNamespace, outsider_api: ApiClient, method: str, path: str, body: Any
) -> None:
    before = snapshot(world.organization)

    response = call(outsider_api, method, fill(path, world), body)

    assert_error(response, 404, "not_found")
    assert snapshot(world.organization) == before


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_every_endpoint_answers_alices_key(
    world: SimpleNamespace, api: ApiClient, method: str, path: str, body: Any
) -> None:
    response = call(api, method, fill(path, world), body)

    assert response.status_code in {200, 201, 204}, response.content
    assert response["X-RateLimit-Limit"] == "1000"


@pytest.mark.parametrize(
    "authorization",
    [
        "",
        "Bearer",
        "Bearer ",
        "Token {key}",
        "Basic YWxpY2U6c2VjcmV0",
        "Bearer ak_live_00000000_nope",
        "Bearer {prefix}_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "Bearer {key}x",
    ],
)
def test_malformed_or_wrong_keys_are_refused(
    world: SimpleNamespace, alice_key: NewApiKey, authorization: str
) -> None:
    header = authorization.format(key=alice_key.secret, prefix=alice_key.api_key.prefix)
    response = Client().get("/api/v1/credits", headers={"Authorization": header})

    assert_error(response, 401, "unauthenticated")


@pytest.mark.parametrize("parameter", ["api_key", "access_token", "key", "anything"])
def test_a_key_in_the_query_string_is_refused_even_with_a_valid_header(
    world: SimpleNamespace, alice_key: NewApiKey, parameter: str
) -> None:
    alone = Client().get("/api/v1/credits", {parameter: alice_key.secret})
    assert_error(alone, 401, "unauthenticated")

    with_header = ApiClient(alice_key.secret).get("/credits", {parameter: alice_key.secret})
    body = assert_error(with_header, 401, "unauthenticated")
    assert "Authorization header" in body["message"]


def test_the_key_decides_the_organization(
    world: SimpleNamespace, api: ApiClient, outsider_api: ApiClient, other_org: Organization
) -> None:
    mine = api.get("/events").json()["items"]
    theirs = outsider_api.get("/events").json()["items"]

    assert [event["id"] for event in mine] == [world.event]
    assert theirs == []
    # A query parameter naming another organization changes nothing.
    assert outsider_api.get("/events", {"organization": world.organization.slug}).json() == {
        "items": [],
        "next_cursor": None,
    }


def test_ids_in_a_body_cannot_reach_another_organization(
    world: SimpleNamespace, outsider_api: ApiClient, other_portal: Any
) -> None:
    """Bodies carry no ids that choose a tenant: unknown fields, ids included, are ignored."""
    other_event = other_portal.group.event.public_id
    response = outsider_api.post(
        f"/events/{other_event}/portal-groups",
        {"name": "VIPs", "event_id": world.event, "organization": world.organization.slug},
    )

    assert response.status_code == 201
    assert response.json()["event_id"] == other_event
    assert not world.organization.portal_groups.filter(name="VIPs").exists()


def test_the_last_use_is_recorded_at_most_once_a_minute(
    world: SimpleNamespace, api: ApiClient, alice_key: NewApiKey
) -> None:
    key = alice_key.api_key
    assert key.last_used_at is None

    api.get("/credits")
    key.refresh_from_db()
    first = key.last_used_at
    assert first is not None

    api.get("/credits")
    key.refresh_from_db()
    assert key.last_used_at == first

    ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now() - timedelta(minutes=2))
    api.get("/credits")
    key.refresh_from_db()
    assert key.last_used_at > first


# --- Rate limits ---------------------------------------------------------------------------


def test_responses_announce_the_rate_limit(world: SimpleNamespace, api: ApiClient) -> None:
    first = api.get("/credits")
    second = api.get("/events/nosuchevent00")  # errors count and say it too
    third = api.post("/events", {"name": ""})

    assert first["X-RateLimit-Limit"] == "1000"
    assert first["X-RateLimit-Remaining"] == "999"
    assert second.status_code == 404
    assert second["X-RateLimit-Remaining"] == "998"
    assert third.status_code == 422
    assert third["X-RateLimit-Remaining"] == "997"
    assert 0 < int(first["X-RateLimit-Reset"]) <= 900


def test_too_many_requests_are_refused_with_retry_after(
    world: SimpleNamespace, api: ApiClient, outsider_api: ApiClient, settings: Any
) -> None:
    settings.API_RATE_LIMIT = "3/60"
    remaining = [api.get("/credits")["X-RateLimit-Remaining"] for _ in range(3)]
    assert remaining == ["2", "1", "0"]

    refused = api.get("/credits")

    body = assert_error(refused, 429, "rate_limited")
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused["X-RateLimit-Remaining"] == "0"
    assert body["details"]["limit"] == 3
    # Limits are per key: another key is unaffected.
    assert outsider_api.get("/credits").status_code == 200


def test_a_rate_limited_request_changes_nothing(
    world: SimpleNamespace, api: ApiClient, settings: Any
) -> None:
    settings.API_RATE_LIMIT = "1/60"
    api.get("/credits")
    before = snapshot(world.organization)

    response = api.post(f"/events/{world.event}/invites", {"blank": 1})

    assert_error(response, 429, "rate_limited")
    assert snapshot(world.organization) == before


# --- The schema and its docs ---------------------------------------------------------------


def test_the_openapi_schema_documents_auth_errors_and_every_endpoint(db: Any) -> None:
    response = Client().get("/api/v1/openapi.json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["components"]["securitySchemes"] == {
        "ApiKeyAuth": {"type": "http", "scheme": "bearer"}
    }
    documented = {
        (method, path.removeprefix("/api/v1"))
        for path, operations in schema["paths"].items()
        for method in operations
    }
    expected = {
        (method, path.replace("{event}", "{event_id}").replace("{group}", "{group_id}"))
        for method, path, _ in ENDPOINTS
    }
    expected = {
        (method, path.replace("{portal}", "{portal_id}").replace("{invite}", "{invite_id}"))
        for method, path in expected
    }
    expected = {
        (method, path.replace("{invite_type}", "{type_id}").replace("{window}", "{window_id}"))
        for method, path in expected
    }
    expected = {(method, path.replace("{check_in}", "{check_in_id}")) for method, path in expected}
    assert documented == expected
    error_ref = {"$ref": "#/components/schemas/ErrorOut"}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert operation["security"] == [{"ApiKeyAuth": []}], (method, path)
            for status in ("401", "429"):
                content = operation["responses"][status]["content"]
                assert content["application/json"]["schema"] == error_ref, (method, path)
            if "{" in path:
                assert "404" in operation["responses"], (method, path)
    invite_creation = schema["paths"]["/api/v1/portals/{portal_id}/invites"]["post"]
    assert {"402", "409", "422"} <= set(invite_creation["responses"])
    assert any(p["name"] == "Idempotency-Key" for p in invite_creation["parameters"])
    error_schema = schema["components"]["schemas"]["ErrorOut"]
    assert set(error_schema["properties"]) == {"code", "message", "details"}


def test_the_docs_page_loads_its_assets_from_our_static_files(db: Any) -> None:
    response = Client().get("/api/v1/docs")

    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "/static/ninja/swagger-ui.css" in page
    assert "cdn" not in page.lower()
    assert "https://" not in page
    for asset in ("ninja/swagger-ui-bundle.js", "ninja/swagger-ui.css", "ninja/swagger-ui-init.js"):
        assert finders.find(asset), asset


def test_creating_keys_for_one_org_does_not_touch_another(
    org: Organization, other_org: Organization, alice: Any
) -> None:
    create_api_key(org, name="One", created_by=alice)

    assert not ApiKey.objects.filter(organization=other_org).exists()


def test_an_unknown_endpoint_answers_json(db: Any, api: ApiClient) -> None:
    assert_error(Client().get("/api/v1/nothing/here"), 404, "not_found")
    assert_error(api.post("/portals/abc/invites/extra", {}), 404, "not_found")
