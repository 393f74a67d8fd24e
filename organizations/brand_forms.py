"""The brand form, for the organization's brand and an event's override alike.

It holds no rule of its own: colours, links and the footer are checked by
organizations/brand.py, images by organizations/brand_images.py; the form
turns their refusals into field errors. A refused image is refused here,
before the service runs, so a bad upload changes nothing.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from organizations.brand import MAX_FOOTER_LENGTH, MAX_LINK_LENGTH, BrandError, check_accent
from organizations.brand_images import (
    ImageKind,
    ImageRefused,
    process_image,
)
from organizations.brand_services import BrandChanges
from organizations.models import BrandFields

IMAGE_ACCEPT = "image/png,image/jpeg,image/webp"


class BrandForm(forms.Form):
    accent = forms.CharField(
        label=_("Accent colour"),
        required=False,
        max_length=7,
        help_text=_(
            "Buttons and links, as #rrggbb. White button text must stay readable on it "
            "(WCAG AA, at least 4.5:1)."
        ),
        widget=forms.TextInput(
            attrs={"placeholder": "#5b3cc4", "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        help_text=_("PNG, JPEG or WebP, at most 2 MB. Shown at most 300 x 100 pixels."),
        widget=forms.ClearableFileInput(attrs={"accept": IMAGE_ACCEPT}),
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)
    cover = forms.FileField(
        label=_("Cover image"),
        required=False,
        help_text=_(
            "PNG, JPEG or WebP, at most 2 MB. A wide banner above the guest's invitation "
            "(best 1600 x 600 pixels)."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": IMAGE_ACCEPT}),
    )
    remove_cover = forms.BooleanField(label=_("Remove the cover image"), required=False)
    footer_text = forms.CharField(
        label=_("Footer text"),
        required=False,
        max_length=MAX_FOOTER_LENGTH,
        help_text=_("Under every guest and portal page and every email: your address, a line."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    privacy_url = forms.CharField(
        label=_("Privacy policy link"),
        required=False,
        max_length=MAX_LINK_LENGTH,
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )
    imprint_url = forms.CharField(
        label=_("Imprint link"),
        required=False,
        max_length=MAX_LINK_LENGTH,
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )

    def __init__(self, *args: Any, layer: BrandFields | None = None, **kwargs: Any) -> None:
        if layer is not None:
            kwargs["initial"] = {
                "accent": layer.accent,
                "footer_text": layer.footer_text,
                "privacy_url": layer.privacy_url,
                "imprint_url": layer.imprint_url,
            }
        super().__init__(*args, **kwargs)
        # The file inputs show no "currently" link of Django's: the page shows the image.
        for name in ("logo", "cover"):
            self.fields[name].widget = forms.FileInput(attrs={"accept": IMAGE_ACCEPT})

    def clean_accent(self) -> str:
        value: str = self.cleaned_data["accent"].strip()
        if not value:
            return ""
        try:
            return check_accent(value)
        except BrandError as error:
            raise forms.ValidationError(str(error)) from None

    def _image(self, name: str, kind: ImageKind) -> Any:
        upload = self.cleaned_data.get(name)
        if not upload:
            return None
        try:
            return process_image(upload, kind)
        except ImageRefused as error:
            raise forms.ValidationError(str(error)) from None

    def clean_logo(self) -> Any:
        return self._image("logo", ImageKind.LOGO)

    def clean_cover(self) -> Any:
        return self._image("cover", ImageKind.COVER)

    def changes(self) -> BrandChanges:
        data = self.cleaned_data
        return BrandChanges(
            accent=data["accent"],
            footer_text=data["footer_text"],
            privacy_url=data["privacy_url"],
            imprint_url=data["imprint_url"],
            logo=data["logo"],
            remove_logo=data["remove_logo"],
            cover=data["cover"],
            remove_cover=data["remove_cover"],
        )

    def add_brand_error(self, error: BrandError) -> None:
        self.add_error(error.field if error.field in self.fields else None, str(error))
