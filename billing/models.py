"""Credit bundles and their purchases.

A Bundle is a catalog line (kind, credits, price), editable in the admin.
A Purchase snapshots the bundle when the organizer clicks "Buy", so a later
price change never alters what a checkout grants. Credits come from the
snapshot, granted once through the ledger with key `purchase:<id>`.

Status: pending -> paid | failed | expired; paid -> refunded |
partially_refunded. `credits_reversed` counts credits taken back by refunds
or disputes; `credits_shortfall` counts refunded credits that had already
been used and could not be taken back (flagged to staff).

A StripeEvent is the webhook inbox: one row per Stripe event id, so a
delivery Stripe repeats is recognised and not processed twice. Handlers are
idempotent on their own (they lock and re-check the purchase), so two
deliveries racing before either is marked processed still grant once.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from artsvp.ids import new_public_id
from credits.models import CreditKind
from organizations.models import Organization


class Bundle(models.Model):
    kind = models.CharField(max_length=10, choices=CreditKind.choices)
    credits = models.PositiveIntegerField()
    price = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3, default="EUR")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "credits"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "credits", "currency"], name="bundle_unique_size"
            ),
            models.CheckConstraint(condition=models.Q(credits__gt=0), name="bundle_credits_gt_0"),
            models.CheckConstraint(condition=models.Q(price__gt=0), name="bundle_price_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.credits} {self.get_kind_display().lower()} for {self.price} {self.currency}"

    @property
    def unit_price(self) -> Decimal:
        return (self.price / self.credits).quantize(Decimal("0.01"))


class Purchase(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")
        REFUNDED = "refunded", _("Refunded")
        PARTIALLY_REFUNDED = "partially_refunded", _("Partially refunded")

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="purchases"
    )
    public_id = models.CharField(max_length=20, unique=True, default=new_public_id)
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    bundle = models.ForeignKey(Bundle, on_delete=models.SET_NULL, null=True, related_name="+")
    # Snapshot of the bundle at the time of purchase.
    kind = models.CharField(max_length=10, choices=CreditKind.choices)
    credits = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=10, decimal_places=4)
    total_price = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3)
    stripe_checkout_session_id = models.CharField(
        max_length=255, unique=True, null=True, blank=True
    )
    stripe_payment_intent_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    credits_granted = models.PositiveIntegerField(default=0)
    credits_reversed = models.PositiveIntegerField(default=0)
    credits_shortfall = models.PositiveIntegerField(default=0)
    amount_refunded = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    amount_disputed = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    needs_attention = models.BooleanField(
        default=False,
        help_text="Set when staff must look: a refund could not be fully taken back, "
        "a paid amount did not match, a dispute was opened.",
    )
    attention_note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # Reversed plus unrecoverable credits never exceed what was granted.
            models.CheckConstraint(
                condition=models.Q(
                    credits_reversed__lte=models.F("credits_granted")
                    - models.F("credits_shortfall")
                ),
                name="purchase_reversal_lte_granted",
            ),
            models.CheckConstraint(
                condition=models.Q(credits_granted=0)
                | models.Q(credits_granted=models.F("credits")),
                name="purchase_grants_all_or_nothing",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.credits} {self.kind} credits ({self.status})"

    @property
    def is_fulfilled(self) -> bool:
        return self.paid_at is not None


class StripeEvent(models.Model):
    class State(models.TextChoices):
        RECEIVED = "received", "Received"
        PROCESSED = "processed", "Processed"
        IGNORED = "ignored", "Ignored"
        # Refers to a purchase not fulfilled yet; replayed after fulfilment.
        DEFERRED = "deferred", "Deferred"
        FAILED = "failed", "Failed"

    stripe_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100, db_index=True)
    livemode = models.BooleanField(default=False)
    payload = models.JSONField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.RECEIVED)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    purchase = models.ForeignKey(
        Purchase, on_delete=models.SET_NULL, null=True, blank=True, related_name="stripe_events"
    )
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["state", "type"], name="stripe_event_state_type")]

    def __str__(self) -> str:
        return f"{self.type} {self.stripe_id} ({self.state})"

    @property
    def is_done(self) -> bool:
        return self.state in {self.State.PROCESSED, self.State.IGNORED}

    @property
    def data_object(self) -> dict:
        return self.payload.get("data", {}).get("object", {}) or {}


class CreditRequest(models.Model):
    """An organizer's request for credits while buying online is not available.

    The operators are emailed; they grant it with one action in the admin or
    with `manage.py grant_credits --request <public id>`: the credits go
    through the ledger once (key `credit-request:<id>`), and the requester is
    told. A request is granted or declined at most once.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        GRANTED = "granted", _("Granted")
        DECLINED = "declined", _("Declined")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="credit_requests"
    )
    public_id = models.CharField(max_length=20, unique=True, default=new_public_id)
    kind = models.CharField(max_length=10, choices=CreditKind.choices)
    credits = models.PositiveIntegerField()
    note = models.TextField(blank=True, max_length=1000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(credits__gt=0), name="credit_request_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.credits} {self.kind} credits for {self.organization_id} ({self.status})"
