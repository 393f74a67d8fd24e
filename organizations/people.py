"""How the app names a person: their full name if they gave one, else their email.

Usernames are derived from emails behind the scenes (allauth needs one), so
they are never shown. allauth's messages ("Successfully signed in as …") use
this too (settings.ACCOUNT_USER_DISPLAY).
"""

from __future__ import annotations

from typing import Any


def display_name(user: Any) -> str:
    full_name = (user.get_full_name() if hasattr(user, "get_full_name") else "").strip()
    return full_name or getattr(user, "email", "") or str(user)
