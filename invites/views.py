"""The guest's invite page, and the organizer's own invites (guest list: guest_list_views.py)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext
from django.views.decorators.http import require_http_methods, require_POST

from artsvp.i18n import language_switch, recognized, set_language_cookie
from artsvp.secret_pages import secret_link_page, throttle_link_lookup
from events.access import access_event
from invites.answer_forms import ANSWER_ERRORS, LinkAnswerForm, RsvpForm, add_answer_error
from invites.answers import (
    InviteRevoked,
    RsvpClosed,
    answer_link,
    deadline_text,
    record_open,
    respond,
    rsvp_closed_reason,
    window_places,
)
from invites.generate_views import (
    GenerationTarget,
    generation_page,
    organizer_credits_message,
    organizer_setup,
)
from invites.hooks import guest_page_parts
from invites.languages import serve_guest_language
from invites.models import Invite
from invites.services import InviteNotRevocable, revoke_invite, set_guest_language
from organizations.access import OrganizationRequest, organization_view

# --- The guest ----------------------------------------------------------------------


def _revoked(request: HttpRequest, invite: Invite) -> HttpResponse:
    return render(
        request,
        "invites/revoked.html",
        {"invite": invite, "event": invite.event, **_switch(invite)},
        status=410,
    )


def _switch(invite: Invite) -> dict[str, Any]:
    """The page's language switcher (build it after serve_guest_language)."""
    action = reverse("invites:guest_language", args=[invite.token])
    return {"language_switch": language_switch(action, invite.event.languages)}


def _host(invite: Invite) -> str:
    return invite.portal.name if invite.portal is not None else invite.organization.name


@secret_link_page
@require_http_methods(["GET", "POST"])
def guest_page(request: HttpRequest, token: str) -> HttpResponse:
    limited = throttle_link_lookup(request, "invite-link")
    if limited:
        return limited
    invite = get_object_or_404(
        Invite.objects.select_related("event", "portal", "organization", "entry_window"),
        token=token,
    )
    event = invite.event
    serve_guest_language(request, invite)
    if invite.status == Invite.Status.REVOKED:
        return _revoked(request, invite)
    if request.method == "GET":
        record_open(invite)
    if invite.is_multi_use:
        return _link_page(request, invite)

    closed_reason = rsvp_closed_reason(event)
    windows = window_places(invite)
    form = RsvpForm(request.POST or None, invite=invite, windows=windows)
    if request.method == "POST" and not closed_reason and form.is_valid():
        try:
            answered = respond(invite, **form.respond_kwargs())
        except InviteRevoked:
            return _revoked(request, invite)
        except RsvpClosed as error:
            closed_reason = error.reason
        except ANSWER_ERRORS as error:
            add_answer_error(form, error)
            # The places as they are now, beside the refusal.
            form.windows = windows = window_places(invite)
        else:
            if answered.status == Invite.Status.PENDING:
                messages.success(
                    request,
                    gettext("Thank you! Your answer is waiting for the organizer's approval."),
                )
            elif answered.status == Invite.Status.ACCEPTED:
                messages.success(request, gettext("Thank you, we've saved your answer."))
            else:
                messages.success(request, gettext("Thank you for letting us know."))
            return redirect("invites:guest", token)
    status = 422 if request.method == "POST" and (form.errors or closed_reason) else 200
    return render(
        request,
        "invites/guest.html",
        {
            "invite": invite,
            "event": event,
            "host": _host(invite),
            "form": form,
            "windows": windows,
            "closed_reason": closed_reason,
            "deadline": deadline_text(event),
            "page_parts": guest_page_parts(invite),
            "answered": invite.status
            in (Invite.Status.ACCEPTED, Invite.Status.DECLINED, Invite.Status.PENDING),
            **_switch(invite),
        },
        status=status,
    )


