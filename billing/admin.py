from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import ngettext

from billing.credit_requests import RequestAlreadyDecided, decline_request, grant_request
from billing.models import Bundle, CreditRequest, Purchase, StripeEvent
from billing.stripe_inbox import process_event


@admin.register(Bundle)
class BundleAdmin(admin.ModelAdmin):
    list_display = ["kind", "credits", "price", "currency", "unit_price", "active"]
    list_filter = ["kind", "active", "currency"]
    list_editable = ["price", "active"]


class StripeEventInline(admin.TabularInline):
    model = StripeEvent
    fields = readonly_fields = ("received_at", "type", "stripe_id", "state", "attempts", "error")
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Purchase)
class PurchaseAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "organization",
        "kind",
        "credits",
        "total_price",
        "currency",
        "status",
        "credits_reversed",
        "credits_shortfall",
        "needs_attention",
    ]
    list_filter = ["needs_attention", "status", "kind"]
    search_fields = [
        "organization__name",
        "public_id",
        "stripe_checkout_session_id",
        "stripe_payment_intent_id",
    ]
    # Status, credits and amounts follow Stripe through billing/services.py;
    # staff only raise or clear the attention flag.
    readonly_fields = [f.name for f in Purchase._meta.fields if f.name != "needs_attention"]
    inlines = [StripeEventInline]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Ledger entries point at the purchase that caused them.
        return False


@admin.register(StripeEvent)
class StripeEventAdmin(admin.ModelAdmin):
    list_display = ["received_at", "type", "stripe_id", "state", "attempts", "purchase"]
    list_filter = ["state", "type", "livemode"]
    search_fields = ["stripe_id"]
    readonly_fields = [f.name for f in StripeEvent._meta.fields]
    actions = ["reprocess"]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # The inbox row is what makes a replayed webhook a no-op.
        return False

    @admin.action(description="Process again (failed or deferred events)")
    def reprocess(self, request: HttpRequest, queryset: QuerySet[StripeEvent]) -> None:
        retried = failed = 0
        for stripe_event in queryset.exclude(state=StripeEvent.State.PROCESSED):
            try:
                process_event(stripe_event)
            except Exception:
                failed += 1
            else:
                retried += 1
        self.message_user(
            request,
            ngettext(
                "Processed %(count)s event; %(failed)s failed again.",
                "Processed %(count)s events; %(failed)s failed again.",
                retried,
            )
            % {"count": retried, "failed": failed},
        )
        if failed:
            self.message_user(request, "See each event's error.", level=messages.WARNING)


@admin.register(CreditRequest)
class CreditRequestAdmin(admin.ModelAdmin):
    list_display = ["created_at", "organization", "kind", "credits", "status", "requested_by"]
    list_filter = ["status", "kind"]
    search_fields = ["organization__name", "organization__slug", "public_id", "note"]
    readonly_fields = [
        "public_id",
        "organization",
        "kind",
        "credits",
        "note",
        "status",
        "requested_by",
        "decided_by",
        "created_at",
        "decided_at",
    ]
    actions = ["grant_selected", "decline_selected"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(
        description="Grant the selected requests (adds the credits, emails the requester)"
    )
    def grant_selected(self, request: HttpRequest, queryset: QuerySet[CreditRequest]) -> None:
        self._decide(request, queryset, grant_request, granted=True)

    @admin.action(description="Decline the selected requests (emails the requester)")
    def decline_selected(self, request: HttpRequest, queryset: QuerySet[CreditRequest]) -> None:
        self._decide(request, queryset, decline_request, granted=False)

    def _decide(
        self,
        request: HttpRequest,
        queryset: QuerySet[CreditRequest],
        decide: Any,
        *,
        granted: bool,
    ) -> None:
        done = 0
        for credit_request in queryset.select_related("organization"):
            try:
                decide(credit_request, decided_by=request.user)
            except RequestAlreadyDecided as error:
                self.message_user(
                    request, f"{credit_request.public_id}: {error.message}", messages.WARNING
                )
            else:
                done += 1
        if done:
            self.message_user(
                request,
                (
                    ngettext("%(count)s request granted.", "%(count)s requests granted.", done)
                    if granted
                    else ngettext(
                        "%(count)s request declined.", "%(count)s requests declined.", done
                    )
                )
                % {"count": done},
                messages.SUCCESS,
            )
