"""Whether buying online is available, for every page that offers credits.

Pages of lower apps (the credits balances, the organizer's invite page) say
"buy a bundle" or "request credits" from this one flag, read from settings
(no query).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from billing import stripe_client


def payments(request: HttpRequest) -> dict[str, Any]:
    return {"payments_ready": stripe_client.payments_configured()}
