from __future__ import annotations

from typing import Any

from csp.decorators import csp_update
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from billing import stripe_client
from billing.catalog import price_lists
from billing.credit_requests import CreditRequestError, request_credits
from billing.forms import CreditRequestForm
from billing.models import CreditRequest, Purchase
from credits import ledger
from credits.models import credits_text
from credits.statement import RowBuilder, statement_entries
from organizations.access import OrganizationRequest, organization_view

RECENT_PURCHASES = 10
RECENT_ENTRIES = 5
RECENT_REQUESTS = 5


@organization_view
@csp_update({"form-action": settings.STRIPE_CHECKOUT_ORIGIN})
def billing_page(request: OrganizationRequest) -> HttpResponse:
    """Balances, bundle prices, purchases and the latest ledger entries.

    Every member may look; only owners and admins get the buy controls, or,
    while buying online is not available, the credit request form.
    """
    return _render_billing(request, request_form=CreditRequestForm())


@organization_view(managers_only=True)
@require_POST
def request_credits_view(request: OrganizationRequest) -> HttpResponse:
    """Ask the operators for credits (only while buying online is not available)."""
    if stripe_client.payments_configured():
        messages.info(request, gettext("Buying online is available: buy a bundle below."))
        return redirect("billing:billing", request.organization.slug)
    form = CreditRequestForm(request.POST)
    if form.is_valid():
        try:
            credit_request = request_credits(
                request.organization,
                kind=form.cleaned_data["kind"],
                credits=form.cleaned_data["credits"],
                note=form.cleaned_data["note"],
                requested_by=request.user,
            )
        except CreditRequestError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(
                request,
                gettext("Request sent: %(amount)s. We'll email you when they arrive.")
                % {"amount": credits_text(credit_request.credits, credit_request.kind)},
            )
            return redirect("billing:billing", request.organization.slug)
    return _render_billing(request, request_form=form, status=400)


def _render_billing(
    request: OrganizationRequest, *, request_form: CreditRequestForm, status: int = 200
) -> HttpResponse:
    organization = request.organization
    purchases = list(
        Purchase.objects.filter(organization=organization)
        .select_related("bundle", "buyer")
        .order_by("-created_at", "-id")[:RECENT_PURCHASES]
    )
    recent = RowBuilder(organization).rows(statement_entries(organization)[:RECENT_ENTRIES])
    context: dict[str, Any] = {
        "nav_section": "settings",
        "settings_tab": "billing",
        "balances": ledger.balances(organization),
        "price_lists": price_lists(),
        "purchases": purchases,
        "recent_rows": list(recent),
        "can_buy": request.membership.is_manager,
        "request_form": request_form,
        "credit_requests": list(
            CreditRequest.objects.filter(organization=organization).select_related("requested_by")[
                :RECENT_REQUESTS
            ]
        ),
        "vat_note": settings.PRICES_VAT_NOTE,
    }
    return render(request, "billing/billing.html", context, status=status)
