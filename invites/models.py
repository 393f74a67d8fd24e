"""Invites, the batches that generated them, and guests' answers.

An invite is a personalised link for one guest (or a blank link that the
guest fills in). It comes from a batch: one request that generated n invites
and used n invite credits in one ledger entry (`invite-batch:<id>`). The
batch's source is a portal or, when `portal` is empty, the organizer.

Status: created -> sent -> opened -> accepted | declined | pending (an
invite that needs approval waits for the organizer, who makes it accepted or
declined); any unanswered invite can be revoked (its places go back to the
portal's allocation, the credit does not: it was used when the invite was
generated).

An invite has a type (portals.InviteType; the organizer's own invites have
none unless the organizer gives one), the flags copied from its type when it
was generated (`golden`: skips capacity; `needs_approval`), and the entry
window the guest chose (events.EntryWindow) when the event has windows.

A multi-use link (`uses` > 1) is answered by several people: each answer is
an invite of its own (`parent` = the link) that inherits the link's label,
tags, metadata, source and type; `uses_taken` counts them, under the link's
row lock. The answers use no credit and no allocation: the link paid one
credit and took `uses` places of its type when it was generated.

Who sees what: the portal owner sees every invite of their portal. The
organizer sees the organizer's own invites, and a portal's invites once the
guest accepted (or is waiting for approval), unless the invite was generated
while its portal group shared all invites (`shared_with_organizer`, recorded
at generation: turning sharing on later applies to new invites only;
`Invite.objects.visible_to_organizer()`). A portal's links belong to its
owner: the organizer (pages, exports, API keys) gets the link only of the
invites the organization generated itself (`organizer_holds_link`).

Every write goes through invites/services.py; bulk `update()` calls there set
`updated_at` themselves because the API's "updated since" filter reads it.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from artsvp.i18n import first_language
from artsvp.ids import new_public_id, new_secret_token
from deliveries.models import Delivery
from events.models import EntryWindow, Event
from organizations.models import Organization
from portals.models import InviteType, Portal


class InviteBatch(models.Model):
    class Method(models.TextChoices):
        SINGLE = "single", _("One guest")
        PASTE = "paste", _("Pasted list")
        CSV = "csv", _("CSV upload")
        BLANK = "blank", _("Blank links")
        API = "api", "API"
        WALK_IN = "walk_in", _("Walk-in")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invite_batches"
    )
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="invite_batches")
    portal = models.ForeignKey(
        Portal, on_delete=models.CASCADE, null=True, blank=True, related_name="invite_batches"
    )
    public_id = models.CharField(max_length=20, unique=True, default=new_public_id)
    method = models.CharField(max_length=10, choices=Method.choices)
    size = models.PositiveIntegerField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The API's Idempotency-Key header (or a web form's id), unique within the
    # organization while it is remembered (invites/services.py: 24 hours), and
    # a hash of the request it stood for: the same key with another request is
    # refused instead of answered with this batch. Empty for batches made
    # before hashes were stored: those replay on the key alone.
    idempotency_key = models.CharField(max_length=200, null=True, blank=True)
    request_hash = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    # Not a column: generating sets it on the batch it returns (an idempotent replay or not).
    replayed: bool

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "invite batches"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "idempotency_key"], name="batch_unique_idempotency_key"
            ),
            models.CheckConstraint(condition=models.Q(size__gt=0), name="batch_size_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.size} invites ({self.method})"


def organizer_holds_link(*, portal_id: int | None, batch_method: str) -> bool:
    """Whether the organizer may see an invite's link: its own invites, and those it
    generated for a portal through the API (an integrator sends them); the links of
    invites a portal's owner generated stay with the owner."""
    return portal_id is None or batch_method == InviteBatch.Method.API


def source_name(*, portal_name: str | None, batch_method: str) -> str:
    """Who invited the guest, as the organizer's guest list and its CSV name it: the
    portal, else "Walk-in" (let in at the door) or "Organizer"."""
    if portal_name is not None:
        return portal_name
    return (
        gettext("Walk-in") if batch_method == InviteBatch.Method.WALK_IN else gettext("Organizer")
    )


def invite_path(token: str) -> str:
    """The guest's page of the invite with `token` (Invite.path, for rows read as values)."""
    return f"/i/{token}/"


class InviteQuerySet(models.QuerySet["Invite"]):
    def visible_to_organizer(self) -> InviteQuerySet:
        """The organizer's own invites, and portal invites the portal group lets them see."""
        return self.filter(
            models.Q(portal__isnull=True)
            | models.Q(shared_with_organizer=True)
            | models.Q(status__in=(Invite.Status.ACCEPTED, Invite.Status.PENDING))
        )

    def live(self) -> InviteQuerySet:
        return self.exclude(status=Invite.Status.REVOKED)


