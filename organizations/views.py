from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from allauth.account.models import EmailAddress
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models.functions import Lower
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from artsvp import health
from artsvp.links import absolute_url
from organizations.access import (
    LAST_ORGANIZATION_SESSION_KEY,
    AuthenticatedRequest,
    OrganizationRequest,
    organization_view,
    require_owner,
)
from organizations.forms import TEAM_ROLES, InviteForm, OrganizationForm, RoleForm, TeammateForm
from organizations.hooks import event_staff
from organizations.models import Membership, TeamInvitation, role_in_sentence
from organizations.people import display_name
from organizations.services import (
    TeamError,
    accept_invitation,
    cancel_invitation,
    change_role,
    create_organization,
    invite_teammate,
    is_expired,
    remove_member,
    rename_organization,
    resend_invitation,
    user_has_email,
)


def landing(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("organizations:home")
    return render(request, "organizations/landing.html")


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and the container health check: each dependency's state.

    503 only without the database: with the cache or the broker down the
    product still serves (artsvp/health.py says how), so the instance must
    stay in rotation.
    """
    report = health.report()
    return JsonResponse(report, status=503 if report["status"] == health.DOWN else 200)


@login_required
def home(request: AuthenticatedRequest) -> HttpResponse:
    """Send the user to the organization they last worked in, or let them pick or create one."""
    memberships = list(Membership.objects.filter(user=request.user).select_related("organization"))
    if not memberships:
        return redirect("organizations:create")
    last_slug = request.session.get(LAST_ORGANIZATION_SESSION_KEY)
    for membership in memberships:
        if len(memberships) == 1 or membership.organization.slug == last_slug:
            return redirect("organizations:dashboard", membership.organization.slug)
    return render(request, "organizations/choose.html", {"memberships": memberships})


def _open_invitations_for(user: Any) -> list[TeamInvitation]:
    """Invitations waiting for any of the user's addresses, to offer on the create page."""
    emails = {user.email.lower()} if user.email else set()
    emails.update(
        address.lower()
        for address in EmailAddress.objects.filter(user=user, verified=True).values_list(
            "email", flat=True
        )
    )
    invitations = (
        TeamInvitation.objects.annotate(email_lower=Lower("email"))
        .filter(accepted_at__isnull=True, email_lower__in=emails)
        .exclude(organization__memberships__user=user)
        .select_related("organization")
    )
    return [invitation for invitation in invitations if not is_expired(invitation)]


@login_required
@require_http_methods(["GET", "POST"])
def create(request: AuthenticatedRequest) -> HttpResponse:
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        organization = create_organization(form.cleaned_data["name"], owner=request.user)
        messages.success(
            request,
            gettext("%(name)s is ready. Create your first event.") % {"name": organization.name},
        )
        return redirect("organizations:dashboard", organization.slug)
    has_organization = Membership.objects.filter(user=request.user).exists()
    return render(
        request,
        "organizations/create.html",
        {
            "form": form,
            "has_organization": has_organization,
            "invitations": _open_invitations_for(request.user),
        },
    )


@organization_view(staff=True)
def dashboard(request: OrganizationRequest) -> HttpResponseBase:
    if request.membership.is_restricted:
        # Event staff land on their events (the door's page: their grants live there).
        provider = event_staff()
        if provider is None:
            raise Http404("No such page.")
        return provider.home(request)
    return redirect("events:list", request.organization.slug)


@organization_view
@require_http_methods(["GET", "POST"])
def settings_page(request: OrganizationRequest) -> HttpResponse:
    organization = request.organization
    form = OrganizationForm(request.POST or None, initial={"name": organization.name})
    if request.method == "POST":
        if not request.membership.is_manager:
            raise PermissionDenied(gettext("Only owners and admins can rename the organization."))
        if form.is_valid():
            rename_organization(organization, name=form.cleaned_data["name"])
            messages.success(request, gettext("The organization's name is saved."))
            return redirect("organizations:settings", organization.slug)
    form.fields["name"].widget.attrs.pop("autofocus", None)
    form.fields["name"].help_text = gettext("Shown to your team, portal owners and guests.")
    return render(
        request,
        "organizations/settings.html",
        {"form": form, "nav_section": "settings", "settings_tab": "general"},
    )


@dataclass(frozen=True)
class MemberRow:
    member: Membership
    is_last_owner: bool
    is_me: bool


@dataclass(frozen=True)
class StaffRow:
    member: Membership
    # The events their grants open, one line each (from the door).
    grants: list[str]


@dataclass(frozen=True)
class InvitationRow:
    invitation: TeamInvitation
    expired: bool
    link: str


def _team_context(
    request: OrganizationRequest, invite_form: InviteForm | None = None
) -> dict[str, Any]:
    organization = request.organization
    membership = request.membership
    everyone = list(organization.memberships.select_related("user").order_by("user__email"))
    members = [member for member in everyone if not member.is_restricted]
    provider = event_staff()
    summaries = provider.summaries(organization) if provider is not None else {}
    staff = [
        StaffRow(member=member, grants=summaries.get(member.pk, []))
        for member in everyone
        if member.is_restricted
    ]
    owner_count = sum(1 for member in members if member.is_owner)
    invitations: list[InvitationRow] = []
    if membership.is_manager:
        pending = organization.team_invitations.filter(accepted_at__isnull=True).select_related(
            "invited_by"
        )
        invitations = [
            InvitationRow(
                invitation=invitation,
                expired=is_expired(invitation),
                link=absolute_url(reverse("organizations:invitation", args=[invitation.token])),
            )
            for invitation in pending
        ]
    rows = [
        MemberRow(
            member=member,
            # The last owner can neither leave nor be demoted; the page says so up front.
            is_last_owner=member.is_owner and owner_count == 1,
            is_me=member.pk == membership.pk,
        )
        for member in members
    ]
    return {
        "members": rows,
        "staff": staff,
        "invitations": invitations,
        "invite_form": invite_form or InviteForm(),
        "roles": TEAM_ROLES,
        "can_manage_team": membership.is_owner,
        "nav_section": "settings",
        "settings_tab": "team",
    }


@organization_view
@require_GET
def team(request: OrganizationRequest) -> HttpResponse:
    return render(request, "organizations/team.html", _team_context(request))


@organization_view
@require_POST
def team_invite(request: OrganizationRequest) -> HttpResponse:
    require_owner(request)
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            invitation = invite_teammate(
                request.organization,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                invited_by=request.user,
            )
        except TeamError as error:
            form.add_error("email", str(error))
        else:
            messages.success(
                request, gettext("Invitation sent to %(email)s.") % {"email": invitation.email}
            )
            return redirect("organizations:team", request.organization.slug)
    return render(request, "organizations/team.html", _team_context(request, form), status=400)


def _member_from_post(request: OrganizationRequest, form: TeammateForm) -> Membership:
    if not form.is_valid():
        raise Http404("No such member.")
    return get_object_or_404(
        request.organization.memberships.select_related("user"),
        user__email__iexact=form.cleaned_data["email"],
    )


def _invitation_from_post(request: OrganizationRequest) -> TeamInvitation:
    form = TeammateForm(request.POST)
    if not form.is_valid():
        raise Http404("No such invitation.")
    return get_object_or_404(
        request.organization.team_invitations,
        email__iexact=form.cleaned_data["email"],
        accepted_at__isnull=True,
    )


@organization_view
@require_POST
def team_role(request: OrganizationRequest) -> HttpResponse:
    require_owner(request)
    form = RoleForm(request.POST)
    member = _member_from_post(request, form)
    try:
        member = change_role(member, role=form.cleaned_data["role"])
    except TeamError as error:
        messages.error(request, str(error))
    else:
        role = role_in_sentence(member.role)
        messages.success(
            request,
            gettext("%(email)s is now %(role)s.") % {"email": member.user.email, "role": role},
        )
    return redirect("organizations:team", request.organization.slug)


@organization_view
@require_POST
def team_remove(request: OrganizationRequest) -> HttpResponse:
    member = _member_from_post(request, TeammateForm(request.POST))
    leaving = member.pk == request.membership.pk
    if not leaving:
        require_owner(request)
    try:
        remove_member(member)
    except TeamError as error:
        messages.error(request, str(error))
        return redirect("organizations:team", request.organization.slug)
    if leaving:
        request.session.pop(LAST_ORGANIZATION_SESSION_KEY, None)
        messages.success(
            request, gettext("You left %(name)s.") % {"name": request.organization.name}
        )
        return redirect("organizations:home")
    messages.success(
        request, gettext("%(email)s was removed from the team.") % {"email": member.user.email}
    )
    return redirect("organizations:team", request.organization.slug)


@organization_view
@require_POST
def invitation_cancel(request: OrganizationRequest) -> HttpResponse:
    require_owner(request)
    invitation = _invitation_from_post(request)
    cancel_invitation(invitation)
    messages.success(
        request, gettext("The invitation to %(email)s is cancelled.") % {"email": invitation.email}
    )
    return redirect("organizations:team", request.organization.slug)


@organization_view
@require_POST
def invitation_resend(request: OrganizationRequest) -> HttpResponse:
    require_owner(request)
    try:
        invitation = resend_invitation(_invitation_from_post(request), invited_by=request.user)
    except TeamError as error:
        # Cancelled by another owner between the page and this click.
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            gettext("The invitation to %(email)s was sent again.") % {"email": invitation.email},
        )
    return redirect("organizations:team", request.organization.slug)


