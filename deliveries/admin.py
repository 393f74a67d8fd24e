from django.contrib import admin

from deliveries.models import Delivery


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["queued_at", "template", "recipient", "status", "attempts", "sent_at"]
    list_filter = ["status", "template"]
    search_fields = ["recipient", "provider_message_id", "send_id"]
    raw_id_fields = ["organization", "invite"]
    date_hierarchy = "queued_at"
    # The outbox's state changes only through its services and workers.
    readonly_fields = [
        "status",
        "attempts",
        "last_error",
        "provider_message_id",
        "send_id",
        "queued_by",
        "queued_at",
        "next_attempt_at",
        "sent_at",
        "opened_at",
        "updated_at",
    ]
