from django.contrib import admin

from events.models import Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "starts_at", "timezone", "rsvp_open", "archived_at"]
    list_filter = ["rsvp_open"]
    search_fields = ["name", "slug", "organization__name"]
    raw_id_fields = ["organization"]
