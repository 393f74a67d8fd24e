"""Organizations are the tenants.

Every tenant-owned row carries an `organization` foreign key and every query
for tenant data starts from the request's organization (see `access.py`). A
user belongs to an organization through a Membership with a role; an owner
or admin manages the team, billing and API keys, a member runs events.

Invariants:
- one membership per (organization, user);
- an organization always keeps at least one owner (enforced in services);
- a team invitation is accepted at most once.

An organization's brand (OrganizationBrand, at most one) holds its logo,
colours and links; events override it field by field (events.EventBrand),
and events/brand.py resolves the brand in force.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from artsvp.ids import new_secret_token

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise


class Organization(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        ADMIN = "admin", _("Admin")
        MEMBER = "member", _("Member")
        EVENT_MANAGER = "event_manager", _("Event manager")
        CHECK_IN = "check_in", _("Check-in")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user"], name="membership_unique_org_user"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization} ({self.role})"

    @property
    def is_manager(self) -> bool:
        """Owners and admins manage the team, billing and API keys."""
        return self.role in {self.Role.OWNER, self.Role.ADMIN}

    @property
    def is_restricted(self) -> bool:
        """Event managers and check-in staff work only on the events granted to
        them (door.EventGrant); every other page answers 404."""
        return self.role in {self.Role.EVENT_MANAGER.value, self.Role.CHECK_IN.value}

    @property
    def is_owner(self) -> bool:
        return self.role == self.Role.OWNER


# An invitation link works this long; resending it starts a fresh period.
INVITATION_VALID_FOR = timedelta(days=14)


# A role inside a sentence ("You joined as member."): the label lowered would
# read wrong where nouns keep their capital (German "Mitglied"), so the
# sentence form is a message of its own.
ROLE_IN_SENTENCE: dict[str, _StrPromise] = {
    Membership.Role.OWNER: pgettext_lazy("role inside a sentence", "owner"),
    Membership.Role.ADMIN: pgettext_lazy("role inside a sentence", "admin"),
    Membership.Role.MEMBER: pgettext_lazy("role inside a sentence", "member"),
    Membership.Role.EVENT_MANAGER: pgettext_lazy("role inside a sentence", "event manager"),
    Membership.Role.CHECK_IN: pgettext_lazy("role inside a sentence", "check-in staff"),
}


def role_in_sentence(role: str) -> str:
    return str(ROLE_IN_SENTENCE.get(role, role))


class TeamInvitation(models.Model):
    """An email invitation to join an organization's team."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="team_invitations"
    )
    email = models.EmailField()
    role = models.CharField(
        max_length=20, choices=Membership.Role.choices, default=Membership.Role.MEMBER
    )
    token = models.CharField(max_length=64, unique=True, default=new_secret_token)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One open invitation per address and organization.
            models.UniqueConstraint(
                "organization",
                Lower("email"),
                condition=models.Q(accepted_at__isnull=True),
                name="team_invitation_one_open_per_email",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} to {self.organization}"

    @property
    def role_in_sentence(self) -> str:
        return role_in_sentence(self.role)


class ApiKey(models.Model):
    """An organization's key for the REST API.

    The key is shown once; only its SHA-256 is stored. Keys carry 256 random
    bits, so a plain hash suffices (no slow KDF: nothing to brute-force). The
    visible `prefix` identifies a key in lists and logs and finds its row;
    the hash is then compared in constant time. The key decides the
    organization of every API request.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=20, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # A key for door devices and scanners: the check-in endpoints only.
    check_in_only = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


def brand_upload_to(instance: models.Model, filename: str) -> str:
    """Never the uploaded name: the service names every file (organizations/brand_images.py)."""
    return f"brand/{filename}"


class BrandFields(models.Model):
    """What a brand is made of, for the organization's brand and an event's
    override alike (events.EventBrand). An empty field means "not set here":
    the brand in force (events/brand.py) takes the next layer's value.

    Files are written only by the brand services, after organizations/
    brand_images.py decoded, resized and re-encoded them; the `*_name` fields
    keep the name the organizer's file had, to show it back to them."""

    # #rrggbb, its contrast with the button text checked (organizations/brand.py).
    accent = models.CharField(max_length=7, blank=True)
    logo = models.FileField(upload_to=brand_upload_to, max_length=200, blank=True)
    logo_name = models.CharField(max_length=200, blank=True)
    cover = models.FileField(upload_to=brand_upload_to, max_length=200, blank=True)
    cover_name = models.CharField(max_length=200, blank=True)
    footer_text = models.TextField(blank=True)
    privacy_url = models.URLField(max_length=500, blank=True)
    imprint_url = models.URLField(max_length=500, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class OrganizationBrand(BrandFields):
    """The organization's brand: its guest pages, portal pages, door page and emails."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="brand"
    )

    def __str__(self) -> str:
        return f"Brand of {self.organization}"


class UserPreference(models.Model):
    """A person's own settings, whatever organization they work in (not tenant
    data: it belongs to the user). `language` empty: the browser's."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preference"
    )
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Preferences of {self.user}"
