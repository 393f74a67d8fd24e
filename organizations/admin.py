from django.contrib import admin
from django.http import HttpRequest

from artsvp.admin_rules import ServiceStateAdmin, ServiceStateInline
from organizations.models import ApiKey, Membership, Organization, TeamInvitation


class MembershipInline(ServiceStateInline):
    model = Membership
    fields = readonly_fields = ("user", "role", "created_at")


@admin.register(Organization)
class OrganizationAdmin(ServiceStateAdmin):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]
    inlines = [MembershipInline]
    readonly_fields = ["created_at"]
    # create_organization also makes the owner's membership and credit accounts.
    can_add = False


@admin.register(Membership)
class MembershipAdmin(ServiceStateAdmin):
    list_display = ["user", "organization", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "organization__name"]
    raw_id_fields = ["user", "organization"]
    # Roles change and members leave through organizations/services.py, which
    # never leaves an organization without an owner.
    state_fields = ("organization", "user", "role", "created_at")
    can_add = False
    can_delete = False


@admin.register(TeamInvitation)
class TeamInvitationAdmin(ServiceStateAdmin):
    list_display = ["email", "organization", "role", "created_at", "accepted_at"]
    search_fields = ["email", "organization__name"]
    raw_id_fields = ["organization", "invited_by", "accepted_by"]
    exclude = ["token"]
    # Sent, resent, accepted and cancelled through organizations/services.py.
    state_fields = (
        "organization",
        "email",
        "role",
        "invited_by",
        "created_at",
        "accepted_at",
        "accepted_by",
    )
    can_add = False


@admin.register(ApiKey)
class ApiKeyAdmin(ServiceStateAdmin):
    list_display = ["name", "prefix", "organization", "created_by", "last_used_at", "revoked_at"]
    search_fields = ["name", "prefix", "organization__name"]
    raw_id_fields = ["organization", "created_by"]
    # The hash is useless to read and must never be edited into another key's.
    exclude = ["secret_hash"]
    readonly_fields = ["prefix", "created_at", "last_used_at"]
    # Revoked through organizations/api_key_services.py; never moved to another tenant.
    state_fields = ("organization", "created_by", "revoked_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A key is made by create_api_key (settings page or command), which shows it once.
        return False
