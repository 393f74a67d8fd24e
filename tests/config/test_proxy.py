"""TRUSTED_PROXY_HOPS decides the client's address for every per-address limit.

Ours (artsvp.ratelimit.client_ip) and django-allauth's login limits read the
same setting: with 0, a forged X-Forwarded-For changes nothing; behind one
proxy, the clients behind it are counted apart instead of as one address.
"""

from __future__ import annotations

import runpy
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from allauth.account.adapter import get_adapter
from allauth.core.internal import ratelimit as allauth_ratelimit
from django.test import Client, RequestFactory

from artsvp.ratelimit import client_ip
from tests.conftest import PASSWORD

SETTINGS_FILE = Path(__file__).resolve().parents[2] / "config" / "settings.py"
PROXY = "10.0.0.2"


def configure_hops(settings: Any, monkeypatch: pytest.MonkeyPatch, hops: str | None) -> None:
    """Apply what config/settings.py derives from TRUSTED_PROXY_HOPS=<hops>."""
    if hops is None:
        monkeypatch.delenv("TRUSTED_PROXY_HOPS", raising=False)
    else:
        monkeypatch.setenv("TRUSTED_PROXY_HOPS", hops)
    derived = runpy.run_path(str(SETTINGS_FILE))
    for name in ("TRUSTED_PROXY_HOPS", "ALLAUTH_TRUSTED_PROXY_COUNT"):
        if name in derived:
            setattr(settings, name, derived[name])


@pytest.fixture(autouse=True)
def frozen_allauth_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """allauth's limits count per minute: a slow run must not cross a window."""
    now = time.time()
    clock = SimpleNamespace(time=lambda: now, monotonic=time.monotonic, sleep=time.sleep)
    monkeypatch.setattr(allauth_ratelimit, "time", clock)


def log_in(email: str, password: str, **headers: Any) -> Any:
    return Client(REMOTE_ADDR=headers.pop("REMOTE_ADDR", PROXY)).post(
        "/accounts/login/", {"login": email, "password": password}, **headers
    )


def refused_for_too_many_attempts(response: Any) -> bool:
    return response.status_code == 429 or (
        response.status_code == 200
        and "Too many failed login attempts" in response.content.decode()
    )


def test_by_default_no_proxy_is_trusted(settings, monkeypatch):
    configure_hops(settings, monkeypatch, None)
    assert settings.TRUSTED_PROXY_HOPS == 0
    assert settings.ALLAUTH_TRUSTED_PROXY_COUNT == 0


def test_without_a_trusted_proxy_forged_addresses_still_lock_logins(bob, settings, monkeypatch):
    configure_hops(settings, monkeypatch, "0")
    # allauth allows 10 failed logins a minute per address: each one here names
    # another address in X-Forwarded-For, and another account.
    for number in range(10):
        log_in(
            f"nobody{number}@example.com",
            "wrong",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{number}",
        )

    response = log_in("bob@example.com", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.77")

    assert refused_for_too_many_attempts(response)


def test_behind_one_proxy_one_clients_failures_do_not_lock_out_another(bob, settings, monkeypatch):
    configure_hops(settings, monkeypatch, "1")
    attacker = "198.51.100.1"
    for number in range(10):
        # The attacker's own X-Forwarded-For comes first; our proxy appends its address.
        log_in(
            f"nobody{number}@example.com",
            "wrong",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{number}, {attacker}",
        )
    assert refused_for_too_many_attempts(
        log_in("nobody@example.com", "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.99, {attacker}")
    )

    response = log_in("bob@example.com", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.9")

    assert response.status_code == 302
    assert not refused_for_too_many_attempts(response)


@pytest.mark.parametrize("hops", ["0", "1", "2"])
@pytest.mark.parametrize(
    "forwarded", [None, "198.51.100.1", "192.0.2.1, 198.51.100.1", "192.0.2.1, 192.0.2.2, 10.0.0.9"]
)
def test_allauth_and_our_rate_limits_see_the_same_client(settings, monkeypatch, hops, forwarded):
    configure_hops(settings, monkeypatch, hops)
    extra: dict[str, Any] = {"REMOTE_ADDR": PROXY}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    request = RequestFactory().post("/accounts/login/", **extra)

    # Fewer entries than trusted hops (a client reaching gunicorn directly) is
    # no 500: both fall back to the connecting address.
    assert get_adapter(request).get_client_ip(request) == client_ip(request)


def test_the_shipped_configurations_trust_no_proxy():
    # docker compose publishes gunicorn itself: nothing of ours writes X-Forwarded-For.
    root = SETTINGS_FILE.parent.parent
    assert "\nTRUSTED_PROXY_HOPS=0\n" in (root / ".env.example").read_text()
    assert (
        "TRUSTED_PROXY_HOPS: ${TRUSTED_PROXY_HOPS:-0}" in (root / "docker-compose.yml").read_text()
    )
