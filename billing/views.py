from __future__ import annotations

from csp.decorators import csp_update
from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render

from billing.catalog import price_lists
from billing.models import Purchase
from credits import ledger
from credits.statement import RowBuilder, statement_entries
from organizations.access import OrganizationRequest, organization_view

RECENT_PURCHASES = 10
RECENT_ENTRIES = 5


@organization_view
@csp_update({"form-action": settings.STRIPE_CHECKOUT_ORIGIN})
def billing_page(request: OrganizationRequest) -> HttpResponse:
    """Balances, bundle prices, purchases and the latest ledger entries.

    Every member may look; only owners and admins get the buy controls.
    """
    organization = request.organization
    purchases = list(
        Purchase.objects.filter(organization=organization)
        .select_related("bundle", "buyer")
        .order_by("-created_at", "-id")[:RECENT_PURCHASES]
    )
    recent = RowBuilder(organization).rows(statement_entries(organization)[:RECENT_ENTRIES])
    return render(
        request,
        "billing/billing.html",
        {
            "nav_section": "settings",
            "settings_tab": "billing",
            "balances": ledger.balances(organization),
            "price_lists": price_lists(),
            "purchases": purchases,
            "recent_rows": list(recent),
            "can_buy": request.membership.is_manager,
        },
    )
