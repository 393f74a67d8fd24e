from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from organizations.models import Membership

# At or below this many credits the header's credits icon turns red.
LOW_CREDIT_THRESHOLD = 3


def current_organization(request: HttpRequest) -> dict[str, Any]:
    """The organization of an organizer page, the user's others, its balances."""
    organization = getattr(request, "organization", None)
    context: dict[str, Any] = {"current_organization": organization}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        context["user_memberships"] = SimpleLazyObject(
            lambda: list(Membership.objects.filter(user=user).select_related("organization"))
        )
    if organization is not None:
        from credits.ledger import balances

        context["credit_balances"] = SimpleLazyObject(lambda: balances(organization))
        context["low_credit_threshold"] = LOW_CREDIT_THRESHOLD
    return context
