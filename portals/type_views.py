"""The organizer's pages for a portal group's invite types: add, edit, archive.

The types are listed on the group page (views.group_detail); writes go
through portals/invite_types.py, the service the API calls too.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from organizations.access import OrganizationRequest, organization_view
from portals import invite_types
from portals.access import access_group, access_invite_type
from portals.errors import InviteTypeArchived, PortalError
from portals.forms import InviteTypeForm
from portals.models import InviteType, PortalGroup


def _render_form(
    request: OrganizationRequest,
    form: InviteTypeForm,
    group: PortalGroup,
    invite_type: InviteType | None,
) -> HttpResponse:
    return render(
        request,
        "portals/type_form.html",
        {
            "form": form,
            "group": group,
            "event": group.event,
            "invite_type": invite_type,
            "nav_section": "events",
        },
    )


@organization_view(event_managers=True)
@require_http_methods(["GET", "POST"])
def type_create(request: OrganizationRequest, group_id: str) -> HttpResponse:
    group = access_group(request.organization, group_id)
    form = InviteTypeForm(request.POST or None, group=group)
    if request.method == "POST" and form.is_valid():
        try:
            invite_type = invite_types.create_invite_type(group, settings=form.type_settings())
        except PortalError as error:
            form.add_service_error(error)
        else:
            messages.success(
                request,
                gettext("“%(name)s” is added: every portal of the group has an allocation of it.")
                % {"name": invite_type.name},
            )
            return redirect("portals:group_detail", request.organization.slug, group.public_id)
    return _render_form(request, form, group, None)


@organization_view(event_managers=True)
@require_http_methods(["GET", "POST"])
def type_edit(request: OrganizationRequest, group_id: str, type_id: str) -> HttpResponse:
    group = access_group(request.organization, group_id)
    invite_type = access_invite_type(request.organization, type_id, group=group)
    if invite_type.is_archived:
        messages.error(request, str(InviteTypeArchived()))
        return redirect("portals:group_detail", request.organization.slug, group.public_id)
    form = InviteTypeForm(request.POST or None, group=group, instance=invite_type)
    if request.method == "POST" and form.is_valid():
        settings = form.type_settings()
        try:
            invite_types.update_invite_type(
                invite_type,
                name=settings.name,
                code=settings.code,
                default_allocation=settings.default_allocation,
                plus_ones_allowed=settings.plus_ones_allowed,
                golden=settings.golden,
                needs_approval=settings.needs_approval,
                windows=settings.windows,
            )
        except PortalError as error:
            form.add_service_error(error)
        else:
            messages.success(request, gettext("Invite type saved."))
            return redirect("portals:group_detail", request.organization.slug, group.public_id)
    return _render_form(request, form, group, invite_type)


@organization_view(event_managers=True)
@require_http_methods(["GET", "POST"])
def type_archive(request: OrganizationRequest, group_id: str, type_id: str) -> HttpResponse:
    """Ask first (GET); on POST delete the type, or archive it if it has invites."""
    group = access_group(request.organization, group_id)
    invite_type = access_invite_type(request.organization, type_id, group=group)
    if request.method == "POST":
        try:
            deleted = invite_types.archive_invite_type(invite_type)
        except PortalError as error:
            messages.error(request, str(error))
        else:
            if deleted:
                message = gettext("“%(name)s” is deleted: it had no invites.")
            else:
                message = gettext(
                    "“%(name)s” is archived: its invites stay valid, portals can't generate "
                    "new ones of it."
                )
            messages.success(request, message % {"name": invite_type.name})
        return redirect("portals:group_detail", request.organization.slug, group.public_id)
    return render(
        request,
        "portals/type_archive.html",
        {
            "group": group,
            "event": group.event,
            "invite_type": invite_type,
            "nav_section": "events",
        },
    )
