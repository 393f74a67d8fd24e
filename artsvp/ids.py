"""Public identifiers and secret tokens.

Sequential database ids never appear in URLs or the API: they leak volume and
invite enumeration. Public ids are short random strings; secret tokens (portal
links, invite links, claim codes) carry at least 128 bits from `secrets`.
"""

import secrets
import string

_ALPHABET = string.ascii_lowercase + string.digits


def new_public_id() -> str:
    """14 characters from a 36-letter alphabet: ~72 bits, unguessable enough for ids."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(14))


def new_secret_token() -> str:
    """32 URL-safe characters: 192 bits of randomness."""
    return secrets.token_urlsafe(24)
