"""Bad input on every endpoint: a 422 `invalid` with field errors, and nothing changed."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from tests.api.conftest import ENDPOINTS, ApiClient, assert_error, fill, snapshot

LISTS = [
    path
    for method, path, _ in ENDPOINTS
    if method == "get" and not path.endswith("}") and path != "/credits"
]
WRITES = [
    (method, path)
    for method, path, body in ENDPOINTS
    if method != "get" and (body is not None or path.endswith("/send"))
]


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("limit", ["0", "201", "many"])
def test_every_list_refuses_a_bad_limit(
    world: SimpleNamespace, api: ApiClient, path: str, limit: str
) -> None:
    body = assert_error(api.get(fill(path, world), {"limit": limit}), 422, "invalid")

    assert list(body["details"]["fields"]) == ["limit"]


@pytest.mark.parametrize(("method", "path"), WRITES)
def test_every_write_refuses_a_body_of_the_wrong_shape(
    world: SimpleNamespace, api: ApiClient, method: str, path: str
) -> None:
    before = snapshot(world.organization)

    response = getattr(api, method)(fill(path, world), "not an object")

    body = assert_error(response, 422, "invalid")
    assert body["details"]["fields"]
    assert snapshot(world.organization) == before


@pytest.mark.parametrize(("method", "path"), WRITES)
def test_every_write_refuses_text_with_nul_characters(
    world: SimpleNamespace, api: ApiClient, method: str, path: str
) -> None:
    """PostgreSQL cannot store NUL: refused up front rather than failing at the database."""
    before = snapshot(world.organization)
    bad: dict[str, Any] = {"name": "Bad\x00name", "subject": "\x00", "venue": "\x00"}
    if path.endswith("/invites"):
        bad = {"guests": [{"name": "Bad\x00name"}]}

    response = getattr(api, method)(fill(path, world), bad)

    assert_error(response, 422, "invalid")
    assert snapshot(world.organization) == before
