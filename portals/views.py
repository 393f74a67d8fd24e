"""The organizer's pages for portal groups and portals.

Every member of the organization may manage them. Lookups go through
events/access.py (404 for another organization's objects); writes go
through portals/services.py.
"""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field
from typing import Any

from django.contrib import messages
from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from artsvp.csv_errors import skipped_rows_response
from artsvp.csv_safe import csv_response, write_rows
from artsvp.keyset import keyset_page
from artsvp.links import absolute_url
from artsvp.row_urls import row_url
from deliveries.services import DeliveryError
from events.access import access_event
from organizations.access import OrganizationRequest, organization_view
from portals import invite_types, services
from portals.access import access_group, access_portal
from portals.csv_import import ParsedFile, parse_portal_csv, type_column
from portals.errors import (
    AllocationBelowUsed,
    DuplicateGroupName,
    DuplicatePortalName,
    PortalError,
    PortalNotAssigned,
    PortalRevoked,
)
from portals.forms import (
    OwnerEmailForm,
    PortalFilterForm,
    PortalForm,
    PortalGroupForm,
    PortalImportConfirmForm,
    PortalImportForm,
)
from portals.guest_counts import accepted_counts
from portals.models import MAX_INVITE_TYPES, InviteType, Portal, PortalAllocation, PortalGroup


def _portal_link(request: HttpRequest, portal: Portal) -> str:
    return absolute_url(portal.path)


# --- Portal groups ------------------------------------------------------------


@organization_view(event_managers=True)
@require_http_methods(["GET", "POST"])
def group_create(request: OrganizationRequest, event_slug: str) -> HttpResponse:
    event = access_event(request.organization, event_slug)
    form = PortalGroupForm(request.POST or None, event=event)
    if request.method == "POST" and form.is_valid():
        try:
            group = services.create_group(event, settings=form.group_settings())
        except DuplicateGroupName as error:
            # Another organizer created the same name after the form checked it.
            form.add_error("name", str(error))
        else:
            messages.success(
                request,
                gettext("“%(name)s” is created. Add its portals next.") % {"name": group.name},
            )
            return redirect("portals:group_detail", request.organization.slug, group.public_id)
    return render(
        request,
        "portals/group_form.html",
        {"form": form, "event": event, "group": None, "nav_section": "events"},
    )


