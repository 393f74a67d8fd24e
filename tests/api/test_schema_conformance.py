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

from organizations.api_key_services import NewApiKey

# Every check schemathesis has (negative data rejected, headers, methods,
# auth...) but one: positive_data_acceptance still finds valid-looking requests
# that the state refuses (a revoked portal stays revoked; a portal group's
# plus-ones cap; 402 when credits run out), none of which a schema can state.
# TODO(issue 10): run it too, with those answers expected.
checks.load_all_checks()
CHECKS = [
    check for check in checks.CHECKS.get_all() if check is not checks.positive_data_acceptance
]
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


schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


def within_rules_the_schema_cannot_state(case: Any) -> None:
    """A valid case stays valid for the two rules JSON Schema cannot express: an
    event ends after it starts (two fields, or a field and the stored event), and
    an idempotency key stands for one request (a key repeated with another body
    is refused: tests/api/test_invites.py)."""
    if case.meta is not None and case.meta.generation.mode.is_negative:
        return
    if isinstance(case.body, dict) and {"starts_at", "ends_at"} & set(case.body):
        case.body.pop("ends_at", None)
        starts = case.body.pop("starts_at", None)
        if case.method == "POST" and isinstance(starts, str):
            case.body["starts_at"], case.body["ends_at"] = EVENT_TIMES
    if case.headers and "Idempotency-Key" in case.headers:
        case.headers["Idempotency-Key"] = f"key-{next(_keys)}"


EVENT_TIMES = ("2031-10-01T11:00:00Z", "2031-10-04T18:00:00Z")
_keys = itertools.count()


def use_real_ids(case: Any, world: SimpleNamespace) -> None:
    real = {
        "event_id": world.event,
        "group_id": world.group,
        "portal_id": world.portal,
        "invite_id": world.invite,
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
    within_rules_the_schema_cannot_state(case)
    case.call_and_validate(headers={"Authorization": f"Bearer {alice_key.secret}"}, checks=CHECKS)
