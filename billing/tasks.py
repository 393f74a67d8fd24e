"""Emails about purchases, sent by workers after the fulfilling transaction commits."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import mail_admins
from django.urls import reverse
from django.utils import timezone

from artsvp.emails import send_email
from billing.models import Purchase


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_purchase_receipt(purchase_id: int) -> None:
    purchase = (
        Purchase.objects.select_related("organization", "buyer").filter(pk=purchase_id).first()
    )
    if purchase is None or purchase.receipt_sent_at or not purchase.is_fulfilled:
        return
    if purchase.buyer is None or not purchase.buyer.email:
        return
    path = reverse("billing:purchase", args=[purchase.organization.slug, purchase.public_id])
    send_email(
        "purchase-receipt",
        purchase.buyer.email,
        {
            "purchase": purchase,
            "organization": purchase.organization,
            "purchase_url": f"{settings.SITE_URL}{path}",
        },
    )
    # Marked after sending: a worker dying in between sends twice rather than never.
    Purchase.objects.filter(pk=purchase.pk).update(receipt_sent_at=timezone.now())


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def notify_staff_about_purchase(purchase_id: int, note: str) -> None:
    purchase = Purchase.objects.select_related("organization").filter(pk=purchase_id).first()
    if purchase is None:
        return
    admin_path = reverse("admin:billing_purchase_change", args=[purchase.pk])
    mail_admins(
        f"Purchase needs attention: {purchase.organization.name}",
        "\n".join(
            [
                note,
                "",
                f"Organization: {purchase.organization.name} ({purchase.organization.slug})",
                f"Purchase: {purchase.public_id}, {purchase.credits} {purchase.kind} credits, "
                f"{purchase.total_price} {purchase.currency}, status {purchase.status}",
                f"Credits granted {purchase.credits_granted}, reversed "
                f"{purchase.credits_reversed}, could not be taken back "
                f"{purchase.credits_shortfall}",
                f"Payment intent: {purchase.stripe_payment_intent_id or '-'}",
                "",
                f"Review it: {settings.SITE_URL}{admin_path}",
            ]
        ),
    )
