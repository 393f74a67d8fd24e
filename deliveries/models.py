"""The email outbox (built in the delivery issue)."""