@organization_view(event_managers=True)
@require_http_methods(["GET", "POST"])
def group_edit(request: OrganizationRequest, group_id: str) -> HttpResponse:
    group = access_group(request.organization, group_id)
    # The form writes into its instance while validating; the page keeps showing
    # the stored name if the input turns out invalid.
    several_types = len(services.live_types(group)) > 1
    form = PortalGroupForm(
        request.POST or None,
        instance=copy.copy(group),
        event=group.event,
        several_types=several_types,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_group(group, **asdict(form.group_settings()))
        except DuplicateGroupName as error:
            form.add_error("name", str(error))
        else:
            messages.success(request, gettext("Portal group saved."))
            return redirect("portals:group_detail", request.organization.slug, group.public_id)
    return render(
        request,
        "portals/group_form.html",
        {
            "form": form,
            "event": group.event,
            "group": group,
            "several_types": several_types,
            "nav_section": "events",
        },
    )


@dataclass(frozen=True)
class PortalRow:
    """One line of the group page: the portal, its secret link, its accepted guests,
    and its allocation per type (shown when the group has several types)."""

    portal: Portal
    link: str
    accepted_count: int
    allocations: list[PortalAllocation] = field(default_factory=list)
    detail_url: str = ""


def _with_allocations(portals: QuerySet[Portal]) -> QuerySet[Portal]:
    # One query for every portal's rows, whatever the number of portals.
    return portals.prefetch_related(
        Prefetch("allocations", queryset=PortalAllocation.objects.select_related("invite_type"))
    )


def shown_allocations(portal: Portal) -> list[PortalAllocation]:
    """The portal's allocations of live types, and of archived ones it used (prefetched)."""
    return [row for row in portal.allocations.all() if not row.invite_type.is_archived or row.used]


PORTALS_PER_PAGE = 50
# A total order (the last key is unique) the `portal_group_name` index serves.
PORTAL_ORDER = ("name", "id")


def _group_totals(group: PortalGroup, matching: Q | None) -> dict[str, int]:
    """The group's portals counted by state, their invites, and how many match
    the filters: one aggregate query, whatever the number of portals."""
    status = Portal.Status
    fields: dict[str, Any] = {
        "portals": Count("id"),
        "assigned": Count("id", filter=Q(status=status.ASSIGNED)),
        "unassigned": Count("id", filter=Q(status=status.UNASSIGNED)),
        "revoked": Count("id", filter=Q(status=status.REVOKED)),
        "invites_used": Sum("invites_used", default=0),
        "invites_allocated": Sum("allocation", default=0),
    }
    if matching is not None:
        fields["matching"] = Count("id", filter=matching)
    totals = group.portals.order_by().aggregate(**fields)
    totals.setdefault("matching", totals["portals"])
    return totals


@organization_view(event_managers=True)
def group_detail(request: OrganizationRequest, group_id: str) -> HttpResponse:
    group = access_group(request.organization, group_id)
    types = list(invite_types.types_with_usage(group))
    live = [invite_type for invite_type in types if not invite_type.is_archived]
    filters = PortalFilterForm(request.GET)
    matching = filters.matching()
    portals = group.portals.all() if matching is None else group.portals.filter(matching)
    page = keyset_page(
        _with_allocations(portals),
        order=PORTAL_ORDER,
        cursor=request.GET.get("cursor"),
        per_page=PORTALS_PER_PAGE,
    )
    accepted = accepted_counts([portal.pk for portal in page.rows])
    # Reversed once for the page (artsvp/row_urls.py).
    detail_url = row_url("portals:portal_detail", request.organization.slug)
    rows = [
        PortalRow(
            portal=portal,
            link=_portal_link(request, portal),
            accepted_count=accepted.get(portal.pk, 0),
            allocations=shown_allocations(portal),
            detail_url=detail_url(portal.public_id),
        )
        for portal in page.rows
    ]
    summary = _group_totals(group, matching)
    # Of every portal of the group, whatever the filters: the group's portals as a
    # subquery, not thousands of ids sent back.
    summary["accepted"] = sum(
        accepted_counts(group.portals.values("pk"), event_id=group.event_id).values()
    )
    query = request.GET.copy()
    query.pop("cursor", None)
    return render(
        request,
        "portals/group_detail.html",
        {
            "group": group,
            "event": group.event,
            "portals": rows,
            "page": page,
            "filters": filters,
            "filtered": matching is not None,
            "filter_query": query.urlencode(),
            "summary": summary,
            "invite_types": types,
            "several_types": len(live) > 1,
            "live_type_count": len(live),
            "can_add_type": len(live) < MAX_INVITE_TYPES,
            "nav_section": "events",
        },
    )


# --- Creating portals ---------------------------------------------------------


@organization_view(event_managers=True)
@require_http_methods(["GET", "POST"])
def portal_create(request: OrganizationRequest, group_id: str) -> HttpResponse:
    group = access_group(request.organization, group_id)
    form = PortalForm(request.POST or None, group=group)
    if request.method == "POST" and form.is_valid():
        try:
            row = services.PortalRow(
                name=form.cleaned_data["name"],
                allocations=form.allocations_by_code(),
                contact_email=form.cleaned_data["contact_email"],
            )
            portal = services.import_portals(group, [row])[0]
        except DuplicatePortalName:
            form.add_error("name", gettext("This group already has a portal with this name."))
        else:
            messages.success(
                request,
                gettext("Portal “%(name)s” is created. Copy its link or email it.")
                % {"name": portal.name},
            )
            if "add_another" in request.POST:
                return redirect("portals:portal_create", request.organization.slug, group_id)
            return redirect("portals:portal_detail", request.organization.slug, portal.public_id)
    return render(
        request,
        "portals/portal_form.html",
        {
            "form": form,
            "group": group,
            "event": group.event,
            "portal": None,
            "nav_section": "events",
        },
    )


def _render_preview(
    request: HttpRequest, group: PortalGroup, parsed: ParsedFile, *, data: bytes, filename: str
) -> HttpResponse:
    confirm_form = PortalImportConfirmForm(
        initial={"content": PortalImportConfirmForm.encode(data), "filename": filename}
    )
    return render(
        request,
        "portals/import_preview.html",
        {
            "group": group,
            "event": group.event,
            "parsed": parsed,
            "several_types": len(services.live_types(group)) > 1,
            "filename": filename,
            "confirm_form": confirm_form if parsed.can_import_valid_rows else None,
            "upload_form": PortalImportForm(),
            "nav_section": "events",
        },
    )


def _type_columns(group: PortalGroup) -> list[tuple[str, InviteType]]:
    """(column, type) per live type, for the import page; empty for a group of one type."""
    types = services.live_types(group)
    return [(type_column(t), t) for t in types] if len(types) > 1 else []


def _parse(group: PortalGroup, data: bytes) -> ParsedFile:
    return parse_portal_csv(
        data,
        default_allocation=group.default_allocation,
        taken=services.taken_names(group),
        invite_types=services.live_types(group),
    )


@organization_view(event_managers=True)
@require_http_methods(["GET", "POST"])
def portal_import(request: OrganizationRequest, group_id: str) -> HttpResponse:
    """Upload a CSV and see every row checked; nothing is saved on this step."""
    group = access_group(request.organization, group_id)
    form = PortalImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        parsed = _parse(group, data)
        if not parsed.errors:
            return _render_preview(request, group, parsed, data=data, filename=upload.name)
        for error in parsed.errors:
            form.add_error("file", error)
    return render(
        request,
        "portals/import.html",
        {
            "form": form,
            "group": group,
            "event": group.event,
            "type_columns": _type_columns(group),
            "max_rows": services.MAX_PORTALS_PER_IMPORT,
            "nav_section": "events",
        },
    )


@organization_view(event_managers=True)
@require_POST
def portal_import_confirm(request: OrganizationRequest, group_id: str) -> HttpResponse:
    """Create the previewed portals, after checking the file again from scratch."""
    group = access_group(request.organization, group_id)
    form = PortalImportConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, gettext("The file was damaged on the way: nothing was saved. Upload it again.")
        )
        return redirect("portals:portal_import", request.organization.slug, group.public_id)
    data: bytes = form.cleaned_data["content"]
    filename: str = form.cleaned_data["filename"]
    # "Import the 8 valid rows, skip 2": the organizer's choice on the preview.
    skip_bad = request.POST.get("skip_bad") == "1"
    parsed = _parse(group, data)
    if parsed.is_valid or (skip_bad and parsed.can_import_valid_rows):
        skipped = len(parsed.bad_rows)
        try:
            portals = services.import_portals(group, parsed.portal_rows(skip_bad=skip_bad))
        except DuplicatePortalName:
            # Someone added one of these names since the check above (a second
            # confirmation of the same file: its rows are all taken now).
            parsed = _parse(group, data)
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)s portal created. Copy its link or email it to its contact.",
                    "%(count)s portals created. Copy their links or email them to their contacts.",
                    len(portals),
                )
                % {"count": len(portals)},
            )
            if skipped:
                messages.warning(
                    request,
                    ngettext(
                        "%(count)s row with problems was skipped: fix it and import it again.",
                        "%(count)s rows with problems were skipped: fix them and import them "
                        "again.",
                        skipped,
                    )
                    % {"count": skipped},
                )
            return redirect("portals:group_detail", request.organization.slug, group.public_id)
    if parsed.errors:
        messages.error(request, " ".join(parsed.errors))
        return redirect("portals:portal_import", request.organization.slug, group.public_id)
    return _render_preview(request, group, parsed, data=data, filename=filename)


