"""The check-in pass: the secret a guest shows at the door.

One pass per invite, made when its guest is first accepted (door/services.py).
Its `code` is a secret of its own, never the invite's RSVP token: the QR code
a guest shows at a crowded door, or forwards to a friend, must not let anyone
change their answer. The organizer can replace it (the old code stops
working at once: only the current `code` is stored).

`sequence` is the SEQUENCE of the guest's calendar entry (RFC 5545): it goes
up whenever the entry's time changes or it is cancelled, so calendars apply
the newest message. `announced_*` is what the guest was last told (the
window and plus-ones of the last confirmation, and whether they were told to
come at all), so that only a real change sends another email.
"""

from __future__ import annotations

import secrets

from django.db import models
from django.utils import timezone

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
