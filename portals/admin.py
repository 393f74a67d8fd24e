from django.contrib import admin

from portals.models import Portal, PortalGroup


@admin.register(PortalGroup)
class PortalGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "event", "kind", "default_allocation", "share_all_invites"]
    list_filter = ["kind"]
    search_fields = ["name", "event__name"]
    raw_id_fields = ["organization", "event"]


@admin.register(Portal)
class PortalAdmin(admin.ModelAdmin):
    list_display = ["name", "group", "status", "owner_email", "invites_used", "allocation"]
    list_filter = ["status"]
    search_fields = ["name", "owner_email", "contact_email", "public_id"]
    raw_id_fields = ["organization", "group"]
    # Status and usage change only through services (credits are involved).
    readonly_fields = ["token", "status", "invites_used", "assigned_at", "revoked_at"]
