"""The organizer's event pages. Every member of an organization may manage its events."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from events import services
from events.access import access_event
from events.forms import EventForm
from events.models import Event
from organizations.access import OrganizationRequest, organization_view
from portals.models import Portal, PortalGroup


def _guest_list_url(event: Event) -> str | None:
    """The event's guest list, once the invites app provides that page."""
    try:
        return reverse("invites:guest_list", args=[event.organization.slug, event.slug])
    except NoReverseMatch:
        return None


def groups_with_counts(event: Event) -> QuerySet[PortalGroup]:
    """The event's portal groups with their portal and invite totals, in one query."""
    assigned = Q(portals__status=Portal.Status.ASSIGNED)
    return event.portal_groups.annotate(
        portal_count=Count("portals"),
        assigned_count=Count("portals", filter=assigned),
        revoked_count=Count("portals", filter=Q(portals__status=Portal.Status.REVOKED)),
        invites_used=Coalesce(Sum("portals__invites_used"), 0),
        invites_allocated=Coalesce(Sum("portals__allocation"), 0),
    ).order_by("name")


@organization_view
def event_list(request: OrganizationRequest) -> HttpResponse:
    show_archived = request.GET.get("archived") == "1"
    events = request.organization.events.annotate(
        group_count=Count("portal_groups", distinct=True),
        portal_count=Count("portal_groups__portals", distinct=True),
    ).order_by("starts_at", "name")
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
        else request.organization.events.filter(archived_at__isnull=False).count()
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


def _last_timezone(request: OrganizationRequest) -> str:
    """New events start in the zone of the organization's latest one: fairs rarely move."""
    latest = request.organization.events.order_by("-created_at").values("timezone").first()
    return latest["timezone"] if latest else "UTC"


@organization_view
@require_http_methods(["GET", "POST"])
def event_create(request: OrganizationRequest) -> HttpResponse:
    organization = request.organization
    form = EventForm(
        request.POST or None,
        organization=organization,
        initial={"timezone": _last_timezone(request), "rsvp_open": True},
    )
    if request.method == "POST" and form.is_valid():
        try:
            event = services.create_event(organization, details=form.details())
        except services.SlugTaken as error:
            form.add_error("slug", str(error))
        else:
            messages.success(request, f"“{event.name}” is created. Add a portal group next.")
            return redirect("events:detail", organization.slug, event.slug)
    return render(
        request, "events/form.html", {"form": form, "event": None, "nav_section": "events"}
    )


@organization_view
@require_http_methods(["GET", "POST"])
def event_edit(request: OrganizationRequest, event_slug: str) -> HttpResponse:
    event = access_event(request.organization, event_slug)
    form = EventForm(request.POST or None, organization=request.organization, instance=event)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.update_event(event, details=form.details())
        except services.SlugTaken as error:
            form.add_error("slug", str(error))
        else:
            messages.success(request, "Event saved.")
            return redirect("events:detail", request.organization.slug, event.slug)
        # The failed save left new values on the instance; the page shows the stored ones.
        event.refresh_from_db()
    return render(
        request, "events/form.html", {"form": form, "event": event, "nav_section": "events"}
    )


@organization_view
def event_detail(request: OrganizationRequest, event_slug: str) -> HttpResponse:
    event = access_event(request.organization, event_slug)
    groups = list(groups_with_counts(event))
    totals = {
        # The counts are annotations of groups_with_counts(), which the stubs cannot see.
        "portals": sum(group.portal_count for group in groups),  # type: ignore[attr-defined]
        "assigned": sum(group.assigned_count for group in groups),  # type: ignore[attr-defined]
        "invites_used": sum(group.invites_used for group in groups),  # type: ignore[attr-defined]
        "invites_allocated": sum(group.invites_allocated for group in groups),  # type: ignore[attr-defined]
    }
    return render(
        request,
        "events/detail.html",
        {
            "event": event,
            "groups": groups,
            "totals": totals,
            "guest_list_url": _guest_list_url(event),
            "nav_section": "events",
        },
    )


@organization_view
@require_POST
def event_archive(request: OrganizationRequest, event_slug: str) -> HttpResponse:
    event = services.archive_event(access_event(request.organization, event_slug))
    messages.success(
        request,
        f"“{event.name}” is archived: it is hidden from the events list. "
        "Its portals and invites are not changed.",
    )
    return redirect("events:detail", request.organization.slug, event.slug)


@organization_view
@require_POST
def event_unarchive(request: OrganizationRequest, event_slug: str) -> HttpResponse:
    event = services.unarchive_event(access_event(request.organization, event_slug))
    messages.success(request, f"“{event.name}” is back in the events list.")
    return redirect("events:detail", request.organization.slug, event.slug)
