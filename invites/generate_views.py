"""The "add invites" page, shared by the portal owner and the organizer.

Four ways (one guest, a pasted list, a CSV file, N blank links) on one page;
the view binds only the form that was submitted, calls one service, and
turns its domain errors into a message on that form. A CSV goes through a
preview first: the checked rows wait in the session until confirmed. A file
with bad rows can still import its valid ones (the page's choice: the API
refuses a batch with any bad guest); the skipped rows, with their errors, are
a download of the preview (`?skipped=<preview>`) to fix and upload again.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from artsvp.csv_errors import skipped_rows_response
from credits.ledger import InsufficientCredits
from events.models import Event
from invites.forms import (
    GENERATION_FORMS,
    CsvConfirmForm,
    CsvUploadForm,
    GenerationForm,
    GenerationSetup,
    TypeChoice,
)
from invites.guest_lists import GuestList, GuestRow
from invites.guests import MAX_BLANK_LINKS
from invites.models import InviteBatch
from invites.services import (
    GuestInput,
    IdempotencyKeyMismatch,
    IdempotencyKeyReused,
    InvalidGuests,
    UnknownInviteType,
    event_invite_types,
    generate_invites,
    generate_organizer_invites,
    resolve_event_invite_type,
)
from portals.errors import AllocationExceeded, PortalNotAssigned, PortalRevoked
from portals.models import Portal, PortalAllocation

# The portal owner never sees the organizer's balance: only that it ran out, or
# that it is too small for this many.
OWNER_NO_CREDITS_MESSAGE = gettext_lazy(
    "The organizer has no invite credits left for this, so no invites were created. "
    "They have been told; please try again later."
)
OWNER_TOO_FEW_CREDITS_MESSAGE = gettext_lazy(
    "The organizer doesn't have enough invite credits for this many invites, so none "
    "were created. Try fewer, or try again later: they have been told."
)
PREVIEW_SESSION_KEY = "invite_csv_previews"
# Previews kept per session; an abandoned one must not grow the session forever.
MAX_PREVIEWS = 3
# And their bytes (as the session stores them): a small file with long column
# names repeats them on every row, and once made a session of many megabytes.
# A full 2 MB guest file (MAX_CSV_BYTES) fits.
MAX_PREVIEW_BYTES = 3 * 1024 * 1024


@dataclass(frozen=True)
class TypeAllocation:
    """One live type of a portal's group with the portal's numbers of it."""

    code: str
    name: str
    size: int
    used: int
    plus_ones: int = 0

    @property
    def remaining(self) -> int:
        return self.size - self.used


def portal_type_allocations(portal: Portal) -> list[TypeAllocation]:
    """The portal's allocation of each live type of its group, in the group's order."""
    rows = PortalAllocation.objects.filter(
        portal=portal, invite_type__archived_at__isnull=True
    ).select_related("invite_type")
    return [
        TypeAllocation(
            code=row.invite_type.code,
            name=row.invite_type.name,
            size=row.size,
            used=row.used,
            plus_ones=row.invite_type.plus_ones_allowed,
        )
        for row in rows
    ]


def portal_setup(portal: Portal, allocations: list[TypeAllocation]) -> GenerationSetup:
    """A portal owner's forms: a type picker showing what is left of each type
    (only when the group has more than one), blank links defaulting to what remains."""
    types = [
        TypeChoice(
            value=allocation.code,
            label=_("%(type)s — %(remaining)d of %(size)d left")
            % {"type": allocation.name, "remaining": allocation.remaining, "size": allocation.size},
            remaining=allocation.remaining,
        )
        for allocation in allocations
    ]
    remaining = types[0].remaining if len(types) == 1 else portal.remaining
    return GenerationSetup(
        organizer=False,
        types=types,
        blank_initial=max(1, min(remaining or 0, MAX_BLANK_LINKS)),
        languages=offered_languages(portal.group.event),
    )


def offered_languages(event: Event) -> list[str]:
    """The "Language" select's choices: the event's languages, its own first;
    none (no select: the event's language) when it offers one."""
    languages = event.languages
    return languages if len(languages) > 1 else []


def organizer_setup(event: Event) -> GenerationSetup:
    """The organizer's forms: plus-ones, golden, approval, and optionally a type
    of one of the event's portal groups ("Exhibitors · VIP")."""
    invite_types = event_invite_types(event)
    types = [
        TypeChoice(
            value=invite_type.public_id,
            label=_("%(group)s · %(type)s")
            % {"group": invite_type.group.name, "type": invite_type.name},
        )
        for invite_type in invite_types
    ]
    codes = [invite_type.code for invite_type in invite_types]
    # A CSV row names a type by its id or, when one group has it, by its code.
    references = [choice.value for choice in types] + [
        code for code in dict.fromkeys(codes) if codes.count(code) == 1
    ]
    return GenerationSetup(
        organizer=True,
        types=types,
        type_references=references,
        languages=offered_languages(event),
    )


@dataclass
class GenerationTarget:
    """Who generates (a portal's owner, or the organizer for an event) and where pages go."""

    event: Event
    portal: Portal | None
    actor: Any
    page_url: str
    done_url: str
    template: str
    preview_template: str
    context: dict[str, Any] = field(default_factory=dict)
    credits_message: Callable[[InsufficientCredits], str] | None = None
    setup: GenerationSetup = field(default_factory=GenerationSetup)

    @property
    def scope(self) -> str:
        return f"portal:{self.portal.pk}" if self.portal else f"event:{self.event.pk}"

    def generate(
        self,
        guests: list[GuestInput],
        *,
        blank: int,
        blank_link: GuestInput | None = None,
        invite_type: str | None,
        method: str,
        idempotency_key: str | None,
        language: str | None = None,
    ) -> InviteBatch:
        """The one service call of the page; `invite_type` is the picked type
        (a code for a portal, a type's id for the organizer)."""
        if self.portal is not None:
            return generate_invites(
                self.portal,
                guests,
                blank=blank,
                blank_link=blank_link,
                invite_type=invite_type,
                method=method,
                actor=self.actor,
                by_owner=True,
                idempotency_key=idempotency_key,
                language=language,
            )
        return generate_organizer_invites(
            self.event,
            guests,
            blank=blank,
            blank_link=blank_link,
            invite_type=resolve_event_invite_type(self.event, invite_type) if invite_type else None,
            method=method,
            actor=self.actor,
            idempotency_key=idempotency_key,
            language=language,
        )


def generation_page(request: HttpRequest, target: GenerationTarget) -> HttpResponse:
    setup = target.setup
    forms: dict[str, GenerationForm] = {
        method: form_class(setup=setup) for method, form_class in GENERATION_FORMS.items()
    }
    if request.method == "GET" and "skipped" in request.GET:
        return _skipped_csv(request, target, request.GET["skipped"])
    if request.method == "POST":
        method = request.POST.get("method", "")
        if method == "csv-confirm":
            return _confirm_csv(request, target)
        form_class = GENERATION_FORMS.get(method)
        if form_class is None:
            return HttpResponseBadRequest("Unknown way of adding invites.")
        form = form_class(request.POST, request.FILES, setup=setup)
        forms[method] = form
        if form.is_valid():
            if isinstance(form, CsvUploadForm):
                preview = _preview_csv(request, target, form)
                if preview is not None:
                    return preview
            done = _generate(
                request,
                target,
                form,
                guests=form.guests(),
                blank=form.blank(),
                blank_link=form.blank_link(),
                invite_type=form.invite_type,
                idempotency_key=form.idempotency_key,
                language=form.language,
            )
            if done is not None:
                return done
    return render(
        request,
        target.template,
        {
            **target.context,
            "forms": forms,
            "setup": setup,
            "active_method": request.POST.get("method", ""),
        },
    )


def _generate(
    request: HttpRequest,
    target: GenerationTarget,
    form: GenerationForm | CsvConfirmForm,
    *,
    guests: list[GuestInput],
    blank: int,
    blank_link: GuestInput | None = None,
    invite_type: str | None,
    idempotency_key: str | None,
    language: str | None = None,
) -> HttpResponse | None:
    """Run the service; a redirect on success, None (errors on `form`) on refusal."""
    try:
        batch = target.generate(
            guests,
            blank=blank,
            blank_link=blank_link,
            invite_type=invite_type,
            method=form.method,
            idempotency_key=idempotency_key,
            language=language,
        )
    except AllocationExceeded as error:
        # It names the type and the numbers: "You asked for 12 VIP Preview invites but ..."
        form.add_error(None, str(error))
    except UnknownInviteType as error:
        # A type archived since the page was shown (the picker offers live types only).
        form.add_error("invite_type" if "invite_type" in form.fields else None, str(error))
    except InsufficientCredits as error:
        form.add_error(None, _credits_message(target, error))
    except (PortalNotAssigned, PortalRevoked, IdempotencyKeyReused) as error:
        form.add_error(None, str(error))
    except IdempotencyKeyMismatch:
        # The same rendered form, submitted again with other guests (the back button).
        form.add_error(
            None,
            _("This form was already used to create invites. Reload the page to add more guests."),
        )
    except InvalidGuests as error:
        for problem in error.errors:
            form.add_error(None, problem)
    else:
        if getattr(batch, "replayed", False):
            messages.info(
                request, _("These invites were already created; nothing was added twice.")
            )
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)s invite created. Copy its link below or download it as CSV.",
                    "%(count)s invites created. Copy their links below or download them as CSV.",
                    batch.size,
                )
                % {"count": batch.size},
            )
        return redirect(target.done_url)
    return None


