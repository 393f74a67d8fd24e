"""The check-in pass: the secret a guest shows at the door.

One pass per invite, made when its guest is first accepted (door/services.py).
Its `code` is a secret of its own, never the invite's RSVP token: the QR code
a guest shows at a crowded door, or forwards to a friend, must not let anyone
change their answer. The organizer can replace it (the old code stops
working at once: only the current `code` is stored).

A check-in (`CheckIn`) is an append-only row per person of a party let in
(person 0 is the guest, 1..n their plus-ones), with the staff member, the
device and gate, and the time the device saw the scan (`scanned_at`, earlier
than `created_at` for a scan queued offline). Undo writes a reversing row
(`kind=undo`, `reverses` the check-in, `delta` -1); a check-in is reversed at
most once (unique `reverses`). Who is in, and every count, is the sum of
`delta`: rows are never updated or deleted (on PostgreSQL a trigger refuses
it). A check-in decides under the invite's row lock (door/checkins.py), so two
devices scanning one code at once let the guest in exactly once.

A walk-in is an invite of its own, in a batch of method `walk_in`: accepted,
with no portal and no credit, checked in when it is made; so the capacity
rules, the counts and the exports see it like every other guest.

An event grant (`EventGrant`) gives a restricted member (role `check_in` or
`event_manager`, organizations/models.py) one event until `expires_at`;
`portal` limits a check-in grant to that portal's guests (an exhibitor's own
party). A grant made for someone who has no account yet waits on its
`email` until they accept the team invitation that went with it.

`sequence` is the SEQUENCE of the guest's calendar entry (RFC 5545): it goes
up whenever the entry's time changes or it is cancelled, so calendars apply
the newest message. `announced_*` is what the guest was last told (the
window, its times, the venue and plus-ones of the last confirmation, and
whether they were told to come at all), so that only a real change sends
another email, and an edit moved back and forth before the guest was told
sends nothing.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# No 0/O, 1/I/L: typed by staff from a phone screen.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
# 20 characters of 31: ~99 bits, shown in groups of four.
CODE_LENGTH = 20


def new_check_in_code() -> str:
    """A human-typable secret of about 99 bits (20 characters, no look-alikes)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(typed: str) -> str:
    """What staff type or a scanner sends, as stored: upper case, no spaces or dashes."""
    return "".join(typed.split()).replace("-", "").upper()


class CheckInPass(models.Model):
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="+"
    )
    invite = models.OneToOneField(
        "invites.Invite", on_delete=models.CASCADE, related_name="check_in_pass"
    )
    code = models.CharField(max_length=32, unique=True, default=new_check_in_code)
    sequence = models.PositiveIntegerField(default=0)
    announced = models.BooleanField(default=False)
    announced_window = models.ForeignKey(
        "events.EntryWindow", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    announced_plus_ones = models.PositiveSmallIntegerField(default=0)
    # When and where the last confirmation said to come (the window's times,
    # else the event's; the event's venue): the organizer moving them re-sends.
    announced_starts_at = models.DateTimeField(null=True, blank=True)
    announced_ends_at = models.DateTimeField(null=True, blank=True)
    announced_venue = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    replaced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "check-in pass"
        verbose_name_plural = "check-in passes"

    def __str__(self) -> str:
        return f"Check-in pass of invite {self.invite_id}"

    @property
    def display_code(self) -> str:
        """The code in groups of four, as the guest reads it out."""
        return "-".join(self.code[i : i + 4] for i in range(0, len(self.code), 4))


class CheckIn(models.Model):
    class Kind(models.TextChoices):
        CHECK_IN = "check_in", _("Checked in")
        UNDO = "undo", _("Undone")

    class Override(models.TextChoices):
        NONE = "", _("None")
        NOT_ACCEPTED = "not_accepted", _("Not accepted")
        WRONG_WINDOW = "wrong_window", _("Wrong window")

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="+"
    )
    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="check_ins")
    invite = models.ForeignKey("invites.Invite", on_delete=models.CASCADE, related_name="check_ins")
    # 0: the guest; 1..n: their plus-ones.
    person = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.CHECK_IN)
    delta = models.SmallIntegerField(default=1)
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    override = models.CharField(
        max_length=20, choices=Override.choices, default=Override.NONE, blank=True
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    device = models.CharField(max_length=64, blank=True)
    gate = models.CharField(max_length=64, blank=True)
    note = models.CharField(max_length=200, blank=True)
    # A queued offline scan's id on its device: replaying it changes nothing.
    client_ref = models.CharField(max_length=64, blank=True)
    scanned_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "check-in"
        indexes = [
            models.Index(fields=["event", "invite"], name="checkin_event_invite"),
            models.Index(fields=["invite", "person"], name="checkin_invite_person"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="check_in", delta=1, reverses__isnull=True)
                    | models.Q(kind="undo", delta=-1, reverses__isnull=False)
                ),
                name="checkin_kind_delta_reverses",
            ),
            models.UniqueConstraint(
                fields=["device", "client_ref", "person"],
                condition=~models.Q(client_ref=""),
                name="checkin_unique_client_ref",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of invite {self.invite_id}, person {self.person}"


class EventGrant(models.Model):
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="+"
    )
    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="grants")
    membership = models.ForeignKey(
        "organizations.Membership",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="event_grants",
    )
    # Who it is for; the membership is set when they join.
    email = models.EmailField()
    portal = models.ForeignKey(
        "portals.Portal", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    expires_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["event", "email"]
        indexes = [models.Index(fields=["membership", "event"], name="grant_membership_event")]

    def __str__(self) -> str:
        return f"{self.email} at {self.event_id}"

    def is_active(self, now: datetime | None = None) -> bool:
        return self.revoked_at is None and self.expires_at > (now or timezone.now())
