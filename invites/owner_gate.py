"""What every owner URL (`/portal/<public id>/…`) answers a browser that is not
signed in to its portal: exhibitors are never stranded on a bare 404 or on
the organizers' login page.

- not signed in here (a bookmark, a new device): a redirect to the portal's
  code sign-in (recovery.py), which comes back to the URL asked for;
- signed in as an address that is no longer the owner's: "this portal was
  handed to someone else";
- a revoked portal: its revoked page; a portal nobody claimed yet: a page
  pointing to the secret link (only the link can claim);
- a public id that names no portal: 404.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import wraps
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.views.decorators.http import require_http_methods

from artsvp.i18n import language_switch, recognized, use_language
from artsvp.secret_pages import private_page
from portals.models import Portal
from portals.owner_sessions import OwnerAccess, owner_access

OwnerView = Callable[..., HttpResponseBase]
# The owner URLs `next` may never point to: the sign-in pages themselves, and
# POST-only actions (a redirect there would be a GET).
_NOT_NEXT = {"sign_in", "sign_in_code", "sign_out", "revoke_invite", "language"}


def revoked_page(request: HttpRequest, portal: Portal) -> HttpResponse:
    return render(request, "invites/owner/revoked.html", {"portal": portal}, status=410)


def safe_next(portal: Portal, value: str | None) -> str:
    """`value` if it is a URL of this portal's own owner pages (path and query,
    no host), else the dashboard: signing in never sends anyone elsewhere."""
    dashboard = reverse("owner:dashboard", args=[portal.public_id])
    if not value or not url_has_allowed_host_and_scheme(value, allowed_hosts=None):
        return dashboard
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or "\\" in value:
        return dashboard
    try:
        match = resolve(parts.path)
    except Resolver404:
        return dashboard
    if (
        match.namespace != "owner"
        or match.url_name in _NOT_NEXT
        or match.kwargs.get("public_id") != portal.public_id
    ):
        return dashboard
    return parts.path + (f"?{parts.query}" if parts.query else "")


def sign_in_url(portal: Portal, next_url: str) -> str:
    url = reverse("owner:sign_in", args=[portal.public_id])
    return f"{url}?{urlencode({'next': safe_next(portal, next_url)})}"


def answer_without_access(
    request: HttpRequest, portal: Portal, access: OwnerAccess
) -> HttpResponse:
    """The page an owner URL shows instead of itself (access is not SIGNED_IN)."""
    if access is OwnerAccess.REVOKED:
        return revoked_page(request, portal)
    if access is OwnerAccess.HANDED_OVER:
        return render(
            request,
            "invites/owner/handed_over.html",
            {"portal": portal, "sign_in_url": sign_in_url(portal, request.get_full_path())},
            status=403,
        )
    if access is OwnerAccess.NOT_CLAIMED:
        return render(request, "invites/owner/not_claimed.html", {"portal": portal}, status=403)
    # A form posted from a stale tab comes back to the page it was on.
    wanted = request.get_full_path() if request.method == "GET" else ""
    return redirect(sign_in_url(portal, wanted))


def serve_owner_language(request: HttpRequest, portal: Portal, *, signed_in: bool) -> str:
    """Serve the rest of the request in the owner's language and offer the
    switcher. Signed in: the owner's choice (stored on the portal), else the
    browser's. On the secret link's pages (maybe not the owner yet): the
    browser's own choice (the cookie) first, then the owner's."""
    cookie = recognized(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))
    if portal.owner_language and (signed_in or not cookie):
        use_language(request, portal.owner_language)
    if signed_in:
        action = reverse("owner:language", args=[portal.public_id])
        switch = language_switch(action, portal.group.event.languages, next_url=request.path)
    else:
        action = reverse("owner:link_language", args=[portal.token])
        switch = language_switch(action, portal.group.event.languages)
    request.language_switch = switch  # type: ignore[attr-defined]
    return get_language()


def owner_page(methods: Sequence[str] | None = None) -> Callable[[OwnerView], OwnerView]:
    """A private page of the portal this browser is signed in to, the allowed
    methods checked first; any other browser gets `answer_without_access`."""

    def decorate(view: OwnerView) -> OwnerView:
        @wraps(view)
        def with_portal(request: HttpRequest, public_id: str, **kwargs: str) -> HttpResponseBase:
            portal, access = owner_access(request, public_id)
            if access is not OwnerAccess.SIGNED_IN:
                return answer_without_access(request, portal, access)
            serve_owner_language(request, portal, signed_in=True)
            return view(request, portal, **kwargs)

        checked = require_http_methods(list(methods))(with_portal) if methods else with_portal
        return private_page(checked)

    return decorate
