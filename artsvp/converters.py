"""URL converters for the identifiers in our URLs, so a malformed one is a 404
from the resolver, before any view or query sees it.

- `publicid`: a public id (artsvp/ids.py makes 14 characters of [a-z0-9]; the
  columns hold up to 20, and older ids may be shorter).
- `token`: a secret token (artsvp/ids.py makes 32 URL-safe base64 characters;
  the columns hold up to 64).
"""

from __future__ import annotations

from django.urls import register_converter

PUBLIC_ID_REGEX = "[a-z0-9]{6,20}"
TOKEN_REGEX = "[A-Za-z0-9_-]{16,64}"


class PublicIdConverter:
    regex = PUBLIC_ID_REGEX

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class TokenConverter(PublicIdConverter):
    regex = TOKEN_REGEX


register_converter(PublicIdConverter, "publicid")
register_converter(TokenConverter, "token")
