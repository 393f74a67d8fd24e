"""An organization's brand: the rules its values follow, and how layers of it resolve.

A brand is an accent colour, a logo, a cover image, a footer text and two
links (the organizer's privacy policy and imprint). The organization sets
one (OrganizationBrand); an event may override it field by field
(events.EventBrand); the brand in force for an event is resolved in one
place, events/brand.py, with `resolve_brand` below. A field nobody set keeps
the product's default (artsvp's purple, no logo, no cover, no links).

The accent colour paints buttons with white text and links on white, so it
must reach WCAG AA's 4.5:1 contrast with white (the same ratio both ways).
Pages apply it through a stylesheet named by the colour itself
(`brand_stylesheet`): the Content-Security-Policy allows no inline style, and
a URL that is the colour never goes stale and tells nothing about a tenant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.validators import URLValidator
from django.urls import reverse
from django.utils.translation import gettext

from artsvp.links import absolute_url
from organizations.models import Organization, OrganizationBrand

PRODUCT_ACCENT = "#5b3cc4"
# The text colour of every accent-coloured button (static/css/app.css .button).
BUTTON_TEXT = "#ffffff"
# WCAG 2.x success criterion 1.4.3 (AA), normal-size text.
MIN_CONTRAST = 4.5
MAX_FOOTER_LENGTH = 500
MAX_LINK_LENGTH = 500
# The fields a brand layer holds (models.BrandFields), in the order pages list them.
BRAND_FIELDS = ("accent", "logo", "cover", "footer_text", "privacy_url", "imprint_url")

_HEX = re.compile(r"#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})")


class BrandError(Exception):
    """A brand value refused, with the field it belongs to and the reason."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def normalize_colour(value: str) -> str:
    """`#rgb` or `#rrggbb` (the `#` optional) as lowercase `#rrggbb`."""
    match = _HEX.fullmatch(value.strip())
    if match is None:
        raise BrandError(
            "accent",
            gettext("Enter a colour as #rrggbb or #rgb, for example #5b3cc4."),
        )
    digits = match.group(1).lower()
    if len(digits) == 3:
        digits = "".join(digit * 2 for digit in digits)
    return f"#{digits}"


def _channel(value: int) -> float:
    srgb = value / 255
    return srgb / 12.92 if srgb <= 0.04045 else ((srgb + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of a `#rrggbb` colour (0 black, 1 white)."""
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(red) + 0.7152 * _channel(green) + 0.0722 * _channel(blue)


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2.x contrast ratio, 1 (none) to 21 (black on white)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def check_accent(value: str) -> str:
    """The accent colour as stored (`#rrggbb`), or BrandError saying why not."""
    colour = normalize_colour(value)
    ratio = contrast_ratio(colour, BUTTON_TEXT)
    if ratio < MIN_CONTRAST:
        # Rounded down: 4.49 must not read as "4.5, needs 4.5".
        shown = int(ratio * 100) / 100
        raise BrandError(
            "accent",
            gettext(
                "White button text on %(colour)s has a contrast of %(ratio).2f:1; "
                "WCAG AA needs at least %(needed).1f:1 for text. Choose a darker colour."
            )
            % {"colour": colour, "ratio": shown, "needed": MIN_CONTRAST},
        )
    return colour


_LINK = URLValidator(schemes=["https", "http"])


def check_link(field: str, value: str) -> str:
    """A privacy or imprint link: an http(s) address, or empty."""
    value = value.strip()
    if not value:
        return ""
    if len(value) > MAX_LINK_LENGTH:
        raise BrandError(
            field,
            gettext("Use an address of at most %(max)d characters.") % {"max": MAX_LINK_LENGTH},
        )
    try:
        _LINK(value)
    except ValidationError:
        raise BrandError(field, gettext("Enter a web address starting with https://.")) from None
    return value


def check_footer(value: str) -> str:
    value = value.strip()
    if len(value) > MAX_FOOTER_LENGTH:
        raise BrandError(
            "footer_text",
            gettext("Keep the footer to %(max)d characters (it has %(length)d).")
            % {"max": MAX_FOOTER_LENGTH, "length": len(value)},
        )
    return value


def _mix(colour: str, other: str, share: float) -> str:
    """`colour` moved `share` of the way to `other`, per channel."""
    channels = []
    for i in (1, 3, 5):
        a, b = int(colour[i : i + 2], 16), int(other[i : i + 2], 16)
        channels.append(round(a + (b - a) * share))
    return "#" + "".join(f"{c:02x}" for c in channels)


def brand_stylesheet(accent: str) -> str:
    """The CSS that puts `accent` where app.css uses the product's purple."""
    return (
        ":root {\n"
        f"  --brand: {accent};\n"
        f"  --brand-dark: {_mix(accent, '#000000', 0.2)};\n"
        f"  --brand-soft: {_mix(accent, '#ffffff', 0.9)};\n"
        # The guest page's event card, white text on it: the accent and darker only.
        f"  --hero-start: {_mix(accent, '#000000', 0.2)};\n"
        f"  --hero-end: {accent};\n"
        "}\n"
    )


def _file_url(name: str) -> str:
    return default_storage.url(name) if name else ""


def _absolute(url: str) -> str:
    # FileSystemStorage answers a path; an S3 bucket answers a full address.
    return absolute_url(url) if url.startswith("/") else url


@dataclass(frozen=True)
class Brand:
    """The brand in force somewhere, every field resolved (templates read this)."""

    # Whose brand it is: the logo's alternative text.
    owner_name: str
    accent: str = PRODUCT_ACCENT
    logo: str = ""  # a storage name
    cover: str = ""
    footer_text: str = ""
    privacy_url: str = ""
    imprint_url: str = ""

    @property
    def is_custom_accent(self) -> bool:
        return self.accent != PRODUCT_ACCENT

    @property
    def stylesheet_url(self) -> str:
        """Pages link it only for a custom accent; the product's is app.css itself."""
        return reverse("organizations:brand_css", args=[self.accent[1:]])

    @property
    def logo_url(self) -> str:
        return _file_url(self.logo)

    @property
    def cover_url(self) -> str:
        return _file_url(self.cover)

    @property
    def logo_absolute_url(self) -> str:
        """For emails, read far from this site."""
        return _absolute(self.logo_url) if self.logo else ""

    @property
    def cover_absolute_url(self) -> str:
        return _absolute(self.cover_url) if self.cover else ""

    @property
    def has_links(self) -> bool:
        return bool(self.privacy_url or self.imprint_url)


def resolve_brand(owner_name: str, *layers: dict[str, Any] | None) -> Brand:
    """Field by field, the first layer that sets a value wins (an event's
    override, then its organization's brand); what none sets stays the default."""
    values: dict[str, Any] = {}
    for name in BRAND_FIELDS:
        for layer in layers:
            if layer and layer.get(name):
                values[name] = layer[name]
                break
    return Brand(owner_name=owner_name, **values)


def layer_values(row: Any) -> dict[str, Any] | None:
    """A brand row (models.BrandFields) as a layer for `resolve_brand`."""
    if row is None:
        return None
    return {name: str(getattr(row, name) or "") for name in BRAND_FIELDS}


def organization_brand(organization: Organization) -> Brand:
    """The organization's own brand over the product default (its settings page,
    and emails about the organization rather than one of its events)."""
    row = OrganizationBrand.objects.filter(organization=organization).first()
    return resolve_brand(organization.name, layer_values(row))
