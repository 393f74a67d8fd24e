"""Per-client rate limits cannot be dodged by writing X-Forwarded-For."""

from typing import Any

from django.test import RequestFactory

from artsvp.ratelimit import client_ip


def request_from(remote_addr: str, forwarded: str | None = None):
    extra: dict[str, Any] = {"REMOTE_ADDR": remote_addr}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_a_forged_forwarded_header_is_ignored_without_trusted_proxies(settings):
    settings.TRUSTED_PROXY_HOPS = 0
    assert client_ip(request_from("203.0.113.9", "198.51.100.1")) == "203.0.113.9"


def test_behind_one_proxy_the_address_it_appended_is_the_client(settings):
    settings.TRUSTED_PROXY_HOPS = 1
    # The client wrote 198.51.100.1 itself; our proxy appended the real address.
    request = request_from("10.0.0.2", "198.51.100.1, 203.0.113.9")
    assert client_ip(request) == "203.0.113.9"


def test_without_the_header_the_socket_address_is_used(settings):
    settings.TRUSTED_PROXY_HOPS = 1
    assert client_ip(request_from("203.0.113.9")) == "203.0.113.9"
