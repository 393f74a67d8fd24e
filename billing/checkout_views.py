"""Organizer pages for buying bundles: buy, back from Stripe, one purchase."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from artsvp.links import absolute_url
from billing import stripe_client
from billing.models import Bundle, Purchase
from billing.services import CheckoutUnavailable, fulfil_checkout, start_checkout
from credits.models import CreditEntry
from organizations.access import OrganizationRequest, organization_view


def _billing_url(request: OrganizationRequest) -> str:
    return reverse("billing:billing", args=[request.organization.slug])


@organization_view(managers_only=True)
@require_POST
def buy(request: OrganizationRequest, bundle_id: int) -> HttpResponse:
    bundle = get_object_or_404(Bundle, pk=bundle_id, active=True)
    slug = request.organization.slug
    success_url = absolute_url(reverse("billing:success", args=[slug]))
    cancel_url = absolute_url(reverse("billing:cancel", args=[slug]))
    try:
        _purchase, checkout_url = start_checkout(
            bundle,
            organization=request.organization,
            buyer=request.user,
            # Stripe fills in the placeholder; the page matches it to our purchase.
            success_url=f"{success_url}?session_id={{CHECKOUT_SESSION_ID}}",
            cancel_url=cancel_url,
        )
    except CheckoutUnavailable as error:
        messages.error(request, str(error))
        return redirect(f"{_billing_url(request)}#bundles")
    return HttpResponseRedirect(checkout_url, status=303)


@organization_view
@require_GET
def success(request: OrganizationRequest) -> HttpResponse:
    session_id = request.GET.get("session_id", "")
    if not session_id:
        raise Http404("No checkout session.")
    # Only a session opened for this organization: anything else is a 404.
    purchase = get_object_or_404(
        Purchase,
        organization=request.organization,
        stripe_checkout_session_id=session_id,
    )
    session = None
    unreachable = False
    if not purchase.is_fulfilled and stripe_client.payments_configured():
        try:
            session = stripe_client.retrieve_checkout_session(session_id)
        except stripe_client.PaymentsError:
            unreachable = True
        else:
            # Fulfil now rather than wait for the webhook, so the new balance shows at once.
            purchase = fulfil_checkout(session, via="success page") or purchase
    return render(
        request,
        "billing/checkout_result.html",
        {
            "nav_section": "settings",
            "purchase": purchase,
            "processing": (
                not purchase.is_fulfilled
                and session is not None
                and session.get("status") == "complete"
                and session.get("payment_status") == "unpaid"
            ),
            "unreachable": unreachable,
        },
    )


@organization_view
@require_GET
def cancel(request: OrganizationRequest) -> HttpResponse:
    # Nothing changes: the purchase stays pending until Stripe expires the session.
    messages.info(
        request, gettext("Checkout cancelled. Nothing was charged and your credits are unchanged.")
    )
    return redirect(f"{_billing_url(request)}#bundles")


@organization_view
@require_GET
def purchase_detail(request: OrganizationRequest, purchase_id: str) -> HttpResponse:
    purchase = get_object_or_404(
        Purchase.objects.select_related("buyer"),
        organization=request.organization,
        public_id=purchase_id,
    )
    entries = list(
        CreditEntry.objects.filter(
            organization=request.organization,
            purchase=purchase,
        ).order_by("id")
    )
    return render(
        request,
        "billing/purchase.html",
        {
            "nav_section": "settings",
            "purchase": purchase,
            "entries": entries,
            "can_check_status": (
                purchase.status == Purchase.Status.PENDING
                and not purchase.needs_attention
                and bool(purchase.stripe_checkout_session_id)
                and stripe_client.payments_configured()
            ),
        },
    )
