"""The owner's sign-in code lives as long as the email and the page say: one
constant (portals/models.py OWNER_CODE_LIFETIME) for the expiry and both texts."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portals.models import OWNER_CODE_MINUTES, Portal
from tests.invites.helpers import OWNER_EMAIL, assign

pytestmark = pytest.mark.django_db


def _minutes(text: str) -> set[int]:
    return {int(n) for n in re.findall(r"valid for (\d+) minutes?", html.unescape(text))}


def _later(monkeypatch: pytest.MonkeyPatch, minutes: float) -> None:
    moment = timezone.now() + timedelta(minutes=minutes)
    monkeypatch.setattr(timezone, "now", lambda: moment)


@pytest.mark.parametrize("flow", ["link", "recovery"])
def test_the_email_the_page_and_the_expiry_agree_on_the_minutes(
    portal: Portal,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
    flow: str,
) -> None:
    claimed = assign(portal)
    if flow == "link":
        ask, enter = (
            reverse("owner:request_code", args=[claimed.token]),
            reverse("owner:enter_code", args=[claimed.token]),
        )
    else:
        ask, enter = (
            reverse("owner:sign_in", args=[claimed.public_id]),
            reverse("owner:sign_in_code", args=[claimed.public_id]),
        )
    browser = Client()
    with django_capture_on_commit_callbacks(execute=True):
        asked = browser.post(ask, {"email": OWNER_EMAIL})
    assert asked.status_code == 302
    [message] = mail.outbox
    code = re.search(r"\b(\d{6})\b", str(message.body)).group(1)

    in_email = _minutes(str(message.body)) | _minutes(str(message.alternatives[0][0]))
    on_page = _minutes(browser.get(asked["Location"]).content.decode())
    assert in_email == on_page == {OWNER_CODE_MINUTES}

    # Just after the lifetime the code fails, and the error repeats the same minutes.
    _later(monkeypatch, OWNER_CODE_MINUTES + 0.05)
    late = browser.post(enter, {"code": code})
    assert late.status_code == 422
    assert _minutes(late.content.decode()) == {OWNER_CODE_MINUTES}


def test_a_code_used_within_its_minutes_works(
    portal: Portal, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    claimed = assign(portal)
    browser = Client()
    with django_capture_on_commit_callbacks(execute=True):
        browser.post(reverse("owner:request_code", args=[claimed.token]), {"email": OWNER_EMAIL})
    code = re.search(r"\b(\d{6})\b", str(mail.outbox[0].body)).group(1)

    _later(monkeypatch, OWNER_CODE_MINUTES - 0.5)
    response = browser.post(reverse("owner:enter_code", args=[claimed.token]), {"code": code})

    assert response.status_code == 302
