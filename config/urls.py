import posixpath
import re

from django.conf import settings
from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.views.static import serve

from artsvp.admin_login import admin_login
from config.api import api

# Before admin.site.urls builds its URL list: the admin's login page hands over
# to allauth's rate-limited login (artsvp/admin_login.py).
admin.site.login = admin_login  # type: ignore[method-assign]  # the stubs declare login a method; replacing it is the point


def favicon(request: HttpRequest) -> HttpResponseRedirect:
    """Browsers ask for /favicon.ico before they read <link rel="icon">: send them to
    the SVG. Not permanent: the static file's hashed name changes with its content."""
    return HttpResponseRedirect(static("favicon.svg"))


urlpatterns = [
    path("favicon.ico", favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    # Django's set_language: the switcher of the signed-out pages (the cookie).
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("", include("organizations.urls")),
    path("", include("events.urls")),
    path("", include("portals.urls")),
    path("", include("invites.owner.urls")),
    path("", include("credits.urls")),
    path("", include("billing.urls")),
    path("", include("door.urls")),
    path("", include("invites.urls")),
    path("", include("deliveries.urls")),
]


def media(request: HttpRequest, path: str) -> HttpResponseBase:
    """Uploaded files (brand images) in development and tests; MEDIA_ROOT read
    per request, as tests move it."""
    normalized = posixpath.normpath(path).lstrip("/")
    if normalized in ("", ".") or normalized.split("/")[0] == "..":
        # Outside MEDIA_ROOT: serve() would refuse it too, but log it as an attack.
        raise Http404("No such file.")
    try:
        return serve(request, path, document_root=str(settings.MEDIA_ROOT))
    except OSError:
        # A name the file system refuses (too long): no such file.
        raise Http404("No such file.") from None


if settings.SERVE_MEDIA:
    # Production serves them from the bucket (config/settings.py SERVE_MEDIA).
    urlpatterns.append(
        re_path(rf"^{re.escape(settings.MEDIA_URL.lstrip('/'))}(?P<path>.*)$", media)
    )
