from django.urls import path

import artsvp.converters  # noqa: F401 (registers the <publicid:> and <token:> converters)
from billing import checkout_views, views, webhooks

app_name = "billing"

urlpatterns = [
    path("o/<slug:org_slug>/settings/billing/", views.billing_page, name="billing"),
    path(
        "o/<slug:org_slug>/settings/billing/request/",
        views.request_credits_view,
        name="request_credits",
    ),
    path(
        "o/<slug:org_slug>/settings/billing/buy/<int:bundle_id>/",
        checkout_views.buy,
        name="buy",
    ),
    path(
        "o/<slug:org_slug>/settings/billing/checkout/success/",
        checkout_views.success,
        name="success",
    ),
    path(
        "o/<slug:org_slug>/settings/billing/checkout/cancel/",
        checkout_views.cancel,
        name="cancel",
    ),
    path(
        "o/<slug:org_slug>/settings/billing/purchases/<publicid:purchase_id>/",
        checkout_views.purchase_detail,
        name="purchase",
    ),
    path("billing/stripe/webhook/", webhooks.stripe_webhook, name="webhook"),
]
