"""Credit accounts and their append-only ledger.

An organization has one account per kind of credit (portal, invite). The
account's `balance` is a cache of the sum of its entries, kept in step by
`credits/ledger.py`, the only code that writes either table.

Invariants (CHECK constraints, unique indexes and, on PostgreSQL, a trigger
that refuses UPDATE and DELETE of entries; see the migrations):
- balance >= 0 and every entry's balance_after >= 0;
- amount != 0;
- sum(entries.amount) == account.balance, and each entry's balance_after is
  the previous entry's balance_after plus its amount (`manage.py check_ledger`);
- an idempotency key is used once: replaying it returns the first entry.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from organizations.models import Organization


class CreditKind(models.TextChoices):
    PORTAL = "portal", _("Portal credits")
    INVITE = "invite", _("Invite credits")


def credits_text(count: int, kind: str) -> str:
    """ "1 portal credit", "250 invite credits": an amount of credits in words."""
    if kind == CreditKind.PORTAL:
        text = ngettext("%(count)s portal credit", "%(count)s portal credits", count)
    else:
        text = ngettext("%(count)s invite credit", "%(count)s invite credits", count)
    return text % {"count": number_format(count, force_grouping=True)}


class CreditAccount(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="credit_accounts"
    )
    kind = models.CharField(max_length=10, choices=CreditKind.choices)
    balance = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organization_id", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "kind"], name="account_unique_kind"),
            models.CheckConstraint(
                condition=models.Q(balance__gte=0), name="account_balance_gte_0"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization}: {self.balance} {self.kind}"


class CreditEntry(models.Model):
    class Reason(models.TextChoices):
        PURCHASE = "purchase", _("Bundle purchase")
        PORTAL_ASSIGNMENT = "portal_assignment", _("Portal assigned")
        INVITE_GENERATION = "invite_generation", _("Invites generated")
        REFUND = "refund", _("Refund")
        DISPUTE = "dispute", _("Payment dispute")
        ADJUSTMENT = "adjustment", _("Operator adjustment")
        DEMO_GRANT = "demo_grant", _("Demo grant")

    account = models.ForeignKey(CreditAccount, on_delete=models.PROTECT, related_name="entries")
    # Denormalised from the account so statement queries start from the tenant.
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="credit_entries"
    )
    kind = models.CharField(max_length=10, choices=CreditKind.choices)
    amount = models.BigIntegerField()
    balance_after = models.BigIntegerField()
    reason = models.CharField(max_length=24, choices=Reason.choices)
    idempotency_key = models.CharField(max_length=200, unique=True)
    # What caused the entry; at most one is set.
    purchase = models.ForeignKey(
        "billing.Purchase", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    portal = models.ForeignKey(
        "portals.Portal", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    invite_batch = models.ForeignKey(
        "invites.InviteBatch", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # None means the system did it (a webhook, a worker, an operator command).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Who acted without an account of ours (a portal owner claiming or generating),
    # as they were at the time. Nullable without a default: SQLite adds the column
    # in place, keeping the append-only trigger of migration 0002.
    actor_email = models.EmailField(null=True, blank=True)
    memo = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "credit entries"
        indexes = [models.Index(fields=["organization", "-id"], name="entry_org_newest")]
        constraints = [
            models.CheckConstraint(condition=~models.Q(amount=0), name="entry_amount_not_0"),
            models.CheckConstraint(
                condition=models.Q(balance_after__gte=0), name="entry_balance_after_gte_0"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount:+d} {self.kind} ({self.reason})"
