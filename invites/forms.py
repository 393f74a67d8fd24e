"""Forms for generating invites (four ways), answering one, and filtering lists."""

from __future__ import annotations

import secrets
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy

from invites.guest_lists import GuestList, GuestListError, parse_csv, parse_pasted
from invites.guests import (
    MAX_BLANK_LINKS,
    MAX_NAME_LENGTH,
    MAX_PASTED_LINES,
    MAX_PLUS_ONES,
    GuestInput,
    tags_problem,
)
from invites.models import Invite, InviteBatch


def new_submission_id() -> str:
    return secrets.token_urlsafe(16)


class GenerationForm(forms.Form):
    """Base of the four ways to generate. `submission` is a random id per
    rendered form: submitting the same form twice (a double click, the back
    button) replays the first batch instead of paying twice."""

    method: str = ""
    submission = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args: Any, allow_plus_ones: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", self.method)
        kwargs.setdefault("initial", {}).setdefault("submission", new_submission_id())
        super().__init__(*args, **kwargs)
        if allow_plus_ones:
            self.fields["plus_ones"] = forms.IntegerField(
                label="Plus-ones per invite",
                min_value=0,
                max_value=MAX_PLUS_ONES,
                initial=0,
                help_text="How many extra guests each invite may bring.",
            )

    @property
    def idempotency_key(self) -> str | None:
        submission = self.cleaned_data.get("submission")
        return f"web:{submission}" if submission else None

    @property
    def plus_ones(self) -> int | None:
        return self.cleaned_data.get("plus_ones")

    def guests(self) -> list[GuestInput]:
        return []

    def blank(self) -> int:
        return 0


def _with_plus_ones(guests: list[GuestInput], plus_ones: int | None) -> list[GuestInput]:
    if plus_ones is None:
        return guests
    return [
        GuestInput(
            name=guest.name,
            email=guest.email,
            tags=guest.tags,
            metadata=guest.metadata,
            plus_ones=plus_ones,
        )
        for guest in guests
    ]


def split_tags(value: str) -> list[str]:
    tags: list[str] = []
    for tag in value.replace(";", ",").split(","):
        tag = tag.strip()
        if tag and tag not in tags:
            tags.append(tag)
    return tags


