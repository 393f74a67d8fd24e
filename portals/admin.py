from django.contrib import admin

from artsvp.admin_rules import ServiceStateAdmin, ServiceStateInline, all_fields
from portals.models import (
    CreditShortageNotice,
    InviteType,
    OwnerCode,
    Portal,
    PortalAllocation,
    PortalGroup,
)


class InviteTypeInline(ServiceStateInline):
    """A group's types, shown: a new type gives every portal an allocation row and a
    type is archived rather than deleted (portals/invite_types.py)."""

    model = InviteType
    fields = readonly_fields = (
        "name",
        "code",
        "default_allocation",
        "plus_ones_allowed",
        "golden",
        "needs_approval",
        "position",
        "archived_at",
    )
    ordering = ["archived_at", "position", "id"]


class PortalAllocationInline(ServiceStateInline):
    """A portal's allocation per type: counters that only portals/rules.py writes."""

    model = PortalAllocation
    fields = readonly_fields = ("invite_type", "size", "used")


@admin.register(PortalGroup)
class PortalGroupAdmin(ServiceStateAdmin):
    list_display = [
        "name",
        "event",
        "organization",
        "kind",
        "default_allocation",
        "share_all_invites",
    ]
    list_filter = ["kind", "share_all_invites"]
    list_select_related = ["event", "organization"]
    search_fields = ["name", "public_id", "event__name", "organization__name"]
    raw_id_fields = ["organization", "event"]
    readonly_fields = ["public_id", "created_at"]
    inlines = [InviteTypeInline]
    # A group is created by services.create_group; it never moves to another tenant.
    can_add = False
    fixed_after_creation = ("organization", "event")


@admin.register(Portal)
class PortalAdmin(ServiceStateAdmin):
    list_display = ["name", "group", "status", "owner_email", "invites_used", "allocation"]
    list_filter = ["status", "group__kind"]
    list_select_related = ["group"]
    search_fields = ["name", "owner_email", "contact_email", "public_id", "group__name"]
    raw_id_fields = ["organization", "group"]
    inlines = [PortalAllocationInline]
    # State, usage, the allocation (never below what is used) and the secret
    # change only through services: credits and row locks are involved.
    state_fields = (
        "organization",
        "group",
        "public_id",
        "token",
        "status",
        "allocation",
        "invites_used",
        "owner_email",
        "assigned_at",
        "revoked_at",
        "created_at",
        "updated_at",
    )
    can_add = False
    can_delete = False


@admin.register(OwnerCode)
class OwnerCodeAdmin(ServiceStateAdmin):
    list_display = ["portal", "email", "created_at", "expires_at", "attempts", "used_at"]
    raw_id_fields = ["organization", "portal"]
    exclude = ["code_hash"]
    state_fields = tuple(name for name in all_fields(OwnerCode) if name != "code_hash")
    can_add = False


@admin.register(CreditShortageNotice)
class CreditShortageNoticeAdmin(ServiceStateAdmin):
    list_display = ["day", "portal", "kind", "requested", "created_at"]
    list_filter = ["kind"]
    raw_id_fields = ["organization", "portal"]
    # The row is the once-a-day deduplication of the notice email.
    state_fields = all_fields(CreditShortageNotice)
    can_add = False
