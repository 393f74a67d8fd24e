from django.contrib import admin

from invites.models import Invite, InviteBatch


@admin.register(InviteBatch)
class InviteBatchAdmin(admin.ModelAdmin):
    list_display = ["created_at", "organization", "event", "portal", "method", "size"]
    list_filter = ["method"]
    raw_id_fields = ["organization", "event", "portal", "created_by"]
    readonly_fields = ["size"]


@admin.register(Invite)
class InviteAdmin(admin.ModelAdmin):
    list_display = ["__str__", "event", "portal", "status", "plus_ones", "created_at"]
    list_filter = ["status"]
    search_fields = ["guest_name", "guest_email", "public_id"]
    raw_id_fields = ["organization", "event", "batch", "portal"]
    exclude = ["token"]
