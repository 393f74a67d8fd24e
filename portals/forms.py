from __future__ import annotations

import base64
import binascii
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from events.models import Event
from portals.errors import DuplicateGroupName
from portals.models import Portal, PortalGroup
from portals.services import (
    MAX_ALLOCATION,
    MAX_IMPORT_BYTES,
    MAX_PLUS_ONES,
    MAX_PORTAL_NAME_LENGTH,
    MAX_PORTALS_PER_IMPORT,
    GroupSettings,
    check_group_name,
    taken_names,
)


class PortalGroupForm(forms.ModelForm):
    default_allocation = forms.IntegerField(
        label="Default invite allocation",
        min_value=0,
        max_value=MAX_ALLOCATION,
        initial=10,
        help_text="How many invites each new portal may generate. You can change it per portal.",
    )
    default_plus_ones = forms.IntegerField(
        label="Default plus-ones",
        min_value=0,
        max_value=MAX_PLUS_ONES,
        initial=0,
        help_text="How many extra guests each invite may bring.",
    )

    class Meta:
        model = PortalGroup
        fields = [
            "name",
            "kind",
            "default_allocation",
            "default_plus_ones",
            "instructions",
            "share_all_invites",
        ]
        labels = {
            "instructions": "Instructions for portal owners",
            "share_all_invites": "Share all invites with the organizer",
        }
        help_texts = {
            "name": "For example “Exhibitors”, “Sponsors” or “VIP partners”.",
            "instructions": "Shown to portal owners when they open their portal, "
            "and in the email with their link.",
            "share_all_invites": "Off: you see a portal's guests once they accept "
            "(exhibitors keep their client lists private). On: you see every invite "
            "the portals generate.",
        }
        widgets = {
            "name": forms.TextInput(attrs={"autofocus": True}),
            "instructions": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, event: Event, **kwargs: Any) -> None:
        self.event = event
        super().__init__(*args, **kwargs)

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        # The rule is the service's (and the database's); the form only shows it.
        try:
            check_group_name(self.event, name, exclude=self.instance)
        except DuplicateGroupName as error:
            raise ValidationError(str(error), code=error.code) from None
        return name

    def group_settings(self) -> GroupSettings:
        data = self.cleaned_data
        return GroupSettings(
            name=data["name"],
            kind=data["kind"],
            default_allocation=data["default_allocation"],
            default_plus_ones=data["default_plus_ones"],
            instructions=data["instructions"].strip(),
            share_all_invites=data["share_all_invites"],
        )


class PortalForm(forms.Form):
    name = forms.CharField(
        max_length=MAX_PORTAL_NAME_LENGTH,
        help_text="The exhibitor's, sponsor's or partner's name, as its owner will see it.",
        widget=forms.TextInput(attrs={"autofocus": True}),
    )
    allocation = forms.IntegerField(
        label="Invite allocation",
        min_value=0,
        max_value=MAX_ALLOCATION,
        help_text="How many invites this portal may generate.",
    )
    contact_email = forms.EmailField(
        required=False,
        help_text="Where to send the portal's link. The owner is whoever claims the link.",
    )

    def __init__(
        self, *args: Any, group: PortalGroup, instance: Portal | None = None, **kwargs: Any
    ) -> None:
        self.group = group
        self.instance = instance
        if "initial" not in kwargs:
            kwargs["initial"] = (
                {
                    "name": instance.name,
                    "allocation": instance.allocation,
                    "contact_email": instance.contact_email,
                }
                if instance is not None
                else {"allocation": group.default_allocation}
            )
        super().__init__(*args, **kwargs)
        if instance is None:
            self.fields["allocation"].required = False
            self.fields["allocation"].help_text = (
                "How many invites this portal may generate. "
                f"Leave empty for the group's default ({group.default_allocation})."
            )
        elif instance.invites_used:
            self.fields["allocation"].help_text = (
                f"How many invites this portal may generate. {instance.invites_used} "
                f"already generated, so at least {instance.invites_used}."
            )

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if name.casefold() in taken_names(self.group, exclude=self.instance):
            raise ValidationError("This group already has a portal with this name.")
        return name


class PortalImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text=(
            "UTF-8, comma or semicolon separated, "
            f"at most {MAX_PORTALS_PER_IMPORT:,} rows and 1 MB. "
            "The first row names the columns."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            size = upload.size / (1024 * 1024)
            raise ValidationError(
                f"The file is {size:.1f} MB; the limit is 1 MB. "
                "Split it into several files and import them one after the other."
            )
        return upload


class PortalImportConfirmForm(forms.Form):
    """Carries the previewed file back, base64-encoded so that no byte changes
    on the way; the view checks it again from scratch."""

    content = forms.CharField(widget=forms.HiddenInput, max_length=(MAX_IMPORT_BYTES * 4) // 3 + 8)
    filename = forms.CharField(widget=forms.HiddenInput, required=False, max_length=255)

    @staticmethod
    def encode(data: bytes) -> str:
        return base64.b64encode(data).decode("ascii")

    def clean_content(self) -> bytes:
        try:
            return base64.b64decode(self.cleaned_data["content"], validate=True)
        except (binascii.Error, ValueError):
            raise ValidationError("The file was damaged on the way. Upload it again.") from None


class OwnerEmailForm(forms.Form):
    email = forms.EmailField(
        label="New owner email",
        help_text="The portal stays assigned: no portal credit is used.",
        widget=forms.EmailInput(attrs={"autofocus": True}),
    )
