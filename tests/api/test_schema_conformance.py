"""schemathesis against our own OpenAPI schema, in-process through the WSGI app.

Every operation gets generated requests (valid and invalid) with a real key;
half of them address real objects so that success responses are checked too.
No response may be a server error, and every response must match the status
codes, content types and bodies the schema documents.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import checks
from schemathesis.config import SchemathesisConfig

from events.models import Event
from invites.services import MAX_BATCH_SIZE
from organizations.api_key_services import NewApiKey
from portals.models import Portal, PortalGroup

# Every check schemathesis has (negative data rejected, positive data accepted,
# headers, methods, auth...). Valid requests may still meet a refusal that
# depends on stored state, which no schema can state: 402 when the credits run
# out, 409 for a revoked portal or a used-up allocation. Those are expected
# answers to well-formed data; a 422 to a valid case is not.
checks.load_all_checks()
CHECKS = list(checks.CHECKS.get_all())
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "401", "402", "403", "404", "409", "429"]
            }
        }
    }
)
_alternate = itertools.count()


@pytest.fixture(autouse=True)
def _in_process(db: Any, settings: Any) -> Iterator[None]:
    settings.API_RATE_LIMIT = "100000/900"
    # The WSGI handler would close the test's connection (and its transaction)
    # at the end of each request; django.test.Client does the same unhooking.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json", get_wsgi_application(), config=CONFIG
)


def within_rules_the_schema_cannot_state(case: Any, world: SimpleNamespace) -> None:
    """A valid case stays valid for the rules JSON Schema cannot express (or only
    at great cost), each tested on its own elsewhere (tests/api/): an event ends
    after it starts (two fields, or a field and the stored event); a time zone is
    one the tz database knows; an event's slug is free; one invite per address in
    a batch; no NUL in metadata; an invite type is one of the group's; guests and
    blank links together at most MAX_BATCH_SIZE; a portal's guests bring at most
    its group's plus-ones; an allocation never drops below what is used; an
    idempotency key stands for one request (another body is refused); an answer's
    entry window is one of the event's."""
    if case.meta is not None and case.meta.generation.mode.is_negative:
        return
    if isinstance(case.body, dict) and {"starts_at", "ends_at"} & set(case.body):
        case.body.pop("ends_at", None)
        starts = case.body.pop("starts_at", None)
        if case.method == "POST" and isinstance(starts, str):
            case.body["starts_at"], case.body["ends_at"] = EVENT_TIMES
    if (
        isinstance(case.body, dict)
        and isinstance(case.body.get("slug"), str)
        and case.body["slug"]
        and Event.objects.filter(slug=case.body["slug"]).exists()
    ):
        # An event's address is unique in its organization (stored state).
        case.body["slug"] = f"event-{next(_keys)}"
    if isinstance(case.body, dict) and isinstance(case.body.get("timezone"), str):
        # The schema says "an IANA zone name"; as an enum of ~600 names it made
        # the run five times slower, so valid cases pick a real one here.
        case.body["timezone"] = "Europe/Zurich"
    # Invite types and entry windows named in a body are the event's (stored state):
    # a valid case names none, or the world's own type by its code.
    bodies = case.body if isinstance(case.body, list) else [case.body]
    for body in bodies:
        if not isinstance(body, dict):
            continue
        for name in ("windows", "invite_types"):
            if isinstance(body.get(name), list):
                body[name] = []
        if isinstance(body.get("allocations"), list):
            body["allocations"] = [
                {**row, "invite_type": "standard"}
                for row in body["allocations"][:1]
                if isinstance(row, dict)
            ]
    if isinstance(case.body, dict) and isinstance(case.body.get("entry_window"), str):
        # An answer's entry window is one of the event's (stored state).
        case.body["entry_window"] = world.window
    if isinstance(case.body, dict) and case.path.endswith("/invites"):
        # An invite type is named by a code of the portal's group (stored state):
        # an unknown one is a 422 of its own (tests/api/test_invites.py).
        case.body.pop("invite_type", None)
        listed = case.body.get("guests")
        for guest in listed if isinstance(listed, list) else []:
            if isinstance(guest, dict):
                guest.pop("invite_type", None)
    guests = case.body.get("guests") if isinstance(case.body, dict) else None
    if isinstance(guests, list):
        # Metadata holds no NUL (PostgreSQL cannot store it in JSON): a rule on
        # every key and string at any depth, which the schema does not state.
        for guest in guests:
            if isinstance(guest, dict) and "metadata" in guest:
                guest["metadata"] = _without_nul(guest["metadata"])
        # One invite per address in a batch, and a portal's guests bring at most
        # its group's plus-ones: rules about other items and stored settings.
        seen: set[str] = set()
        unique = []
        for guest in guests:
            email = guest.get("email") if isinstance(guest, dict) else None
            if isinstance(email, str) and email.lower() in seen:
                continue
            if isinstance(email, str):
                seen.add(email.lower())
            if isinstance(guest, dict) and "/portals/" in case.path:
                cap = PortalGroup.objects.filter(portals__public_id=world.portal).values_list(
                    "default_plus_ones", flat=True
                )
                plus_ones = guest.get("plus_ones")
                if isinstance(plus_ones, int | float) and plus_ones > cap[0]:
                    guest["plus_ones"] = cap[0]
            unique.append(guest)
        case.body["guests"] = unique
    if isinstance(case.body, dict) and isinstance(case.body.get("blank"), int | float):
        # At most MAX_BATCH_SIZE invites a batch, guests and blank links together.
        listed = case.body.get("guests")
        room = MAX_BATCH_SIZE - (len(listed) if isinstance(listed, list) else 0)
        case.body["blank"] = max(0, min(int(case.body["blank"]), room))
    if (
        isinstance(case.body, dict)
        and isinstance(case.body.get("allocation"), int | float)
        and case.method == "PATCH"
    ):
        # An allocation never drops below what the portal has used (stored state).
        used = Portal.objects.filter(public_id=case.path_parameters.get("portal_id")).values_list(
            "invites_used", flat=True
        )
        if used and case.body["allocation"] < used[0]:
            case.body["allocation"] = used[0]
    if case.headers and "Idempotency-Key" in case.headers:
        case.headers["Idempotency-Key"] = f"key-{next(_keys)}"


def _without_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_without_nul(key): _without_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    return value


EVENT_TIMES = ("2031-10-01T11:00:00Z", "2031-10-04T18:00:00Z")
_keys = itertools.count()


def use_real_ids(case: Any, world: SimpleNamespace) -> None:
    real = {
        "event_id": world.event,
        "group_id": world.group,
        "portal_id": world.portal,
        "invite_id": world.invite,
        "type_id": world.invite_type,
        "window_id": world.window,
        "check_in_id": world.check_in,
    }
    # Only in valid cases: a negative case's wrong path parameter is the point of it.
    if case.meta is not None and case.meta.generation.mode.is_negative:
        return
    if case.path_parameters and next(_alternate) % 2 == 0:
        for name in case.path_parameters:
            case.path_parameters[name] = real[name]


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_every_response_conforms_to_the_schema(
    case: Any, world: SimpleNamespace, alice_key: NewApiKey
) -> None:
    use_real_ids(case, world)
    within_rules_the_schema_cannot_state(case, world)
    case.call_and_validate(headers={"Authorization": f"Bearer {alice_key.secret}"}, checks=CHECKS)
