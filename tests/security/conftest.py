"""The payload world, built once per module through the product's own doors.

Building it takes a few seconds of HTTP requests; every test of the module
reads the same world. It lives in a transaction opened like Django's
TestCase.setUpTestData opens its own (marked as the test case's, so the
services' durable transactions nest in it), and each test's changes roll
back to a savepoint of it; at the end of the module everything rolls back.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import transaction
from django.test import TestCase, override_settings

from config.celery import app as celery_app
from tests.billing.kit import WEBHOOK_SECRET, FakeStripe
from tests.security.world import World, build_world


@pytest.fixture(scope="module")
def _payload_stripe() -> Iterator[FakeStripe]:
    fake = FakeStripe()
    fake.thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


@pytest.fixture(scope="module")
def world(
    django_db_setup: Any,
    django_db_blocker: Any,
    _payload_stripe: FakeStripe,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[World]:
    overrides = override_settings(
        # The world's brand images (tests/conftest.py does the same per test).
        MEDIA_ROOT=tmp_path_factory.mktemp("payload-media"),
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        STRIPE_SECRET_KEY="sk_test_artsvp_fake",
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_API_BASE=_payload_stripe.url,
        ADMINS=[("Billing staff", "staff@artsvp.example")],
    )
    with django_db_blocker.unblock(), overrides:
        celery_app.conf.task_always_eager = True
        celery_app.conf.task_eager_propagates = True
        cache.clear()
        mail.outbox = []
        atomic = transaction.atomic()
        atomic._from_testcase = True  # type: ignore[attr-defined]  # Django's private flag that lets TestCase atomics nest durable blocks
        atomic.__enter__()
        try:
            yield build_world(_payload_stripe, TestCase.captureOnCommitCallbacks)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            cache.clear()
