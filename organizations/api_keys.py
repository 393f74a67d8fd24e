"""The organization's API keys page: list, create (shown once), revoke.

Owners and admins only. A new key is rendered in the response to the POST
that created it and stored nowhere but as a hash, so it can be seen once.

The page's curl example names real rows of the apps above (a claimed portal),
which organizations cannot import: those apps register an example provider
with `organizations.hooks.api_example` from their AppConfig.ready().
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from artsvp.api_support import rate_limit_setting
from artsvp.links import absolute_url
from organizations.access import OrganizationRequest, organization_view
from organizations.api_key_services import NewApiKey, create_api_key, revoke_api_key
from organizations.hooks import api_example_context
from organizations.models import ApiKey


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        label=_("Key name"),
        help_text=_("What will use it, e.g. “CRM sync” or “Ticketing integration”."),
    )
    check_in_only = forms.BooleanField(
        required=False,
        label=_("Check-in only (door devices)"),
        help_text=_(
            "The key can only check guests in, undo a check-in and read attendance: "
            "nothing else, so a lost scanner cannot read or change your guest list."
        ),
    )


@organization_view(managers_only=True)
@require_http_methods(["GET", "POST"])
def api_keys(request: OrganizationRequest) -> HttpResponse:
    organization = request.organization
    form = ApiKeyForm()
    new_key: NewApiKey | None = None
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            api_key = (
                ApiKey.objects.filter(organization=organization, prefix=request.POST.get("prefix"))
                .only("pk", "name", "prefix")
                .first()
            )
            if api_key is None:
                raise Http404("No such API key.")
            revoke_api_key(api_key)
            messages.success(
                request,
                gettext("“%(name)s” is revoked: requests using it are refused from now on.")
                % {"name": api_key.name},
            )
            return redirect("organizations:api_keys", organization.slug)
        form = ApiKeyForm(request.POST)
        if form.is_valid():
            new_key = create_api_key(
                organization,
                name=form.cleaned_data["name"],
                created_by=request.user,
                check_in_only=form.cleaned_data["check_in_only"],
            )
            form = ApiKeyForm()
    keys = list(ApiKey.objects.filter(organization=organization).select_related("created_by"))
    docs_url = absolute_url(reverse("api:openapi-view"))
    limit, window = rate_limit_setting()
    return render(
        request,
        "organizations/api_keys.html",
        {
            "nav_section": "settings",
            "settings_tab": "api",
            "form": form,
            "keys": keys,
            "new_key": new_key,
            "api_base": absolute_url(reverse("api:api-root")),
            "docs_url": docs_url,
            "curl_key": new_key.secret if new_key else "YOUR_API_KEY",
            **api_example_context(organization),
            "rate_limit": limit,
            "rate_window_minutes": window // 60,
        },
    )
