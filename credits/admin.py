from django.contrib import admin

from credits.models import CreditAccount, CreditEntry


class ReadOnlyAdmin(admin.ModelAdmin):
    """The ledger is append-only and written by credits/ledger.py alone."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CreditAccount)
class CreditAccountAdmin(ReadOnlyAdmin):
    list_display = ["organization", "kind", "balance", "updated_at"]
    list_filter = ["kind"]
    search_fields = ["organization__name", "organization__slug"]


@admin.register(CreditEntry)
class CreditEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "organization", "kind", "amount", "balance_after", "reason"]
    list_filter = ["kind", "reason"]
    search_fields = ["organization__name", "idempotency_key", "memo"]