def _credits_message(target: GenerationTarget, error: InsufficientCredits) -> str:
    if target.credits_message is not None:
        return target.credits_message(error)
    if error.available > 0:
        return str(OWNER_TOO_FEW_CREDITS_MESSAGE)
    return str(OWNER_NO_CREDITS_MESSAGE)


def _preview_size(preview: dict[str, Any]) -> int:
    return len(json.dumps(preview).encode())


def _preview_csv(
    request: HttpRequest, target: GenerationTarget, form: CsvUploadForm
) -> HttpResponse | None:
    """The preview page, or None with an error on `form` when the preview is too big to keep."""
    guest_list: GuestList = form.cleaned_data["file"]
    submission = form.cleaned_data.get("submission") or ""
    valid_rows, error_rows = guest_list.valid_rows, guest_list.error_rows
    context = {
        **target.context,
        "guest_list": guest_list,
        "rows": guest_list.rows,
        "error_rows": error_rows,
        "valid_count": len(valid_rows),
        "skipped_count": len(error_rows),
        "skipped_url": "",
        "plus_ones": form.plus_ones,
        "picked_type": _type_label(target.setup, form.invite_type),
        "columns": _preview_columns(target.setup, guest_list.rows),
        "confirm_form": None,
        "page_url": target.page_url,
    }
    if valid_rows and submission:
        # Only the valid rows wait for the confirmation: importing them skips the others.
        preview = {
            "scope": target.scope,
            "plus_ones": form.plus_ones,
            "invite_type": form.invite_type,
            "language": form.language,
            "rows": [row.as_dict() for row in valid_rows],
            "skipped": {
                "columns": guest_list.columns,
                "rows": [[row.cells, row.errors] for row in error_rows],
            },
        }
        size = _preview_size(preview)
        if size > MAX_PREVIEW_BYTES:
            form.add_error(
                "file",
                _(
                    "This list is too large to preview (%(size)s MB once checked; the limit is "
                    "%(limit)s MB). Split it into smaller files, or use shorter column names."
                )
                % {"size": f"{size / 2**20:.1f}", "limit": f"{MAX_PREVIEW_BYTES / 2**20:.0f}"},
            )
            return None
        previews = {
            key: value
            for key, value in request.session.get(PREVIEW_SESSION_KEY, {}).items()
            if key != submission
        }
        # The oldest previews make room: the session never holds more than the bound.
        while previews and (
            len(previews) >= MAX_PREVIEWS
            or size + sum(_preview_size(value) for value in previews.values()) > MAX_PREVIEW_BYTES
        ):
            previews.pop(next(iter(previews)))
        previews[submission] = preview
        request.session[PREVIEW_SESSION_KEY] = previews
        context["confirm_form"] = CsvConfirmForm(initial={"preview": submission})
        if error_rows:
            context["skipped_url"] = _skipped_url(target, submission)
    status = 200 if context["confirm_form"] and not error_rows else 422
    return render(request, target.preview_template, context, status=status)


