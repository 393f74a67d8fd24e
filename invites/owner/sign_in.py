"""The portal's secret link: claiming it, and signing its owner in with a code.

`/p/<token>/` is the link the organizer hands out. On an unassigned portal it
asks for an email and claims the portal; on an assigned one it signs the
owner in with a one-time code (the rules and budgets: portals/claiming.py;
what the session remembers: portals/owner_sessions.py). Once signed in, the
browser is sent to the dashboard (views.py), a URL without the token.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import wraps

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language, gettext, ngettext_lazy
from django.views.decorators.http import require_http_methods

from artsvp.i18n import recognized, set_language_cookie
from artsvp.ratelimit import client_ip
from artsvp.secret_pages import secret_link_page, throttle, throttle_link_lookup
from credits.ledger import InsufficientCredits
from invites.owner.forms import ClaimForm, CodeForm, CodeRequestForm
from invites.owner_gate import revoked_page, serve_owner_language
from portals.claiming import (
    CODE_MINUTES,
    CodeCheck,
    check_owner_code,
    claim_portal,
    request_owner_code,
)
from portals.errors import PortalAlreadyAssigned, PortalRevoked
from portals.models import Portal
from portals.owner_sessions import has_owner_access, sign_in_owner
from portals.services import set_owner_language

# Asking for codes, per portal and client address, whatever address is typed:
# a stranger typing addresses uses up only their own client's requests. The
# codes actually issued have their own per-client and per-portal budgets
# (portals/claiming.py).
CODE_REQUESTS_PER_15_MINUTES = 5
# Posting codes, per portal and client address: a cheap first line in the
# cache; the guess budgets that bound guessing live in the database (claiming.py).
CODE_ATTEMPTS_PER_15_MINUTES = 10
# One message for every failure (wrong, expired, used up, never sent), so a
# stranger cannot tell whether the address they tried received a code. Every
# lifetime shown is CODE_MINUTES, the one the codes expire by (portals/models.py).
CODE_FAILED = ngettext_lazy(
    "That code didn't work. Codes are valid for %(minutes)s minute, and after several "
    "wrong tries sign-in pauses for a while; check the newest email from us, or ask for "
    "a new code.",
    "That code didn't work. Codes are valid for %(minutes)s minutes, and after several "
    "wrong tries sign-in pauses for a while; check the newest email from us, or ask for "
    "a new code.",
    "minutes",
)
CODE_SENT = ngettext_lazy(
    "If that is the address this portal was claimed with, we have emailed it a 6-digit code. "
    "It is valid for %(minutes)s minute.",
    "If that is the address this portal was claimed with, we have emailed it a 6-digit code. "
    "It is valid for %(minutes)s minutes.",
    "minutes",
)

LinkView = Callable[[HttpRequest, Portal, str], HttpResponse]


def _link_page(methods: Sequence[str]) -> Callable[[LinkView], Callable[..., HttpResponse]]:
    """A page behind the secret link: a secret page, the allowed methods first,
    then the per-client lookup throttle, then the portal the token names (404)."""

    def decorate(view: LinkView) -> Callable[..., HttpResponse]:
        @wraps(view)
        def with_portal(request: HttpRequest, token: str) -> HttpResponse:
            limited = throttle_link_lookup(request, "portal-link")
            if limited:
                return limited
            portal = get_object_or_404(
                Portal.objects.select_related("group__event", "organization"), token=token
            )
            serve_owner_language(request, portal, signed_in=False)
            return view(request, portal, token)

        return secret_link_page(require_http_methods(list(methods))(with_portal))

    return decorate


@_link_page(["GET", "POST"])
def portal_link(request: HttpRequest, portal: Portal, token: str) -> HttpResponse:
    """The secret link: claim an unassigned portal, or sign in to an assigned one."""
    if portal.is_revoked:
        return revoked_page(request, portal)
    if has_owner_access(request, portal):
        return redirect("owner:dashboard", portal.public_id)
    if portal.is_assigned:
        # A claim form posted to a portal claimed in the meantime lost the race.
        return _already_claimed(request, portal, token, lost_race=request.method == "POST")

    form = ClaimForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            # The language they claimed in becomes theirs (their pages, their emails).
            claimed = claim_portal(
                portal, email=form.cleaned_data["email"], language=get_language()
            )
        except PortalAlreadyAssigned:
            return _already_claimed(request, portal, token, lost_race=True)
        except PortalRevoked:
            return revoked_page(request, portal)
        except InsufficientCredits:
            return render(request, "invites/owner/unavailable.html", {"portal": portal})
        sign_in_owner(request, claimed)
        messages.success(request, gettext("Your portal is ready. You can now invite your guests."))
        return redirect("owner:dashboard", claimed.public_id)
    return render(request, "invites/owner/claim.html", {"portal": portal, "form": form})


def _already_claimed(
    request: HttpRequest, portal: Portal, token: str, *, lost_race: bool
) -> HttpResponse:
    return render(
        request,
        "invites/owner/sign_in.html",
        {"portal": portal, "form": CodeRequestForm(), "token": token, "lost_race": lost_race},
        status=409 if lost_race else 200,
    )


@_link_page(["POST"])
def link_language(request: HttpRequest, portal: Portal, token: str) -> HttpResponse:
    """The switcher on the secret link's pages: this browser's choice (the
    cookie), and the portal's when this browser is signed in as its owner."""
    chosen = recognized(request.POST.get("language"))
    if chosen and has_owner_access(request, portal) and not portal.is_revoked:
        set_owner_language(portal, chosen)
    response = redirect("owner:link", token)
    if chosen:
        set_language_cookie(response, chosen)
    return response


