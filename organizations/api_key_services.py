"""Create, revoke and check API keys.

A key reads `ak_live_<8 chars>_<43 chars>`: the first 16 characters are the
visible prefix (stored, shown in lists, used to find the row), the rest is
256 bits from `secrets`. Only the SHA-256 of the whole key is stored and it
is compared in constant time, so a database leak reveals no usable key.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import string
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone

from organizations.models import ApiKey, Organization

KEY_SCHEME = "ak_live_"
PREFIX_LENGTH = len(KEY_SCHEME) + 8
KEY_PATTERN = re.compile(r"ak_live_[a-z0-9]{8}_[A-Za-z0-9_-]{43}")
_PREFIX_ALPHABET = string.ascii_lowercase + string.digits
# Recording every request's time would turn each read into a write.
LAST_USED_PRECISION = timedelta(minutes=1)


@dataclass(frozen=True)
class NewApiKey:
    """A freshly created key: `secret` is the full key, shown to its creator once."""

    api_key: ApiKey
    secret: str


def _hash(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def create_api_key(
    organization: Organization, *, name: str, created_by: Any = None, check_in_only: bool = False
) -> NewApiKey:
    """A new key; `check_in_only` limits it to the door's endpoints (organizations/api_auth.py)."""
    prefix = KEY_SCHEME + "".join(secrets.choice(_PREFIX_ALPHABET) for _ in range(8))
    raw_key = f"{prefix}_{secrets.token_urlsafe(32)}"
    api_key = ApiKey.objects.create(
        organization=organization,
        name=name.strip(),
        prefix=prefix,
        secret_hash=_hash(raw_key),
        created_by=created_by,
        check_in_only=check_in_only,
    )
    return NewApiKey(api_key=api_key, secret=raw_key)


def revoke_api_key(api_key: ApiKey) -> ApiKey:
    """Refuse the key from now on; revoking twice keeps the first time."""
    ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    api_key.refresh_from_db(fields=["revoked_at"])
    return api_key


def looks_like_api_key(value: str) -> bool:
    return KEY_PATTERN.fullmatch(value) is not None


def _active_key(raw_key: str) -> ApiKey | None:
    if not looks_like_api_key(raw_key):
        return None
    api_key = (
        ApiKey.objects.select_related("organization", "created_by")
        .filter(prefix=raw_key[:PREFIX_LENGTH])
        .first()
    )
    if api_key is None or not hmac.compare_digest(api_key.secret_hash, _hash(raw_key)):
        return None
    if api_key.revoked_at is not None:
        return None
    return api_key


def is_active_api_key(raw_key: str) -> bool:
    """Whether `raw_key` is a live key, with no side effect (used before reading
    a large API body, so a made-up key cannot make the server buffer it)."""
    return _active_key(raw_key) is not None


def authenticate_api_key(raw_key: str) -> ApiKey | None:
    """The active key matching `raw_key`, or None; notes when it was last used."""
    api_key = _active_key(raw_key)
    if api_key is not None:
        _note_use(api_key)
    return api_key


def _note_use(api_key: ApiKey) -> None:
    now = timezone.now()
    if api_key.last_used_at is not None and now - api_key.last_used_at < LAST_USED_PRECISION:
        return
    # The condition keeps concurrent requests from all writing the same minute.
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_PRECISION)
    ApiKey.objects.filter(stale, pk=api_key.pk).update(last_used_at=now)
    api_key.last_used_at = now
