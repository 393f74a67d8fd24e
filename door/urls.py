from django.urls import path

import artsvp.converters  # noqa: F401 (registers the <publicid:> and <token:> converters)
from door import views

app_name = "door"

urlpatterns = [
    path("i/<token:token>/calendar.ics", views.calendar_file, name="calendar"),
    path(
        "o/<slug:org_slug>/events/<slug:event_slug>/guests/<publicid:invite_id>/check-in-code/",
        views.replace_check_in_code,
        name="replace_code",
    ),
]
