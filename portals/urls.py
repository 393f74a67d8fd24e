from django.urls import path

from portals import views

app_name = "portals"

urlpatterns = [
    path("p/<str:token>/", views.portal_link, name="link"),
]