class SingleGuestForm(GenerationForm):
    method = InviteBatch.Method.SINGLE
    name = forms.CharField(
        max_length=MAX_NAME_LENGTH, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    email = forms.EmailField(
        required=False,
        help_text="Without an email, copy the link and send it yourself.",
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    tags = forms.CharField(
        required=False, max_length=500, help_text="Separate tags with commas, e.g. VIP, press."
    )

    def clean_tags(self) -> list[str]:
        tags = split_tags(self.cleaned_data["tags"])
        problem = tags_problem(tags)
        if problem:
            raise forms.ValidationError(problem[0].upper() + problem[1:])
        return tags

    def guests(self) -> list[GuestInput]:
        data = self.cleaned_data
        guest = GuestInput(name=data["name"].strip(), email=data["email"], tags=data["tags"])
        return _with_plus_ones([guest], self.plus_ones)


class PasteForm(GenerationForm):
    method = InviteBatch.Method.PASTE
    lines = forms.CharField(
        label="Guests, one per line",
        widget=forms.Textarea(
            attrs={
                "rows": 8,
                "placeholder": "Anna Muster, anna@example.com\nLeo Berg, leo@example.com",
            }
        ),
        help_text=f"Name, then email, separated by a comma. Up to {MAX_PASTED_LINES:,} lines.",
    )

    def clean_lines(self) -> GuestList:
        try:
            guest_list = parse_pasted(self.cleaned_data["lines"])
        except GuestListError as error:
            raise forms.ValidationError(str(error)) from error
        if not guest_list.rows:
            raise forms.ValidationError("Paste at least one guest.")
        if guest_list.errors:
            raise forms.ValidationError(guest_list.errors)
        return guest_list

    def guests(self) -> list[GuestInput]:
        return _with_plus_ones(self.cleaned_data["lines"].guests, self.plus_ones)


class CsvUploadForm(GenerationForm):
    method = InviteBatch.Method.CSV
    file = forms.FileField(
        label="CSV file",
        help_text=(
            "Columns: name, email, tags (separate several tags with ;). "
            "Any other column is kept with the invite. You will see a preview first."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self) -> GuestList:
        upload = self.cleaned_data["file"]
        try:
            return parse_csv(upload, size=upload.size)
        except GuestListError as error:
            raise forms.ValidationError(str(error)) from error


class BlankLinksForm(GenerationForm):
    method = InviteBatch.Method.BLANK
    count = forms.IntegerField(
        label="Number of blank links",
        min_value=1,
        max_value=MAX_BLANK_LINKS,
        initial=10,
        help_text="Links without a guest yet: whoever opens one fills in their name.",
    )

    def blank(self) -> int:
        return self.cleaned_data["count"]


class CsvConfirmForm(forms.Form):
    """Confirms the CSV upload previewed under `preview` (a session key)."""

    method = InviteBatch.Method.CSV
    preview = forms.CharField(widget=forms.HiddenInput, max_length=64)


GENERATION_FORMS: dict[str, type[GenerationForm]] = {
    form.method: form for form in (SingleGuestForm, PasteForm, CsvUploadForm, BlankLinksForm)
}


class RsvpForm(forms.Form):
    answer = forms.ChoiceField(
        label="Will you attend?",
        choices=[("accept", "Yes, I'll be there"), ("decline", "No, I can't make it")],
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, invite: Invite, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.invite = invite
        # A guest changing their mind starts from their current answer.
        if invite.status == Invite.Status.ACCEPTED:
            self.fields["answer"].initial = "accept"
        elif invite.status == Invite.Status.DECLINED:
            self.fields["answer"].initial = "decline"
        if invite.is_blank:
            self.fields["name"] = forms.CharField(label="Your name", max_length=MAX_NAME_LENGTH)
            self.fields["email"] = forms.EmailField(label="Your email")
            self.order_fields(["name", "email", "answer"])
        if invite.plus_ones_allowed:
            self.fields["plus_ones"] = forms.TypedChoiceField(
                label="Guests coming with you",
                coerce=int,
                choices=[(n, str(n)) for n in range(invite.plus_ones_allowed + 1)],
                initial=invite.plus_ones,
                # Not needed to decline; the template shows no "(optional)" for it.
                required=False,
                # Django takes any empty value; django-stubs types it as a string.
                empty_value=0,  # type: ignore[arg-type]
                help_text=f"You may bring up to {invite.plus_ones_allowed}.",
            )

    @property
    def accept(self) -> bool:
        return self.cleaned_data["answer"] == "accept"


class GuestListFilterForm(forms.Form):
    """The guest list's filters. `types` and `windows` are (public id, label)
    pairs; a filter without choices is left out of the form."""

    # The window filter's choice for guests who chose no window.
    NO_WINDOW = "none"

    source = forms.ChoiceField(required=False, label="Source")
    status = forms.ChoiceField(
        required=False,
        label="State",
        choices=[("", "All states"), *Invite.Status.choices],
    )
    invite_type = forms.ChoiceField(required=False, label=gettext_lazy("Type"))
    window = forms.ChoiceField(required=False, label=gettext_lazy("Entry window"))

    def __init__(
        self,
        *args: Any,
        portals: list[tuple[str, str]],
        types: list[tuple[str, str]] | None = None,
        windows: list[tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["source"]).choices = [
            ("", "All sources"),
            ("organizer", "Organizer"),
            *portals,
        ]
        if types:
            cast(forms.ChoiceField, self.fields["invite_type"]).choices = [
                ("", gettext_lazy("All types")),
                *types,
            ]
        else:
            del self.fields["invite_type"]
        if windows:
            cast(forms.ChoiceField, self.fields["window"]).choices = [
                ("", gettext_lazy("All windows")),
                *windows,
                (self.NO_WINDOW, gettext_lazy("No window chosen")),
            ]
        else:
            del self.fields["window"]


class InviteStatusFilterForm(forms.Form):
    status = forms.ChoiceField(
        required=False,
        label="State",
        choices=[("", "All states"), *Invite.Status.choices],
    )
