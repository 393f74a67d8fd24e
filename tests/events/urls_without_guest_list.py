"""The project's URLs without the invites app's pages."""

from django.urls import include, path

from config import urls as project_urls

urlpatterns = [
    pattern
    for pattern in project_urls.urlpatterns
    if getattr(pattern, "namespace", None) != "invites"
] + [path("", include(([], "invites")))]
