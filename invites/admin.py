from django.contrib import admin

from invites.models import Invite, InviteBatch
from portals.models import CreditShortageNotice, OwnerCode


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


# The portal owner's sign-in codes and the organizer's credit-shortage
# notices are kept with the invites code that uses them (portals/admin.py
# belongs to the organizer's portal pages).
@admin.register(OwnerCode)
class OwnerCodeAdmin(admin.ModelAdmin):
    list_display = ["portal", "email", "created_at", "expires_at", "attempts", "used_at"]
    raw_id_fields = ["organization", "portal"]
    exclude = ["code_hash"]
    readonly_fields = ["email", "attempts", "expires_at", "used_at"]


@admin.register(CreditShortageNotice)
class CreditShortageNoticeAdmin(admin.ModelAdmin):
    list_display = ["day", "portal", "kind", "requested", "created_at"]
    list_filter = ["kind"]
    raw_id_fields = ["organization", "portal"]
