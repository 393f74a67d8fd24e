from django.urls import path

import artsvp.converters  # noqa: F401 (registers the <publicid:> and <token:> converters)
from organizations import api_keys, brand_views, preference_views, views

app_name = "organizations"

urlpatterns = [
    path("", views.landing, name="landing"),
    path("healthz/", views.healthz, name="healthz"),
    path("o/", views.home, name="home"),
    path("o/new/", views.create, name="create"),
    path("o/<slug:org_slug>/", views.dashboard, name="dashboard"),
    path("o/<slug:org_slug>/settings/", views.settings_page, name="settings"),
    path("o/<slug:org_slug>/settings/api/", api_keys.api_keys, name="api_keys"),
    path("o/<slug:org_slug>/settings/brand/", brand_views.brand_settings, name="brand"),
    # Named by the colour itself: cached for good (organizations/brand.py).
    path("brand/<str:colour>.css", brand_views.brand_css, name="brand_css"),
    path("o/<slug:org_slug>/settings/team/", views.team, name="team"),
    path("o/<slug:org_slug>/settings/team/invite/", views.team_invite, name="team_invite"),
    path("o/<slug:org_slug>/settings/team/role/", views.team_role, name="team_role"),
    path("o/<slug:org_slug>/settings/team/remove/", views.team_remove, name="team_remove"),
    path(
        "o/<slug:org_slug>/settings/team/invitations/cancel/",
        views.invitation_cancel,
        name="invitation_cancel",
    ),
    path(
        "o/<slug:org_slug>/settings/team/invitations/resend/",
        views.invitation_resend,
        name="invitation_resend",
    ),
    path("invitations/<token:token>/", views.invitation, name="invitation"),
    # The person's own settings (beside allauth's email and password pages).
    path("accounts/language/", preference_views.language, name="language"),
]
