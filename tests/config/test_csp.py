"""The Content-Security-Policy: on every response, and nothing in our templates
that it would have to refuse."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.csp import directives

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# Emails are not pages: mail clients need their inline styles.
EMAIL_TEMPLATES = (TEMPLATES / "emails", TEMPLATES / "account" / "email")

BASE_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "connect-src": "'self'",
    "frame-ancestors": "'none'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
}

TAG = re.compile(r"<([a-zA-Z][\w:-]*)((?:[^>{]|\{[^}]*\})*)>")
HANDLER = re.compile(r"(?<![\w:-])on[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"(?<![\w:-])style\s*=", re.IGNORECASE)
HTMX_INLINE_CODE = re.compile(r"(?<![\w-])(?:hx|data-hx)-on[:-]|js:|javascript:", re.IGNORECASE)


COMMENT = re.compile(r"\{#.*?#\}|\{% comment %\}.*?\{% endcomment %\}", re.DOTALL)


def page_templates() -> list[Path]:
    return sorted(
        path
        for path in TEMPLATES.rglob("*.html")
        if not any(path.is_relative_to(folder) for folder in EMAIL_TEMPLATES)
    )


def markup(path: Path) -> str:
    return COMMENT.sub("", path.read_text())


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/",  # a page
        "/accounts/login/",  # allauth
        "/admin/login/",  # Django's admin (a redirect to the rate-limited login)
        "/api/v1/events",  # the API (401 without a key)
        "/no-such-page/",  # a 404
    ],
)
def test_every_response_carries_the_policy(client: Client, path: str) -> None:
    response = client.get(path)

    assert response.status_code in {200, 302, 401, 404}
    assert directives(response) == BASE_POLICY


def test_signed_in_pages_and_redirects_carry_the_policy(alice_client: Client, org: Any) -> None:
    for url in ("/", reverse("events:list", args=[org.slug]), "/admin/"):
        response = alice_client.get(url)
        assert directives(response) == BASE_POLICY, url


def test_only_the_billing_page_may_send_its_forms_on_to_stripe_checkout(
    alice_client: Client, org: Any
) -> None:
    policy = directives(alice_client.get(reverse("billing:billing", args=[org.slug])))

    assert policy == {**BASE_POLICY, "form-action": "'self' https://checkout.stripe.com"}
    other = directives(alice_client.get(reverse("organizations:settings", args=[org.slug])))
    assert other["form-action"] == "'self'"


def test_templates_hold_no_inline_script() -> None:
    found = []
    for path in page_templates():
        for match in TAG.finditer(markup(path)):
            name, attributes = match.group(1).lower(), match.group(2)
            if name == "script" and not re.search(r"(?<![\w-])src\s*=", attributes):
                found.append(f"{path.relative_to(TEMPLATES)}: {match.group(0)}")
    assert found == []


def test_templates_hold_no_event_handler_or_inline_code() -> None:
    found = [
        f"{path.relative_to(TEMPLATES)}: {match.group(0)}"
        for path in page_templates()
        for match in TAG.finditer(markup(path))
        if HANDLER.search(match.group(2)) or HTMX_INLINE_CODE.search(match.group(2))
    ]
    assert found == []


def test_page_templates_hold_no_style_attribute_or_element() -> None:
    found = []
    for path in page_templates():
        found += [
            f"{path.relative_to(TEMPLATES)}: {match.group(0)}"
            for match in TAG.finditer(markup(path))
            if match.group(1).lower() == "style" or STYLE_ATTRIBUTE.search(match.group(2))
        ]
    assert found == []


def test_the_template_checks_see_what_they_look_for(tmp_path: Path) -> None:
    sample = (
        '<script>x()</script><a href="#" onclick="x()"><div class="a" style="b"><b hx-on:click="y">'
    )
    tags = [(m.group(1), m.group(2)) for m in TAG.finditer(sample)]
    assert tags[0] == ("script", "")
    assert HANDLER.search(tags[1][1]) and STYLE_ATTRIBUTE.search(tags[2][1])
    assert HTMX_INLINE_CODE.search(tags[3][1])
    assert not HANDLER.search(' class="button" data-confirm="Sure?"')
    assert not STYLE_ATTRIBUTE.search(' data-style="x"')
