from django.contrib import admin

from artsvp.admin_rules import ServiceStateAdmin
from events.models import Event


@admin.register(Event)
class EventAdmin(ServiceStateAdmin):
    list_display = ["name", "organization", "starts_at", "timezone", "rsvp_open", "archived_at"]
    list_filter = ["rsvp_open", ("archived_at", admin.EmptyFieldListFilter)]
    list_select_related = ["organization"]
    search_fields = ["name", "slug", "public_id", "organization__name", "organization__slug"]
    raw_id_fields = ["organization"]
    readonly_fields = ["public_id", "created_at", "updated_at"]
    date_hierarchy = "starts_at"
    # Created by events/services.create_event; archiving is a service too.
    state_fields = ("organization", "archived_at")
    can_add = False
