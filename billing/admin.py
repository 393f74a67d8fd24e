from django.contrib import admin

from billing.models import Bundle, Purchase


@admin.register(Bundle)
class BundleAdmin(admin.ModelAdmin):
    list_display = ["kind", "credits", "price", "currency", "unit_price", "active"]
    list_filter = ["kind", "active", "currency"]
    list_editable = ["price", "active"]


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
        "needs_attention",
    ]
    list_filter = ["status", "kind", "needs_attention"]
    search_fields = ["organization__name", "stripe_checkout_session_id", "public_id"]
    readonly_fields = [f.name for f in Purchase._meta.fields if f.name != "needs_attention"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False
