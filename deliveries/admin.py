from django.contrib import admin

from artsvp.admin_rules import ServiceStateAdmin
from deliveries.models import Delivery


@admin.register(Delivery)
class DeliveryAdmin(ServiceStateAdmin):
    list_display = ["queued_at", "template", "recipient", "status", "attempts", "sent_at"]
    list_filter = ["status", "channel", "template"]
    search_fields = ["recipient", "provider_message_id", "send_id"]
    raw_id_fields = ["organization"]
    date_hierarchy = "queued_at"
    # The outbox's rows are queued by deliveries/services and moved only by its
    # workers (claim, send, retry, sweep); apps' send limits count them.
    state_fields = tuple(field.name for field in Delivery._meta.fields)
    can_add = False
    can_delete = False
