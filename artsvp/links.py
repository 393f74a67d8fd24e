"""The one rule for absolute links: `SITE_URL` + the path.

Every link that leaves the page it was made on goes through `absolute_url`:
emails, the API's `url` fields, CSV exports, the links pages show to copy,
Stripe's return addresses. `SITE_URL` is the public address of the app
(settings; `make run` derives it from HOST and PORT), so a link is the same
whoever asked for it and whatever proxy stands in between, and never names
the Host header a client sent.
"""

from __future__ import annotations

from django.conf import settings


def absolute_url(path: str) -> str:
    """`path` (starting with "/") on the app's public address."""
    if not path.startswith("/"):
        raise ValueError(f"An absolute link is made from a path starting with '/': {path!r}")
    return settings.SITE_URL + path


def site_root() -> str:
    """The public address itself, without a trailing slash (for templates of links)."""
    return settings.SITE_URL
