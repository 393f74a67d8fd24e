"""Forms for generating invites (four ways) and filtering lists (a guest's: answer_forms.py)."""

from __future__ import annotations

import secrets
from typing import Any, cast

from django import forms

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


class GuestListFilterForm(forms.Form):
    source = forms.ChoiceField(required=False, label="Source")
    status = forms.ChoiceField(
        required=False,
        label="State",
        choices=[("", "All states"), *Invite.Status.choices],
    )

    def __init__(self, *args: Any, portals: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["source"]).choices = [
            ("", "All sources"),
            ("organizer", "Organizer"),
            *portals,
        ]


class InviteStatusFilterForm(forms.Form):
    status = forms.ChoiceField(
        required=False,
        label="State",
        choices=[("", "All states"), *Invite.Status.choices],
    )