@never_cache
@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The link in a team invitation email: log in or sign up, then accept."""
    invitation = (
        TeamInvitation.objects.select_related("organization", "invited_by")
        .filter(token=token)
        .first()
    )
    if invitation is None:
        return render(request, "organizations/invitation_invalid.html", status=404)
    organization = invitation.organization
    here = reverse("organizations:invitation", args=[token])
    context: dict[str, Any] = {"invitation": invitation, "organization": organization}
    user = request.user
    if not user.is_authenticated:
        if request.method == "POST":
            return redirect(f"{reverse('account_login')}?{urlencode({'next': here})}")
        context["next_query"] = urlencode({"next": here})
        context["signup_query"] = urlencode({"next": here, "email": invitation.email})
        return render(request, "organizations/invitation.html", context)

    membership = organization.memberships.filter(user=user).first()
    if invitation.accepted_at is not None or membership is not None:
        if membership is not None:
            messages.info(
                request, gettext("You're a member of %(name)s.") % {"name": organization.name}
            )
            return redirect("organizations:dashboard", organization.slug)
        return render(request, "organizations/invitation_invalid.html", status=404)

    status = 200
    if request.method == "POST":
        try:
            membership = accept_invitation(invitation, user=user)
        except TeamError as error:
            context["error"] = str(error)
            status = 403
        else:
            messages.success(
                request,
                gettext("Welcome to %(organization)s, %(name)s! You joined as %(role)s.")
                % {
                    "organization": organization.name,
                    "name": display_name(user),
                    "role": role_in_sentence(membership.role),
                },
            )
            return redirect("organizations:dashboard", organization.slug)
    context["email_matches"] = user_has_email(user, invitation.email)
    context["expired"] = is_expired(invitation)
    context["logout_next"] = here
    return render(request, "organizations/invitation.html", context, status=status)
