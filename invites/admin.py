from django.contrib import admin

from artsvp.admin_rules import ServiceStateAdmin, all_fields
from invites.models import Invite, InviteBatch


@admin.register(InviteBatch)
class InviteBatchAdmin(ServiceStateAdmin):
    list_display = ["created_at", "organization", "event", "portal", "method", "size"]
    list_filter = ["method"]
    raw_id_fields = ["organization", "event", "portal", "created_by"]
    # A batch is the record of a generation (credits used): nothing to edit.
    state_fields = all_fields(InviteBatch)
    can_add = False
    can_delete = False


@admin.register(Invite)
class InviteAdmin(ServiceStateAdmin):
    list_display = ["__str__", "event", "portal", "status", "plus_ones", "created_at"]
    list_filter = ["status"]
    search_fields = ["guest_name", "guest_email", "public_id"]
    raw_id_fields = ["organization", "event", "batch", "portal", "parent"]
    exclude = ["token"]
    # The guest's answer, the allocation slot and the credit belong to the
    # services (invites/services.py); only the guest's details can be corrected.
    state_fields = (
        "organization",
        "event",
        "batch",
        "portal",
        "parent",
        "public_id",
        "status",
        "invite_type",
        "entry_window",
        "golden",
        "needs_approval",
        "shared_with_organizer",
        "uses",
        "uses_taken",
        "plus_ones_allowed",
        "plus_ones",
        "opened_at",
        "responded_at",
        "revoked_at",
        "created_at",
        "updated_at",
    )
    can_add = False
    can_delete = False
