from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from artsvp.locks import locking_transaction
from credits import ledger
from credits.models import CreditAccount, CreditEntry


class ReadOnlyAdmin(admin.ModelAdmin):
    """The ledger is append-only and written by credits/ledger.py alone."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AdjustmentForm(forms.Form):
    amount = forms.IntegerField(
        help_text="Credits to add; a negative number takes credits away (never below zero)."
    )
    memo = forms.CharField(
        max_length=500,
        label="Reason",
        help_text="Shown to the organization on its statement.",
    )

    def clean_amount(self) -> int:
        amount = self.cleaned_data["amount"]
        if amount == 0:
            raise forms.ValidationError("The amount must not be zero.")
        return amount


@admin.register(CreditAccount)
class CreditAccountAdmin(ReadOnlyAdmin):
    list_display = ["organization", "kind", "balance", "updated_at", "adjust_link"]
    list_filter = ["kind"]
    search_fields = ["organization__name", "organization__slug"]
    list_select_related = ["organization"]

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<int:account_id>/adjust/",
                self.admin_site.admin_view(self.adjust_view),
                name="credits_creditaccount_adjust",
            ),
            *super().get_urls(),
        ]

    @admin.display(description="Adjust")
    def adjust_link(self, account: CreditAccount) -> str:
        url = reverse("admin:credits_creditaccount_adjust", args=[account.pk])
        return format_html('<a href="{}">Adjust balance</a>', url)

    def adjust_view(self, request: HttpRequest, account_id: int) -> HttpResponse:
        """An operator's adjustment, through the ledger like every other change."""
        # Operators only: staff with the right to write ledger entries.
        if not request.user.has_perm("credits.add_creditentry"):
            raise PermissionDenied
        account = get_object_or_404(
            CreditAccount.objects.select_related("organization"), pk=account_id
        )
        form = AdjustmentForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                with locking_transaction():
                    entry = ledger.adjust(
                        account.organization,
                        account.kind,
                        form.cleaned_data["amount"],
                        idempotency_key=f"operator-adjustment:{uuid.uuid4().hex}",
                        actor=request.user,
                        memo=form.cleaned_data["memo"],
                    )
            except ledger.InsufficientCredits as error:
                form.add_error("amount", f"Only {error.available} left: nothing was changed.")
            else:
                label = account.get_kind_display().lower()
                self.message_user(
                    request,
                    f"{account.organization}: {entry.amount:+d} {label}, "
                    f"balance now {entry.balance_after}.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:credits_creditaccount_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Adjust {account.get_kind_display().lower()} of {account.organization}",
            "account": account,
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "credits/admin_adjust.html", context)


@admin.register(CreditEntry)
class CreditEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "organization", "kind", "amount", "balance_after", "reason"]
    list_filter = ["kind", "reason"]
    search_fields = ["organization__name", "idempotency_key", "memo"]
    list_select_related = ["organization"]
