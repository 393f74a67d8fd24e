"""Events an organization runs.

An event's times are stored in UTC and shown in the event's own time zone
(`timezone`, an IANA name): an art fair in Basel opens at 11:00 Basel time
for every viewer. An archived event keeps its data and disappears from lists.

Answers close at `answers_close_at` (default: the event's end, so that the
guests of a multi-day fair can still answer on its second day). What pages and
the API say about answering is `Event.rsvp_state`: an event that has ended
reads "Ended" whatever its RSVP switch says.

An entry window is a timed slot of an event ("VIP Preview, Thu 11:00-15:00,
200 places"). Which invite types a window admits is recorded on the type
(portals.InviteType.windows): a window that lists no type admits every
invite. `capacity` counts accepted guests with their plus-ones; it is
checked under the window's row lock (invites/answers.py), and lowering it
never cancels anyone (an over-full window simply shows as full).
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext_lazy as _

from artsvp.ids import new_public_id
from organizations.models import BrandFields, Organization


class RsvpState(models.TextChoices):
    OPEN = "open", _("Open")
    # The organizer switched RSVP off.
    CLOSED = "closed", _("Closed")
    # answers_close_at has passed; the event has not ended yet.
    ANSWERS_CLOSED = "answers_closed", _("Answers closed")
    ENDED = "ended", _("Ended")


class Event(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="events")
    public_id = models.CharField(max_length=20, unique=True, default=new_public_id)
    slug = models.SlugField(max_length=80)
    name = models.CharField(max_length=160)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    timezone = models.CharField(max_length=64, default="UTC")
    venue = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    # The language guests read by default, and the others the event offers
    # (artsvp/i18n.py): an invite's language is one of them.
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="en")
    other_languages = models.JSONField(default=list, blank=True)
    # The organizer's texts in the other languages: {"de": {"description": ...}}
    # (artsvp.i18n.localized reads them, falling back to the default text).
    translations = models.JSONField(default=dict, blank=True)
    capacity = models.PositiveIntegerField(null=True, blank=True)
    rsvp_open = models.BooleanField(default=True)
    # Empty: answers close when the event ends.
    answers_close_at = models.DateTimeField(null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="event_unique_slug"),
            models.CheckConstraint(
                condition=models.Q(ends_at__gte=models.F("starts_at")),
                name="event_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def languages(self) -> list[str]:
        """The event's language first, then the others it offers."""
        return [self.language] + [code for code in self.other_languages if code != self.language]

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def local_starts_at(self) -> datetime:
        return self.starts_at.astimezone(self.tz)

    @property
    def local_ends_at(self) -> datetime:
        return self.ends_at.astimezone(self.tz)

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def has_started(self) -> bool:
        return dj_timezone.now() >= self.starts_at

    @property
    def answers_deadline(self) -> datetime:
        """When guests can no longer answer (or change their answer)."""
        return self.answers_close_at or self.ends_at

    @property
    def answers_closed(self) -> bool:
        return dj_timezone.now() >= self.answers_deadline

    @property
    def has_ended(self) -> bool:
        return dj_timezone.now() >= self.ends_at

    @property
    def rsvp_state(self) -> RsvpState:
        """Whether guests can answer, as pages and the API show it (an ended event first)."""
        if self.has_ended:
            return RsvpState.ENDED
        if not self.rsvp_open:
            return RsvpState.CLOSED
        if self.answers_closed:
            return RsvpState.ANSWERS_CLOSED
        return RsvpState.OPEN


class EntryWindow(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="entry_windows")
    public_id = models.CharField(max_length=20, unique=True, default=new_public_id)
    label = models.CharField(max_length=80)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    # Guests (with their plus-ones) the window admits; empty: no limit of its own.
    capacity = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at", "label", "id"]
        constraints = [
            models.UniqueConstraint(
                "event", Lower("label"), name="entry_window_label_unique_per_event"
            ),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="entry_window_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def local_starts_at(self) -> datetime:
        return self.starts_at.astimezone(self.event.tz)

    @property
    def local_ends_at(self) -> datetime:
        return self.ends_at.astimezone(self.event.tz)


class EventBrand(BrandFields):
    """An event's own brand, field by field over its organization's
    (events/brand.py resolves the two)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="brand")

    def __str__(self) -> str:
        return f"Brand of {self.event}"
