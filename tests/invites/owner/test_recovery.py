"""An owner URL opened without a session (a bookmark, a new device, a replaced
owner) leads to the portal's code sign-in and back, never to a bare 404."""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.urls import URLPattern, reverse

from invites.owner import urls as owner_urls
from portals.models import Portal
from tests.conftest import make_portal
from tests.invites.helpers import OWNER_EMAIL, asks_to_sign_in, assign, owner_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def claimed(portal: Portal) -> Portal:
    return assign(portal)


def text(response: Any) -> str:
    return html.unescape(response.content.decode())


def owner_urls_of(portal: Portal) -> list[tuple[str, str]]:
    """Every owner URL of `portal` (name, path), made-up ids for the rest of the path."""
    made_up = {"invite_id": "abcdefghijkl", "key": "some-key"}
    found = []
    for pattern in owner_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        if "public_id" not in pattern.pattern.converters or pattern.name in {
            "sign_in",
            "sign_in_code",
        }:
            continue
        kwargs = {"public_id": portal.public_id}
        kwargs |= {name: made_up[name] for name in pattern.pattern.converters if name in made_up}
        found.append((pattern.name or "", reverse(f"owner:{pattern.name}", kwargs=kwargs)))
    return found


def next_of(response: Any) -> str:
    return parse_qs(urlsplit(response["Location"]).query)["next"][0]


def sign_in(browser: Client, portal: Portal, next_url: str, capture: Any) -> Any:
    with capture(execute=True):
        asked = browser.post(
            reverse("owner:sign_in", args=[portal.public_id]),
            {"email": OWNER_EMAIL, "next": next_url},
        )
    assert asked.status_code == 302
    code = re.search(r"\b(\d{6})\b", str(mail.outbox[-1].body))
    assert code, mail.outbox[-1].body
    return browser.post(asked["Location"], {"code": code.group(1), "next": next_of(asked)})


def test_every_owner_url_without_a_session_asks_to_sign_in(claimed):
    stranger = Client()
    urls = owner_urls_of(claimed)
    assert {"dashboard", "add_invites", "export", "send", "arrivals"} <= {n for n, _ in urls}
    for name, url in urls:
        if name == "sign_out":
            continue  # signing out without a session is harmless and says so
        # The allowed methods are checked first; every allowed one asks to sign in.
        answered = [stranger.get(url), stranger.post(url)]
        assert any(asks_to_sign_in(response) for response in answered), name
        for response in answered:
            assert response.status_code == 405 or asks_to_sign_in(response), name


def test_the_sign_in_page_says_a_code_will_be_emailed(claimed):
    response = Client().get(reverse("owner:dashboard", args=[claimed.public_id]), follow=True)
    page = text(response)
    assert response.status_code == 200
    assert "Sign in to this portal — we'll email a code" in page
    assert "Galerie Nord" in page
    # The owner's address is not shown to whoever knows the URL.
    assert OWNER_EMAIL not in page


def test_a_bookmarked_page_on_a_new_device_comes_back_after_the_code(
    claimed, django_capture_on_commit_callbacks
):
    browser = Client()
    wanted = reverse("owner:add_invites", args=[claimed.public_id]) + "?tab=csv"
    asked = browser.get(wanted)
    assert asks_to_sign_in(asked)

    signed_in = sign_in(browser, claimed, next_of(asked), django_capture_on_commit_callbacks)

    assert signed_in.status_code == 302
    assert signed_in["Location"] == wanted
    assert mail.outbox[-1].to == [OWNER_EMAIL]
    assert browser.get(wanted).status_code == 200


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/",
        "//evil.example/portal/",
        "/\\evil.example",
        "javascript:alert(1)",
        "/accounts/login/",
        "/portal/zzzzzzzzzzzzzz/",
        "/portal/{public_id}/sign-out/",
        "/portal/{public_id}/sign-in/",
    ],
)
def test_signing_in_never_sends_the_browser_outside_the_portal(
    claimed, django_capture_on_commit_callbacks, next_url
):
    browser = Client()
    response = sign_in(
        browser,
        claimed,
        next_url.replace("{public_id}", claimed.public_id),
        django_capture_on_commit_callbacks,
    )
    assert response["Location"] == reverse("owner:dashboard", args=[claimed.public_id])


def test_another_portals_url_is_not_a_next(claimed, org, group, django_capture_on_commit_callbacks):
    other = assign(
        make_portal(organization=org, group=group, name="Other", allocation=5), OWNER_EMAIL
    )
    response = sign_in(
        Client(),
        claimed,
        reverse("owner:dashboard", args=[other.public_id]),
        django_capture_on_commit_callbacks,
    )
    assert response["Location"] == reverse("owner:dashboard", args=[claimed.public_id])


def test_a_wrong_address_gets_the_same_answer_and_no_email(
    claimed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(
            reverse("owner:sign_in", args=[claimed.public_id]), {"email": "other@example.com"}
        )
    assert response.status_code == 302
    assert "/sign-in/code/" in response["Location"]
    assert mail.outbox == []


def test_a_replaced_owner_is_told_the_portal_was_handed_over(claimed):
    browser = owner_client(claimed)
    Portal.objects.filter(pk=claimed.pk).update(owner_email="new-owner@example.com")

    response = browser.get(reverse("owner:add_invites", args=[claimed.public_id]))

    assert response.status_code == 403
    page = text(response)
    assert "This portal was handed to someone else" in page
    assert "new-owner@example.com" not in page


def test_the_sign_in_form_remembers_the_address_this_browser_used(claimed):
    browser = owner_client(claimed)
    Portal.objects.filter(pk=claimed.pk).update(owner_email="new-owner@example.com")
    page = text(browser.get(reverse("owner:sign_in", args=[claimed.public_id])))
    assert f'value="{OWNER_EMAIL}"' in page


def test_a_revoked_portal_shows_its_revoked_page(claimed):
    Portal.objects.filter(pk=claimed.pk).update(status=Portal.Status.REVOKED)
    for name, url in owner_urls_of(claimed):
        if name in {"sign_out", "revoke_invite", "language"}:
            continue
        assert Client().get(url).status_code == 410, name
    sign_in_page = Client().get(reverse("owner:sign_in", args=[claimed.public_id]))
    assert sign_in_page.status_code == 410


def test_an_unclaimed_portal_points_to_its_link(portal):
    response = Client().get(reverse("owner:dashboard", args=[portal.public_id]))
    assert response.status_code == 403
    assert "This portal hasn't been claimed yet" in text(response)


def test_an_unknown_portal_is_still_404(db, charlie_client):
    for client in (Client(), charlie_client):
        assert client.get("/portal/zzzzzzzzzzzzzz/").status_code == 404
        assert client.get("/portal/zzzzzzzzzzzzzz/sign-in/").status_code == 404
