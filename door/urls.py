from django.urls import path

import artsvp.converters  # noqa: F401 (registers the <publicid:> and <token:> converters)
from door import staff_views, views

app_name = "door"

urlpatterns = [
    path("i/<token:token>/calendar.ics", views.calendar_file, name="calendar"),
    path(
        "o/<slug:org_slug>/events/<slug:event_slug>/guests/<publicid:invite_id>/check-in-code/",
        views.replace_check_in_code,
        name="replace_code",
    ),
    # --- Event staff: who may work the event (door/staff_views.py) --------------------
    path("o/<slug:org_slug>/events/<slug:event_slug>/staff/", staff_views.staff, name="staff"),
    path(
        "o/<slug:org_slug>/events/<slug:event_slug>/staff/revoke/",
        staff_views.staff_revoke,
        name="staff_revoke",
    ),
    path(
        "o/<slug:org_slug>/events/<slug:event_slug>/staff/expiry/",
        staff_views.staff_expiry,
        name="staff_expiry",
    ),
    # --- End of event staff ------------------------------------------------------------
]
