from django.urls import path

from organizations import api_keys, views

app_name = "organizations"

urlpatterns = [
    path("", views.landing, name="landing"),
    path("o/", views.home, name="home"),
    path("o/new/", views.create, name="create"),
    path("o/<slug:org_slug>/", views.dashboard, name="dashboard"),
    path("o/<slug:org_slug>/settings/", views.settings_page, name="settings"),
    path("o/<slug:org_slug>/settings/api/", api_keys.api_keys, name="api_keys"),
]
