"""Junk in URLs, queries and bodies is a 4xx, never a 5xx, and never emails ADMINS.

Every URL pattern of the project is walked (our apps, the admin, allauth, the
API's ninja routes, anymail's tracking webhook when one is mounted) and each
parameter is filled with junk in turn, the others with real values of alice's
organization: NUL and other control characters, 10,000 characters, unicode,
`../`, broken UTF-8, SQL quotes. Each URL is fetched and posted to, by a
visitor and by alice; list pages get junk queries; every form alice can open
is posted back with junk in every field; every API body gets junk in every
text field. On PostgreSQL (run with DATABASE_URL=postgres://...) a NUL that
reached a query would be a DataError, a 500 and an email to ADMINS.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

from config.api import api
from invites.models import InviteBatch
from invites.services import GuestInput, generate_organizer_invites
from organizations.api_key_services import create_api_key
from organizations.services import invite_teammate
from tests.conftest import give_credits

pytestmark = pytest.mark.django_db

ADMIN_ADDRESS = "ops@artsvp.example"

# Already percent-encoded: what goes into a path segment or a query value.
JUNK = [
    "%00",
    "x%00y",
    "%01",
    "%1f",
    "%7f",
    "%c2%85",  # U+0085, a C1 control character
    "a" * 10_000,
    "%C3%A9t%C3%A9%F0%9F%98%80",
    "..%2F..%2Fetc%2Fpasswd",
    "..",
    "%ff",
    "%27%20OR%20%271%27%3D%271",
    "%22%3E%3Csvg%3E",
    "-1",
    "99999999999999999999999",
]
# Raw text, for form fields and JSON strings.
JUNK_TEXT = [
    "\x00",
    "x\x00y",
    "\x01\x1f\x7f\x85",
    "a" * 10_000,
    "été 😀",
    "../../etc/passwd",
    "' OR '1'='1",
]
LIST_QUERIES = [
    "page=%00",
    "page=-1",
    "page=99999999999999999999999",
    "page=abc",
    "cursor=junk",
    "cursor=%00",
    "cursor=djE6LTE",  # "v1:-1"
    "limit=-1",
    "limit=abc",
    "limit=99999999999",
    "q=%00",
    "q=" + "a" * 10_000,
    "next=%00",
    "next=%2F%2Fevil.example",
    "status=%ff",
    "updated_since=%00",
    "updated_since=9999-12-31T23:59:59%2B23:59",
    "include_archived=%01",
    "session_id=%00",
    "%00=1",
]
PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


@dataclass(frozen=True)
class Route:
    """A URL pattern as literal parts and parameter names, in order."""

    parts: tuple[str | tuple[str], ...]  # a str is literal, a 1-tuple names a parameter

    @property
    def names(self) -> list[str]:
        return [part[0] for part in self.parts if isinstance(part, tuple)]

    @property
    def template(self) -> str:
        return "".join(part if isinstance(part, str) else f"<{part[0]}>" for part in self.parts)

    def fill(self, values: dict[str, str]) -> str:
        return "/" + "".join(
            part if isinstance(part, str) else values[part[0]] for part in self.parts
        )


def _route_parts(route: str) -> list[str | tuple[str]]:
    parts: list[str | tuple[str]] = []
    position = 0
    for match in PARAMETER.finditer(route):
        parts.append(route[position : match.start()])
        parts.append((match["name"],))
        position = match.end()
    parts.append(route[position:])
    return parts


def _regex_parts(regex: str) -> list[str | tuple[str]] | None:
    """A regex pattern's literal text and named groups, or None when other regex
    syntax is left (nothing to fill in by hand)."""
    regex = regex.removeprefix("^").removesuffix("$").removesuffix(r"\Z")
    parts: list[str | tuple[str]] = []
    literal = ""
    i = 0
    while i < len(regex):
        if regex.startswith("(?P<", i):
            name_end = regex.index(">", i)
            depth, j = 0, i
            while True:
                if regex[j] == "\\":
                    j += 2
                    continue
                depth += {"(": 1, ")": -1}.get(regex[j], 0)
                if depth == 0:
                    break
                j += 1
            parts.extend([literal, (regex[i + 4 : name_end],)])
            literal = ""
            i = j + 1
        elif regex[i] == "\\" and i + 1 < len(regex) and not regex[i + 1].isalnum():
            literal += regex[i + 1]
            i += 2
        elif regex[i] in "()[]*+?|{}^$\\":
            return None
        else:
            literal += regex[i]
            i += 1
    parts.append(literal)
    return parts


def walk(patterns: list[Any], prefix: tuple[str | tuple[str], ...] = ()) -> Iterator[Route]:
    for entry in patterns:
        pattern = entry.pattern
        # _route and _regex are the patterns as written: private to Django, not in its stubs.
        if isinstance(pattern, RoutePattern):
            parts: list[str | tuple[str]] | None = _route_parts(str(pattern._route))  # type: ignore[attr-defined]  # URL patterns' private route, the only way to list converters
        elif isinstance(pattern, RegexPattern):
            parts = _regex_parts(pattern._regex)  # type: ignore[attr-defined]  # URL patterns' private regex, the only way to list converters
        else:
            parts = None
        if parts is None:
            continue
        here = prefix + tuple(part for part in parts if part != "")
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, here)
        elif isinstance(entry, URLPattern):
            yield Route(here)


def all_routes() -> list[Route]:
    routes = {route.template: route for route in walk(get_resolver().url_patterns)}
    return list(routes.values())


@pytest.fixture
def world(org: Any, event: Any, group: Any, portal: Any, alice: Any) -> SimpleNamespace:
    give_credits(org, invite=5)
    invite = generate_organizer_invites(
        event, [GuestInput(name="Ada Lovelace")], method=InviteBatch.Method.SINGLE
    ).invites.get()
    invitation = invite_teammate(org, email="dora@example.com", role="member", invited_by=alice)
    return SimpleNamespace(
        values={
            "org_slug": org.slug,
            "event_slug": event.slug,
            "group_id": group.public_id,
            "portal_id": portal.public_id,
            "public_id": portal.public_id,
            "invite_id": invite.public_id,
            "event_id": event.public_id,
            "bundle_id": "1",
        },
        tokens={"p/": portal.token, "i/": invite.token, "invitations/": invitation.token},
        api_key=create_api_key(org, name="Junk test", created_by=alice).secret,
    )


def valid_values(route: Route, world: SimpleNamespace) -> dict[str, str]:
    values = {name: world.values.get(name, "x") for name in route.names}
    if "token" in values:
        start = route.template.lstrip("/")
        values["token"] = next(
            (token for prefix, token in world.tokens.items() if start.startswith(prefix)),
            "x" * 32,
        )
    return values


def junk_urls(route: Route, world: SimpleNamespace) -> Iterator[str]:
    valid = valid_values(route, world)
    if not route.names:
        yield route.fill(valid) + "%00"
    for name in route.names:
        for junk in JUNK:
            yield route.fill({**valid, name: junk})


class Recorder:
    """Sends requests and keeps every 5xx, so one run reports them all."""

    def __init__(self, client: Client, *, api_key: str | None = None) -> None:
        self.client = client
        self.api_key = api_key
        self.failures: list[str] = []
        self.count = 0

    def send(self, method: str, url: str, **kwargs: Any) -> Any:
        # Rate limits would answer 429 before the view: every request gets a fresh window.
        cache.clear()
        if self.api_key and url.startswith("/api/"):
            kwargs.setdefault("headers", {})["Authorization"] = f"Bearer {self.api_key}"
        response = getattr(self.client, method)(url, **kwargs)
        self.count += 1
        if response.status_code >= 500:
            self.failures.append(f"{method.upper()} {url[:150]} -> {response.status_code}")
        return response

    def assert_clean(self) -> None:
        admin_mail = [m.subject for m in mail.outbox if ADMIN_ADDRESS in m.to]
        assert not self.failures, f"{len(self.failures)} of {self.count}:\n" + "\n".join(
            self.failures[:80]
        )
        assert not admin_mail


@pytest.fixture(autouse=True)
def _admins(settings: Any) -> None:
    settings.ADMINS = [("Ops", ADMIN_ADDRESS)]
    settings.DEBUG = False


def visitor() -> Recorder:
    return Recorder(Client(raise_request_exception=False))


def as_alice(alice: Any, world: SimpleNamespace) -> Recorder:
    client = Client(raise_request_exception=False)
    client.force_login(alice)
    return Recorder(client, api_key=world.api_key)


@pytest.mark.parametrize("who", ["visitor", "alice"])
def test_junk_in_any_url_parameter_is_never_a_server_error(
    who: str, alice: Any, world: SimpleNamespace
) -> None:
    recorder = visitor() if who == "visitor" else as_alice(alice, world)
    routes = all_routes()
    assert len(routes) > 100  # ours, the admin's, allauth's and the API's

    for route in routes:
        for url in junk_urls(route, world):
            recorder.send("get", url)
            recorder.send("post", url, data={"name": "x"})

    recorder.assert_clean()


def test_control_characters_in_the_path_or_query_answer_400_before_any_lookup(
    alice_client: Client, world: SimpleNamespace, django_assert_max_num_queries: Any
) -> None:
    token = world.tokens["i/"]
    for url in [
        "/i/%00x/",
        "/p/%00x/",
        "/invitations/%00x/",
        f"/i/{token}/?x=%00",
        f"/i/{token}/?%01=1",
        "/o/?next=%7f",
        "/accounts/login/?next=%00",
        "/o/basel-art-week/events/%0a/",
    ]:
        with django_assert_max_num_queries(0):
            response = Client().get(url)
        assert response.status_code == 400, url
        assert response["Content-Type"].startswith("text/html")
        assert "read that request" in response.content.decode()


def test_the_api_answers_control_characters_with_a_json_bad_request(
    world: SimpleNamespace,
) -> None:
    client = Client()
    headers = {"Authorization": f"Bearer {world.api_key}"}
    for url in ["/api/v1/events/%00", "/api/v1/events?cursor=%00", "/api/v1/%01"]:
        response = client.get(url, headers=headers)
        assert response.status_code == 400, url
        body = response.json()
        assert body["code"] == "bad_request"
        assert set(body) == {"code", "message", "details"}


def test_malformed_tokens_and_ids_are_404_without_a_query(
    alice_client: Client, world: SimpleNamespace, django_assert_max_num_queries: Any
) -> None:
    for url in [
        "/i/short/",
        "/p/" + "a" * 65 + "/",
        "/invitations/abc%20def/",
        "/p/abc.def.ghi.jkl.mno/",
        "/portal/UPPERCASE12345/",
        "/portal/" + "a" * 21 + "/",
    ]:
        with django_assert_max_num_queries(0):
            response = Client().get(url)
        assert response.status_code == 404, url


@pytest.mark.parametrize("who", ["visitor", "alice"])
def test_junk_queries_on_every_page_are_never_a_server_error(
    who: str, alice: Any, world: SimpleNamespace
) -> None:
    recorder = visitor() if who == "visitor" else as_alice(alice, world)
    for route in all_routes():
        url = route.fill(valid_values(route, world))
        for query in LIST_QUERIES:
            recorder.send("get", f"{url}?{query}")

    recorder.assert_clean()


INPUT_NAME = re.compile(r"<(?:input|select|textarea)\b[^>]*\bname=\"([^\"]+)\"")


def test_every_form_posted_back_with_junk_is_never_a_server_error(
    alice: Any, world: SimpleNamespace
) -> None:
    recorder = as_alice(alice, world)
    posted = 0
    for route in all_routes():
        url = route.fill(valid_values(route, world))
        if url.startswith(("/api/", "/admin/")):
            continue
        page = recorder.send("get", url)
        if page.status_code != 200 or "text/html" not in page.get("Content-Type", ""):
            continue
        names = set(INPUT_NAME.findall(page.content.decode())) - {"csrfmiddlewaretoken"}
        if not names:
            continue
        posted += 1
        for junk in JUNK_TEXT:
            recorder.send("post", url, data={name: junk for name in names})

    assert posted > 10
    recorder.assert_clean()


def test_a_nul_in_a_posted_form_field_answers_400(alice_client: Client, org: Any) -> None:
    response = alice_client.post("/o/new/", {"name": "Gallery\x00"})

    assert response.status_code == 400


def _junk_body(
    schema: dict[str, Any], components: dict[str, Any], junk: str, depth: int = 0
) -> Any:
    if "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    options = schema.get("anyOf") or schema.get("oneOf")
    if options:
        return _junk_body(options[0], components, junk, depth)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        if not properties:
            return {junk: junk}
        return {
            name: _junk_body(value, components, junk, depth + 1)
            for name, value in properties.items()
        }
    if kind == "array":
        return [_junk_body(schema.get("items", {}), components, junk, depth + 1)]
    if kind == "string":
        return junk
    if kind in ("integer", "number"):
        return -1
    if kind == "boolean":
        return True
    return junk


def api_operations(world: SimpleNamespace) -> Iterator[tuple[str, str, dict[str, Any]]]:
    document = api.get_openapi_schema()
    components = document.get("components", {}).get("schemas", {})
    values = {
        **world.values,
        "group_id": world.values["group_id"],
        "batch_id": "x" * 14,
    }
    for path, methods in document["paths"].items():
        url = re.sub(r"\{(\w+)\}", lambda m: values.get(m[1], "x" * 14), path)
        for method, operation in methods.items():
            content = operation.get("requestBody", {}).get("content", {})
            schema = content.get("application/json", {}).get("schema")
            if schema:
                yield method, url, {"schema": schema, "components": components}


def test_junk_in_every_api_body_field_is_a_4xx_with_a_json_code(
    alice: Any, world: SimpleNamespace
) -> None:
    recorder = as_alice(alice, world)
    operations = list(api_operations(world))
    assert len(operations) >= 5
    refused = []
    for method, url, body in operations:
        for junk in JUNK_TEXT:
            data = _junk_body(body["schema"], body["components"], junk)
            try:
                payload = json.dumps(data)
            except (UnicodeEncodeError, ValueError):
                continue
            response = recorder.send(method, url, data=payload, content_type="application/json")
            if 400 <= response.status_code < 500:
                assert response.json()["code"], (method, url)
            if "\x00" in junk and response.status_code < 400:
                refused.append(f"{method.upper()} {url} took a NUL: {response.status_code}")
        for raw in [b"\x00", b"[", b'{"name": "\\u0000"}', b"\xff\xfe", b"[]", b"null", b'"x"']:
            recorder.send(method, url, data=raw, content_type="application/json")

    recorder.assert_clean()
    assert not refused
