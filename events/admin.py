from django.contrib import admin

from artsvp.admin_rules import ServiceStateAdmin, all_fields
from events.models import EntryWindow, Event


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


@admin.register(EntryWindow)
class EntryWindowAdmin(ServiceStateAdmin):
    list_display = ["label", "event", "starts_at", "capacity"]
    list_select_related = ["event"]
    search_fields = ["label", "public_id", "event__name"]
    raw_id_fields = ["organization", "event"]
    # Capacity is checked under the window's lock (events/windows.py): the
    # organizer's pages change it, the admin shows it.
    state_fields = all_fields(EntryWindow)
    can_add = False
    can_delete = False
