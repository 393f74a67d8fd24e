from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from organizations.models import Membership


def current_organization(request: HttpRequest) -> dict[str, Any]:
    """The organization of an organizer page and the user's others.

    Its credit balances come from credits/context_processors.py.
    """
    organization = getattr(request, "organization", None)
    context: dict[str, Any] = {"current_organization": organization}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        context["user_memberships"] = SimpleLazyObject(
            lambda: list(Membership.objects.filter(user=user).select_related("organization"))
        )
    return context


def language_switch(request: HttpRequest) -> dict[str, Any]:
    """The language switcher a view left on the request (the portal owner's
    pages: invites/owner_gate.py); a view's own `language_switch` wins."""
    return {"language_switch": getattr(request, "language_switch", None)}
