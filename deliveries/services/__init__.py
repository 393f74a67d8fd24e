"""The outbox's services, by when they run.

- queueing (a request, in its transaction): `queue_email`, `queue_message`,
  `queue_deliveries`, `queue_delivery_columns` (thousands at once); the
  sweeper `requeue_stuck_deliveries`; publishing the tasks after commit is
  deliveries/publishing.py's `enqueue_deliveries`;
- sending (a worker): `send_queued_delivery` (one row) and
  `send_queued_deliveries` (a chunk), the send tasks' bodies;
- tracking (the provider's webhooks): `record_tracking_event`;
- reading (pages): `delivery_progress`, `send_progress`, `pending_send_progress`.

The rules of what an app sends (its limits, what a send skips) live in that
app, beside the context builders and sent hooks it registers.
"""

from deliveries.publishing import (
    FAN_OUT_ABOVE,
    FAN_OUT_CHUNK,
    NOT_ENQUEUED,
    SEND_CHUNK,
    enqueue_deliveries,
)
from deliveries.services.queueing import (
    REQUEUE_QUEUED_AFTER,
    REQUEUE_SENDING_AFTER,
    DeliveryError,
    InvalidRecipient,
    content_type_of,
    queue_deliveries,
    queue_delivery_columns,
    queue_email,
    queue_message,
    requeue_stuck_deliveries,
)
from deliveries.services.reading import (
    SENT_STATUSES,
    DeliveryProgress,
    delivery_progress,
    pending_send_progress,
    send_progress,
)
from deliveries.services.sending import (
    MAX_ATTEMPTS,
    RetryLater,
    describe_send_error,
    is_transient,
    send_queued_deliveries,
    send_queued_delivery,
)
from deliveries.services.tracking import record_tracking_event

__all__ = [
    "FAN_OUT_ABOVE",
    "FAN_OUT_CHUNK",
    "MAX_ATTEMPTS",
    "NOT_ENQUEUED",
    "REQUEUE_QUEUED_AFTER",
    "REQUEUE_SENDING_AFTER",
    "SEND_CHUNK",
    "SENT_STATUSES",
    "DeliveryError",
    "DeliveryProgress",
    "InvalidRecipient",
    "RetryLater",
    "content_type_of",
    "delivery_progress",
    "describe_send_error",
    "enqueue_deliveries",
    "is_transient",
    "pending_send_progress",
    "queue_deliveries",
    "queue_delivery_columns",
    "queue_email",
    "queue_message",
    "record_tracking_event",
    "requeue_stuck_deliveries",
    "send_progress",
    "send_queued_deliveries",
    "send_queued_delivery",
]
