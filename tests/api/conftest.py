"""API fixtures: a key for alice's organization and one for charlie's (the outsider).

`api` is a client that sends alice's key; `outsider_api` sends charlie's, so a
test can ask for alice's objects with a valid key of another organization.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from organizations.api_key_services import NewApiKey, create_api_key
from organizations.models import Organization


class ApiClient:
    """django.test.Client speaking JSON with a bearer key."""

    def __init__(self, key: str | None) -> None:
        self.key = key
        self.client = Client()

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        sent = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        sent.update(headers or {})
        return sent

    def get(self, path: str, params: dict[str, Any] | None = None, **kw: Any) -> Any:
        return self.client.get(
            "/api/v1" + path, params or {}, headers=self._headers(kw.pop("headers", None))
        )

    def _send(self, method: str, path: str, body: Any, headers: dict[str, str] | None) -> Any:
        return getattr(self.client, method)(
            "/api/v1" + path,
            data=json.dumps(body) if body is not None else "",
            content_type="application/json",
            headers=self._headers(headers),
        )

    def post(self, path: str, body: Any = None, *, headers: dict[str, str] | None = None) -> Any:
        return self._send("post", path, body, headers)

    def patch(self, path: str, body: Any = None, *, headers: dict[str, str] | None = None) -> Any:
        return self._send("patch", path, body, headers)


@pytest.fixture
def alice_key(org: Organization, alice: Any) -> NewApiKey:
    return create_api_key(org, name="CRM sync", created_by=alice)


@pytest.fixture
def charlie_key(other_org: Organization, charlie: Any) -> NewApiKey:
    return create_api_key(other_org, name="Charlie's key", created_by=charlie)


@pytest.fixture
def api(alice_key: NewApiKey) -> ApiClient:
    return ApiClient(alice_key.secret)


@pytest.fixture
def outsider_api(charlie_key: NewApiKey) -> ApiClient:
    return ApiClient(charlie_key.secret)


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code, body
    assert set(body) == {"code", "message", "details"}
    assert body["message"]
    return body
