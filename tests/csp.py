"""Reading a Content-Security-Policy header in tests."""

from __future__ import annotations

from typing import Any


def directives(response: Any) -> dict[str, str]:
    """{"default-src": "'self'", "sandbox": "", ...}: the order is not the policy."""
    parts = (part.strip() for part in response["Content-Security-Policy"].split(";"))
    return {name: value for name, _, value in (part.partition(" ") for part in parts if part)}
