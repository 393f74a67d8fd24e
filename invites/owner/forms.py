"""Forms on the portal owner's side: claiming, asking for a code, entering it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext, gettext_lazy

from invites.forms import split_tags
from invites.guests import MAX_LABEL_LENGTH, MAX_NAME_LENGTH, tags_problem
from invites.models import Invite
from portals.models import MAX_SENDER_NAME


class ClaimForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("Your email address"),
        help_text=gettext_lazy(
            "This becomes the portal's owner address. We use it to sign you back in."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class CodeRequestForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("The email address you claimed the portal with"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("6-digit code"),
        min_length=6,
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "pattern": "[0-9 ]*",
                "autofocus": True,
            }
        ),
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if len(code) != 6 or not code.isdigit():
            raise forms.ValidationError(gettext("The code is 6 digits, as written in the email."))
        return code


class InviteDetailsForm(forms.Form):
    """An unsent invite's guest details (the rule: invites/services.py
    `update_invite_details`)."""

    name = forms.CharField(
        label=gettext_lazy("Name"),
        required=False,
        max_length=MAX_NAME_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    email = forms.EmailField(
        label=gettext_lazy("Email"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    tags = forms.CharField(
        label=gettext_lazy("Tags"),
        required=False,
        max_length=500,
        help_text=gettext_lazy("Separate tags with commas, e.g. VIP, press."),
    )
    label = forms.CharField(
        label=gettext_lazy("Label"),
        required=False,
        max_length=MAX_LABEL_LENGTH,
        help_text=gettext_lazy("Only you and the organizer see it."),
    )

    def __init__(self, *args: Any, invite: Invite, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "name": invite.guest_name,
                "email": invite.guest_email,
                "tags": ", ".join(invite.tags),
                "label": invite.label,
            },
        )
        super().__init__(*args, **kwargs)

    def clean_tags(self) -> list[str]:
        tags = split_tags(self.cleaned_data["tags"])
        problem = tags_problem(tags)
        if problem:
            raise forms.ValidationError(problem[0].upper() + problem[1:])
        return tags


class SenderNameForm(forms.Form):
    """The name the portal's invite emails come from (portals.services.set_sender_name)."""

    sender_name = forms.CharField(
        label=gettext_lazy("Sender name"),
        max_length=MAX_SENDER_NAME,
        required=False,
        help_text=gettext_lazy(
            "Your guests see it in their inbox, followed by the fair's name. "
            "Leave it blank to use your portal's name."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