@organization_view(event_managers=True)
@require_POST
def portal_import_skipped(request: OrganizationRequest, group_id: str) -> HttpResponse:
    """The previewed file's bad rows with their errors, checked again from scratch."""
    group = access_group(request.organization, group_id)
    form = PortalImportConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, gettext("The file was damaged on the way: nothing was saved. Upload it again.")
        )
        return redirect("portals:portal_import", request.organization.slug, group.public_id)
    parsed = _parse(group, form.cleaned_data["content"])
    return skipped_rows_response(
        "skipped-portals.csv",
        parsed.columns,
        [(row.cells, row.errors) for row in parsed.bad_rows],
    )


@organization_view(event_managers=True)
def portal_import_template(request: OrganizationRequest, group_id: str) -> HttpResponse:
    """An example file to fill in, with the group's default allocation."""
    group = access_group(request.organization, group_id)
    response = csv_response("portals-template.csv")
    types = services.live_types(group)
    if len(types) > 1:
        # One allocation column per type (csv_import.type_column), defaults filled in.
        write_rows(
            response,
            ["name", *(type_column(t) for t in types), "contact_email"],
            [
                [
                    "Galerie Nord",
                    *(t.default_allocation for t in types),
                    "hello@galerie-nord.example",
                ],
                ["Studio Aalto", *("" for _ in types), ""],
            ],
        )
        return response
    write_rows(
        response,
        ["name", "allocation", "contact_email"],
        [
            ["Galerie Nord", group.default_allocation, "hello@galerie-nord.example"],
            ["Studio Aalto", "", ""],
        ],
    )
    return response


# --- One portal ---------------------------------------------------------------


