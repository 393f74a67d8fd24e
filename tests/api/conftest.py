"""API fixtures: a key for alice's organization and one for charlie's (the outsider).

`api` is a client that sends alice's key; `outsider_api` sends charlie's, so a
test can ask for alice's objects with a valid key of another organization.
"""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client

from credits.ledger import balances
from deliveries.models import Delivery
from door.api import check_in_public_id
from door.checkins import check_in
from door.models import CheckIn, CheckInPass
from events.models import EntryWindow, Event
from invites.models import Invite, InviteBatch
from invites.services import GuestInput, generate_organizer_invites
from organizations.api_key_services import NewApiKey, create_api_key
from organizations.models import Organization
from portals.claiming import claim_portal
from portals.models import InviteType, Portal, PortalGroup
from tests.conftest import give_credits


class ApiClient:
    """django.test.Client speaking JSON with a bearer key."""

    def __init__(self, key: str | None) -> None:
        self.key = key
        self.client = Client()

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        sent = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        sent.update(headers or {})
        return sent

    def get(self, path: str, params: dict[str, Any] | None = None, **kw: Any) -> Any:
        return self.client.get(
            "/api/v1" + path, params or {}, headers=self._headers(kw.pop("headers", None))
        )

    def _send(self, method: str, path: str, body: Any, headers: dict[str, str] | None) -> Any:
        return getattr(self.client, method)(
            "/api/v1" + path,
            data=json.dumps(body) if body is not None else "",
            content_type="application/json",
            headers=self._headers(headers),
        )

    def post(self, path: str, body: Any = None, *, headers: dict[str, str] | None = None) -> Any:
        return self._send("post", path, body, headers)

    def patch(self, path: str, body: Any = None, *, headers: dict[str, str] | None = None) -> Any:
        return self._send("patch", path, body, headers)

    def delete(self, path: str, body: Any = None, *, headers: dict[str, str] | None = None) -> Any:
        return self._send("delete", path, body, headers)


@pytest.fixture
def alice_key(org: Organization, alice: Any) -> NewApiKey:
    return create_api_key(org, name="CRM sync", created_by=alice)


@pytest.fixture
def charlie_key(other_org: Organization, charlie: Any) -> NewApiKey:
    return create_api_key(other_org, name="Charlie's key", created_by=charlie)


@pytest.fixture
def api(alice_key: NewApiKey) -> ApiClient:
    return ApiClient(alice_key.secret)


@pytest.fixture
def outsider_api(charlie_key: NewApiKey) -> ApiClient:
    return ApiClient(charlie_key.secret)


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code, body
    assert set(body) == {"code", "message", "details"}
    assert body["message"]
    return body


@pytest.fixture
def assigned_portal(portal: Portal, org: Organization) -> Portal:
    """alice's portal, claimed by its owner (one portal credit used)."""
    give_credits(org, portal=1)
    return claim_portal(portal, email="owner@galerie-nord.example")


@pytest.fixture
def world(
    org: Organization, event: Event, group: PortalGroup, assigned_portal: Portal
) -> SimpleNamespace:
    """alice's objects with invite credits to spare, one organizer invite, and a guest
    who accepted (party of two, check-in code WORLD_CODE) with one of them checked in."""
    give_credits(org, invite=20)
    batch = generate_organizer_invites(
        event,
        [GuestInput(name="Ada Lovelace", email="ada@example.com")],
        method=InviteBatch.Method.SINGLE,
    )
    invite = batch.invites.get()
    # A window that lists no type: it admits every invite, so no answer changes.
    window = EntryWindow.objects.create(
        organization=org,
        event=event,
        label="All days",
        starts_at=event.starts_at,
        ends_at=event.ends_at,
    )
    [arrived] = generate_organizer_invites(
        event,
        [GuestInput(name="Grace Hopper", email="grace@example.com", plus_ones=1)],
        method=InviteBatch.Method.SINGLE,
    ).invites.all()
    # Accepted without a window (so the door lets them in now) and without the answer's
    # confirmation email: the world's snapshot starts with no delivery of its own.
    Invite.objects.filter(pk=arrived.pk).update(status=Invite.Status.ACCEPTED, plus_ones=1)
    CheckInPass.objects.create(organization=org, invite=arrived, code=WORLD_CODE)
    [first_in] = check_in(event, WORLD_CODE, staff=None).admitted
    return SimpleNamespace(
        event=event.public_id,
        group=group.public_id,
        portal=assigned_portal.public_id,
        invite=invite.public_id,
        invite_type=InviteType.objects.get(group=group).public_id,
        window=window.public_id,
        check_in=check_in_public_id(first_in.pk),
        organization=org,
    )