def _confirm_csv(request: HttpRequest, target: GenerationTarget) -> HttpResponse:
    form = CsvConfirmForm(request.POST)
    previews = request.session.get(PREVIEW_SESSION_KEY, {})
    preview = previews.get(request.POST.get("preview", "")) if form.is_valid() else None
    if preview is None or preview["scope"] != target.scope or "rows" not in preview:
        messages.error(request, _("That preview has expired. Please upload the file again."))
        return redirect(target.page_url)
    submission = form.cleaned_data["preview"]
    plus_ones = preview["plus_ones"]
    invite_type = preview.get("invite_type")
    rows = [GuestRow.from_dict(row) for row in preview["rows"]]
    skipped_count = len(preview.get("skipped", {}).get("rows", []))
    done = _generate(
        request,
        target,
        form,
        guests=[row.as_guest(plus_ones=plus_ones) for row in rows],
        blank=0,
        invite_type=invite_type,
        idempotency_key=f"web:{submission}",
        language=preview.get("language"),
    )
    if done is not None:
        previews.pop(submission, None)
        if skipped_count:
            # The rows are gone (no second import); the skipped ones stay downloadable.
            previews[submission] = {"scope": target.scope, "skipped": preview["skipped"]}
            messages.warning(
                request,
                ngettext(
                    "%(count)s row with problems was skipped: fix it and upload it again.",
                    "%(count)s rows with problems were skipped: fix them and upload them again.",
                    skipped_count,
                )
                % {"count": skipped_count},
            )
        request.session[PREVIEW_SESSION_KEY] = previews
        return done
    # Refused (allocation or credits): show the preview again with the reason.
    return render(
        request,
        target.preview_template,
        {
            **target.context,
            "rows": rows,
            "error_rows": [],
            "valid_count": len(rows),
            "skipped_count": skipped_count,
            "skipped_url": _skipped_url(target, submission) if skipped_count else "",
            "plus_ones": plus_ones,
            "picked_type": _type_label(target.setup, invite_type),
            "columns": _preview_columns(target.setup, rows),
            "confirm_form": form,
            "refusal": form.non_field_errors(),
            "page_url": target.page_url,
        },
        status=409,
    )


