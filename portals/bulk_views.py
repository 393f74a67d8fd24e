"""The organizer's bulk pages for a portal group: email the links of many
unclaimed portals at once (or a reminder), follow the emails' progress, set
the scheduled reminder, and download the portals as CSV.

Thin: access_group (404 for another organization's group), a form, one
service of portals/bulk_links.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from deliveries.models import Delivery
from deliveries.services import DeliveryProgress, pending_send_progress, send_progress
from organizations.access import OrganizationRequest, organization_view
from portals import bulk_links
from portals.access import access_group
from portals.bulk_forms import BulkLinksForm, LinkRemindersForm
from portals.errors import PortalError
from portals.models import Portal, PortalGroup


@dataclass(frozen=True)
class ProgressTarget:
    """What invites/send/_send_progress.html needs to poll."""

    progress_url: str
    back_url: str
    back_label: str


def _group_emails(group: PortalGroup) -> QuerySet[Delivery]:
    return bulk_links.portal_emails().filter(
        organization_id=group.organization_id,
        object_id__in=Portal.objects.filter(group=group).values("pk"),
    )


def _links_page(
    request: OrganizationRequest,
    group: PortalGroup,
    *,
    form: BulkLinksForm | None = None,
    reminders_form: LinkRemindersForm | None = None,
    status: int = 200,
) -> HttpResponse:
    overview = bulk_links.links_overview(group)
    return render(
        request,
        "portals/bulk_links.html",
        {
            "group": group,
            "event": group.event,
            "overview": overview,
            "form": form or BulkLinksForm(portals=overview.listed),
            "reminders_form": reminders_form
            or LinkRemindersForm(initial={"days": group.link_reminder_days}),
            "nav_section": "events",
        },
        status=status,
    )


@organization_view(event_managers=True)
@require_http_methods(["GET", "POST"])
def bulk_links_page(request: OrganizationRequest, group_id: str) -> HttpResponse:
    group = access_group(request.organization, group_id)
    if request.method == "GET":
        return _links_page(request, group)
    form = BulkLinksForm(request.POST, portals=bulk_links.links_overview(group).listed)
    if form.is_valid():
        try:
            queued = bulk_links.email_portal_links(
                group, public_ids=form.public_ids, reminder=form.reminder, actor=request.user
            )
        except PortalError as error:
            form.add_error(None, str(error))
        else:
            count = len(queued)
            text = ngettext(
                "%(count)d email on the way.", "%(count)d emails on the way.", count
            ) % {"count": count}
            messages.success(request, f"{text} {queued.skipped_text()}".strip())
            url = reverse(
                "portals:bulk_links_progress", args=[request.organization.slug, group.public_id]
            )
            return redirect(f"{url}?send={queued.send_id}")
    return _links_page(request, group, form=form, status=422)


@organization_view(event_managers=True)
@require_GET
def bulk_links_progress(request: OrganizationRequest, group_id: str) -> HttpResponse:
    """One bulk send's progress (`?send=`), or the group's newest unfinished one;
    htmx polls the partial until it is done."""
    group = access_group(request.organization, group_id)
    args = [request.organization.slug, group.public_id]
    send_id = request.GET.get("send", "")
    progress: DeliveryProgress | None
    if send_id:
        progress = send_progress(send_id, deliveries=_group_emails(group))
        if not progress.total:
            raise Http404("No such send.")
    else:
        progress = pending_send_progress(_group_emails(group))
        if progress is None:
            return redirect("portals:bulk_links", *args)
    context = {
        "group": group,
        "event": group.event,
        "progress": progress,
        "target": ProgressTarget(
            progress_url=reverse("portals:bulk_links_progress", args=args),
            back_url=reverse("portals:group_detail", args=args),
            back_label=gettext("Back to the group"),
        ),
        "nav_section": "events",
    }
    if request.headers.get("HX-Request"):
        return render(request, "invites/send/_send_progress.html", context)
    return render(request, "portals/bulk_links_progress.html", context)


@organization_view(event_managers=True)
@require_POST
def link_reminders(request: OrganizationRequest, group_id: str) -> HttpResponse:
    group = access_group(request.organization, group_id)
    form = LinkRemindersForm(request.POST)
    if not form.is_valid():
        return _links_page(request, group, reminders_form=form, status=422)
    days = form.cleaned_data["days"]
    bulk_links.set_link_reminders(group, days=days)
    if days:
        messages.success(
            request,
            ngettext(
                "Unclaimed portals will be reminded %(days)d day after their link went out.",
                "Unclaimed portals will be reminded %(days)d days after their link went out.",
                days,
            )
            % {"days": days},
        )
    else:
        messages.success(request, gettext("No scheduled reminder: remind portals by hand."))
    return redirect("portals:bulk_links", request.organization.slug, group.public_id)


@organization_view(event_managers=True)
@require_GET
def portals_csv(request: OrganizationRequest, group_id: str) -> StreamingHttpResponse:
    group = access_group(request.organization, group_id)
    # Archived types too: their places may still be in use.
    types = list(group.invite_types.order_by("archived_at", "position", "id"))
    response = StreamingHttpResponse(
        bulk_links.portals_csv(group, types), content_type="text/csv; charset=utf-8"
    )
    filename = f"portals-{slugify(group.event.slug)}-{slugify(group.name) or 'group'}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # The file holds the portals' secret links.
    response["Cache-Control"] = "no-store"
    return response
