"""A second channel through the same outbox: a test-only HTTP channel posting
JSON to a real `http.server` on 127.0.0.1 goes through the same claim, retry
with backoff, and "sent recorded once" (with its sent hook) as email does."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.utils import timezone

from deliveries import hooks
from deliveries.channels import get_channel, register_channel, unregister_channel
from deliveries.models import Delivery
from deliveries.services import InvalidRecipient, RetryLater, queue_message, send_queued_delivery
from deliveries.services.sending import MAX_ATTEMPTS

pytestmark = pytest.mark.django_db

TEMPLATE = "test-webhook"


@dataclass
class Receiver:
    """A local HTTP endpoint that answers the scripted statuses, then 200."""

    url: str = ""
    statuses: list[int] = field(default_factory=list)
    posts: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            status = state.statuses.pop(0) if state.statuses else 200
            state.posts.append({"status": status, "body": body})
            answer = json.dumps({"id": f"evt-{len(state.posts)}"}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    yield state
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@dataclass(frozen=True)
class HttpChannel:
    """What a webhook channel looks like: JSON out, the receiver's id back."""

    name: str = "test-http"

    def validate_recipient(self, recipient: str) -> bool:
        return recipient.startswith("http://127.0.0.1:")

    def build(self, delivery: Delivery) -> urllib.request.Request:
        payload = {"type": delivery.template, "data": delivery.context}
        return urllib.request.Request(
            delivery.recipient,
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )

    def send(self, message: urllib.request.Request) -> str:
        with urllib.request.urlopen(message, timeout=5) as response:
            return str(json.loads(response.read())["id"])

    def is_transient(self, exc: BaseException) -> bool:
        if isinstance(exc, urllib.error.HTTPError):
            return exc.code == 429 or exc.code >= 500
        return isinstance(exc, OSError)

    def describe_error(self, exc: BaseException) -> str:
        if isinstance(exc, urllib.error.HTTPError):
            return f"HTTP {exc.code}"
        return type(exc).__name__


@pytest.fixture
def http_channel() -> Iterator[HttpChannel]:
    channel = HttpChannel()
    register_channel(channel)
    yield channel
    unregister_channel(channel.name)


@pytest.fixture
def sent_hook(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    # Registered for this test only: the registry is restored afterwards.
    monkeypatch.setitem(hooks._SENT_HOOKS, TEMPLATE, {})

    @hooks.on_sent(TEMPLATE)
    def record(delivery: Delivery) -> None:
        calls.append(delivery.pk)

    return calls


def queue(receiver: Receiver, channel: HttpChannel) -> Delivery:
    return queue_message(
        TEMPLATE, channel=channel.name, to=receiver.url, context={"portal": "Galerie Nord"}
    )


def test_the_channel_is_found_by_the_name_the_row_carries(http_channel: HttpChannel) -> None:
    assert get_channel("test-http") is http_channel
    assert get_channel(Delivery.Channel.EMAIL).name == "email"


def test_a_transient_http_error_is_retried_with_backoff_and_sent_once(
    receiver: Receiver, http_channel: HttpChannel, sent_hook: list[int]
) -> None:
    receiver.statuses = [503]
    delivery = queue(receiver, http_channel)

    # The first attempt: claimed, refused by the receiver, back in the queue later.
    before = timezone.now()
    with pytest.raises(RetryLater) as retry:
        send_queued_delivery(delivery.pk)
    assert retry.value.countdown > 0
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (
        Delivery.Status.QUEUED,
        1,
        "HTTP 503",
    )
    assert delivery.next_attempt_at > before
    assert sent_hook == []

    # The retry: sent, with the receiver's id, and the hook ran.
    assert send_queued_delivery(delivery.pk) == "sent"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.provider_message_id) == (
        Delivery.Status.SENT,
        2,
        "evt-2",
    )
    assert delivery.sent_at is not None and delivery.last_error == ""
    assert sent_hook == [delivery.pk]

    # A duplicate task (a broker redelivery, the sweeper) backs off at the claim.
    assert send_queued_delivery(delivery.pk) == "skipped"
    assert [post["status"] for post in receiver.posts] == [503, 200]
    assert receiver.posts[-1]["body"] == {"type": TEMPLATE, "data": {"portal": "Galerie Nord"}}
    assert sent_hook == [delivery.pk]


def test_the_send_task_retries_an_http_message_after_commit(
    receiver: Receiver,
    http_channel: HttpChannel,
    sent_hook: list[int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    receiver.statuses = [502, 429]
    with django_capture_on_commit_callbacks(execute=True):
        delivery = queue(receiver, http_channel)
    # Nothing goes before the transaction commits; then the task retries until it is sent.
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.SENT, 3)
    assert [post["status"] for post in receiver.posts] == [502, 429, 200]
    assert sent_hook == [delivery.pk]


def test_a_permanent_http_error_fails_at_once_and_runs_no_hook(
    receiver: Receiver, http_channel: HttpChannel, sent_hook: list[int]
) -> None:
    receiver.statuses = [410]
    delivery = queue(receiver, http_channel)

    assert send_queued_delivery(delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (
        Delivery.Status.FAILED,
        1,
        "HTTP 410",
    )
    assert len(receiver.posts) == 1 and sent_hook == []


def test_an_unreachable_receiver_gives_up_after_the_last_attempt(
    http_channel: HttpChannel, sent_hook: list[int]
) -> None:
    # A port nobody listens on: connection refused, an OSError, transient.
    delivery = queue_message(
        TEMPLATE, channel=http_channel.name, to="http://127.0.0.1:9/hook", context={}
    )
    Delivery.objects.filter(pk=delivery.pk).update(attempts=MAX_ATTEMPTS - 1)

    assert send_queued_delivery(delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.FAILED, MAX_ATTEMPTS)
    assert delivery.last_error == "URLError"
    assert sent_hook == []


def test_a_recipient_the_channel_refuses_is_not_queued(http_channel: HttpChannel) -> None:
    with pytest.raises(InvalidRecipient):
        queue_message(TEMPLATE, channel=http_channel.name, to="ftp://example.com", context={})
    assert not Delivery.objects.exists()
