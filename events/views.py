from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from organizations.access import organization_view


@organization_view
def event_list(request: HttpRequest) -> HttpResponse:
    events = request.organization.events.filter(archived_at__isnull=True)
    return render(request, "events/list.html", {"events": events, "nav_section": "events"})
