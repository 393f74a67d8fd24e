"""The door page's forms: they read what staff sent; the rules are door/checkins.py's
and door/walk_ins.py's (their errors come back as these forms' field errors)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from door.walk_ins import MAX_NAME_LENGTH
from events.models import EntryWindow, Event

DEVICE_LENGTH = 64


class PersonsField(forms.Field):
    """Person numbers of a party (0: the guest, 1..n: plus-ones), from repeated fields."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        try:
            return [int(item) for item in values]
        except (TypeError, ValueError):
            raise forms.ValidationError(_("Choose people of the party."), code="invalid") from None


class DeviceFields(forms.Form):
    """Which phone and which gate: the page's script fills them in from the
    device's settings (its random id, the gate staff typed once)."""

    device = forms.CharField(
        max_length=DEVICE_LENGTH,
        required=False,
        widget=forms.HiddenInput(attrs={"data-door-device": ""}),
    )
    gate = forms.CharField(
        max_length=DEVICE_LENGTH,
        required=False,
        widget=forms.HiddenInput(attrs={"data-door-gate": ""}),
    )


class ScanForm(DeviceFields):
    """A scanned or typed code, or a guest opened from the search (`invite`)."""

    code = forms.CharField(
        label=_("Code"),
        max_length=64,
        required=False,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "autofocus": True,
                "enterkeyhint": "go",
            }
        ),
    )
    invite = forms.CharField(max_length=20, required=False, widget=forms.HiddenInput)
    persons = PersonsField(required=False)
    # On: a scan lets the guest in at once; off: it shows the panel first.
    express = forms.BooleanField(label=_("Express mode"), required=False)
    override = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("code", "").strip() and not cleaned.get("invite"):
            self.add_error("code", _("Scan or type a check-in code."))
        return cleaned


class UndoForm(DeviceFields):
    invite = forms.CharField(max_length=20)
    persons = PersonsField()


class WalkInForm(DeviceFields):
    name = forms.CharField(label=_("Name"), max_length=MAX_NAME_LENGTH)
    email = forms.CharField(label=_("Email"), max_length=254, required=False)
    party = forms.IntegerField(
        label=_("Party size"), initial=1, help_text=_("The walk-in and the people with them.")
    )
    let_in_by = forms.CharField(label=_("Let in by / note"), max_length=200, required=False)
    window = forms.ModelChoiceField(
        label=_("Entry window"), queryset=EntryWindow.objects.none(), required=False
    )

    def __init__(self, *args: Any, event: Event, has_windows: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not has_windows:
            del self.fields["window"]
            return
        field = self.fields["window"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = EntryWindow.objects.filter(event=event).order_by("starts_at", "id")
        field.empty_label = str(_("The window open now"))
        field.to_field_name = "public_id"