def fill(path: str, ids: SimpleNamespace) -> str:
    return path.format(
        event=ids.event,
        group=ids.group,
        portal=ids.portal,
        invite=ids.invite,
        invite_type=ids.invite_type,
        window=ids.window,
        check_in=ids.check_in,
    )


# The check-in code of the world's accepted guest.
WORLD_CODE = "WRLDCDE2345678ABCDEF"

EVENT_BODY = {
    "name": "Autumn Fair",
    "starts_at": "2031-10-01T11:00:00",
    "ends_at": "2031-10-04T18:00:00",
    "timezone": "Europe/Zurich",
}

# Every endpoint, with a body that would succeed for alice's key.
ENDPOINTS: list[tuple[str, str, Any]] = [
    ("get", "/credits", None),
    ("get", "/credits/entries", None),
    ("get", "/purchases", None),
    ("get", "/events", None),
    ("post", "/events", EVENT_BODY),
    ("get", "/events/{event}", None),
    ("patch", "/events/{event}", {"venue": "Hall 3"}),
    ("get", "/events/{event}/portal-groups", None),
    ("post", "/events/{event}/portal-groups", {"name": "Sponsors", "kind": "sponsor"}),
    ("get", "/portal-groups/{group}", None),
    ("patch", "/portal-groups/{group}", {"default_allocation": 15}),
    ("get", "/portal-groups/{group}/portals", None),
    ("post", "/portal-groups/{group}/portals", {"name": "Studio Aalto"}),
    ("get", "/portal-groups/{group}/invite-types", None),
    ("post", "/portal-groups/{group}/invite-types", {"name": "VIP", "code": "vip"}),
    ("patch", "/invite-types/{invite_type}", {"name": "Regular"}),
    ("get", "/events/{event}/entry-windows", None),
    (
        "post",
        "/events/{event}/entry-windows",
        {"label": "VIP", "starts_at": "2031-10-01T11:00:00", "ends_at": "2031-10-01T15:00:00"},
    ),
    ("patch", "/entry-windows/{window}", {"capacity": 100}),
    ("get", "/portals/{portal}", None),
    ("patch", "/portals/{portal}", {"allocation": 12}),
    ("post", "/portals/{portal}/invites", {"blank": 1}),
    ("post", "/events/{event}/invites", {"blank": 1}),
    ("get", "/portals/{portal}/invites", None),
    ("get", "/events/{event}/invites", None),
    ("get", "/invites/{invite}", None),
    ("post", "/invites/{invite}/send", None),
    ("post", "/invites/{invite}/revoke", None),
    ("post", "/invites/{invite}/response", {"status": "declined"}),
    ("post", "/events/{event}/check-ins", {"code": WORLD_CODE}),
    ("delete", "/check-ins/{check_in}", None),
    ("get", "/events/{event}/attendance", None),
]
# The endpoints a key limited to check-in may call.
CHECK_IN_ENDPOINTS = {
    ("post", "/events/{event}/check-ins"),
    ("delete", "/check-ins/{check_in}"),
    ("get", "/events/{event}/attendance"),
}
# The endpoints that name one of alice's objects in their path.
ENDPOINTS_WITH_IDS = [endpoint for endpoint in ENDPOINTS if "{" in endpoint[1]]


def call(client: ApiClient, method: str, path: str, body: Any) -> Any:
    if method == "get":
        return client.get(path)
    return getattr(client, method)(path, body)


def snapshot(organization: Organization) -> dict[str, Any]:
    """What a refused request must leave unchanged."""
    return {
        "events": list(Event.objects.values_list("public_id", "name", "venue", "archived_at")),
        "groups": list(PortalGroup.objects.values_list("public_id", "name", "default_allocation")),
        "portals": list(Portal.objects.values_list("public_id", "name", "allocation", "status")),
        "invite_types": list(InviteType.objects.values_list("public_id", "name", "code")),
        "windows": list(EntryWindow.objects.values_list("public_id", "label", "capacity")),
        "invites": list(Invite.objects.values_list("public_id", "status")),
        "balances": balances(organization),
        "deliveries": Delivery.objects.count(),
        "check_ins": CheckIn.objects.count(),
    }