def _link_page(request: HttpRequest, link: Invite) -> HttpResponse:
    """A multi-use link: each guest answers with their own details and gets
    their own invite page (/i/<its token>/)."""
    event = link.event
    closed_reason = rsvp_closed_reason(event)
    windows = window_places(link)
    form = LinkAnswerForm(request.POST or None, link=link, windows=windows)
    used_up = link.uses_left <= 0
    if request.method == "POST" and not closed_reason and not used_up and form.is_valid():
        try:
            answer = answer_link(
                link,
                name=form.cleaned_data["name"],
                email=form.cleaned_data["email"],
                plus_ones=form.cleaned_data.get("plus_ones") or 0,
                window=form.chosen_window,
                # The visitor's own page then opens in the language they answered in.
                language=get_language(),
            )
        except InviteRevoked:
            return _revoked(request, link)
        except RsvpClosed as error:
            closed_reason = error.reason
        except ANSWER_ERRORS as error:
            add_answer_error(form, error)
            form.windows = windows = window_places(link)
            link.refresh_from_db(fields=["uses_taken"])
        else:
            if answer.status == Invite.Status.PENDING:
                messages.success(
                    request,
                    gettext("Thank you! Your answer is waiting for the organizer's approval."),
                )
            else:
                messages.success(
                    request,
                    gettext(
                        "Thank you, you're on the list. This is your own invitation page: "
                        "keep its address to change your answer."
                    ),
                )
            return redirect("invites:guest", answer.token)
    refused = request.method == "POST" and (form.errors or closed_reason or used_up)
    return render(
        request,
        "invites/guest_link.html",
        {
            "invite": link,
            "event": event,
            "host": _host(link),
            "form": form,
            "windows": windows,
            "closed_reason": closed_reason,
            "deadline": deadline_text(event),
            "used_up": link.uses_left <= 0,
            **_switch(link),
        },
        status=422 if refused else 200,
    )


@secret_link_page
@require_POST
def guest_language(request: HttpRequest, token: str) -> HttpResponse:
    """The guest's language switch: stored on their invite (later emails use
    it too); on a shared link, the visitor's cookie. An unknown code changes
    nothing; another invite's token is a 404."""
    limited = throttle_link_lookup(request, "invite-link")
    if limited:
        return limited
    invite = get_object_or_404(Invite.objects.select_related("event"), token=token)
    chosen = recognized(request.POST.get("language"))
    if invite.status != Invite.Status.REVOKED:
        set_guest_language(invite, chosen)
    response = redirect("invites:guest", token)
    if chosen:
        # The browser's choice too: a shared link's visitor reads it, and so
        # do pages that know no invite (the rate-limit page).
        set_language_cookie(response, chosen)
    return response


# --- The organizer ----------------------------------------------------------------------


@organization_view(event_managers=True)
@require_http_methods(["GET", "POST"])
def organizer_generate(request: OrganizationRequest, event_slug: str) -> HttpResponse:
    event = access_event(request.organization, event_slug)
    org_slug = request.organization.slug
    page_url = reverse("invites:organizer_generate", args=[org_slug, event.slug])
    target = GenerationTarget(
        event=event,
        portal=None,
        actor=request.user,
        page_url=page_url,
        done_url=reverse("invites:guest_list", args=[org_slug, event.slug]) + "?source=organizer",
        template="invites/organizer_generate.html",
        preview_template="invites/organizer_csv_preview.html",
        context={"event": event, "nav_section": "events", "form_action": page_url},
        credits_message=organizer_credits_message(reverse("billing:billing", args=[org_slug])),
        setup=organizer_setup(event),
    )
    return generation_page(request, target)


@organization_view(event_managers=True)
@require_POST
def organizer_revoke(request: OrganizationRequest, event_slug: str, invite_id: str) -> HttpResponse:
    event = access_event(request.organization, event_slug)
    invite = get_object_or_404(
        Invite,
        organization=request.organization,
        event=event,
        portal__isnull=True,
        public_id=invite_id,
    )
    try:
        revoke_invite(invite, actor=request.user)
    except InviteNotRevocable as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            gettext(
                "The invite for %(guest)s was revoked: its link no longer works. The invite "
                "credit it used is not returned."
            )
            % {"guest": invite},
        )
    return redirect(
        reverse("invites:guest_list", args=[request.organization.slug, event.slug])
        + "?source=organizer"
    )
