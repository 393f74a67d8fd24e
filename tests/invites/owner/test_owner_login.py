"""A returning portal owner signs in on another browser with a one-time code."""

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

from portals.claiming import (
    CODES_PER_CLIENT_PER_HOUR,
    CODES_PER_PORTAL_PER_HOUR,
    GUESSES_PER_CLIENT,
    GUESSES_PER_PORTAL,
    CodeCheck,
    check_owner_code,
    request_owner_code,
)
from portals.models import OwnerCode, OwnerCodeFailure, Portal
from tests.conftest import make_portal
from tests.invites.helpers import OWNER_EMAIL, asks_to_sign_in, assign, owner_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def claimed(portal: Portal) -> Portal:
    return assign(portal)


def ask_for_code(client: Client, portal: Portal, email: str, capture) -> Any:
    with capture(execute=True):
        return client.post(reverse("owner:request_code", args=[portal.token]), {"email": email})


def code_from(message) -> str:
    match = re.search(r"\b(\d{6})\b", message.body)
    assert match, message.body
    return match.group(1)


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def enter(client: Client, portal: Portal, code: str):
    return client.post(reverse("owner:enter_code", args=[portal.token]), {"code": code})


def dashboard(portal: Portal) -> str:
    return reverse("owner:dashboard", args=[portal.public_id])