class Invite(models.Model):
    class Status(models.TextChoices):
        CREATED = "created", _("Created")
        SENT = "sent", _("Sent")
        OPENED = "opened", _("Opened")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        PENDING = "pending", _("Pending approval")
        REVOKED = "revoked", _("Revoked")

    # Not answered yet: the guest may still answer, the owner may still revoke.
    UNANSWERED = (Status.CREATED, Status.SENT, Status.OPENED)

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="invites")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="invites")
    batch = models.ForeignKey(InviteBatch, on_delete=models.CASCADE, related_name="invites")
    # The source: a portal, or the organizer when empty.
    portal = models.ForeignKey(
        Portal, on_delete=models.CASCADE, null=True, blank=True, related_name="invites"
    )
    public_id = models.CharField(max_length=20, unique=True, default=new_public_id)
    token = models.CharField(max_length=64, unique=True, default=new_secret_token)
    guest_name = models.CharField(max_length=200, blank=True)
    guest_email = models.EmailField(blank=True)
    label = models.CharField(max_length=200, blank=True)
    tags = models.JSONField(default=list, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    plus_ones_allowed = models.PositiveSmallIntegerField(default=0)
    plus_ones = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CREATED)
    invite_type = models.ForeignKey(
        InviteType, on_delete=models.PROTECT, null=True, blank=True, related_name="invites"
    )
    entry_window = models.ForeignKey(
        EntryWindow, on_delete=models.PROTECT, null=True, blank=True, related_name="invites"
    )
    golden = models.BooleanField(default=False)
    needs_approval = models.BooleanField(default=False)
    # The organizer-visibility rule in force when the invite was generated.
    shared_with_organizer = models.BooleanField(default=False)
    # A multi-use link: how many people may answer it, and how many have.
    uses = models.PositiveIntegerField(default=1)
    uses_taken = models.PositiveIntegerField(default=0)
    # Set on an answer to a multi-use link: the link it came through.
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="answers"
    )
    guest_note = models.CharField(max_length=500, blank=True)
    # The language the guest reads the invite's pages and emails in: the batch's
    # (an exhibitor's pick, a CSV cell, an API field), then the guest's own switch.
    # Empty (a walk-in, an invite from before languages): the event's. Read it
    # through `guest_language`, which also falls back from a code we no longer offer.
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, blank=True, default="")
    opened_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    # The invite's emails in the outbox (deleted with it); `Delivery.objects
    # .filter(invite=...)` reads them from the other side.
    deliveries = GenericRelation(Delivery, related_query_name="invite")

    objects = InviteQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["event", "status"], name="invite_event_status"),
            # The owner's dashboard keyset order (invites/owner/views.py INVITE_ORDER).
            models.Index(fields=["portal", "-created_at", "-id"], name="invite_portal_newest"),
            # The guest list's keyset order (invites/guest_list_views.py GUEST_ORDER).
            models.Index(fields=["event", "-created_at", "-id"], name="invite_event_newest"),
            # The API lists' keyset order (artsvp/api_support.py `paginate`: -id), per
            # event and per portal: without them a page walks the primary key of every
            # tenant's invites backwards until it finds enough of this event's.
            models.Index(fields=["event", "-id"], name="invite_event_api_order"),
            models.Index(fields=["portal", "-id"], name="invite_portal_api_order"),
            # The owner's dashboard asks three questions of the whole portal on every
            # view: how many accepted, whether some invite keeps another privacy rule
            # than the group's, whether any link is multi-use. Without these, each
            # read every invite of the portal (at 50,000 the page took 1.7x its time
            # at 100, bench/pages.py); with them, an index range or a lookup.
            models.Index(fields=["portal", "status"], name="invite_portal_status"),
            models.Index(fields=["portal", "shared_with_organizer"], name="invite_portal_shared"),
            models.Index(
                fields=["portal"], condition=models.Q(uses__gt=1), name="invite_portal_multi_use"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(plus_ones__lte=models.F("plus_ones_allowed")),
                name="invite_plus_ones_within_allowance",
            ),
            models.CheckConstraint(
                condition=models.Q(uses__gte=1) & models.Q(uses_taken__lte=models.F("uses")),
                name="invite_uses_taken_within_uses",
            ),
            # One answer per email address on a multi-use link.
            models.UniqueConstraint(
                "parent",
                Lower("guest_email"),
                condition=models.Q(parent__isnull=False) & ~models.Q(guest_email=""),
                name="invite_one_answer_per_email_per_link",
            ),
        ]

    def __str__(self) -> str:
        return self.guest_name or self.guest_email or f"Blank invite {self.public_id}"

    @property
    def is_blank(self) -> bool:
        return not self.guest_name and not self.guest_email

    @property
    def path(self) -> str:
        return invite_path(self.token)

    @property
    def organizer_holds_link(self) -> bool:
        """`organizer_holds_link` for this invite; load it with select_related("batch")."""
        return organizer_holds_link(portal_id=self.portal_id, batch_method=self.batch.method)

    @property
    def guest_language(self) -> str:
        """The language of the guest's pages and emails (load the event)."""
        return first_language(self.language, self.event.language)

    @property
    def is_multi_use(self) -> bool:
        return self.uses > 1

    @property
    def uses_left(self) -> int:
        return self.uses - self.uses_taken

    @property
    def is_unanswered(self) -> bool:
        return self.status in self.UNANSWERED

    @property
    def source_name(self) -> str:
        """Who invited the guest, as the organizer's guest list names it (a walk-in:
        nobody; load it with select_related("portal", "batch"))."""
        if self.portal is not None:
            return self.portal.name
        return source_name(portal_name=None, batch_method=self.batch.method)

    @property
    def is_walk_in(self) -> bool:
        """Let in at the door without an invite (door/walk_ins.py); load the batch."""
        return self.batch.method == InviteBatch.Method.WALK_IN
