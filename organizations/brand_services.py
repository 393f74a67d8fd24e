"""Writing a brand layer: the organization's brand (here) or an event's override
(events/services.py), through one `save_brand_layer`.

The values are checked here (organizations/brand.py holds the rules; forms
translate the BrandError). Images arrive already re-encoded
(organizations/brand_images.py) and are stored through Django's storage API
under a random name; the file they replace is deleted after commit.

No row lock: a brand is settings, the last save wins. A save writes only the
columns it changes, so a save that leaves the logo alone never writes back a
logo another save has just replaced (and deleted). Two saves replacing the
same logo at once leave one unreferenced file behind, never a row naming a
deleted one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from artsvp.ids import new_secret_token
from organizations.brand import check_accent, check_footer, check_link
from organizations.brand_images import BrandImage
from organizations.models import BrandFields, Organization, OrganizationBrand

Layer = TypeVar("Layer", bound=BrandFields)


@dataclass(frozen=True)
class BrandChanges:
    """A brand form's values: an empty text means "not set here"; an image
    field is replaced by a new image, emptied by its remove flag, else kept."""

    accent: str = ""
    footer_text: str = ""
    privacy_url: str = ""
    imprint_url: str = ""
    logo: BrandImage | None = None
    remove_logo: bool = False
    cover: BrandImage | None = None
    remove_cover: bool = False


def _store(image: BrandImage) -> str:
    return default_storage.save(
        f"brand/{new_secret_token()}.{image.extension}", ContentFile(image.content)
    )


def save_brand_layer(layer: Layer, *, changes: BrandChanges) -> Layer:
    """Check and write `changes` to a brand row (saved or new). BrandError
    for a refused value, before anything is stored."""
    values = {
        "accent": check_accent(changes.accent) if changes.accent.strip() else "",
        "footer_text": check_footer(changes.footer_text),
        "privacy_url": check_link("privacy_url", changes.privacy_url),
        "imprint_url": check_link("imprint_url", changes.imprint_url),
    }
    for name, value in values.items():
        setattr(layer, name, value)
    changed = [*values, "updated_at"]
    stored: list[str] = []
    replaced: list[str] = []
    try:
        for field, image, remove in (
            ("logo", changes.logo, changes.remove_logo),
            ("cover", changes.cover, changes.remove_cover),
        ):
            current = getattr(layer, field).name or ""
            if image is None and not (remove and current):
                continue
            new_name = _store(image) if image is not None else ""
            if new_name:
                stored.append(new_name)
            setattr(layer, field, new_name)
            setattr(layer, f"{field}_name", image.original_name if image is not None else "")
            changed += [field, f"{field}_name"]
            if current:
                replaced.append(current)
        with transaction.atomic():
            if layer.pk is None:
                layer.save()
            else:
                layer.save(update_fields=changed)
            transaction.on_commit(lambda: _delete(replaced))
    except BaseException:
        # Nothing of a failed save stays in storage.
        _delete(stored)
        raise
    return layer


def _delete(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


def update_organization_brand(
    organization: Organization, *, changes: BrandChanges
) -> OrganizationBrand:
    brand = OrganizationBrand.objects.filter(organization=organization).first()
    return save_brand_layer(brand or OrganizationBrand(organization=organization), changes=changes)
