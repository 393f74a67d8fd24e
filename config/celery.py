"""The Celery app. Tasks live in each app's tasks.py and take ids, never rows."""

import os
from typing import Any

from celery import Celery
from celery.signals import task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("artsvp", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
def _drop_stale_database_connections(task: Any = None, **kwargs: Any) -> None:
    """CELERY_DB_REUSE_MAX keeps a worker's database connection from task to
    task; before each task, drop it if it broke (a database restart) or
    outlived CONN_MAX_AGE, as Django does before each request. Never one a
    caller's transaction is open on (a task run in-process)."""
    if task is None or task.request.is_eager:
        return
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()
