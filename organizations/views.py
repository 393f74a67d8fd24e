from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from organizations.access import organization_view
from organizations.forms import OrganizationForm
from organizations.models import Membership
from organizations.services import create_organization


def landing(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("organizations:home")
    return render(request, "organizations/landing.html")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send the user to their organization, or let them pick or create one."""
    memberships = list(Membership.objects.filter(user=request.user).select_related("organization"))
    if len(memberships) == 1:
        return redirect("organizations:dashboard", memberships[0].organization.slug)
    if not memberships:
        return redirect("organizations:create")
    return render(request, "organizations/choose.html", {"memberships": memberships})


@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        organization = create_organization(form.cleaned_data["name"], owner=request.user)
        return redirect("organizations:dashboard", organization.slug)
    return render(request, "organizations/create.html", {"form": form})


@organization_view
def dashboard(request: HttpRequest) -> HttpResponse:
    return redirect("events:list", request.organization.slug)


@organization_view
def settings_page(request: HttpRequest) -> HttpResponse:
    return render(request, "organizations/settings.html", {"nav_section": "settings"})
