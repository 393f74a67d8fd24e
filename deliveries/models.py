"""The email outbox: one row per email the product sends.

Invites, portal links, organizer notifications, team invitations, receipts
and staff alerts all go through here (`deliveries.services.queue_email`), so
every email is recorded, retried and tracked the same way. The one exception
is the portal owner's sign-in code, which must not be stored in plain text
(portals/notifications.py says why); account emails are django-allauth's.

Design (a transactional outbox):
- A request writes the row (status `queued`) in its own transaction and
  enqueues the Celery task only after that transaction commits. A rollback
  sends nothing; a broker that is down loses nothing, because the row is
  already committed and the sweeper re-enqueues it.
- The task takes the row's id. In one short transaction it locks the row and
  claims it (`queued` -> `sending`, attempts + 1); a second task for the same
  row (a broker redelivery, the sweeper, two workers at once) sees `sending`
  or `sent` and does nothing. It then renders and sends with no lock held,
  and records `sent` with the provider's message id.
- Delivery is at least once, and exactly once in the normal case. The one
  window for a duplicate is a worker that dies after the provider accepted
  the email and before `sent` is recorded: its row stays `sending`, and the
  sweeper puts it back in the queue once it is older than any send can take
  (the task's hard time limit is far shorter). Losing an email would be
  worse than sending it twice in that rare case.

Status:
    queued -> sending -> sent -> delivered | bounced | complained
                 |  \\-> queued (transient error: retried later with backoff)
                 \\----> failed (permanent error, too many attempts, or revoked)
`delivered`, `bounced`, `complained` (and `opened_at`) come from the email
provider's tracking webhooks when an ESP is configured.

Invariants:
- `attempts` counts claims; it only grows, under the row lock;
- a row that was sent has `sent_at` (CHECK constraint);
- an invite is emailed at most `MAX_SENDS_PER_INVITE` times (5: the first
  send and 4 reminders). Failed rows never reached the guest and do not
  count. The count is decided under the invite rows' locks
  (`queue_invite_emails`).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from invites.models import Invite
from organizations.models import Organization

MAX_SENDS_PER_INVITE = 5

# The template of an invite email; its rows count against the send limit.
INVITE_TEMPLATE = "invite"


class Delivery(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        DELIVERED = "delivered", "Delivered"
        BOUNCED = "bounced", "Bounced"
        COMPLAINED = "complained", "Marked as spam"
        FAILED = "failed", "Failed"

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    # `templates/emails/<template>-subject.txt|-body.txt|-body.html`
    template = models.CharField(max_length=80)
    recipient = models.EmailField(max_length=254)
    reply_to = models.EmailField(max_length=254, blank=True)
    # JSON-safe values the template renders as they are (strings, numbers,
    # dicts); invite emails build theirs from the invite when they are sent.
    context = models.JSONField(default=dict, blank=True)
    invite = models.ForeignKey(
        Invite, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    # The sender's own words for an invite email, with {{ name }}, {{ event }}
    # and {{ portal }} placeholders (filled by plain substitution, never by
    # the template engine).
    subject = models.CharField(max_length=200, blank=True)
    message = models.TextField(blank=True)
    # One send action (a selection, "all unsent"): its progress is shown.
    send_id = models.CharField(max_length=20, blank=True, db_index=True)
    queued_by = models.CharField(max_length=254, blank=True)

    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # The email provider's id, which its tracking webhooks refer to.
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
            models.Index(fields=["invite", "-queued_at"], name="delivery_invite_newest"),
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
