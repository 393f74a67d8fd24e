from django.urls import path

from portals import owner_views

app_name = "owner"

urlpatterns = [
    path("p/<str:token>/", owner_views.portal_link, name="link"),
]
