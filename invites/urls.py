from django.urls import path

from invites import views

app_name = "invites"

urlpatterns = [
    path("i/<str:token>/", views.guest_page, name="guest"),
    path("o/<slug:org_slug>/events/<slug:event_slug>/guests/", views.guest_list, name="guest_list"),
    path(
        "o/<slug:org_slug>/events/<slug:event_slug>/guests.csv",
        views.guest_list_csv,
        name="guest_list_csv",
    ),
    path(
        "o/<slug:org_slug>/events/<slug:event_slug>/invites/new/",
        views.organizer_generate,
        name="organizer_generate",
    ),
    path(
        "o/<slug:org_slug>/events/<slug:event_slug>/invites/<str:invite_id>/revoke/",
        views.organizer_revoke,
        name="organizer_revoke",
    ),
]