@organization_view(event_managers=True)
def portal_detail(request: OrganizationRequest, portal_id: str) -> HttpResponse:
    portal = access_portal(request.organization, portal_id)
    accepted = accepted_counts([portal.pk]).get(portal.pk, 0)
    allocations = shown_allocations(_with_allocations(Portal.objects.filter(pk=portal.pk)).get())
    return render(
        request,
        "portals/portal_detail.html",
        {
            "portal": portal,
            "allocations": allocations if len(allocations) > 1 else [],
            "group": portal.group,
            "event": portal.group.event,
            "link": _portal_link(request, portal),
            "accepted_count": accepted,
            "nav_section": "events",
        },
    )


@organization_view(event_managers=True)
@require_http_methods(["GET", "POST"])
def portal_edit(request: OrganizationRequest, portal_id: str) -> HttpResponse:
    portal = access_portal(request.organization, portal_id)
    if portal.is_revoked:
        messages.error(request, str(PortalRevoked()))
        return redirect("portals:portal_detail", request.organization.slug, portal.public_id)
    form = PortalForm(request.POST or None, group=portal.group, instance=portal)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_portal(
                portal,
                name=form.cleaned_data["name"],
                allocations=form.allocations(),
                contact_email=form.cleaned_data["contact_email"],
            )
        except AllocationBelowUsed as error:
            form.add_below_used(error)
        except DuplicatePortalName:
            form.add_error("name", gettext("This group already has a portal with this name."))
        except PortalRevoked as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, gettext("Portal saved."))
            return redirect("portals:portal_detail", request.organization.slug, portal.public_id)
    return render(
        request,
        "portals/portal_form.html",
        {
            "form": form,
            "group": portal.group,
            "event": portal.group.event,
            "portal": portal,
            "nav_section": "events",
        },
    )


@organization_view(event_managers=True)
@require_POST
def portal_send_link(request: OrganizationRequest, portal_id: str) -> HttpResponse:
    portal = access_portal(request.organization, portal_id)
    try:
        services.send_portal_link(portal, actor=request.user)
    except (PortalError, DeliveryError) as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            gettext("The portal's link is on its way to %(email)s.")
            % {"email": portal.link_recipient},
        )
    next_url = request.POST.get("next")
    if next_url == "group":
        return redirect("portals:group_detail", request.organization.slug, portal.group.public_id)
    return redirect("portals:portal_detail", request.organization.slug, portal.public_id)


@organization_view(event_managers=True)
@require_http_methods(["GET", "POST"])
def portal_change_owner(request: OrganizationRequest, portal_id: str) -> HttpResponse:
    portal = access_portal(request.organization, portal_id)
    if not portal.is_assigned:
        error = PortalRevoked() if portal.is_revoked else PortalNotAssigned()
        messages.error(request, str(error))
        return redirect("portals:portal_detail", request.organization.slug, portal.public_id)
    form = OwnerEmailForm(request.POST or None, initial={"email": portal.owner_email})
    if request.method == "POST" and form.is_valid():
        try:
            portal = services.change_owner_email(
                portal, email=form.cleaned_data["email"], actor=request.user
            )
        except PortalError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                gettext(
                    "The portal now belongs to %(email)s. No credit was used. We're emailing "
                    "them the portal's link, and telling the previous owner (without the link)."
                )
                % {"email": portal.owner_email},
            )
            return redirect("portals:portal_detail", request.organization.slug, portal.public_id)
    return render(
        request,
        "portals/change_owner.html",
        {
            "form": form,
            "portal": portal,
            "group": portal.group,
            "event": portal.group.event,
            "nav_section": "events",
        },
    )


@organization_view(event_managers=True)
@require_http_methods(["GET", "POST"])
def portal_revoke(request: OrganizationRequest, portal_id: str) -> HttpResponse:
    """Ask first (GET), revoke on POST."""
    portal = access_portal(request.organization, portal_id)
    if request.method == "POST":
        try:
            services.revoke_portal(portal, actor=request.user)
        except PortalRevoked:
            messages.info(request, gettext("This portal was already revoked."))
        else:
            messages.success(
                request,
                gettext("“%(name)s” is revoked: its link no longer works.") % {"name": portal.name},
            )
        return redirect("portals:portal_detail", request.organization.slug, portal.public_id)
    if portal.is_revoked:
        messages.info(request, gettext("This portal was already revoked."))
        return redirect("portals:portal_detail", request.organization.slug, portal.public_id)
    return render(
        request,
        "portals/revoke.html",
        {
            "portal": portal,
            "group": portal.group,
            "event": portal.group.event,
            "nav_section": "events",
        },
    )
