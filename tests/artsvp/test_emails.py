"""Rendered emails are plain text: nothing in them reaches a page marked safe."""

from __future__ import annotations

from typing import Any

import pytest
from django.template import engines
from django.utils.safestring import SafeString, mark_safe

from artsvp.emails import RenderedEmail, render_email

PAYLOAD = "<img src=x onerror=alert(1)>"


class SneakySafeString(SafeString):
    def __str__(self) -> str:
        return self


def shown_in_a_page(value: str) -> str:
    return engines["django"].from_string("{{ value }}").render({"value": value})


@pytest.mark.django_db
def test_every_part_of_a_rendered_email_is_escaped_when_a_page_shows_it(portal: Any) -> None:
    portal.name = PAYLOAD
    email = render_email(
        "portal-link", {"portal": portal, "event": portal.group.event, "portal_url": "x"}
    )

    assert PAYLOAD in email.subject and PAYLOAD in email.text  # the text reads as written
    for part in (email.subject, email.text, email.html):
        assert type(part) is str
        assert PAYLOAD not in shown_in_a_page(part)


def test_a_part_marked_safe_by_any_means_is_plain_again() -> None:
    email = RenderedEmail(
        subject=mark_safe(PAYLOAD), text=SneakySafeString(PAYLOAD), html=SafeString(PAYLOAD)
    )

    assert {type(email.subject), type(email.text), type(email.html)} == {str}
    assert shown_in_a_page(email.text) == "&lt;img src=x onerror=alert(1)&gt;"
