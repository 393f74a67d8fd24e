from django.contrib import admin

from portals.models import Portal, PortalGroup


@admin.register(PortalGroup)
class PortalGroupAdmin(admin.ModelAdmin):
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


@admin.register(Portal)
class PortalAdmin(admin.ModelAdmin):
    list_display = ["name", "group", "status", "owner_email", "invites_used", "allocation"]
    list_filter = ["status", "group__kind"]
    list_select_related = ["group"]
    search_fields = ["name", "owner_email", "contact_email", "public_id", "group__name"]
    raw_id_fields = ["organization", "group"]
    # State, usage and the secret change only through services (credits and
    # row locks are involved).
    readonly_fields = [
        "public_id",
        "token",
        "status",
        "invites_used",
        "owner_email",
        "assigned_at",
        "revoked_at",
        "created_at",
        "updated_at",
    ]
