"""Migration 0002 keeps the rows written before it meaningful: an invite's
email still points at its invite, keeps its words and its reply-to."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("deliveries", "0001_initial")]
AFTER = [("deliveries", "0002_generic_outbox")]


def migrate(targets: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_invite_rows_keep_their_invite_words_and_reply_to(portal_invite: Any, org: Any) -> None:
    old = migrate(BEFORE)
    Delivery = old.get_model("deliveries", "Delivery")
    invite_email = Delivery.objects.create(
        organization_id=org.pk,
        template="invite",
        recipient="ada@example.com",
        invite_id=portal_invite.pk,
        subject="Hi {{ name }}",
        message="Come!",
        context={},
    )
    other = Delivery.objects.create(
        organization_id=org.pk,
        template="team-invitation",
        recipient="x@example.com",
        context={"invitation_id": 7},
    )

    new = migrate(AFTER)
    Delivery = new.get_model("deliveries", "Delivery")
    ContentType = new.get_model("contenttypes", "ContentType")
    migrated = Delivery.objects.get(pk=invite_email.pk)
    invite_type = ContentType.objects.get(app_label="invites", model="invite")
    assert (migrated.content_type_id, migrated.object_id) == (invite_type.pk, portal_invite.pk)
    assert migrated.context == {"subject": "Hi {{ name }}", "message": "Come!"}
    assert migrated.reply_to == "owner@galerie-nord.example"
    assert migrated.channel == "email"
    untouched = Delivery.objects.get(pk=other.pk)
    assert (untouched.content_type_id, untouched.object_id) == (None, None)
    assert untouched.context == {"invitation_id": 7}

    # And back: the invite column and its words return.
    old = migrate(BEFORE)
    Delivery = old.get_model("deliveries", "Delivery")
    restored = Delivery.objects.get(pk=invite_email.pk)
    assert (restored.invite_id, restored.subject, restored.message) == (
        portal_invite.pk,
        "Hi {{ name }}",
        "Come!",
    )
    assert restored.context == {}
    # Every app's latest migration again (not 0002: later ones add columns), for the next tests.
    call_command("migrate", verbosity=0)
