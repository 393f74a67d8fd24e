"""The email provider's tracking webhook, as the internet reaches it: only the
configured provider's URL exists, it needs the webhook secret, and anything
forged or unreadable is a 400 that changes nothing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import importlib
import json
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from anymail.urls import urlpatterns as anymail_urlpatterns
from django.conf import settings as django_settings
from django.core import mail
from django.test import Client
from django.urls import NoReverseMatch, clear_url_caches, reverse

from deliveries.models import Delivery
from invites.models import Invite
from invites.sending import queue_invite_emails

pytestmark = pytest.mark.django_db

SECRET = "hook:s3cret-0123456789"
MAILGUN_KEY = "mailgun-signing-key-0123456789"
# Every URL anymail offers (inbound and tracking, all providers); the one regex
# among them (mailgun's inbound) written out plainly.
ALL_ANYMAIL_URLS = sorted(
    {
        "/anymail/" + str(p.pattern).strip("^$").replace("(_mime)?", "_mime")
        for p in anymail_urlpatterns
    }
)


def reload_urlconf() -> None:
    """The tracking URL is chosen when the urlconf is imported, as at startup."""
    for name in ("deliveries.urls", django_settings.ROOT_URLCONF):
        if name in sys.modules:
            importlib.reload(sys.modules[name])
    clear_url_caches()


Configure = Callable[..., None]


@pytest.fixture
def provider(settings: Any) -> Iterator[Configure]:
    original = getattr(django_settings, "ANYMAIL_ESP", "")

    def configure(esp: str, *, secret: str | None = SECRET, **anymail: str) -> None:
        settings.ANYMAIL_ESP = esp
        settings.ANYMAIL = {**({"WEBHOOK_SECRET": secret} if secret else {}), **anymail}
        reload_urlconf()

    yield configure
    settings.ANYMAIL_ESP = original
    reload_urlconf()


@pytest.fixture
def sent_delivery(
    settings: Any, portal_invite: Invite, django_capture_on_commit_callbacks: Any
) -> Delivery:
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        queued = queue_invite_emails([portal_invite], subject="Hi {{ name }}", message="Come!")
    delivery = Delivery.objects.get(pk=queued[0].pk)
    assert delivery.status == Delivery.Status.SENT
    mail.outbox.clear()
    return delivery


def basic_auth(credentials: str) -> str:
    return "Basic " + base64.b64encode(credentials.encode()).decode()


def postmark_bounce(message_id: str) -> bytes:
    return json.dumps(
        {
            "RecordType": "Bounce",
            "Type": "HardBounce",
            "MessageID": message_id,
            "Email": "ada@example.com",
            "Description": "The server was unable to deliver your message",
            "BouncedAt": "2026-03-01T10:00:00Z",
        }
    ).encode()


def mailgun_signature(key: str = MAILGUN_KEY) -> dict[str, str]:
    timestamp, token = "1772359200", "a" * 50
    digest = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    return {"timestamp": timestamp, "token": token, "signature": digest}


def mailgun_failure(message_id: str, *, key: str = MAILGUN_KEY) -> bytes:
    return json.dumps(
        {
            "signature": mailgun_signature(key),
            "event-data": {
                "event": "failed",
                "severity": "permanent",
                "timestamp": 1772359200.0,
                "recipient": "ada@example.com",
                "message": {"headers": {"message-id": message_id}},
                "delivery-status": {"description": "No such mailbox", "message": "550"},
            },
        }
    ).encode()


def post(url: str, body: bytes, *, auth: str | None = basic_auth(SECRET), **extra: Any) -> Any:
    headers: dict[str, Any] = {"HTTP_AUTHORIZATION": auth} if auth else {}
    client = Client(raise_request_exception=False)
    return client.post(url, body, content_type="application/json", **headers, **extra)


def unchanged(delivery: Delivery) -> bool:
    before = (delivery.status, delivery.last_error, delivery.opened_at, delivery.updated_at)
    delivery.refresh_from_db()
    return before == (delivery.status, delivery.last_error, delivery.opened_at, delivery.updated_at)


# --- Genuine events -------------------------------------------------------------------------


def test_a_postmark_event_with_the_webhook_secret_updates_the_delivery(
    provider: Configure, sent_delivery: Delivery
) -> None:
    provider("postmark")

    response = post("/anymail/postmark/tracking/", postmark_bounce("0"))

    assert response.status_code == 200
    sent_delivery.refresh_from_db()
    assert sent_delivery.status == Delivery.Status.BOUNCED
    assert sent_delivery.last_error == "The server was unable to deliver your message"


def test_a_signed_mailgun_event_updates_the_delivery(
    provider: Configure, sent_delivery: Delivery
) -> None:
    provider("mailgun", MAILGUN_WEBHOOK_SIGNING_KEY=MAILGUN_KEY)
    Delivery.objects.filter(pk=sent_delivery.pk).update(provider_message_id="<m1@mg.example>")

    response = post("/anymail/mailgun/tracking/", mailgun_failure("m1@mg.example"))

    assert response.status_code == 200
    sent_delivery.refresh_from_db()
    assert (sent_delivery.status, sent_delivery.last_error) == (
        Delivery.Status.BOUNCED,
        "No such mailbox",
    )


def test_the_configured_provider_s_url_has_its_usual_name(provider: Configure) -> None:
    provider("postmark")
    assert reverse("deliveries:anymail:postmark_tracking_webhook") == "/anymail/postmark/tracking/"


# --- Forged events --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "auth",
    [
        None,
        basic_auth("hook:wrong"),
        basic_auth("other:s3cret-0123456789"),
        basic_auth(SECRET + "x"),
        "Bearer " + SECRET,
        "Basic !!!not-base64!!!",
    ],
    ids=["no-auth", "wrong-password", "wrong-user", "longer", "bearer", "junk"],
)
def test_a_forged_postmark_event_is_refused_and_changes_nothing(
    provider: Configure, sent_delivery: Delivery, settings: Any, auth: str | None
) -> None:
    settings.ADMINS = [("ops", "ops@example.com")]
    provider("postmark")

    response = post("/anymail/postmark/tracking/", postmark_bounce("0"), auth=auth)

    assert response.status_code == 400
    assert unchanged(sent_delivery)
    # Forgeries are expected on a public URL: no email to ADMINS for each one.
    assert mail.outbox == []


def test_a_mailgun_event_with_a_wrong_signature_is_refused(
    provider: Configure, sent_delivery: Delivery
) -> None:
    provider("mailgun", MAILGUN_WEBHOOK_SIGNING_KEY=MAILGUN_KEY)
    Delivery.objects.filter(pk=sent_delivery.pk).update(provider_message_id="<m1@mg.example>")

    response = post("/anymail/mailgun/tracking/", mailgun_failure("m1@mg.example", key="guess"))

    assert response.status_code == 400
    assert unchanged(sent_delivery)


def test_without_a_webhook_secret_every_event_is_refused(
    provider: Configure, sent_delivery: Delivery
) -> None:
    # anymail alone would accept anyone's events when WEBHOOK_SECRET is unset.
    provider("postmark", secret=None)

    response = post("/anymail/postmark/tracking/", postmark_bounce("0"), auth=None)

    assert response.status_code == 400
    assert unchanged(sent_delivery)


# --- Malformed bodies -----------------------------------------------------------------------

UNREADABLE_BODIES = {
    "not-json": b"RecordType=Bounce",
    "truncated-json": b'{"RecordType": "Bounce", "MessageID": ',
    "json-string": b'"Bounce"',
    "json-number": b"42",
    "json-null": b"null",
    "junk-bytes": b"\xff\xfe\x00\x81junk\x00",
    "empty": b"",
}
# JSON, but not the shape this provider's parser reads.
WRONG_SHAPES = {
    "postmark": [
        b'[{"RecordType": "Bounce", "MessageID": "0"}]',
        b'{"RecordType": ["Bounce"], "MessageID": "0"}',
        b'{"RecordType": "Bounce", "MessageID": "0", "BouncedAt": 5}',
    ],
    "mailgun": [
        b"[]",
        b'{"signature": [], "event-data": "failed"}',
        b'{"signature": {"token": 1}, "event-data": {"event": []}}',
    ],
    "sparkpost": [b'{"msys": {}}', b"[1]", b'[{"msys": []}]', b'[{"msys": {"message_event": 1}}]'],
    "mailjet": [b"[1]", b'{"event": ["bounce"]}', b'{"event": "bounce", "time": "x"}'],
    "brevo": [b'[{"event": "hard_bounce"}]', b'{"event": ["hard_bounce"], "message-id": "0"}'],
}
MALFORMED = [
    pytest.param(esp, body, id=f"{esp}-{name}")
    for esp in WRONG_SHAPES
    for name, body in [
        *UNREADABLE_BODIES.items(),
        *((f"shape{n}", b) for n, b in enumerate(WRONG_SHAPES[esp])),
    ]
]


@pytest.mark.parametrize(("esp", "body"), MALFORMED)
def test_a_malformed_body_with_the_right_secret_is_a_400_that_changes_nothing(
    provider: Configure, sent_delivery: Delivery, settings: Any, esp: str, body: bytes
) -> None:
    settings.ADMINS = [("ops", "ops@example.com")]
    provider(esp, MAILGUN_WEBHOOK_SIGNING_KEY=MAILGUN_KEY)

    response = post(f"/anymail/{esp}/tracking/", body)

    assert response.status_code == 400
    assert unchanged(sent_delivery)
    assert mail.outbox == []


@pytest.mark.parametrize(
    "message_id", ["0\x00", "0" * 300, "\x00"], ids=["nul", "too-long", "only-nul"]
)
def test_an_event_for_an_id_no_delivery_can_have_is_ignored(
    provider: Configure, sent_delivery: Delivery, message_id: str
) -> None:
    provider("postmark")

    response = post("/anymail/postmark/tracking/", postmark_bounce(message_id))

    assert response.status_code == 200
    assert unchanged(sent_delivery)


# --- Which URLs exist -----------------------------------------------------------------------


def test_other_providers_webhook_urls_do_not_exist(provider: Configure) -> None:
    provider("postmark")
    auth = basic_auth(SECRET)

    others = [url for url in ALL_ANYMAIL_URLS if url != "/anymail/postmark/tracking/"]
    assert "/anymail/mailgun/tracking/" in others and "/anymail/postmark/inbound/" in others
    for url in others:
        assert post(url, b"{}", auth=auth).status_code == 404, url
    with pytest.raises(NoReverseMatch):
        reverse("deliveries:anymail:mailgun_tracking_webhook")


def test_without_a_provider_no_tracking_url_exists(provider: Configure) -> None:
    provider("")

    for url in ALL_ANYMAIL_URLS:
        assert post(url, b"{}").status_code == 404, url
    with pytest.raises(NoReverseMatch):
        reverse("deliveries:anymail:postmark_tracking_webhook")