def _skipped_url(target: GenerationTarget, submission: str) -> str:
    return f"{target.page_url}?{urlencode({'skipped': submission})}"


def _skipped_csv(request: HttpRequest, target: GenerationTarget, submission: str) -> HttpResponse:
    """The rows a preview skips (or skipped), with their errors, as the file had them."""
    preview = request.session.get(PREVIEW_SESSION_KEY, {}).get(submission)
    if preview is None or preview["scope"] != target.scope or not preview.get("skipped"):
        raise Http404("No such preview in this session.")
    skipped = preview["skipped"]
    return skipped_rows_response(
        "skipped-rows.csv",
        skipped["columns"],
        [(cells, errors) for cells, errors in skipped["rows"]],
    )


def _type_label(setup: GenerationSetup, value: str | None) -> str:
    """The picked type as the picker showed it; "" when the page picks none."""
    if not setup.picks_type:
        return ""
    return next((choice.label for choice in setup.types if choice.value == value), "")


def _preview_columns(setup: GenerationSetup, rows: list[GuestRow]) -> dict[str, bool]:
    """Which of the invite's own columns the preview shows: those the file filled
    (the type column also whenever the page picks a type)."""
    return {
        "label": any(row.label for row in rows),
        "type": setup.picks_type or any(row.invite_type for row in rows),
        "uses": any(row.uses != 1 for row in rows),
        "flags": any(row.golden is not None or row.needs_approval is not None for row in rows),
    }


def organizer_credits_message(billing_url: str) -> Callable[[InsufficientCredits], str]:
    def message(error: InsufficientCredits) -> str:
        asked = ngettext(
            "You asked for %(count)s invite", "You asked for %(count)s invites", error.requested
        ) % {"count": error.requested}
        has = ngettext(
            "your organization has %(count)s invite credit",
            "your organization has %(count)s invite credits",
            error.available,
        ) % {"count": error.available}
        return format_html(
            # Translators: "You asked for 3 invites but your organization has 1
            # invite credit (2 short)."
            _('{asked} but {has} ({short} short). <a href="{url}">Buy invite credits</a>.'),
            asked=asked,
            has=has,
            short=error.shortfall,
            url=billing_url,
        )

    return message
