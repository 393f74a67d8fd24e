"""The portal owner's pages: the secret link, signing in, the dashboard.

`/p/<token>/` is the link the organizer hands out. On an unassigned portal it
asks for an email and claims the portal; on an assigned one it signs the
owner in with a one-time code. Once signed in, the browser is sent to
`/portal/<public_id>/`, a URL without the token, which 404s for any session
not signed in to that portal.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from artsvp.ratelimit import client_ip
from artsvp.secret_pages import private_page, secret_link_page, throttle, throttle_link_lookup
from credits.ledger import InsufficientCredits, balances
from deliveries.services import with_delivery_status
from invites.exports import portal_invites_csv
from invites.forms import InviteStatusFilterForm
from invites.generate_views import GenerationTarget, generation_page
from invites.models import Invite
from invites.owner.forms import ClaimForm, CodeForm, CodeRequestForm
from invites.services import InviteNotRevocable, revoke_invite
from portals.claiming import (
    CODE_LIFETIME,
    CodeCheck,
    PortalAlreadyAssigned,
    PortalRevoked,
    check_owner_code,
    claim_portal,
    request_owner_code,
)
from portals.models import Portal
from portals.owner_sessions import (
    has_owner_access,
    owner_portal_or_404,
    sign_in_owner,
    sign_out_owner,
)

INVITES_PER_PAGE = 50
# Asking for codes, per portal and client address, whatever address is typed:
# a stranger typing addresses uses up only their own client's requests. The
# codes actually issued have their own per-client and per-portal budgets
# (portals/claiming.py).
CODE_REQUESTS_PER_15_MINUTES = 5
# Posting codes, per portal and client address: a cheap first line in the
# cache; the guess budgets that bound guessing live in the database (claiming.py).
CODE_ATTEMPTS_PER_15_MINUTES = 10
_CODE_MINUTES = int(CODE_LIFETIME.total_seconds() // 60)
# One message for every failure (wrong, expired, used up, never sent), so a
# stranger cannot tell whether the address they tried received a code.
CODE_FAILED = gettext_lazy(
    "That code didn't work. Codes are valid for %(minutes)s minutes, and after several "
    "wrong tries sign-in pauses for a while; check the newest email from us, or ask for "
    "a new code."
)
CODE_SENT = gettext_lazy(
    "If that is the address this portal was claimed with, we have emailed it a 6-digit code. "
    "It is valid for %(minutes)s minutes."
)


def _portal_by_token(token: str) -> Portal:
    return get_object_or_404(
        Portal.objects.select_related("group__event", "organization"), token=token
    )


def _revoked(request: HttpRequest, portal: Portal) -> HttpResponse:
    return render(request, "invites/owner/revoked.html", {"portal": portal}, status=410)


@secret_link_page
@require_http_methods(["GET", "POST"])
def portal_link(request: HttpRequest, token: str) -> HttpResponse:
    """The secret link: claim an unassigned portal, or sign in to an assigned one."""
    limited = throttle_link_lookup(request, "portal-link")
    if limited:
        return limited
    portal = _portal_by_token(token)
    if portal.status == Portal.Status.REVOKED:
        return _revoked(request, portal)
    if has_owner_access(request, portal):
        return redirect("owner:dashboard", portal.public_id)
    if portal.status == Portal.Status.ASSIGNED:
        # A claim form posted to a portal claimed in the meantime lost the race.
        return _already_claimed(request, portal, token, lost_race=request.method == "POST")

    form = ClaimForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            claimed = claim_portal(portal, email=form.cleaned_data["email"])
        except PortalAlreadyAssigned:
            return _already_claimed(request, portal, token, lost_race=True)
        except PortalRevoked:
            return _revoked(request, portal)
        except InsufficientCredits:
            return render(request, "invites/owner/unavailable.html", {"portal": portal})
        sign_in_owner(request, claimed)
        messages.success(request, "Your portal is ready. You can now invite your guests.")
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


@secret_link_page
@require_POST
def request_code(request: HttpRequest, token: str) -> HttpResponse:
    limited = throttle_link_lookup(request, "portal-link")
    if limited:
        return limited
    portal = _portal_by_token(token)
    if portal.status != Portal.Status.ASSIGNED:
        return redirect("owner:link", token)
    form = CodeRequestForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "invites/owner/sign_in.html",
            {"portal": portal, "form": form, "token": token},
            status=422,
        )
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
    request_owner_code(portal, email=form.cleaned_data["email"], client=client_ip(request))
    messages.info(request, CODE_SENT % {"minutes": _CODE_MINUTES})
    return redirect("owner:enter_code", token)


@secret_link_page
@require_http_methods(["GET", "POST"])
def enter_code(request: HttpRequest, token: str) -> HttpResponse:
    limited = throttle_link_lookup(request, "portal-link")
    if limited:
        return limited
    portal = _portal_by_token(token)
    if portal.status != Portal.Status.ASSIGNED:
        return redirect("owner:link", token)
    if has_owner_access(request, portal):
        return redirect("owner:dashboard", portal.public_id)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        limited = throttle(
            request,
            "owner-code-attempt",
            limit=CODE_ATTEMPTS_PER_15_MINUTES,
            window=15 * 60,
            key=f"{portal.pk}:{client_ip(request)}",
        )
        if limited:
            return limited
        checked = check_owner_code(
            portal, code=form.cleaned_data["code"], client=client_ip(request)
        )
        if checked is CodeCheck.ACCEPTED:
            sign_in_owner(request, portal)
            messages.success(request, "You're signed in to your portal.")
            return redirect("owner:dashboard", portal.public_id)
        form.add_error("code", CODE_FAILED % {"minutes": _CODE_MINUTES})
    return render(
        request,
        "invites/owner/enter_code.html",
        {
            "portal": portal,
            "form": form,
            "token": token,
            "minutes": _CODE_MINUTES,
        },
        status=422 if form.errors else 200,
    )


@private_page
def dashboard(request: HttpRequest, public_id: str) -> HttpResponse:
    portal = owner_portal_or_404(request, public_id)
    if portal.status == Portal.Status.REVOKED:
        return _revoked(request, portal)
    filters = InviteStatusFilterForm(request.GET or None)
    invites = Invite.objects.filter(portal=portal).order_by("-created_at", "-id")
    status = filters.cleaned_data.get("status") if filters.is_valid() else ""
    if status:
        invites = invites.filter(status=status)
    page = Paginator(with_delivery_status(invites), INVITES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = [
        {"invite": invite, "link": request.build_absolute_uri(invite.path)}
        for invite in page.object_list
    ]
    return render(
        request,
        "invites/owner/dashboard.html",
        {
            "portal": portal,
            "event": portal.group.event,
            "group": portal.group,
            "page": page,
            "rows": rows,
            "filters": filters,
            "status_filter": status,
            "invite_credits_available": balances(portal.organization).invite > 0,
            "portal_link": request.build_absolute_uri(portal.path),
        },
    )


@private_page
@require_http_methods(["GET", "POST"])
def add_invites(request: HttpRequest, public_id: str) -> HttpResponse:
    portal = owner_portal_or_404(request, public_id)
    if portal.status == Portal.Status.REVOKED:
        return _revoked(request, portal)
    page_url = reverse("owner:add_invites", args=[portal.public_id])
    target = GenerationTarget(
        event=portal.group.event,
        portal=portal,
        actor=None,
        page_url=page_url,
        done_url=reverse("owner:dashboard", args=[portal.public_id]),
        template="invites/owner/add_invites.html",
        preview_template="invites/owner/csv_preview.html",
        context={
            "portal": portal,
            "event": portal.group.event,
            "group": portal.group,
            "invite_credits_available": balances(portal.organization).invite > 0,
            "form_action": page_url,
        },
    )
    return generation_page(request, target)


@private_page
@require_POST
def revoke(request: HttpRequest, public_id: str, invite_id: str) -> HttpResponse:
    portal = owner_portal_or_404(request, public_id)
    if portal.status == Portal.Status.REVOKED:
        return _revoked(request, portal)
    invite = get_object_or_404(Invite, portal=portal, public_id=invite_id)
    try:
        revoke_invite(invite)
    except InviteNotRevocable as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"The invite for {invite} was revoked; its place is back in your allocation.",
        )
    return redirect("owner:dashboard", portal.public_id)


@private_page
def export_invites(request: HttpRequest, public_id: str) -> HttpResponse:
    portal = owner_portal_or_404(request, public_id)
    if portal.status == Portal.Status.REVOKED:
        raise Http404("This portal has been revoked.")
    invites = Invite.objects.filter(portal=portal).order_by("created_at", "id")
    base = request.build_absolute_uri("/").rstrip("/")
    return portal_invites_csv(
        invites,
        filename=f"invites-{portal.group.event.slug}-{portal.public_id}.csv",
        link=lambda invite: base + invite.path,
    )


@require_POST
def sign_out(request: HttpRequest, public_id: str) -> HttpResponse:
    sign_out_owner(request, public_id)
    messages.info(request, "You're signed out of the portal. Use your portal link to come back.")
    return redirect("owner:signed_out")


def signed_out(request: HttpRequest) -> HttpResponse:
    return render(request, "invites/owner/signed_out.html")
