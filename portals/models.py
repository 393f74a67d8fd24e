"""Portal groups and portals.

A portal group gathers the portals of one event for one kind of partner
("Exhibitors", "Sponsors"): a default allocation, default plus-ones, the
instructions its portal owners read, and whether the organizer sees every
invite its portals generate or only the accepted ones.

A portal is one exhibitor's, sponsor's or partner's space. Its life:
unassigned -> assigned (an owner email claimed it; one portal credit used)
-> revoked (no refund). Creating a portal uses no credit.

Invite types are the tiers of a group ("VIP Preview", "VIP", "Public
days"): 1 to MAX_INVITE_TYPES per group, a code unique in the group, the
plus-ones an invite of the type allows, its defaults (golden, needs
approval), the entry windows it admits, and the allocation a new portal gets
of it. A type with invites is archived, never deleted. Every group has at
least one type; a group that never adds a second one works as before.

A portal's allocation is one `PortalAllocation` row per type of its group
(`size`, `used`: places, so a multi-use link of 5 uses takes 5 of them);
`Portal.allocation` and `Portal.invites_used` are their sums, kept by the
same writes in portals/rules.py under the portal's row lock.

Invariants (also database constraints):
- group names are unique per event and portal names per group, ignoring
  case (services.py checks them first, to answer with a domain error);
- 0 <= used <= size per type and 0 <= invites_used <= allocation in all:
  they count the places of live generated invites and only change under the
  portal's row lock, through portals/rules.py (reserve_allocation,
  release_allocation, change_allocation, add_allocation);
- an assigned portal has an owner email and an assignment time.

The portal owner has no account. The browser that claims a portal is signed
in to it through the session; another browser proves the owner's address
with an `OwnerCode` (6 digits, stored only as a keyed hash, 10 minutes)
emailed to it; wrong guesses are `OwnerCodeFailure` rows, counted per
client and per portal (portals/claiming.py states the bound). When a claim
or a batch fails for lack of credits the organizer is told once per portal,
credit kind and day: the unique `CreditShortageNotice` row is the
deduplication, so concurrent clicks cannot send two emails.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from artsvp.i18n import first_language
from artsvp.ids import new_public_id, new_secret_token
from credits.models import CreditKind
from events.models import EntryWindow, Event
from organizations.models import Organization


class PortalGroup(models.Model):
    class Kind(models.TextChoices):
        EXHIBITOR = "exhibitor", _("Exhibitors")
        SPONSOR = "sponsor", _("Sponsors")
        PARTNER = "partner", _("Partners")
        OTHER = "other", _("Other")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="portal_groups"
    )
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="portal_groups")
    public_id = models.CharField(max_length=20, unique=True, default=new_public_id)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.EXHIBITOR)
    default_allocation = models.PositiveIntegerField(default=10)
    default_plus_ones = models.PositiveSmallIntegerField(
        default=0, help_text=_("How many extra guests each invite may bring.")
    )
    instructions = models.TextField(
        blank=True, help_text=_("Shown to portal owners when they open their portal.")
    )
    # The instructions in the event's other languages: {"de": {"instructions": ...}}
    # (artsvp.i18n.localized reads them, falling back to `instructions`).
    translations = models.JSONField(default=dict, blank=True)
    share_all_invites = models.BooleanField(
        default=False,
        help_text=_(
            "Off: you see a portal's guests once they accept. "
            "On: you see every invite the portals generate."
        ),
    )
    # Remind portals still unclaimed this many days after their link went
    # out (None: no scheduled reminder). portals/tasks.py sends them.
    link_reminder_days = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            # The same rule as services.check_group_name, for whoever writes.
            models.UniqueConstraint(
                "event", Lower("name"), name="portal_group_name_unique_per_event"
            ),
        ]

    def __str__(self) -> str:
        return self.name


MAX_INVITE_TYPES = 10


class InviteType(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey(PortalGroup, on_delete=models.CASCADE, related_name="invite_types")
    public_id = models.CharField(max_length=20, unique=True, default=new_public_id)
    name = models.CharField(max_length=80)
    # Short, unique in the group: the CSV's `type` column and `allocation_<code>`.
    code = models.SlugField(max_length=30)
    # What a new portal of the group gets of this type.
    default_allocation = models.PositiveIntegerField(default=10)
    plus_ones_allowed = models.PositiveSmallIntegerField(default=0)
    # Defaults for the invites of this type.
    golden = models.BooleanField(
        default=False, help_text=_("Golden invites skip the event's and the window's capacity.")
    )
    needs_approval = models.BooleanField(
        default=False,
        help_text=_("Answers wait as pending until the organizer approves or declines them."),
    )
    # The entry windows this type admits (a window no type lists admits everyone).
    windows = models.ManyToManyField(EntryWindow, blank=True, related_name="invite_types")
    position = models.PositiveSmallIntegerField(default=0)
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["group", "code"], name="invite_type_code_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


# The owner's own From name; artsvp.emails caps the whole "… via …" line anyway.
MAX_SENDER_NAME = 100


class Portal(models.Model):
    class Status(models.TextChoices):
        UNASSIGNED = "unassigned", _("Unassigned")
        ASSIGNED = "assigned", _("Assigned")
        REVOKED = "revoked", _("Revoked")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="portals")
    group = models.ForeignKey(PortalGroup, on_delete=models.CASCADE, related_name="portals")
    public_id = models.CharField(max_length=20, unique=True, default=new_public_id)
    token = models.CharField(max_length=64, unique=True, default=new_secret_token)
    name = models.CharField(max_length=160)
    allocation = models.PositiveIntegerField()
    invites_used = models.PositiveIntegerField(default=0)
    contact_email = models.EmailField(blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.UNASSIGNED)
    owner_email = models.EmailField(blank=True)
    # The name the portal's invite emails come from ("<sender_name> via
    # <organizer>"); blank: the portal's name. Set by the owner.
    sender_name = models.CharField(max_length=MAX_SENDER_NAME, blank=True)
    # The language the owner works in (their pages and the emails to them): set
    # from the browser's when they claim, then by their switch. Empty (not
    # claimed yet): pages follow the browser, emails the event's language.
    owner_language = models.CharField(
        max_length=8, choices=settings.LANGUAGES, blank=True, default=""
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            # The group page's keyset order (portals/views.py PORTAL_ORDER).
            models.Index(fields=["group", "name", "id"], name="portal_group_name"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(invites_used__lte=models.F("allocation")),
                name="portal_used_within_allocation",
            ),
            # The same rule as services.taken_names (checked under the group lock).
            models.UniqueConstraint("group", Lower("name"), name="portal_name_unique_per_group"),
            models.CheckConstraint(
                condition=~models.Q(status="assigned")
                | (models.Q(assigned_at__isnull=False) & ~models.Q(owner_email="")),
                name="portal_assigned_has_owner",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def event(self) -> Event:
        return self.group.event

    @property
    def owner_reads(self) -> str:
        """The language of the owner's emails (load the group's event): theirs,
        else the event's."""
        return first_language(self.owner_language, self.group.event.language)

    # The page checks: views, templates and the API ask these, never `status`.
    # A decision that writes asks portals/rules.py under the portal's lock.
    @property
    def is_unassigned(self) -> bool:
        return self.status == self.Status.UNASSIGNED

    @property
    def is_assigned(self) -> bool:
        return self.status == self.Status.ASSIGNED

    @property
    def is_revoked(self) -> bool:
        return self.status == self.Status.REVOKED

    @property
    def from_name(self) -> str:
        """Who the portal's invite emails are from: the owner's sender name, else the portal's."""
        return self.sender_name.strip() or self.name

    @property
    def remaining(self) -> int:
        return self.allocation - self.invites_used

    @property
    def path(self) -> str:
        return f"/p/{self.token}/"

    @property
    def link_recipient(self) -> str:
        """Who "Email the link" writes to: the owner once there is one (the link
        signs them in), the contact before (whoever claims it becomes owner)."""
        if self.is_assigned:
            return self.owner_email
        return "" if self.is_revoked else self.contact_email


