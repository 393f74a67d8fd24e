from django.urls import path

import artsvp.converters  # noqa: F401 (registers the <publicid:> and <token:> converters)
from door import door_views, staff_views, views

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
    # --- The door page (door/door_views.py) ---------------------------------------------
    path("o/<slug:org_slug>/events/<slug:event_slug>/door/", door_views.door, name="door"),
    path("o/<slug:org_slug>/events/<slug:event_slug>/door/scan/", door_views.scan, name="scan"),
    path(
        "o/<slug:org_slug>/events/<slug:event_slug>/door/search/",
        door_views.search,
        name="search",
    ),
    path(
        "o/<slug:org_slug>/events/<slug:event_slug>/door/undo/",
        door_views.undo_check_in,
        name="undo",
    ),
    path(
        "o/<slug:org_slug>/events/<slug:event_slug>/door/walk-in/",
        door_views.walk_in,
        name="walk_in",
    ),
    path(
        "o/<slug:org_slug>/events/<slug:event_slug>/door/counts/",
        door_views.counts,
        name="counts",
    ),
    path(
        "o/<slug:org_slug>/events/<slug:event_slug>/door/snapshot.json",
        door_views.snapshot_json,
        name="snapshot",
    ),
    path("o/<slug:org_slug>/events/<slug:event_slug>/door/sync/", door_views.sync, name="sync"),
    # --- end of the door page ---------------------------------------------------------------
]
