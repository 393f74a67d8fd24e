from django.urls import path

from events import brand_views, views

app_name = "events"

urlpatterns = [
    path("o/<slug:org_slug>/events/", views.event_list, name="list"),
    path("o/<slug:org_slug>/events/new/", views.event_create, name="create"),
    path("o/<slug:org_slug>/events/<slug:event_slug>/", views.event_detail, name="detail"),
    path("o/<slug:org_slug>/events/<slug:event_slug>/edit/", views.event_edit, name="edit"),
    path(
        "o/<slug:org_slug>/events/<slug:event_slug>/brand/",
        brand_views.event_brand,
        name="brand",
    ),
    path(
        "o/<slug:org_slug>/events/<slug:event_slug>/archive/", views.event_archive, name="archive"
    ),
    path(
        "o/<slug:org_slug>/events/<slug:event_slug>/unarchive/",
        views.event_unarchive,
        name="unarchive",
    ),
]
