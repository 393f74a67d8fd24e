"""The project's URLs with a stand-in guest list page (owned by the invites app)."""

from django.http import HttpResponse
from django.urls import include, path

from config import urls as project_urls


def guest_list(request, org_slug, event_slug):
    return HttpResponse("guest list")


invites = (
    [path("o/<slug:org_slug>/events/<slug:event_slug>/guests/", guest_list, name="guest_list")],
    "invites",
)

urlpatterns = [
    pattern
    for pattern in project_urls.urlpatterns
    if getattr(pattern, "namespace", None) != "invites"
] + [path("", include(invites))]
