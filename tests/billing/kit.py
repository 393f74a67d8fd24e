"""Billing test kit: a local HTTP fake of the Stripe API, signed webhooks.

The real `stripe` library talks to `FakeStripe` over HTTP (settings
STRIPE_API_BASE), so the requests we build are the ones Stripe would get.
Webhook bodies come from the JSON files in `payloads/`, are filled in with a
purchase's ids and signed like Stripe signs them, so the real signature
check runs.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from django.db import transaction
from django.test import Client
from django.urls import reverse

from billing.models import Bundle, Purchase
from credits import ledger
from credits.models import CreditEntry
from organizations.models import Organization

PAYLOADS = Path(__file__).parent / "payloads"
WEBHOOK_SECRET = "whsec_test_artsvp_0123456789abcdef"
WEBHOOK_URL = "/billing/stripe/webhook/"


class FakeStripe:
    """The two Stripe endpoints we use, answered from memory, every request recorded."""

    def __init__(self) -> None:
        self.sessions: dict[str, dict[str, Any]] = {}
        self.requests: list[dict[str, Any]] = []
        self.by_idempotency_key: dict[str, str] = {}
        self.fail_with: tuple[int, dict[str, Any]] | None = None
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def reset(self) -> None:
        with self.lock:
            self.sessions.clear()
            self.requests.clear()
            self.by_idempotency_key.clear()
            self.fail_with = None

    def created_sessions(self) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["method"] == "POST"]

    def complete(self, session_id: str | None, *, paid: bool = True) -> dict[str, Any]:
        """What happens when the buyer pays on Stripe's page."""
        assert session_id, "the purchase has no Checkout session"
        with self.lock:
            session = self.sessions[session_id]
            session["status"] = "complete"
            session["payment_status"] = "paid" if paid else "unpaid"
            session["payment_intent"] = f"pi_test_{uuid.uuid4().hex[:20]}"
            session["url"] = None
            return copy.deepcopy(session)

    def _new_session(self, params: dict[str, str]) -> dict[str, Any]:
        session_id = f"cs_test_{uuid.uuid4().hex}"
        amount = int(params["line_items[0][price_data][unit_amount]"])
        return {
            "id": session_id,
            "object": "checkout.session",
            "amount_subtotal": amount,
            "amount_total": amount,
            "cancel_url": params.get("cancel_url"),
            "client_reference_id": params.get("client_reference_id"),
            "currency": params["line_items[0][price_data][currency]"],
            "customer_email": params.get("customer_email"),
            "livemode": False,
            "metadata": {
                key[len("metadata[") : -1]: value
                for key, value in params.items()
                if key.startswith("metadata[")
            },
            "mode": params.get("mode"),
            "payment_intent": None,
            "payment_status": "unpaid",
            "status": "open",
            "success_url": params.get("success_url"),
            "url": f"https://checkout.stripe.test/c/pay/{session_id}",
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _reply(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", f"req_{uuid.uuid4().hex[:14]}")
                self.end_headers()
                self.wfile.write(data)

            def _record(self, params: dict[str, str]) -> dict[str, Any]:
                request = {
                    "method": self.command,
                    "path": urlsplit(self.path).path,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "params": params,
                }
                with fake.lock:
                    fake.requests.append(request)
                return request

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                params = dict(parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True))
                request = self._record(params)
                if fake.fail_with is not None:
                    self._reply(*fake.fail_with)
                    return
                if request["path"] != "/v1/checkout/sessions":
                    self._reply(404, {"error": {"type": "invalid_request_error"}})
                    return
                key = request["headers"].get("idempotency-key", "")
                with fake.lock:
                    # Like Stripe: the same key returns the session created the first time.
                    if key and key in fake.by_idempotency_key:
                        session = fake.sessions[fake.by_idempotency_key[key]]
                    else:
                        session = fake._new_session(params)
                        fake.sessions[session["id"]] = session
                        if key:
                            fake.by_idempotency_key[key] = session["id"]
                    body = copy.deepcopy(session)
                self._reply(200, body)

            def do_GET(self) -> None:
                request = self._record(dict(parse_qsl(urlsplit(self.path).query)))
                session_id = request["path"].removeprefix("/v1/checkout/sessions/")
                if fake.fail_with is not None:
                    self._reply(*fake.fail_with)
                    return
                with fake.lock:
                    session = copy.deepcopy(fake.sessions.get(session_id))
                if session is None:
                    self._reply(
                        404,
                        {
                            "error": {
                                "type": "invalid_request_error",
                                "code": "resource_missing",
                                "message": f"No such checkout.session: '{session_id}'",
                            }
                        },
                    )
                    return
                self._reply(200, session)

        return Handler


def buy(client: Client, organization: Organization, bundle: Bundle) -> Any:
    return client.post(reverse("billing:buy", args=[organization.slug, bundle.pk]))


def bought(client: Client, organization: Organization, bundle: Bundle) -> Purchase:
    """A purchase opened through the real buy view, pending on Stripe's page."""
    response = buy(client, organization, bundle)
    assert response.status_code == 303, response
    return Purchase.objects.filter(organization=organization).latest("created_at")


def payload(name: str, *, event_id: str | None = None, **changes: Any) -> dict[str, Any]:
    event = json.loads((PAYLOADS / f"{name}.json").read_text())
    if event_id:
        event["id"] = event_id
    event["data"]["object"].update(changes)
    return event


def session_event(
    name: str, purchase: Purchase, *, event_id: str | None = None, **changes: Any
) -> dict[str, Any]:
    """A checkout.session.* event about this purchase's real session."""
    amount = int(purchase.total_price * 100)
    fields = {
        "id": purchase.stripe_checkout_session_id,
        "client_reference_id": purchase.public_id,
        "metadata": {"purchase_id": purchase.public_id, "organization": purchase.organization.slug},
        "amount_subtotal": amount,
        "amount_total": amount,
        "currency": purchase.currency.lower(),
    }
    return payload(name, event_id=event_id, **{**fields, **changes})


def charge_event(
    purchase: Purchase, *, amount_refunded: int, event_id: str | None = None
) -> dict[str, Any]:
    amount = int(purchase.total_price * 100)
    return payload(
        "charge.refunded",
        event_id=event_id,
        amount=amount,
        amount_captured=amount,
        amount_refunded=amount_refunded,
        refunded=amount_refunded >= amount,
        payment_intent=purchase.stripe_payment_intent_id,
    )


def sign(body: str, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """The Stripe-Signature header: t=<unix time>,v1=HMAC-SHA256(secret, "<t>.<body>")."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def deliver(event: dict[str, Any] | str, *, client: Client | None = None, **sign_kwargs: Any):
    body = event if isinstance(event, str) else json.dumps(event)
    return (client or Client()).post(
        WEBHOOK_URL,
        data=body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign(body, **sign_kwargs),
    )


def use_credits(organization: Organization, kind: str, amount: int) -> None:
    with transaction.atomic():
        ledger.consume(
            organization,
            kind,
            amount,
            reason=CreditEntry.Reason.INVITE_GENERATION,
            idempotency_key=f"test-use:{uuid.uuid4().hex}",
        )


def purchase_entries(purchase: Purchase) -> list[CreditEntry]:
    return list(CreditEntry.objects.filter(purchase=purchase).order_by("id"))
