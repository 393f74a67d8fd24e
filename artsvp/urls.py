from django.contrib import admin
from django.urls import include, path

from artsvp.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", api.urls),
    path("", include("organizations.urls")),
    path("", include("events.urls")),
    path("", include("portals.urls")),
    path("", include("portals.owner_urls")),
    path("", include("credits.urls")),
    path("", include("billing.urls")),
    path("", include("invites.urls")),
    path("", include("deliveries.urls")),
]
