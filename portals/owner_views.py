from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from portals.models import Portal


def portal_link(request: HttpRequest, token: str) -> HttpResponse:
    """The secret link a portal owner receives."""
    portal = get_object_or_404(Portal.objects.select_related("group__event"), token=token)
    response = render(request, "portals/public.html", {"portal": portal})
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    return response
