"""Sending invites by email, from the organizer's guest list and the portal
owner's dashboard.

Both reach one flow (`send_page`) through a `SendTarget` that says which
invites this viewer may email, which deliveries they may follow and where
the pages live: choose (a selection, one invite, or every unsent invite) ->
write (subject and message, with defaults) -> preview (the first invite's
email exactly as it will go) -> send (queued; workers send it, the page
follows the progress).

The preview's HTML is a whole email with inline styles, which the pages' CSP
forbids. It is served by a URL of its own (`preview_frame`) with a CSP that
allows inline styles and nothing else (no script, no request, sandboxed), and
shown in a sandboxed iframe. What it previews (invite, subject, message) is
kept in the viewer's session under a random key, never in the URL.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from csp.constants import NONE, SELF, UNSAFE_INLINE
from csp.decorators import csp
from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext, ngettext
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_http_methods

from deliveries.models import Delivery
from deliveries.services import (
    DeliveryError,
    DeliveryProgress,
    pending_send_progress,
    send_progress,
)
from events.access import access_event
from events.models import Event
from invites.emails import preview_invite_email
from invites.models import Invite
from invites.owner_gate import owner_page
from invites.send_forms import InviteEmailForm
from invites.sending import (
    MAX_SENDS_PER_INVITE,
    invite_emails,
    plan_invite_emails,
    queue_invite_emails,
    unsent_invites,
)
from organizations.access import OrganizationRequest, organization_view
from portals.emails import from_preview
from portals.models import Portal

# More than any page lets one select; a guard against absurd requests.
MAX_SELECTION = 5000
UNSENT = "unsent"
STEPS = ("edit", "preview", "send")
PREVIEWS_SESSION_KEY = "email_previews"
# A few open tabs' worth; each entry is at most a subject and a message (5 KB).
MAX_PREVIEWS = 3
# The preview frame's whole policy: the email's inline styles show, nothing runs
# or loads, and only our own pages may frame it.
PREVIEW_FRAME_CSP = {
    "default-src": NONE,
    "style-src": UNSAFE_INLINE,
    "img-src": [SELF, "data:"],
    "frame-ancestors": SELF,
    "base-uri": NONE,
    "form-action": NONE,
    "sandbox": True,
}


@dataclass(frozen=True)
class SendTarget:
    invites: QuerySet[Invite]  # every invite this viewer may email
    deliveries: QuerySet[Delivery]  # every delivery this viewer may follow
    send_url: str
    progress_url: str
    back_url: str
    back_label: str
    page_template: str
    progress_template: str
    actor: Any
    preview_url: Callable[[str], str]  # the preview frame's URL for a session key
    context: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Selection:
    invites: QuerySet[Invite]
    scope: str  # UNSENT, or "" for the listed ids
    ids: list[str]


def _selection(request: HttpRequest, target: SendTarget) -> Selection | None:
    data = request.POST if request.method == "POST" else request.GET
    if data.get("scope") == UNSENT:
        return Selection(invites=unsent_invites(target.invites), scope=UNSENT, ids=[])
    ids = list(dict.fromkeys(data.getlist("invite")))[:MAX_SELECTION]
    if not ids:
        return None
    # Whether any of them is this viewer's is known once they are counted (send_page).
    return Selection(invites=target.invites.filter(public_id__in=ids), scope="", ids=ids)


def _not_found_unless(found: bool, selection: Selection) -> None:
    # Someone else's invite (or a made-up id) does not exist, as far as this viewer knows.
    if not found and selection.scope != UNSENT:
        raise Http404("No such invite.")


def send_page(request: HttpRequest, target: SendTarget) -> HttpResponse:
    selection = _selection(request, target)
    if selection is None:
        messages.info(request, gettext("Select the invites you want to email first."))
        return redirect(target.back_url)
    step = request.POST.get("step", "") if request.method == "POST" else ""
    event = target.context.get("event")
    form = (
        InviteEmailForm(request.POST, event=event)
        if step in STEPS
        else InviteEmailForm(event=event)
    )
    if step == "send" and form.is_valid():
        try:
            # It decides under the invites' locks what can go; no plan needed first.
            # The selection goes as a query: the database picks and locks the rows.
            queued = queue_invite_emails(
                selection.invites,
                subject=form.cleaned_data["subject"],
                message=form.cleaned_data["message"],
                actor=target.actor,
                unsent_only=selection.scope == UNSENT,
            )
        except DeliveryError as error:
            _not_found_unless(selection.invites.exists(), selection)
            form.add_error(None, str(error))
        else:
            count = len(queued)
            text = ngettext(
                "%(count)s email on the way.", "%(count)s emails on the way.", count
            ) % {"count": count}
            messages.success(request, f"{text} {queued.skipped}".strip())
            if count == 1:
                return redirect(target.back_url)
            return redirect(f"{target.progress_url}?send={queued.send_id}")
    plan = plan_invite_emails(selection.invites, never_emailed=selection.scope == UNSENT)
    _not_found_unless(bool(plan.count or plan.skipped.total), selection)
    sample = plan.sample[0] if plan.sample else None
    preview = None
    preview_url = ""
    if sample is not None and step == "preview" and form.is_valid():
        preview = preview_invite_email(
            sample,
            subject=form.cleaned_data["subject"],
            message=form.cleaned_data["message"],
        )
        preview_url = target.preview_url(
            _remember_preview(request, target, sample, form.cleaned_data)
        )
    context = {
        **target.context,
        "target": target,
        "selection": selection,
        "plan": plan,
        "form": form,
        "preview": preview,
        "preview_url": preview_url,
        "sample": sample,
        "max_sends": MAX_SENDS_PER_INVITE,
    }
    return render(
        request,
        target.page_template,
        context,
        status=422 if form.errors or not plan.count else 200,
    )


def _remember_preview(
    request: HttpRequest, target: SendTarget, invite: Invite, cleaned: dict[str, Any]
) -> str:
    previews = request.session.get(PREVIEWS_SESSION_KEY, {})
    while len(previews) >= MAX_PREVIEWS:
        previews.pop(next(iter(previews)))
    key = secrets.token_urlsafe(16)
    previews[key] = {
        "send_url": target.send_url,
        "invite": invite.public_id,
        "subject": cleaned["subject"],
        "message": cleaned["message"],
    }
    request.session[PREVIEWS_SESSION_KEY] = previews
    return key


@csp(PREVIEW_FRAME_CSP)
@xframe_options_sameorigin
def preview_frame(request: HttpRequest, target: SendTarget, key: str) -> HttpResponse:
    """The previewed email's HTML alone, for the send page's sandboxed iframe.

    Only the session that asked for the preview finds it, and only through the
    page it was made on; the invite is looked up again among the viewer's own.
    """
    stored = request.session.get(PREVIEWS_SESSION_KEY, {}).get(key)
    if not stored or stored["send_url"] != target.send_url:
        raise Http404("No such preview.")
    invite = target.invites.filter(public_id=stored["invite"]).first()
    if invite is None:
        raise Http404("No such invite.")
    email = preview_invite_email(invite, subject=stored["subject"], message=stored["message"])
    response = HttpResponse(email.html, content_type="text/html; charset=utf-8")
    # It shows the guest's personal link.
    add_never_cache_headers(response)
    response["Cache-Control"] = "no-store"
    return response


def progress_page(request: HttpRequest, target: SendTarget) -> HttpResponse:
    """One send's progress (`?send=`), or the newest unfinished one (for lists).

    htmx polls it every 2 seconds until the send is done; the final answer
    carries no trigger, so the polling stops by itself.
    """
    send_id = request.GET.get("send", "")
    progress: DeliveryProgress | None
    if send_id:
        progress = send_progress(send_id, deliveries=target.deliveries)
        if not progress.total:
            raise Http404("No such send.")
    else:
        progress = pending_send_progress(target.deliveries)
    context = {**target.context, "target": target, "progress": progress}
    if request.headers.get("HX-Request"):
        return render(request, "invites/send/_send_progress.html", context)
    if progress is None:
        return redirect(target.back_url)
    return render(request, target.progress_template, context)


# --- The organizer ---------------------------------------------------------------------------


def _organizer_target(request: OrganizationRequest, event: Event) -> SendTarget:
    organization = request.organization
    args = [organization.slug, event.slug]
    return SendTarget(
        invites=Invite.objects.filter(organization=organization, event=event)
        .visible_to_organizer()
        .select_related("event", "portal", "organization"),
        deliveries=invite_emails().filter(
            organization=organization, object_id__in=Invite.objects.filter(event=event).values("pk")
        ),
        send_url=reverse("invites:send", args=args),
        progress_url=reverse("invites:send_progress", args=args),
        back_url=reverse("invites:guest_list", args=args),
        back_label=gettext("Back to the guest list"),
        page_template="invites/send/organizer_send.html",
        progress_template="invites/send/organizer_progress.html",
        actor=request.user,
        preview_url=lambda key: reverse("invites:send_preview", args=[*args, key]),
        context={"event": event, "nav_section": "events"},
    )


@organization_view(event_managers=True)
@require_http_methods(["GET", "POST"])
def organizer_send(request: OrganizationRequest, event_slug: str) -> HttpResponse:
    event = access_event(request.organization, event_slug)
    return send_page(request, _organizer_target(request, event))


@organization_view(event_managers=True)
@require_GET
def organizer_progress(request: OrganizationRequest, event_slug: str) -> HttpResponse:
    event = access_event(request.organization, event_slug)
    return progress_page(request, _organizer_target(request, event))


@organization_view(event_managers=True)
@require_GET
def organizer_preview(request: OrganizationRequest, event_slug: str, key: str) -> HttpResponse:
    event = access_event(request.organization, event_slug)
    return preview_frame(request, _organizer_target(request, event), key)


# --- The portal owner -----------------------------------------------------------------------


def _owner_target(portal: Portal) -> SendTarget:
    args = [portal.public_id]
    return SendTarget(
        invites=Invite.objects.filter(portal=portal).select_related(
            "event", "portal", "organization"
        ),
        deliveries=invite_emails().filter(
            object_id__in=Invite.objects.filter(portal=portal).values("pk")
        ),
        send_url=reverse("owner:send", args=args),
        progress_url=reverse("owner:send_progress", args=args),
        back_url=reverse("owner:dashboard", args=args),
        back_label=gettext("Back to your invites"),
        page_template="invites/send/owner_send.html",
        progress_template="invites/send/owner_progress.html",
        actor=portal.owner_email,
        preview_url=lambda key: reverse("owner:send_preview", args=[*args, key]),
        context={
            "portal": portal,
            "event": portal.group.event,
            "group": portal.group,
            "from_preview": from_preview(portal),
        },
    )


@owner_page(["GET", "POST"])
def owner_send(request: HttpRequest, portal: Portal) -> HttpResponse:
    return send_page(request, _owner_target(portal))


@owner_page(["GET"])
def owner_progress(request: HttpRequest, portal: Portal) -> HttpResponse:
    return progress_page(request, _owner_target(portal))


@owner_page(["GET"])
def owner_preview(request: HttpRequest, portal: Portal, key: str) -> HttpResponse:
    return preview_frame(request, _owner_target(portal), key)
