"""Signing in to a portal from one of its owner URLs, without the secret link:
a bookmarked dashboard on a new device, or after being signed out.

The same code sign-in as the link's (sign_in.py): the code goes only to the
owner's address, requests and guesses share the link's budgets (the same
throttle keys, and portals/claiming.py's per-portal limits), and every
answer looks the same whether or not the typed address is the owner's. The
public id in these URLs is no secret, which is why nothing here shows more
than the link's sign-in page does. After signing in the browser goes back to
the owner URL it asked for (`next`, checked by owner_gate.safe_next).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from artsvp.secret_pages import private_page, throttle_link_lookup
from invites.owner.forms import CodeForm, CodeRequestForm
from invites.owner.sign_in import send_owner_code, try_owner_code
from invites.owner_gate import answer_without_access, revoked_page, safe_next
from portals.claiming import CODE_MINUTES
from portals.owner_sessions import OwnerAccess, owner_access, remembered_email


def _with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}"


@private_page
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest, public_id: str) -> HttpResponse:
    """ "Sign in to this portal — we'll email a code": ask for the owner's address."""
    limited = throttle_link_lookup(request, "portal-link")
    if limited:
        return limited
    portal, access = owner_access(request, public_id)
    next_url = safe_next(portal, request.POST.get("next") or request.GET.get("next"))
    if access is OwnerAccess.SIGNED_IN:
        return redirect(next_url)
    if access in (OwnerAccess.REVOKED, OwnerAccess.NOT_CLAIMED):
        return answer_without_access(request, portal, access)
    form = CodeRequestForm(
        request.POST or None, initial={"email": remembered_email(request, portal.public_id)}
    )
    if request.method == "POST" and form.is_valid():
        limited = send_owner_code(request, portal, form.cleaned_data["email"])
        return limited or redirect(
            _with_next(reverse("owner:sign_in_code", args=[portal.public_id]), next_url)
        )
    return render(
        request,
        "invites/owner/recover.html",
        {"portal": portal, "form": form, "next": next_url},
        status=422 if form.errors else 200,
    )


@private_page
@require_http_methods(["GET", "POST"])
def sign_in_code(request: HttpRequest, public_id: str) -> HttpResponse:
    limited = throttle_link_lookup(request, "portal-link")
    if limited:
        return limited
    portal, access = owner_access(request, public_id)
    next_url = safe_next(portal, request.POST.get("next") or request.GET.get("next"))
    if access is OwnerAccess.SIGNED_IN:
        return redirect(next_url)
    if access is OwnerAccess.REVOKED:
        return revoked_page(request, portal)
    if access is OwnerAccess.NOT_CLAIMED:
        return answer_without_access(request, portal, access)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome = try_owner_code(request, portal, form)
        if isinstance(outcome, HttpResponse):
            return outcome
        if outcome:
            return redirect(next_url)
    return render(
        request,
        "invites/owner/recover_code.html",
        {
            "portal": portal,
            "form": form,
            "next": next_url,
            "minutes": CODE_MINUTES,
            "again_url": _with_next(reverse("owner:sign_in", args=[portal.public_id]), next_url),
        },
        status=422 if form.errors else 200,
    )
