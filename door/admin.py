from django.contrib import admin

from artsvp.admin_rules import ServiceStateAdmin, all_fields
from door.models import CheckInPass


@admin.register(CheckInPass)
class CheckInPassAdmin(ServiceStateAdmin):
    list_display = ["invite", "organization", "sequence", "announced", "created_at", "replaced_at"]
    raw_id_fields = ["organization", "invite", "announced_window"]
    # The code is a secret: never shown here. Passes belong to the door's
    # services (door/services.py): nothing to edit.
    exclude = ["code"]
    state_fields = tuple(name for name in all_fields(CheckInPass) if name != "code")
    can_add = False
    can_delete = False
