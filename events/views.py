"""The organizer's event pages. Every member of an organization may manage its events.

An event manager (organizations/access.py) sees and edits the events granted
to them; creating and archiving events stay with the team.
"""

from __future__ import annotations

from dataclasses import asdict

from django.contrib import messages
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from events import services
from events.access import access_event, organization_events
from events.forms import EventForm
from events.page import event_page_context
from events.times import listed_timezone
from organizations.access import OrganizationRequest, organization_view


@organization_view(event_managers=True)
def event_list(request: OrganizationRequest) -> HttpResponse:
    show_archived = request.GET.get("archived") == "1"
    events = (
        organization_events(request.organization)
        .annotate(
            group_count=Count("portal_groups", distinct=True),
            portal_count=Count("portal_groups__portals", distinct=True),
        )
        .order_by("starts_at", "name")
    )
    if not show_archived:
        events = events.filter(archived_at__isnull=True)
    now = timezone.now()
    rows = list(events)
    upcoming = [event for event in rows if event.ends_at >= now]
    # Past events read best from the most recent backwards.
    past = sorted((event for event in rows if event.ends_at < now), key=lambda e: e.starts_at)[::-1]
    archived_count = (
        0
        if show_archived
        else organization_events(request.organization).filter(archived_at__isnull=False).count()
    )
    return render(
        request,
        "events/list.html",
        {
            "upcoming": upcoming,
            "past": past,
            "show_archived": show_archived,
            "archived_count": archived_count,
            "nav_section": "events",
        },
    )


def _last_timezone(request: OrganizationRequest) -> str | None:
    """New events start in the zone of the organization's latest one: fairs rarely move.
    None for a first event (the organizer's browser zone is the best guess then)."""
    latest = request.organization.events.order_by("-created_at").values("timezone").first()
    # An alias set through the API is offered as the zone it stands for.
    return (listed_timezone(latest["timezone"]) or "UTC") if latest else None


@organization_view
@require_http_methods(["GET", "POST"])
def event_create(request: OrganizationRequest) -> HttpResponse:
    organization = request.organization
    last_zone = _last_timezone(request)
    form = EventForm(
        request.POST or None,
        organization=organization,
        initial={"timezone": last_zone or "UTC", "rsvp_open": True},
    )
    if not form.is_bound and last_zone is None:
        form.preselect_browser_zone()
    if request.method == "POST" and form.is_valid():
        try:
            event = services.create_event(organization, details=form.details())
        except services.SlugTaken as error:
            form.add_error("slug", str(error))
        else:
            messages.success(
                request,
                gettext("“%(name)s” is created. Add a portal group next.") % {"name": event.name},
            )
            return redirect("events:detail", organization.slug, event.slug)
    return render(
        request, "events/form.html", {"form": form, "event": None, "nav_section": "events"}
    )


@organization_view(event_managers=True)
@require_http_methods(["GET", "POST"])
def event_edit(request: OrganizationRequest, event_slug: str) -> HttpResponse:
    event = access_event(request.organization, event_slug)
    form = EventForm(request.POST or None, organization=request.organization, instance=event)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.update_event(event, changes=asdict(form.details()))
        except services.EventError as error:
            form.add_error(error.field, str(error))
        else:
            messages.success(request, gettext("Event saved."))
            return redirect("events:detail", request.organization.slug, event.slug)
        # The failed save left new values on the instance; the page shows the stored ones.
        event.refresh_from_db()
    return render(
        request, "events/form.html", {"form": form, "event": event, "nav_section": "events"}
    )


@organization_view(event_managers=True)
def event_detail(request: OrganizationRequest, event_slug: str) -> HttpResponse:
    event = access_event(request.organization, event_slug)
    # The portal groups and the guest list link are parts the apps above register.
    return render(
        request,
        "events/detail.html",
        {"event": event, "nav_section": "events", **event_page_context(event)},
    )


@organization_view
@require_POST
def event_archive(request: OrganizationRequest, event_slug: str) -> HttpResponse:
    event = services.archive_event(access_event(request.organization, event_slug))
    messages.success(
        request,
        gettext(
            "“%(name)s” is archived: it is hidden from the events list. "
            "Its portals and invites are not changed."
        )
        % {"name": event.name},
    )
    return redirect("events:detail", request.organization.slug, event.slug)


@organization_view
@require_POST
def event_unarchive(request: OrganizationRequest, event_slug: str) -> HttpResponse:
    event = services.unarchive_event(access_event(request.organization, event_slug))
    messages.success(
        request, gettext("“%(name)s” is back in the events list.") % {"name": event.name}
    )
    return redirect("events:detail", request.organization.slug, event.slug)
