"""Access helpers: every organizer view reaches tenant data through these.

They filter by the signed-in user's memberships and raise 404 both for a
missing object and for one of another organization, so nobody can learn
what exists elsewhere (healthchecks' `_get_check_for_user`).

`@organization_view` is the one place that sets `request.organization` and
`request.membership`; views it wraps take an `OrganizationRequest`, which says
so to the type checker. Each app's `access.py` then reaches its objects from
that organization (`access_event(request.organization, slug)`), for the HTML
views and the API endpoints alike.

Event staff (restricted members: roles `event_manager` and `check_in`) work
only on the events their active grants open (door/staff.py has the rules):
- every view answers them 404 unless it says `staff=True` (both roles: the
  door pages and their landing page) or `event_managers=True` (event
  managers: the event-scoped organizer pages of events/, portals/, invites/);
- for the request, the decorator records which events the access helpers may
  reach (`event_scope()`): the granted events (check-in staff only ever
  open the door's views, which also check the grant: door/access.py).
  `access_event`, `access_window`, `access_group`, `access_portal`,
  `access_invite_type`, `visible_invites` and the event lists filter by it,
  so "another event" is a 404 in one place, not per view;
  team members' requests (and the API's) have no scope: every event of the
  organization;
- a restricted member left with no active grant in the organization is
  signed out at their next request to any of its pages (the grant ended:
  their sessions end with it) and sent to the sign-in page with a message.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from functools import wraps
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.utils.translation import gettext

from organizations.hooks import event_staff
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


# The events this request may reach through the access helpers; None: all of
# the organization's (team members, the API). Set by `organization_view`.
_event_scope: ContextVar[frozenset[int] | None] = ContextVar("artsvp_event_scope", default=None)


def event_scope() -> frozenset[int] | None:
    """The ids of the only events the current request may reach, or None for no limit."""
    return _event_scope.get()


def granted_event_ids(membership: Membership) -> frozenset[int]:
    """The events a restricted member's active grants open now (none without the door)."""
    provider = event_staff()
    return provider.granted_event_ids(membership) if provider is not None else frozenset()


def _end_staff_session(request: HttpRequest, organization: Organization) -> HttpResponseBase:
    """Nothing is granted any more: end this session and say why on the sign-in page."""
    logout(request)
    messages.info(
        request,
        gettext(
            "Your access to %(organization)s has ended: you were signed out. "
            "Ask the organizer if you still need it."
        )
        % {"organization": organization.name},
    )
    return redirect("account_login")


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
    event_managers: bool = False,
) -> Any:
    """Resolve `org_slug` to the user's membership and set request.organization.

    `managers_only` restricts the view to owners and admins (403 for members).
    Restricted members (event managers, check-in staff: Membership.is_restricted)
    get 404 from every view unless it says `staff=True` (both roles; such a view
    reaches its event through door/access.py, which checks their grant) or
    `event_managers=True` (event managers; their access helpers reach only the
    granted events, see the module docstring).
    """

    def decorator(func: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @login_required
        @wraps(func)
        def wrapper(
            request: HttpRequest, org_slug: str, *args: Any, **kwargs: Any
        ) -> HttpResponseBase:
            membership = get_membership(request.user, org_slug)
            scope: frozenset[int] | None = None
            if membership.is_restricted:
                # Read on every request, never cached: a revoked or expired
                # grant stops at the next request.
                granted = granted_event_ids(membership)
                if not granted:
                    return _end_staff_session(request, membership.organization)
                is_event_manager = membership.role == Membership.Role.EVENT_MANAGER.value
                if not (staff or (event_managers and is_event_manager)):
                    raise Http404("No such page.")
                # Both roles reach their granted events only; which pages they
                # may open is the role's business (the check above).
                scope = granted
            if managers_only and not membership.is_manager:
                raise PermissionDenied(gettext("Only owners and admins can do this."))
            # The one place that makes a request an OrganizationRequest: the two
            # assignments below are what the cast promises.
            organization_request = cast(OrganizationRequest, request)
            organization_request.membership = membership
            organization_request.organization = membership.organization
            if request.session.get(LAST_ORGANIZATION_SESSION_KEY) != org_slug:
                request.session[LAST_ORGANIZATION_SESSION_KEY] = org_slug
            token = _event_scope.set(scope)
            try:
                return func(organization_request, *args, **kwargs)
            finally:
                _event_scope.reset(token)

        return wrapper

    return decorator(view) if view is not None else decorator


def require_owner(request: OrganizationRequest) -> None:
    if not request.membership.is_owner:
        raise PermissionDenied(gettext("Only owners can do this."))
