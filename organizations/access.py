"""Access helpers: every organizer view reaches tenant data through these.

They filter by the signed-in user's memberships and raise 404 both for a
missing object and for one of another organization, so nobody can learn
what exists elsewhere (healthchecks' `_get_check_for_user`).

`@organization_view` is the one place that sets `request.organization` and
`request.membership`; views it wraps take an `OrganizationRequest`, which says
so to the type checker. Each app's `access.py` then reaches its objects from
that organization (`access_event(request.organization, slug)`), for the HTML
views and the API endpoints alike.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

from organizations.models import Membership, Organization


class AuthenticatedRequest(HttpRequest):
    """A request that `@login_required` let in: its user is signed in. Only for type hints."""

    user: User


class OrganizationRequest(AuthenticatedRequest):
    """A request that `@organization_view` has resolved. Only for type hints: no
    request is ever built from this class, the decorator sets the attributes."""

    organization: Organization
    membership: Membership


# The organization the user last worked in: where /o/ (and so logging in) takes them.
LAST_ORGANIZATION_SESSION_KEY = "last_organization"


def get_membership(user: Any, org_slug: str) -> Membership:
    membership = (
        Membership.objects.select_related("organization")
        .filter(user=user, organization__slug=org_slug)
        .first()
    )
    if membership is None:
        raise Http404("No such organization.")
    return membership


def organization_view(
    view: Callable[..., HttpResponseBase] | None = None,
    *,
    managers_only: bool = False,
    staff: bool = False,
) -> Any:
    """Resolve `org_slug` to the user's membership and set request.organization.

    `managers_only` restricts the view to owners and admins (403 for members).
    Restricted members (event managers, check-in staff: Membership.is_restricted)
    get 404 from every view unless it says `staff=True`; such a view reaches its
    event through an access helper that checks their grant (door/access.py).
    """

    def decorator(func: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @login_required
        @wraps(func)
        def wrapper(
            request: HttpRequest, org_slug: str, *args: Any, **kwargs: Any
        ) -> HttpResponseBase:
            membership = get_membership(request.user, org_slug)
            if membership.is_restricted and not staff:
                raise Http404("No such page.")
            if managers_only and not membership.is_manager:
                raise PermissionDenied("Only owners and admins can do this.")
            # The one place that makes a request an OrganizationRequest: the two
            # assignments below are what the cast promises.
            organization_request = cast(OrganizationRequest, request)
            organization_request.membership = membership
            organization_request.organization = membership.organization
            if request.session.get(LAST_ORGANIZATION_SESSION_KEY) != org_slug:
                request.session[LAST_ORGANIZATION_SESSION_KEY] = org_slug
            return func(organization_request, *args, **kwargs)

        return wrapper

    return decorator(view) if view is not None else decorator


def require_owner(request: OrganizationRequest) -> None:
    if not request.membership.is_owner:
        raise PermissionDenied("Only owners can do this.")
