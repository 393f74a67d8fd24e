"""Bad input on every endpoint: a 422 `invalid` with field errors, and nothing changed."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from tests.api.conftest import ENDPOINTS, ApiClient, assert_error, fill, snapshot

LISTS = [
    path
    for method, path, _ in ENDPOINTS
    if method == "get"
    and not path.endswith("}")
    and path not in {"/credits", "/events/{event}/attendance"}
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


def _typed_fields(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, str]:
    """Every integer or boolean property of a request body: {"guests.0.plus_ones": "integer"}."""
    if "$ref" in schema:
        return _typed_fields(components[schema["$ref"].rsplit("/", 1)[1]], components)
    for variant in schema.get("oneOf", []) + schema.get("anyOf", []):
        if "$ref" in variant:
            return _typed_fields(variant, components)
    found: dict[str, str] = {}
    for name, prop in schema.get("properties", {}).items():
        types = {option.get("type") for option in [prop, *prop.get("anyOf", [])]}
        for kind in ("integer", "boolean"):
            if kind in types:
                found[name] = kind
        if prop.get("type") == "array" and "$ref" in prop.get("items", {}):
            for inner, kind in _typed_fields(prop["items"], components).items():
                found[f"{name}.0.{inner}"] = kind
    return found


def _typed_body_fields() -> list[tuple[str, str, str, str]]:
    from config.api import api

    openapi = api.get_openapi_schema()
    components = openapi["components"]["schemas"]
    cases: list[Any] = []
    for method, path in WRITES:
        template = next(
            p
            for p in openapi["paths"]
            if p.removeprefix("/api/v1").count("/") == path.count("/")
            and all(
                a == b or a.startswith("{")
                for a, b in zip(p.removeprefix("/api/v1").split("/"), path.split("/"), strict=True)
            )
        )
        body = openapi["paths"][template][method].get("requestBody")
        if body is None:
            continue
        fields = _typed_fields(body["content"]["application/json"]["schema"], components)
        cases.extend((method, path, field, kind) for field, kind in fields.items())
    return cases


TYPED_FIELDS = _typed_body_fields()


def _with_value(body: Any, field: str, value: Any) -> dict[str, Any]:
    """The endpoint's working body with `field` (dotted, "guests.0.plus_ones") set to `value`."""
    sent = dict(body or {})
    if "." in field:
        outer, _, inner = field.split(".", 2)
        sent[outer] = [{"name": "Ada", inner: value}]
        sent.pop("blank", None)
    else:
        sent[field] = value
    return sent


def test_the_typed_fields_cover_every_count_and_flag() -> None:
    named = {field for _, _, field, _ in TYPED_FIELDS}

    assert {"blank", "send", "guests.0.plus_ones", "allocation", "capacity", "revoked"} <= named


@pytest.mark.parametrize(("method", "path", "field", "kind"), TYPED_FIELDS)
def test_every_integer_and_boolean_field_refuses_strings_and_the_other_type(
    world: SimpleNamespace, api: ApiClient, method: str, path: str, field: str, kind: str
) -> None:
    """ "3" is not 3 and true is not 1: a client's type bug is refused, not guessed at."""
    body = next(b for m, p, b in ENDPOINTS if (m, p) == (method, path))
    wrong = ["3", True, 2.5] if kind == "integer" else ["true", 1, "yes"]
    before = snapshot(world.organization)

    for value in wrong:
        response = getattr(api, method)(fill(path, world), _with_value(body, field, value))

        answer = assert_error(response, 422, "invalid")
        named = answer["details"]["fields"]
        assert any(name == field or name.endswith(f".{field}") for name in named), answer
    assert snapshot(world.organization) == before