class PortalAllocation(models.Model):
    """How many places of one invite type a portal may give out, and how many it has."""

    portal = models.ForeignKey(Portal, on_delete=models.CASCADE, related_name="allocations")
    invite_type = models.ForeignKey(
        InviteType, on_delete=models.PROTECT, related_name="allocations"
    )
    size = models.PositiveIntegerField()
    used = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["invite_type__position", "invite_type_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["portal", "invite_type"], name="portal_allocation_once_per_type"
            ),
            models.CheckConstraint(
                condition=models.Q(used__lte=models.F("size")),
                name="portal_allocation_used_within_size",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.used}/{self.size} {self.invite_type_id} for {self.portal_id}"

    @property
    def remaining(self) -> int:
        return self.size - self.used


# How long an owner's sign-in code works: the expiry (portals/claiming.py), the
# email and the page that asks for the code all read it from here.
OWNER_CODE_LIFETIME = timedelta(minutes=10)
OWNER_CODE_MINUTES = OWNER_CODE_LIFETIME // timedelta(minutes=1)


class OwnerCode(models.Model):
    """A one-time sign-in code emailed to a portal's owner (valid OWNER_CODE_LIFETIME)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    portal = models.ForeignKey(Portal, on_delete=models.CASCADE, related_name="owner_codes")
    # The address it went to: a code stops working if the organizer changes
    # the owner's email in the meantime.
    email = models.EmailField()
    # Who asked (claiming.client_key): asking again retires only that client's code.
    client = models.CharField(max_length=32, blank=True, default="")
    code_hash = models.CharField(max_length=128)
    # Wrong guesses checked against this code while it was live, from any client.
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["portal", "-created_at"], name="owner_code_portal_newest")]

    def __str__(self) -> str:
        return f"Sign-in code for {self.portal_id} ({self.created_at:%Y-%m-%d %H:%M})"


class OwnerCodeFailure(models.Model):
    """One wrong sign-in code guess on `portal` from `client` (a keyed hash of
    its address). Kept an hour: the budgets in claiming.py count these rows."""

    portal = models.ForeignKey(Portal, on_delete=models.CASCADE, related_name="+")
    client = models.CharField(max_length=32)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["portal", "created_at"], name="owner_code_failure_recent"),
        ]

    def __str__(self) -> str:
        return f"Wrong code for {self.portal_id} ({self.created_at:%Y-%m-%d %H:%M})"


class CreditShortageNotice(models.Model):
    """`portal` was refused on `day`: its organization had too few `kind` credits
    (`cause` credits), or the portal's allocation was used up (`cause` allocation).

    At most one row per portal, kind, cause and day. The organizer hears of them in
    one digest per organization and day (ShortageDigest) and sees a banner while any
    is unresolved; `resolved_at` is set when credits or allocation come back, and the
    person who was refused (`email`) is then told they can carry on.
    """

    class Cause(models.TextChoices):
        CREDITS = "credits", _("Not enough credits")
        ALLOCATION = "allocation", _("Allocation used up")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    portal = models.ForeignKey(
        Portal, on_delete=models.CASCADE, related_name="credit_shortage_notices"
    )
    kind = models.CharField(max_length=10, choices=CreditKind.choices)
    cause = models.CharField(max_length=10, choices=Cause.choices, default=Cause.CREDITS)
    day = models.DateField()
    requested = models.PositiveIntegerField(default=1)
    # What was left when they were refused (credits of the organization, or places).
    available = models.PositiveIntegerField(default=0)
    # Who was refused: the owner, or the email that tried to claim.
    email = models.EmailField(blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["portal", "kind", "cause", "day"], name="shortage_notice_once_a_day"
            )
        ]
        indexes = [
            models.Index(fields=["organization", "resolved_at"], name="shortage_notice_open")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ran out for {self.portal_id} on {self.day}"


class ShortageDigest(models.Model):
    """The organizer's one email a day about refused portals (its row makes it once)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "day"], name="shortage_digest_once_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"Shortage digest of {self.organization_id} on {self.day}"


class PortalLinkReminder(models.Model):
    """The scheduled reminder `portal` got, `after_days` days after its link went out.

    The unique row is the decision: written with the reminder's delivery in one
    transaction, so a beat run that repeats (a broker outage, two beats) finds
    it and sends nothing; a new schedule (other days) may remind once more.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    portal = models.ForeignKey(Portal, on_delete=models.CASCADE, related_name="link_reminders")
    after_days = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["portal", "after_days"], name="portal_link_reminder_once_per_schedule"
            )
        ]

    def __str__(self) -> str:
        return f"Reminder for {self.portal_id} after {self.after_days} days"