def test_the_owner_gets_a_code_by_email_and_signs_in(claimed, django_capture_on_commit_callbacks):
    browser = Client()
    response = ask_for_code(
        browser, claimed, "OWNER@galerie-nord.example", django_capture_on_commit_callbacks
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("owner:enter_code", args=[claimed.token])

    [message] = mail.outbox
    assert message.to == [OWNER_EMAIL]
    assert "Galerie Nord" in message.subject
    code = code_from(message)
    assert code not in message.subject
    # Only a keyed hash of the code is stored.
    stored = OwnerCode.objects.get(portal=claimed)
    assert code not in stored.code_hash

    response = enter(browser, claimed, code)
    assert response.status_code == 302
    assert response["Location"] == dashboard(claimed)
    assert browser.get(dashboard(claimed)).status_code == 200
    # A code works once.
    assert enter(Client(), claimed, code).status_code == 422


def test_the_answer_is_the_same_whether_or_not_the_email_is_the_owners(
    claimed, django_capture_on_commit_callbacks
):
    right = Client()
    wrong = Client()
    right_response = ask_for_code(right, claimed, OWNER_EMAIL, django_capture_on_commit_callbacks)
    wrong_response = ask_for_code(
        wrong, claimed, "guess@example.com", django_capture_on_commit_callbacks
    )
    assert right_response.status_code == wrong_response.status_code == 302
    assert right_response["Location"] == wrong_response["Location"]
    right_page = right.get(right_response["Location"]).content.decode()
    wrong_page = wrong.get(wrong_response["Location"]).content.decode()
    strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"|content="[^"]+"')
    assert strip.sub("", right_page) == strip.sub("", wrong_page)
    # The code only ever goes to the owner's address, never to the typed one.
    assert [message.to for message in mail.outbox] == [[OWNER_EMAIL]]
    # A wrong code is refused in exactly the same words either way.
    refused_right = page_text(enter(right, claimed, "000000"))
    refused_wrong = page_text(enter(wrong, claimed, "000000"))
    assert "That code didn't work" in refused_wrong
    assert strip.sub("", refused_right) == strip.sub("", refused_wrong)


def test_a_wrong_code_is_refused(claimed, django_capture_on_commit_callbacks):
    browser = Client()
    ask_for_code(browser, claimed, OWNER_EMAIL, django_capture_on_commit_callbacks)
    code = code_from(mail.outbox[0])
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    response = enter(browser, claimed, wrong)
    assert response.status_code == 422
    assert "That code didn't work" in page_text(response)
    assert asks_to_sign_in(browser.get(dashboard(claimed)))
    assert check_owner_code(claimed, code=code, client="127.0.0.1") is CodeCheck.ACCEPTED


def test_an_expired_code_is_refused(claimed, django_capture_on_commit_callbacks):
    browser = Client()
    ask_for_code(browser, claimed, OWNER_EMAIL, django_capture_on_commit_callbacks)
    code = code_from(mail.outbox[0])
    OwnerCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = enter(browser, claimed, code)
    assert response.status_code == 422
    assert asks_to_sign_in(browser.get(dashboard(claimed)))
    assert check_owner_code(claimed, code=code, client="127.0.0.1") is CodeCheck.EXPIRED


def test_codes_expire_after_ten_minutes(claimed):
    request_owner_code(claimed, email=OWNER_EMAIL, client="10.0.0.1")
    row = OwnerCode.objects.get()
    assert (
        timedelta(minutes=9, seconds=59)
        < row.expires_at - row.created_at
        <= timedelta(minutes=10, seconds=1)
    )


def test_five_wrong_guesses_pause_that_client_even_with_the_right_code(
    claimed, django_capture_on_commit_callbacks
):
    browser = Client()
    ask_for_code(browser, claimed, OWNER_EMAIL, django_capture_on_commit_callbacks)
    code = code_from(mail.outbox[0])
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(GUESSES_PER_CLIENT):
        assert enter(browser, claimed, wrong).status_code == 422
    # Even the right code no longer works from this client, in the same words.
    refused = enter(browser, claimed, code)
    assert refused.status_code == 422
    assert "That code didn't work" in page_text(refused)
    assert check_owner_code(claimed, code=code, client="127.0.0.1") is CodeCheck.TOO_MANY_ATTEMPTS
    assert asks_to_sign_in(browser.get(dashboard(claimed)))
    assert GUESSES_PER_CLIENT == 5


def test_a_code_for_another_portal_does_not_work(
    claimed, group, django_capture_on_commit_callbacks
):
    second = assign(
        make_portal(organization=group.organization, group=group, name="Second", allocation=5)
    )
    browser = Client()
    ask_for_code(browser, second, OWNER_EMAIL, django_capture_on_commit_callbacks)
    ask_for_code(browser, claimed, OWNER_EMAIL, django_capture_on_commit_callbacks)
    second_code = code_from(mail.outbox[0])
    claimed_code = code_from(mail.outbox[1])
    if second_code != claimed_code:
        assert enter(browser, claimed, second_code).status_code == 422
    assert asks_to_sign_in(browser.get(dashboard(claimed)))
    assert enter(browser, claimed, claimed_code).status_code == 302
    # Signed in to one portal is not signed in to the other.
    assert browser.get(dashboard(claimed)).status_code == 200
    assert asks_to_sign_in(browser.get(dashboard(second)))


def test_asking_again_retires_the_previous_code(claimed, django_capture_on_commit_callbacks):
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            request_owner_code(claimed, email=OWNER_EMAIL, client="10.0.0.1")
    first, second = (code_from(message) for message in mail.outbox)
    if first != second:
        assert check_owner_code(claimed, code=first, client="10.0.0.1") is CodeCheck.WRONG
    assert check_owner_code(claimed, code=second, client="10.0.0.1") is CodeCheck.ACCEPTED


def test_a_code_stops_working_when_the_organizer_changes_the_owner(
    claimed, django_capture_on_commit_callbacks
):
    browser = Client()
    ask_for_code(browser, claimed, OWNER_EMAIL, django_capture_on_commit_callbacks)
    code = code_from(mail.outbox[0])
    Portal.objects.filter(pk=claimed.pk).update(owner_email="new-owner@example.com")
    assert enter(browser, claimed, code).status_code == 422


def test_changing_the_owner_signs_the_previous_owner_out(claimed):
    browser = owner_client(claimed)
    assert browser.get(dashboard(claimed)).status_code == 200
    Portal.objects.filter(pk=claimed.pk).update(owner_email="new-owner@example.com")
    response = browser.get(dashboard(claimed))
    assert response.status_code == 403
    assert "This portal was handed to someone else" in response.content.decode()


def test_no_code_is_sent_for_an_unclaimed_portal(portal, django_capture_on_commit_callbacks):
    response = ask_for_code(
        Client(), portal, "anyone@example.com", django_capture_on_commit_callbacks
    )
    assert response.status_code == 302
    assert mail.outbox == []
    assert OwnerCode.objects.count() == 0


def test_code_attempts_are_rate_limited(claimed, django_capture_on_commit_callbacks):
    browser = Client()
    ask_for_code(browser, claimed, OWNER_EMAIL, django_capture_on_commit_callbacks)
    for _ in range(10):
        enter(browser, claimed, "123456")
    response = enter(browser, claimed, "654321")
    assert response.status_code == 429
    assert response["Retry-After"]


def test_code_requests_are_rate_limited_per_client(claimed, django_capture_on_commit_callbacks):
    browser = Client(REMOTE_ADDR="10.0.0.1")
    for _ in range(5):
        response = ask_for_code(
            browser, claimed, "guess@example.com", django_capture_on_commit_callbacks
        )
        assert response.status_code == 302
    response = ask_for_code(browser, claimed, OWNER_EMAIL, django_capture_on_commit_callbacks)
    assert response.status_code == 429
    assert mail.outbox == []


def test_the_owners_inbox_gets_a_bounded_number_of_codes_whoever_asks(
    claimed, django_capture_on_commit_callbacks
):
    """Strangers who know the owner's address can trigger a few codes, not a flood:
    three per client and six per portal an hour; beyond that the answer stays the same."""
    responses = [
        ask_for_code(
            Client(REMOTE_ADDR=f"10.0.0.{n % 4}"),
            claimed,
            OWNER_EMAIL,
            django_capture_on_commit_callbacks,
        )
        for n in range(4 * 4)
    ]
    assert {response.status_code for response in responses} == {302}
    assert (CODES_PER_CLIENT_PER_HOUR, CODES_PER_PORTAL_PER_HOUR) == (3, 6)
    assert len(mail.outbox) == 6
    assert OwnerCode.objects.filter(portal=claimed).count() == 6


# --- A stranger holding the link cannot lock the owner out ------------------------


def test_a_stranger_flooding_code_requests_does_not_stop_the_owner_getting_a_code(
    claimed, django_capture_on_commit_callbacks
):
    stranger = Client(REMOTE_ADDR="203.0.113.9")
    for n in range(20):
        ask_for_code(stranger, claimed, f"guess{n}@example.com", django_capture_on_commit_callbacks)
    assert mail.outbox == []

    owner = Client(REMOTE_ADDR="198.51.100.7")
    response = ask_for_code(owner, claimed, OWNER_EMAIL, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == [OWNER_EMAIL]
    assert enter(owner, claimed, code_from(message))["Location"] == dashboard(claimed)


def test_a_stranger_asking_for_the_owners_address_does_not_retire_the_owners_code(
    claimed, django_capture_on_commit_callbacks
):
    owner = Client(REMOTE_ADDR="198.51.100.7")
    ask_for_code(owner, claimed, OWNER_EMAIL, django_capture_on_commit_callbacks)
    owners_code = code_from(mail.outbox[0])
    stranger = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(5):
        ask_for_code(stranger, claimed, OWNER_EMAIL, django_capture_on_commit_callbacks)

    assert enter(owner, claimed, owners_code)["Location"] == dashboard(claimed)


def test_a_strangers_wrong_guesses_do_not_burn_the_owners_code(
    claimed, django_capture_on_commit_callbacks
):
    owner = Client(REMOTE_ADDR="198.51.100.7")
    ask_for_code(owner, claimed, OWNER_EMAIL, django_capture_on_commit_callbacks)
    code = code_from(mail.outbox[0])
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    stranger = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(10):
        assert enter(stranger, claimed, wrong).status_code in (422, 429)

    response = enter(owner, claimed, code)
    assert response.status_code == 302
    assert response["Location"] == dashboard(claimed)
    assert owner.get(dashboard(claimed)).status_code == 200
    assert asks_to_sign_in(stranger.get(dashboard(claimed)))


def test_guessing_is_bounded_per_portal_across_all_clients(
    claimed, django_capture_on_commit_callbacks
):
    """20 wrong guesses an hour per portal, whoever makes them; after that even the
    right code is refused until the hour has passed. With at most 6 live codes, a
    stranger's chance per hour is at most 21 * 6 / 10**6."""
    owner = Client(REMOTE_ADDR="198.51.100.7")
    ask_for_code(owner, claimed, OWNER_EMAIL, django_capture_on_commit_callbacks)
    code = code_from(mail.outbox[0])
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for n in range(10):
        stranger = Client(REMOTE_ADDR=f"203.0.113.{n}")
        for _ in range(GUESSES_PER_CLIENT):
            assert enter(stranger, claimed, wrong).status_code == 422

    assert GUESSES_PER_PORTAL == 20
    assert OwnerCodeFailure.objects.filter(portal=claimed).count() == 20
    assert OwnerCode.objects.get(portal=claimed).attempts == 20
    assert (GUESSES_PER_PORTAL + 1) * CODES_PER_PORTAL_PER_HOUR / 10**6 < 0.00013
    refused = enter(owner, claimed, code)
    assert refused.status_code == 422
    assert "That code didn't work" in page_text(refused)
    assert asks_to_sign_in(owner.get(dashboard(claimed)))

    # An hour later the portal's budget is back.
    OwnerCodeFailure.objects.update(created_at=timezone.now() - timedelta(minutes=61))
    OwnerCode.objects.update(created_at=timezone.now() - timedelta(minutes=61))
    ask_for_code(owner, claimed, OWNER_EMAIL, django_capture_on_commit_callbacks)
    assert enter(owner, claimed, code_from(mail.outbox[-1]))["Location"] == dashboard(claimed)


def test_signing_out_forgets_the_portal(claimed):
    browser = owner_client(claimed)
    response = browser.post(reverse("owner:sign_out", args=[claimed.public_id]))
    assert response.status_code == 302
    assert asks_to_sign_in(browser.get(dashboard(claimed)))
