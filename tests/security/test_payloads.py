"""Stored XSS, product-wide: markup typed into every free-text field never comes out raw.

The world (world.py) is built through the product's forms, pages and API
with a numbered payload in each field; then every page of the registry
(pages.py) is opened by each role that can reach it, every admin page by
staff, every email part is read from the outbox, and the API's answers are
checked to be JSON. A payload found raw names its field and the page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from deliveries.models import Delivery
from deliveries.rendering import SkipDelivery, build_delivery_message
from tests.security.pages import EXCLUDED, PAGES, Page
from tests.security.payloads import TEMPLATE_SYNTAX, shown_escaped, unescaped
from tests.security.world import World

pytestmark = pytest.mark.django_db

HTML, JSON, CSV = "text/html", "application/json", "text/csv"
# Calendar files (door/calendar.py): text values escaped by icalendar, never rendered as a page.
CALENDAR = "text/calendar"
# The brand's accent stylesheet (organizations/brand.py): only a checked colour in it.
CSS = "text/css"
ADMIN_ROWS_PER_MODEL = 4
# Fields each group of pages must show somewhere (escaped), so a page that
# stopped showing data cannot make the test pass vacuously.
MUST_SHOW = {
    "organizers": [
        "organization.name",
        "signed-up user's email (team member)",
        "team invitation email (open)",
        "event.name",
        "event.venue",
        "event.description",
        "event.description (Deutsch)",
        "event.invite_subject",
        "event.invite_message (Deutsch)",
        "group.name",
        "group.instructions",
        "group.instructions (Deutsch)",
        "portal.name (form)",
        "portal.contact_email (form)",
        "portal.name (CSV import)",
        "portal.name (API)",
        "portal.owner_email (claim)",
        "api key.name",
        "guest.name (owner, one guest)",
        "guest.name (owner, pasted)",
        "guest.name (owner, CSV)",
        "guest.name (organizer, one guest)",
        "guest.name (organizer, pasted)",
        "guest.name (organizer, CSV)",
        "guest.name (API, event)",
        "guest.name (API, portal)",
        "guest.name (blank link, answered by the guest)",
        "guest.email (blank link)",
        "tags (organizer, one guest)",
        "tags (API)",
        "CSV preview (uploaded, not saved)",
        "event staff email (account)",
        "event staff email (invited)",
        "brand.footer_text (organization)",
        "brand.footer_text (event)",
        "brand.logo file name",
        "brand.cover file name",
        "brand.privacy_url",
        "brand.imprint_url (event)",
    ],
    "portal owners": [
        "event.name",
        "event.description",
        "group.instructions",
        # The second browser reads German.
        "event.description (Deutsch)",
        "group.instructions (Deutsch)",
        "portal.name (form)",
        "guest.name (owner, one guest)",
        "guest.email (owner, one guest)",
        "guest.name (owner, CSV)",
        "tags (owner CSV)",
        "label (owner, one guest)",
        "label (owner CSV)",
        "guest.name (owner's blank link, answered)",
        "brand.footer_text (event)",
    ],
    "guests and the public": [
        "organization.name",
        "event.name",
        "event.venue",
        "event.description",
        "portal.name (form)",
        "guest.name (organizer, one guest)",
        "guest.name (blank link, answered by the guest)",
        "team invitation email (open)",
        "brand.footer_text (event)",
        "brand.imprint_url (event)",
    ],
}
ROLE_GROUPS = {
    "organizers": {"alice", "bob", "dora", "charlie", "erin"},
    "portal owners": {"owner", "owner_by_code"},
    "guests and the public": {"guest", "anonymous"},
}


def named_patterns(resolver: URLResolver | None = None, namespace: str = "") -> list[str]:
    names = []
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names.extend(named_patterns(pattern, inner))
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.append(namespace + pattern.name)
    return names


def is_excluded(name: str) -> bool:
    return any(
        name == rule or (rule.endswith(":*") and name.startswith(rule[:-1])) for rule in EXCLUDED
    )


def body(response: Any) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode(errors="replace")


def check_response(
    response: Any, where: str, world: World, expected: int, seen: set[int] | None = None
) -> list[str]:
    """What is wrong with `response`; the fields it shows (escaped) are added to `seen`."""
    problems = []
    if response.status_code != expected:
        problems.append(f"{where}: answered {response.status_code}, expected {expected}")
    if response.status_code in (301, 302, 303):
        return problems
    content_type = response.get("Content-Type", "")
    if content_type.startswith(HTML):
        content = body(response)
        problems.extend(f"{where}: {found}" for found in unescaped(content, world.payloads))
        if seen is not None:
            seen |= shown_escaped(content)
    elif not content_type.startswith((JSON, CSV, CALENDAR, CSS)):
        problems.append(f"{where}: served as {content_type!r}")
    return problems


def visit(
    page: Page, role: str, world: World, *, seen: set[int] | None = None, extra_query: Any = None
) -> list[str]:
    client = Client() if role == "guest" else world.clients[role]
    kwargs = page.kwargs(world, client)
    url = reverse(page.url_name, kwargs=kwargs or None)
    if page.post is not None:
        response = client.post(url, page.post(world, client), headers=page.headers)
    else:
        query = {**page.query(world, client), **(extra_query or {})}
        response = client.get(url, query, headers=page.headers)
    return check_response(response, page.describe(role), world, page.expected(role), seen)


def test_every_named_url_is_in_the_registry_or_excluded() -> None:
    registered = {page.url_name for page in PAGES}
    forgotten = [
        name for name in named_patterns() if name not in registered and not is_excluded(name)
    ]
    assert not forgotten, (
        "Pages the payload test does not open: add them to PAGES in tests/security/pages.py "
        f"(or, if they render nothing, to EXCLUDED with the reason): {forgotten}"
    )


def test_the_registry_names_only_real_urls() -> None:
    existing = set(named_patterns())
    assert {page.url_name for page in PAGES} <= existing


@pytest.mark.parametrize("roles", list(ROLE_GROUPS))
def test_no_page_shows_a_payload_unescaped(world: World, roles: str) -> None:
    problems: list[str] = []
    seen: set[int] = set()
    for page in PAGES:
        for role in page.roles:
            if role in ROLE_GROUPS[roles]:
                problems.extend(visit(page, role, world, seen=seen))
    assert not problems, "\n".join(problems)
    # The pages did show what was typed (as text): the test is not passing on empty pages.
    missing = [name for name in MUST_SHOW[roles] if world.payloads.number(name) not in seen]
    assert not missing, f"no page of {roles} shows {missing}"


def test_no_page_reflects_a_payload_from_its_query(world: World) -> None:
    """Reflected, not stored: the usual parameters, each holding markup."""
    markup = '<script>alert(0)</script>"><img src=x onerror=alert(0)>'
    query = {name: markup for name in ("q", "next", "page", "status", "source", "send", "scope")}
    problems: list[str] = []
    for page in PAGES:
        if page.post is None:
            for role in page.roles[:1]:
                found = visit(page, role, world, extra_query=query)
                problems.extend(problem for problem in found if "answered" not in problem)
    assert not problems, "\n".join(problems)


def admin_urls(model: Any, model_admin: Any) -> list[str]:
    info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    urls = [reverse(f"{info}_changelist"), reverse(f"{info}_changelist") + "?q=%3Cscript%3E"]
    if model_admin.has_add_permission(_staff_request()):
        urls.append(reverse(f"{info}_add"))
    custom = [
        pattern.name
        for pattern in model_admin.get_urls()
        if isinstance(pattern, URLPattern)
        and pattern.name
        and not pattern.name.endswith(("_changelist", "_add", "_change", "_history", "_delete"))
        and len(pattern.pattern.converters) == 1
    ]
    # The newest rows carry the most payloads; a delete page lists every related row.
    pks = list(model.objects.order_by("-pk").values_list("pk", flat=True)[:ADMIN_ROWS_PER_MODEL])
    for pk in pks:
        urls.append(reverse(f"{info}_change", args=[pk]))
        urls.extend(reverse(f"admin:{name}", args=[pk]) for name in custom)
    for pk in pks[:1]:
        urls.extend(reverse(f"{info}_{view}", args=[pk]) for view in ("history", "delete"))
    return urls


def _staff_request() -> Any:
    from django.contrib.auth import get_user_model
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = get_user_model().objects.get(username="staff")
    return request


def test_staff_sees_every_admin_page_escaped(world: World) -> None:
    staff = world.clients["staff"]
    problems = []
    pages = 0
    for url in [reverse("admin:index")]:
        problems.extend(check_response(staff.get(url), f"GET {url}", world, 200))
    for model, model_admin in admin.site._registry.items():
        for url in admin_urls(model, model_admin):
            response = staff.get(url)
            pages += 1
            # A read-only admin answers 403 on add/delete; what it renders is still checked.
            expected = response.status_code if response.status_code in (302, 403) else 200
            problems.extend(check_response(response, f"GET {url} as staff", world, expected))
    assert pages > 100
    assert not problems, "\n".join(problems)


def email_templates() -> set[str]:
    folder = Path(settings.BASE_DIR) / "templates" / "emails"
    return {path.name.removesuffix("-subject.txt") for path in folder.glob("*-subject.txt")}


def test_no_email_shows_a_payload_unescaped(world: World) -> None:
    problems = []
    for message in world.outbox:
        where = f"email {message.subject[:40]!r} to {message.to}"
        if "\n" in message.subject or "\r" in message.subject:
            problems.append(f"{where}: the subject spans lines")
        for content, mimetype in getattr(message, "alternatives", []):
            if mimetype == "text/html":
                problems.extend(f"{where} (html): {f}" for f in unescaped(content, world.payloads))
    # The outbox's own rendering of each row, as a worker would send it now.
    sent_templates = set()
    for delivery in Delivery.objects.all():
        sent_templates.add(delivery.template)
        try:
            message = build_delivery_message(delivery)
        except SkipDelivery:  # an accepted team invitation is not sent again
            continue
        for content, _ in message.alternatives:
            problems.extend(
                f"delivery {delivery.template} (html): {f}"
                for f in unescaped(str(content), world.payloads)
            )
    sent_templates.add("owner-code")  # sent by its own task, not the outbox: in world.outbox
    assert email_templates() <= sent_templates, (
        f"emails the payload world never sends: {email_templates() - sent_templates}"
    )
    assert not problems, "\n".join(problems)


def test_the_placeholders_leave_template_syntax_as_text(world: World) -> None:
    """A subject or message with template syntax is sent as typed; only the
    three placeholders are filled, and a guest's name is not filled again."""
    invites = [m for m in world.outbox if m.subject.startswith("<script>alert(")]
    assert invites
    for message in invites:
        assert TEMPLATE_SYNTAX in message.subject
        assert TEMPLATE_SYNTAX in message.body
        assert "{{ name }}" not in message.subject + message.body
        html = message.alternatives[0][0]
        assert "{{ 7*7 }} {% debug %}" in html


def test_the_api_answers_json_not_html(world: World) -> None:
    ids = {
        "event": world.event.public_id,
        "group": world.group.public_id,
        "portal": world.portal.public_id,
        "invite": world.invites["api"].public_id,
    }
    paths = [
        "/credits",
        "/credits/entries",
        "/purchases",
        "/events",
        "/events/{event}",
        "/events/{event}/portal-groups",
        "/portal-groups/{group}",
        "/portal-groups/{group}/portals",
        "/portals/{portal}",
        "/portals/{portal}/invites",
        "/events/{event}/invites",
        "/invites/{invite}",
        "/openapi.json",
        "/no-such-endpoint/<script>alert(0)</script>",
    ]
    client = Client()
    problems = []
    for path in paths:
        url = "/api/v1" + path.format(**ids)
        response = client.get(url, headers={"Authorization": f"Bearer {world.api_key}"})
        content_type = response.get("Content-Type", "")
        if not content_type.startswith(JSON):
            problems.append(f"GET {url}: {response.status_code} served as {content_type!r}")
        else:
            response.json()
    assert not problems, "\n".join(problems)
