from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from credits.ledger import balances

# At or below this many credits the header's credits icon turns red.
LOW_CREDIT_THRESHOLD = 3


def credit_balances(request: HttpRequest) -> dict[str, Any]:
    """The balances of the organization of an organizer page, for the header."""
    organization = getattr(request, "organization", None)
    if organization is None:
        return {}
    return {
        # Lazy: only pages that show the header pay for the query.
        "credit_balances": SimpleLazyObject(lambda: balances(organization)),
        "low_credit_threshold": LOW_CREDIT_THRESHOLD,
    }
