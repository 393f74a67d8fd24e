from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from organizations.access import organization_view


@organization_view
def billing_page(request: HttpRequest) -> HttpResponse:
    return render(request, "billing/billing.html", {"nav_section": "settings"})
