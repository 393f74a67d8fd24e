"""The guest's forms: answering an invite, and answering a multi-use link.

They validate what a guest typed; every rule (plus-ones, windows, capacity,
deadline) is the service's (invites/answers.py), whose errors the view puts
next to the field they are about.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from events.models import EntryWindow
from invites.answers import (
    AlreadyAnswered,
    EventFull,
    GuestDetailsRequired,
    LinkUsedUp,
    PlusOnesExceeded,
    WindowFull,
    WindowNotAdmitted,
    WindowPlaces,
    WindowRequired,
)
from invites.guests import MAX_NAME_LENGTH
from invites.models import Invite

# Which field a refusal of the answer service is shown next to (None: above the form).
_ERROR_FIELDS: dict[type[Exception], str] = {
    WindowRequired: "window",
    WindowNotAdmitted: "window",
    WindowFull: "window",
    PlusOnesExceeded: "plus_ones",
    AlreadyAnswered: "email",
}
# The refusals a form shows (the pages handle revoked invites and closed answers themselves).
ANSWER_ERRORS = (
    PlusOnesExceeded,
    GuestDetailsRequired,
    EventFull,
    WindowRequired,
    WindowNotAdmitted,
    WindowFull,
    LinkUsedUp,
    AlreadyAnswered,
)


def add_answer_error(form: forms.Form, error: Exception) -> None:
    """The service's refusal next to the field it is about, or above the form."""
    field = _ERROR_FIELDS.get(type(error))
    form.add_error(field if field in form.fields else None, str(error))


def _plus_ones_field(allowed: int, initial: int) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=_("Guests coming with you"),
        coerce=int,
        choices=[(n, str(n)) for n in range(allowed + 1)],
        initial=initial,
        # Not needed to decline; the template shows no "(optional)" for it.
        required=False,
        # Django takes any empty value; django-stubs types it as a string.
        empty_value=0,  # type: ignore[arg-type]
        help_text=ngettext(
            "You may bring up to %(count)d guest.", "You may bring up to %(count)d guests.", allowed
        )
        % {"count": allowed},
    )


class _WindowChoiceMixin(forms.Form):
    """A `window` radio list when the guest has more than one window to choose from."""

    windows: list[WindowPlaces]

    def _add_window_field(self, windows: list[WindowPlaces], current: int | None) -> None:
        self.windows = windows
        if len(windows) < 2:
            return
        self.fields["window"] = forms.ChoiceField(
            label=_("When will you come?"),
            choices=[(choice.window.public_id, choice.window.label) for choice in windows],
            widget=forms.RadioSelect,
            # Only needed to accept: the service asks for it then (window_required).
            required=False,
        )
        for choice in windows:
            if choice.window.pk == current:
                self.fields["window"].initial = choice.window.public_id

    @property
    def chosen_window(self) -> EntryWindow | None:
        """The window the guest picked, or the only one there is, or None."""
        if len(self.windows) == 1:
            return self.windows[0].window
        picked = self.cleaned_data.get("window")
        for choice in self.windows:
            if choice.window.public_id == picked:
                return choice.window
        return None


def current_answer(invite: Invite) -> str | None:
    """The answer choice the invite stands at ("accept", "decline", or none yet)."""
    if invite.status in (Invite.Status.ACCEPTED, Invite.Status.PENDING):
        return "accept"
    if invite.status == Invite.Status.DECLINED:
        return "decline"
    return None


class _AnswerForm(_WindowChoiceMixin):
    """An answer for one invite, as invites/answers.py `respond` takes it."""

    @property
    def accept(self) -> bool:
        return cast(str, self.cleaned_data["answer"]) == "accept"

    def respond_kwargs(self) -> dict[str, Any]:
        """What the valid form says, as `respond(invite, **form.respond_kwargs())`."""
        return {
            "accept": self.accept,
            "plus_ones": self.cleaned_data.get("plus_ones") or 0,
            "name": self.cleaned_data.get("name"),
            "email": self.cleaned_data.get("email"),
            "window": self.chosen_window,
        }


class RsvpForm(_AnswerForm):
    answer = forms.ChoiceField(
        label=_("Will you attend?"),
        choices=[("accept", _("Yes, I'll be there")), ("decline", _("No, I can't make it"))],
        widget=forms.RadioSelect,
    )

    def __init__(
        self, *args: Any, invite: Invite, windows: list[WindowPlaces] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.invite = invite
        # A guest changing their mind starts from their current answer.
        self.fields["answer"].initial = current_answer(invite)
        if invite.is_blank:
            self.fields["name"] = forms.CharField(label=_("Your name"), max_length=MAX_NAME_LENGTH)
            self.fields["email"] = forms.EmailField(label=_("Your email"))
            self.order_fields(["name", "email", "answer"])
        if invite.plus_ones_allowed:
            self.fields["plus_ones"] = _plus_ones_field(invite.plus_ones_allowed, invite.plus_ones)
        self._add_window_field(windows or [], invite.entry_window_id)


class LinkAnswerForm(_WindowChoiceMixin):
    """One guest's answer through a multi-use link: always a yes, with their details."""

    name = forms.CharField(label=_("Your name"), max_length=MAX_NAME_LENGTH)
    email = forms.EmailField(label=_("Your email"))

    def __init__(
        self, *args: Any, link: Invite, windows: list[WindowPlaces] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if link.plus_ones_allowed:
            self.fields["plus_ones"] = _plus_ones_field(link.plus_ones_allowed, 0)
        self._add_window_field(windows or [], None)


class AnswerForGuestForm(_AnswerForm):
    """The organizer records a guest's answer given by phone or email: the guest
    page's choices (invites/answers.py decides), worded for the organizer."""

    answer = forms.ChoiceField(
        label=_("The guest's answer"),
        choices=[("accept", _("Coming")), ("decline", _("Not coming"))],
        widget=forms.RadioSelect,
    )

    def __init__(
        self, *args: Any, invite: Invite, windows: list[WindowPlaces] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.invite = invite
        self.fields["answer"].initial = current_answer(invite)
        if invite.is_blank:
            # A blank link's guest is named with their first answer.
            self.fields["name"] = forms.CharField(
                label=_("Guest's name"), max_length=MAX_NAME_LENGTH
            )
            self.fields["email"] = forms.EmailField(label=_("Guest's email"))
            self.order_fields(["name", "email", "answer"])
        if invite.plus_ones_allowed:
            field = _plus_ones_field(invite.plus_ones_allowed, invite.plus_ones)
            field.label = _("Guests coming with them")
            field.help_text = ngettext(
                "This invitation allows up to %(count)d guest.",
                "This invitation allows up to %(count)d guests.",
                invite.plus_ones_allowed,
            ) % {"count": invite.plus_ones_allowed}
            self.fields["plus_ones"] = field
        self._add_window_field(windows or [], invite.entry_window_id)
        if "window" in self.fields:
            self.fields["window"].label = _("Entry window")
