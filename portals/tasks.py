"""The portals' Celery tasks: scheduled reminders to unclaimed portals.

The beat runs `send_link_reminders` every hour; portals/bulk_links.py decides
from the rows who is due, so a run missed during a broker outage is made up by
the next one and a repeated run sends nothing.
"""

from __future__ import annotations

from celery import shared_task

from portals import bulk_links


@shared_task(acks_late=True)
def send_link_reminders() -> int:
    return bulk_links.send_scheduled_reminders()
