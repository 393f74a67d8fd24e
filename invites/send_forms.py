from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext, gettext_lazy

from artsvp.emails import one_line
from events.invite_texts import invite_text
from events.models import Event
from invites.emails import (
    DEFAULT_INVITE_MESSAGE,
    DEFAULT_INVITE_SUBJECT,
    PLACEHOLDERS,
    unknown_placeholders,
)


def _braced(names: Iterable[str]) -> str:
    return ", ".join("{{ " + name + " }}" for name in names)


def _check_placeholders(text: str) -> None:
    unknown = unknown_placeholders(text)
    if unknown:
        raise forms.ValidationError(
            gettext("Unknown placeholder %(unknown)s. Use %(known)s."),
            params={"unknown": _braced(unknown), "known": _braced(PLACEHOLDERS)},
            code="unknown_placeholder",
        )


class InviteEmailForm(forms.Form):
    """The sender's subject and message, starting from the event's standard words
    in the sender's language. Left as shown, they are stored empty: each guest
    then reads the standard words in their own language (invites/emails.py);
    changed, they are the sender's own, sent as typed."""

    subject = forms.CharField(
        label=gettext_lazy("Subject"),
        max_length=200,
        initial=DEFAULT_INVITE_SUBJECT,
    )
    message = forms.CharField(
        label=gettext_lazy("Message"),
        max_length=5000,
        required=False,
        initial=DEFAULT_INVITE_MESSAGE,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=gettext_lazy(
            "Shown above the event's details and the guest's personal link, which every "
            "email includes. Plain text; the placeholders work here too. Left empty, the "
            "standard message is used."
        ),
    )

    def __init__(self, *args: Any, event: Event | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["subject"].help_text = gettext(
            "One line. You can use %(name)s (the guest's name), %(event)s (the event's name) "
            "and %(portal)s (who invites: your portal, or the organization)."
        ) % {"name": "{{ name }}", "event": "{{ event }}", "portal": "{{ portal }}"}
        self.standard = {
            name: invite_text(event, f"invite_{name}") if event is not None else ""
            for name in ("subject", "message")
        }
        for name, text in self.standard.items():
            if text:
                self.fields[name].initial = text

    def _unless_standard(self, name: str, text: str) -> str:
        standard = self.standard[name]
        if name == "subject":
            standard = one_line(standard)
        return "" if standard and text == standard.replace("\r\n", "\n").strip() else text

    def clean_subject(self) -> str:
        # A subject is one header line: line breaks become spaces.
        subject = one_line(self.cleaned_data["subject"])
        if not subject:
            raise forms.ValidationError(gettext("Enter a subject."), code="required")
        _check_placeholders(subject)
        return self._unless_standard("subject", subject)

    def clean_message(self) -> str:
        message = self.cleaned_data["message"].replace("\r\n", "\n").strip()
        _check_placeholders(message)
        return self._unless_standard("message", message)
