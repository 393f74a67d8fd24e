"""The organization's Brand settings page, and the per-colour stylesheet pages link."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from organizations.access import OrganizationRequest, organization_view
from organizations.brand import (
    BUTTON_TEXT,
    MIN_CONTRAST,
    PRODUCT_ACCENT,
    Brand,
    BrandError,
    brand_stylesheet,
    check_accent,
    organization_brand,
)
from organizations.brand_forms import BrandForm
from organizations.brand_services import update_organization_brand
from organizations.models import BrandFields, OrganizationBrand

# A year: the URL is the colour, so its content never changes.
_STYLESHEET_MAX_AGE = 365 * 24 * 3600
_COLOUR_PATH = re.compile(r"[0-9a-f]{6}")


@require_GET
def brand_css(request: HttpRequest, colour: str) -> HttpResponse:
    """`:root` variables for one accent colour; only colours a brand may have."""
    if not _COLOUR_PATH.fullmatch(colour):
        raise Http404("No such colour.")
    try:
        accent = check_accent(f"#{colour}")
    except BrandError:
        raise Http404("No such colour.") from None
    response = HttpResponse(brand_stylesheet(accent), content_type="text/css; charset=utf-8")
    response["Cache-Control"] = f"public, max-age={_STYLESHEET_MAX_AGE}, immutable"
    return response


def brand_page_context(
    form: BrandForm, *, layer: BrandFields | None, brand: Brand, inherited: Brand | None
) -> dict[str, Any]:
    """What the brand page shows beside the form (organization's and event's alike):
    the stored images, and the preview's starting values (the brand in force)."""
    return {
        "form": form,
        "layer": layer,
        "brand": brand,
        "inherited": inherited,
        "product_accent": PRODUCT_ACCENT,
        "button_text": BUTTON_TEXT,
        "min_contrast": MIN_CONTRAST,
    }


@organization_view(managers_only=True)
@require_http_methods(["GET", "POST"])
def brand_settings(request: OrganizationRequest) -> HttpResponse:
    organization = request.organization
    layer = OrganizationBrand.objects.filter(organization=organization).first()
    form = BrandForm(request.POST or None, request.FILES or None, layer=layer)
    if request.method == "POST" and form.is_valid():
        try:
            update_organization_brand(organization, changes=form.changes())
        except BrandError as error:
            form.add_brand_error(error)
        else:
            messages.success(request, gettext("The brand is saved."))
            return redirect("organizations:brand", organization.slug)
    context = brand_page_context(
        form, layer=layer, brand=organization_brand(organization), inherited=None
    )
    status = 400 if form.errors else 200
    return render(
        request,
        "organizations/brand.html",
        {**context, "nav_section": "settings", "settings_tab": "brand"},
        status=status,
    )
