"""The organizer's pages for an event's entry windows: add, edit, delete.

Windows belong to events, but the types they admit belong to portal groups,
so the pages live here (events must not import portals); the event page
lists the windows through the part portals registers (portals/event_page.py).
Writes go through portals/invite_types.py (window and types in one
transaction) and events/windows.py.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from events.access import access_event, access_window
from events.models import EntryWindow, Event
from events.services import EventError
from events.windows import delete_window, details_of
from organizations.access import OrganizationRequest, organization_view
from portals import invite_types
from portals.errors import PortalError
from portals.window_forms import EntryWindowForm


def _render_form(
    request: OrganizationRequest, form: EntryWindowForm, event: Event, window: EntryWindow | None
) -> HttpResponse:
    return render(
        request,
        "portals/window_form.html",
        {"form": form, "event": event, "window": window, "nav_section": "events"},
    )


def _back(request: OrganizationRequest, event: Event) -> HttpResponse:
    return redirect("events:detail", request.organization.slug, event.slug)


@organization_view(event_managers=True)
@require_http_methods(["GET", "POST"])
def window_create(request: OrganizationRequest, event_slug: str) -> HttpResponse:
    event = access_event(request.organization, event_slug)
    form = EntryWindowForm(request.POST or None, event=event)
    if request.method == "POST" and form.is_valid():
        try:
            window = invite_types.create_window(
                event, details=form.details(), invite_types=form.chosen_types()
            )
        except (EventError, PortalError) as error:
            form.add_service_error(error)
        else:
            messages.success(
                request, gettext("Entry window “%(label)s” is added.") % {"label": window.label}
            )
            if "add_another" in request.POST:
                return redirect("portals:window_create", request.organization.slug, event.slug)
            return _back(request, event)
    return _render_form(request, form, event, None)


@organization_view(event_managers=True)
@require_http_methods(["GET", "POST"])
def window_edit(request: OrganizationRequest, event_slug: str, window_id: str) -> HttpResponse:
    event = access_event(request.organization, event_slug)
    window = access_window(request.organization, window_id, event=event)
    form = EntryWindowForm(request.POST or None, event=event, instance=window)
    if request.method == "POST" and form.is_valid():
        details = form.details()
        stored = details_of(window)
        # Only what the organizer changed: a capacity lowered meanwhile by
        # someone else is not written back.
        changes = {
            name: getattr(details, name)
            for name in ("label", "starts_at", "ends_at", "capacity")
            if getattr(details, name) != getattr(stored, name)
        }
        try:
            invite_types.update_window(
                window,
                changes=changes,
                invite_types=form.chosen_types(),
            )
        except (EventError, PortalError) as error:
            form.add_service_error(error)
        else:
            messages.success(request, gettext("Entry window saved."))
            return _back(request, event)
    return _render_form(request, form, event, window)


@organization_view(event_managers=True)
@require_http_methods(["GET", "POST"])
def window_delete(request: OrganizationRequest, event_slug: str, window_id: str) -> HttpResponse:
    """Ask first (GET), delete on POST; a window guests chose stays."""
    event = access_event(request.organization, event_slug)
    window = access_window(request.organization, window_id, event=event)
    if request.method == "POST":
        try:
            delete_window(window)
        except EventError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request, gettext("Entry window “%(label)s” is deleted.") % {"label": window.label}
            )
        return _back(request, event)
    return render(
        request,
        "portals/window_delete.html",
        {"event": event, "window": window, "nav_section": "events"},
    )
