"""How the app's PostgreSQL connections are set up (config/settings.py)."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def test_queries_are_never_jit_compiled():
    # JIT compiled the guest list's counts over a 50,000-invite event on every
    # request: a third of the query's time went to compiling it.
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)
