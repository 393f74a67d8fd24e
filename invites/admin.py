from django.contrib import admin

from artsvp.admin_rules import ServiceStateAdmin
from invites.models import Invite, InviteBatch
from portals.models import CreditShortageNotice, OwnerCode


def _all_fields(model: type) -> tuple[str, ...]:
    return tuple(field.name for field in model._meta.fields)


@admin.register(InviteBatch)
class InviteBatchAdmin(ServiceStateAdmin):
    list_display = ["created_at", "organization", "event", "portal", "method", "size"]
    list_filter = ["method"]
    raw_id_fields = ["organization", "event", "portal", "created_by"]
    # A batch is the record of a generation (credits used): nothing to edit.
    state_fields = _all_fields(InviteBatch)
    can_add = False
    can_delete = False


@admin.register(Invite)
class InviteAdmin(ServiceStateAdmin):
    list_display = ["__str__", "event", "portal", "status", "plus_ones", "created_at"]
    list_filter = ["status"]
    search_fields = ["guest_name", "guest_email", "public_id"]
    raw_id_fields = ["organization", "event", "batch", "portal"]
    exclude = ["token"]
    # The guest's answer, the allocation slot and the credit belong to the
    # services (invites/services.py); only the guest's details can be corrected.
    state_fields = (
        "organization",
        "event",
        "batch",
        "portal",
        "public_id",
        "status",
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


# The portal owner's sign-in codes and the organizer's credit-shortage
# notices are kept with the invites code that uses them (portals/admin.py
# belongs to the organizer's portal pages).
@admin.register(OwnerCode)
class OwnerCodeAdmin(ServiceStateAdmin):
    list_display = ["portal", "email", "created_at", "expires_at", "attempts", "used_at"]
    raw_id_fields = ["organization", "portal"]
    exclude = ["code_hash"]
    state_fields = tuple(name for name in _all_fields(OwnerCode) if name != "code_hash")
    can_add = False


@admin.register(CreditShortageNotice)
class CreditShortageNoticeAdmin(ServiceStateAdmin):
    list_display = ["day", "portal", "kind", "requested", "created_at"]
    list_filter = ["kind"]
    raw_id_fields = ["organization", "portal"]
    # The row is the once-a-day deduplication of the notice email.
    state_fields = _all_fields(CreditShortageNotice)
    can_add = False
