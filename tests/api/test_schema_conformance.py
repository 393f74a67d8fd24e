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

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
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


def use_real_ids(case: Any, world: SimpleNamespace) -> None:
    real = {
        "event_id": world.event,
        "group_id": world.group,
        "portal_id": world.portal,
        "invite_id": world.invite,
    }
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
    case.call_and_validate(headers={"Authorization": f"Bearer {alice_key.secret}"}, checks=CHECKS)
