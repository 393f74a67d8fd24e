"""Writes for organizations and their teams."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from credits.ledger import ensure_accounts
from organizations.models import Membership, Organization

RESERVED_SLUGS = {"new", "admin", "api", "settings", "accounts", "static"}


def unique_slug(name: str) -> str:
    base = slugify(name)[:50].strip("-") or "org"
    if base in RESERVED_SLUGS:
        base = f"{base}-org"
    slug, n = base, 2
    while Organization.objects.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


def create_organization(name: str, *, owner: Any) -> Organization:
    """Create an organization with `owner` as its first owner and empty credit accounts."""
    for _attempt in range(5):
        try:
            with transaction.atomic():
                organization = Organization.objects.create(name=name, slug=unique_slug(name))
                Membership.objects.create(
                    organization=organization, user=owner, role=Membership.Role.OWNER
                )
                ensure_accounts(organization)
                return organization
        except IntegrityError:
            # Another organization took the slug between our check and insert.
            continue
    raise IntegrityError("Could not find a free slug for this organization name.")