@_link_page(["POST"])
def request_code(request: HttpRequest, portal: Portal, token: str) -> HttpResponse:
    if not portal.is_assigned:
        return redirect("owner:link", token)
    form = CodeRequestForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "invites/owner/sign_in.html",
            {"portal": portal, "form": form, "token": token},
            status=422,
        )
    limited = send_owner_code(request, portal, form.cleaned_data["email"])
    return limited or redirect("owner:enter_code", token)


def send_owner_code(request: HttpRequest, portal: Portal, email: str) -> HttpResponse | None:
    """Email a sign-in code for `portal` to `email` if it is the owner's, under
    the per-portal and per-address limit, and say so on the next page: None,
    or the limit's answer. Both pages that ask for a code (the link's and the
    recovery page) send it here."""
    limited = throttle(
        request,
        "owner-code-request",
        limit=CODE_REQUESTS_PER_15_MINUTES,
        window=15 * 60,
        key=f"{portal.pk}:{client_ip(request)}",
    )
    if limited:
        return limited
    # The same answer whether or not the address is the owner's.
    request_owner_code(portal, email=email, client=client_ip(request))
    messages.info(request, CODE_SENT % {"minutes": CODE_MINUTES})
    return None


def try_owner_code(request: HttpRequest, portal: Portal, form: CodeForm) -> HttpResponse | bool:
    """Check the valid form's code, under the per-portal and per-address limit:
    True when the owner is now signed in, False with the refusal on the form, or
    the rate limit's page. The one code check of both sign-in pages."""
    limited = throttle(
        request,
        "owner-code-attempt",
        limit=CODE_ATTEMPTS_PER_15_MINUTES,
        window=15 * 60,
        key=f"{portal.pk}:{client_ip(request)}",
    )
    if limited:
        return limited
    checked = check_owner_code(portal, code=form.cleaned_data["code"], client=client_ip(request))
    if checked is CodeCheck.ACCEPTED:
        sign_in_owner(request, portal)
        messages.success(request, gettext("You're signed in to your portal."))
        return True
    form.add_error("code", CODE_FAILED % {"minutes": CODE_MINUTES})
    return False


@_link_page(["GET", "POST"])
def enter_code(request: HttpRequest, portal: Portal, token: str) -> HttpResponse:
    if not portal.is_assigned:
        return redirect("owner:link", token)
    if has_owner_access(request, portal):
        return redirect("owner:dashboard", portal.public_id)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome = try_owner_code(request, portal, form)
        if isinstance(outcome, HttpResponse):
            return outcome
        if outcome:
            return redirect("owner:dashboard", portal.public_id)
    return render(
        request,
        "invites/owner/enter_code.html",
        {
            "portal": portal,
            "form": form,
            "token": token,
            "minutes": CODE_MINUTES,
        },
        status=422 if form.errors else 200,
    )
