"""The event's staff page (who may work it, door/staff.py) and event staff's landing page.

The staff page is the team's (owners, admins, members): event staff get 404
there, like everywhere outside their events. The landing page is what
`/o/<org>/` shows a restricted member (organizations/views.py `dashboard`
hands over to it through organizations/hooks.py).
"""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from door.models import EventGrant
from door.staff import (
    GrantError,
    access_end,
    change_grant_expiry,
    default_expiry,
    door_path,
    expiry_for_date,
    grant_event_access,
    grant_rows,
    my_grants,
    open_grant,
    revoke_grant,
)
from door.staff_forms import ExpiryForm, GrantEmailForm, GrantForm
from events.access import access_event
from events.models import Event
from organizations.access import OrganizationRequest, organization_view
from organizations.models import Membership


def _staff_page(
    request: OrganizationRequest, event: Event, form: GrantForm, *, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "door/staff.html",
        {
            "event": event,
            "form": form,
            "rows": grant_rows(event),
            "default_end": access_end(event, default_expiry(event)),
            "nav_section": "events",
        },
        status=status,
    )


def _back(request: OrganizationRequest, event: Event) -> HttpResponse:
    return redirect(reverse("door:staff", args=[request.organization.slug, event.slug]))


@organization_view
@require_http_methods(["GET", "POST"])
def staff(request: OrganizationRequest, event_slug: str) -> HttpResponse:
    event = access_event(request.organization, event_slug)
    if request.method != "POST":
        return _staff_page(request, event, GrantForm(event=event))
    form = GrantForm(request.POST, event=event)
    if form.is_valid():
        try:
            grant = grant_event_access(
                event,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                portal=form.cleaned_data["portal"],
                expires_at=expiry_for_date(event, form.cleaned_data["expires_on"]),
                granted_by=request.user,
            )
        except GrantError as error:
            form.add_error(error.field, str(error))
        else:
            if grant.membership_id is None:
                message = gettext(
                    "%(email)s is invited: their access starts when they accept the invitation."
                )
            else:
                message = gettext("%(email)s can now work this event; they were emailed a link.")
            messages.success(request, message % {"email": grant.email})
            return _back(request, event)
    return _staff_page(request, event, form, status=400)


def _grant_from_post(event: Event, form: GrantEmailForm) -> EventGrant:
    grant = open_grant(event, form.cleaned_data["email"]) if form.is_valid() else None
    if grant is None:
        raise Http404("No such grant.")
    return grant


@organization_view
@require_POST
def staff_revoke(request: OrganizationRequest, event_slug: str) -> HttpResponse:
    event = access_event(request.organization, event_slug)
    grant = revoke_grant(_grant_from_post(event, GrantEmailForm(request.POST)), actor=request.user)
    messages.success(
        request,
        gettext("%(email)s no longer has access to this event (from their next click).")
        % {"email": grant.email},
    )
    return _back(request, event)


@organization_view
@require_POST
def staff_expiry(request: OrganizationRequest, event_slug: str) -> HttpResponse:
    event = access_event(request.organization, event_slug)
    form = ExpiryForm(request.POST)
    form.is_valid()
    grant = open_grant(event, form.cleaned_data["email"]) if "email" in form.cleaned_data else None
    if grant is None:
        raise Http404("No such grant.")
    if "expires_on" not in form.cleaned_data:
        messages.error(request, gettext("Enter a valid date for the end of the access."))
        return _back(request, event)
    try:
        change_grant_expiry(
            grant,
            expires_at=expiry_for_date(event, form.cleaned_data["expires_on"]),
            actor=request.user,
        )
    except GrantError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, gettext("The access of %(email)s is changed.") % {"email": grant.email}
        )
    return _back(request, event)


def staff_home(request: HttpRequest) -> HttpResponse:
    """A restricted member's `/o/<org>/`: the events granted to them, with their doors."""
    # Only ever called by `dashboard`, which organization_view resolved.
    membership = cast(OrganizationRequest, request).membership
    rows = [
        {
            "grant": grant,
            "event": grant.event,
            "door_url": door_path(grant.event),
            "ends": access_end(grant.event, grant.expires_at),
        }
        for grant in my_grants(membership)
    ]
    return render(
        request,
        "door/staff_home.html",
        {
            "rows": rows,
            "is_event_manager": membership.role == Membership.Role.EVENT_MANAGER.value,
            "nav_section": "my_events",
        },
    )
