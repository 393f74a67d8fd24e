"""An event's own brand: the organization's brand, overridden field by field."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from events import services
from events.access import access_event
from events.brand import brand_for_event
from events.models import EventBrand
from organizations.access import OrganizationRequest, organization_view
from organizations.brand import BrandError, organization_brand
from organizations.brand_forms import BrandForm
from organizations.brand_views import brand_page_context


@organization_view(managers_only=True)
@require_http_methods(["GET", "POST"])
def event_brand(request: OrganizationRequest, event_slug: str) -> HttpResponse:
    organization = request.organization
    event = access_event(organization, event_slug)
    layer = EventBrand.objects.filter(event=event).first()
    form = BrandForm(request.POST or None, request.FILES or None, layer=layer)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_event_brand(event, changes=form.changes())
        except BrandError as error:
            form.add_brand_error(error)
        else:
            messages.success(request, gettext("The event's brand is saved."))
            return redirect("events:brand", organization.slug, event.slug)
    context = brand_page_context(
        form,
        layer=layer,
        brand=brand_for_event(event),
        inherited=organization_brand(organization),
    )
    return render(
        request,
        "events/brand.html",
        {**context, "event": event, "nav_section": "events"},
        status=400 if form.errors else 200,
    )
