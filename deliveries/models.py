"""The outbox: one row per message the product sends, whatever its channel.

Every app queues its messages here (`deliveries.services.queue_email`), so
each one is recorded, retried and tracked the same way. A row names its
channel (`email` today; an HTTP webhook channel next, deliveries/channels.py)
and, optionally, what it is about (a generic reference: the app that queued
it finds its rows through a `GenericRelation`). The outbox knows messages,
not the apps' rules: an app registers how a template's context is built at
send time (`deliveries.rendering.email_context`) and what happens once a
message is sent (`deliveries.hooks.on_sent`). The one exception is the portal
owner's sign-in code, which must not be stored in plain text
(portals/notifications.py says why); account emails are django-allauth's.

Design (a transactional outbox):
- A request writes the row (status `queued`) in its own transaction and
  enqueues the Celery task only after that transaction commits. A rollback
  sends nothing; a broker that is down loses nothing, because the row is
  already committed and the sweeper re-enqueues it.
- The task takes the row's id (one row: a portal link, a confirmation), or
  up to `publishing.SEND_CHUNK` ids (a send to many). In one short
  transaction it locks the rows still queued, skipping any another
  transaction holds, and claims them (`queued` -> `sending`, attempts + 1); a
  second task for the same row (a broker redelivery, the sweeper, two
  workers at once) sees `sending` or `sent` and does nothing. It then builds
  and sends each message through its channel with no lock held (a chunk over
  one connection), and records `sent` with the provider's message id (and
  runs the template's sent hooks) in one transaction, for a chunk every
  half second of sending. A row whose send fails is released or failed
  alone; the others go on.
- Delivery is at least once, and exactly once in the normal case, on every
  channel. The one window for a duplicate is a worker that dies after the
  provider accepted the message and before `sent` is recorded: its row stays
  `sending`, and the sweeper puts it back in the queue once it is older than
  any send can take (the task's hard time limit is far shorter). A chunk
  records as it goes, so what it can send twice is its last half second.
  Losing a message would be worse than sending it twice in that rare case.

Status:
    queued -> sending -> sent -> delivered | bounced | complained
                 |  \\-> queued (transient error: retried later with backoff)
                 \\----> failed (permanent error, too many attempts, or no longer wanted)
`delivered`, `bounced`, `complained` (and `opened_at`) come from the email
provider's tracking webhooks when an ESP is configured.

Invariants:
- `attempts` counts claims; it only grows, under the row lock;
- a row that was sent has `sent_at` (CHECK constraint);
- a sent hook runs once per row: in the transaction that records `sent`,
  which only a row in `sending` or `queued` reaches.
"""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Delivery(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        BOUNCED = "bounced", _("Bounced")
        COMPLAINED = "complained", _("Marked as spam")
        FAILED = "failed", _("Failed")

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")

    # A lazy reference (a string), not an import: organizations sits above the
    # outbox. Cascades with the organization.
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    # How the message goes (deliveries/channels.py). Not a DB constraint: a
    # channel is code, registered at start-up (tests register their own).
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.EMAIL)
    # For email: `templates/emails/<template>-subject.txt|-body.txt|-body.html`.
    template = models.CharField(max_length=80)
    recipient = models.EmailField(max_length=254)
    reply_to = models.EmailField(max_length=254, blank=True)
    # JSON-safe values the template renders as they are (strings, numbers,
    # dicts), or that its context builder reads to build fresh ones at send time.
    context = models.JSONField(default=dict, blank=True)
    # What the message is about (an invite, a purchase...), when its app wants
    # to find its messages again; the outbox itself never follows it.
    content_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    about = GenericForeignKey("content_type", "object_id")
    # One send action (a selection, "all unsent"): its progress is shown.
    send_id = models.CharField(max_length=20, blank=True, db_index=True)
    # The language the message renders in, as known when it was queued (the
    # invite's, the portal owner's, the user's); a context builder that reads
    # a fresher one (the guest switched since) returns it as context["language"],
    # which wins (deliveries/rendering.py). Empty: the site's default.
    language = models.CharField(max_length=8, blank=True, default="")
    queued_by = models.CharField(max_length=254, blank=True)

    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # The provider's id, which its tracking webhooks refer to.
    provider_message_id = models.CharField(max_length=255, blank=True, db_index=True)

    queued_at = models.DateTimeField(default=timezone.now)
    # When a queued row is due; the sweeper re-enqueues rows long overdue.
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    # Set explicitly on every write (QuerySet.update skips auto_now); for a
    # row in `sending` it is the moment of the claim.
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-queued_at", "-id"]
        verbose_name_plural = "deliveries"
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_status_due"),
            models.Index(
                fields=["content_type", "object_id", "-queued_at"], name="delivery_about_newest"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    status__in=[
                        "queued",
                        "sending",
                        "sent",
                        "delivered",
                        "bounced",
                        "complained",
                        "failed",
                    ]
                ),
                name="delivery_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=["sent", "delivered", "bounced", "complained"])
                | models.Q(sent_at__isnull=False),
                name="delivery_sent_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template} to {self.recipient} ({self.status})"

    @property
    def is_pending(self) -> bool:
        return self.status in {self.Status.QUEUED, self.Status.SENDING}
