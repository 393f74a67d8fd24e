"""The outbox's services, by when they run.

- queueing (a request, in its transaction): `queue_email`,
  `queue_invite_emails`, `plan_invite_emails`; the sweeper
  `requeue_stuck_deliveries`;
- sending (a worker): `send_queued_delivery`, the send task's body;
- tracking (the provider's webhooks): `record_tracking_event`;
- reading (pages): `sends_left`, `with_delivery_status`, `unsent_invites`,
  `delivery_progress`, `send_progress`, `pending_send_progress`.
"""

from deliveries.services.queueing import (
    AT_LIMIT,
    FAN_OUT_ABOVE,
    FAN_OUT_CHUNK,
    NOT_ENQUEUED,
    REQUEUE_QUEUED_AFTER,
    REQUEUE_SENDING_AFTER,
    REVOKED,
    WITHOUT_EMAIL,
    DeliveryError,
    InvalidRecipient,
    NoRecipients,
    QueuedInviteEmails,
    SendLimitReached,
    SendPlan,
    Skipped,
    enqueue_deliveries,
    plan_invite_emails,
    queue_email,
    queue_invite_emails,
    requeue_stuck_deliveries,
    skip_reason,
)
from deliveries.services.reading import (
    DeliveryProgress,
    delivery_progress,
    pending_send_progress,
    send_progress,
    sends_left,
    unsent_invites,
    with_delivery_status,
)
from deliveries.services.sending import (
    MAX_ATTEMPTS,
    RetryLater,
    describe_send_error,
    is_transient,
    send_queued_delivery,
)
from deliveries.services.tracking import record_tracking_event

__all__ = [
    "AT_LIMIT",
    "FAN_OUT_ABOVE",
    "FAN_OUT_CHUNK",
    "MAX_ATTEMPTS",
    "NOT_ENQUEUED",
    "REQUEUE_QUEUED_AFTER",
    "REQUEUE_SENDING_AFTER",
    "REVOKED",
    "WITHOUT_EMAIL",
    "DeliveryError",
    "DeliveryProgress",
    "InvalidRecipient",
    "NoRecipients",
    "QueuedInviteEmails",
    "RetryLater",
    "SendLimitReached",
    "SendPlan",
    "Skipped",
    "delivery_progress",
    "describe_send_error",
    "enqueue_deliveries",
    "is_transient",
    "pending_send_progress",
    "plan_invite_emails",
    "queue_email",
    "queue_invite_emails",
    "record_tracking_event",
    "requeue_stuck_deliveries",
    "send_progress",
    "send_queued_delivery",
    "sends_left",
    "skip_reason",
    "unsent_invites",
    "with_delivery_status",
]
