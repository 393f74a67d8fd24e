"""Hand-written SQL takes its columns from the models and its JSON from the schema.

Each list is compared with the model's concrete columns minus the documented
exclusions, so a field added to a model and missed by the SQL fails here, on
SQLite too, instead of on PostgreSQL in production.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from ninja.responses import NinjaJSONEncoder

from credits import ledger
from credits.models import CreditEntry, CreditKind
from invites import api, bulk
from invites.models import Invite, InviteBatch
from invites.services import GuestInput, generate_invites, generate_organizer_invites
from portals.models import Portal
from tests.conftest import give_credits
from tests.invites.helpers import assign


def columns(model: Any, *, without: set[str]) -> list[str]:
    return [field.column for field in model._meta.concrete_fields if field.column not in without]


def test_the_ledger_writes_every_entry_column_but_the_id() -> None:
    assert list(ledger.ENTRY_COLUMNS) == columns(CreditEntry, without={"id"})
    listed = re.search(r"\((.*?)\) VALUES", ledger._INSERT_ENTRY)
    assert listed is not None
    assert listed.group(1).split(", ") == list(ledger.ENTRY_COLUMNS)


def test_an_entry_column_the_ledger_does_not_set_has_a_default() -> None:
    for field in CreditEntry._meta.concrete_fields:
        if field.primary_key or field.attname in ledger.ENTRY_WRITTEN:
            continue
        # A new column without a default would need the ledger to set it.
        assert field.get_default() is not None or field.null, (
            f"the ledger must set CreditEntry.{field.name}"
        )
    assert {field.attname for field in CreditEntry._meta.concrete_fields} >= ledger.ENTRY_WRITTEN


def test_the_invite_copy_names_every_column_but_the_id_once() -> None:
    assert sorted(bulk.COPY_COLUMNS) == sorted(columns(Invite, without={"id"}))
    assert len(set(bulk.COPY_COLUMNS)) == len(bulk.COPY_COLUMNS)


def test_an_invite_column_the_copy_does_not_set_takes_the_fields_default() -> None:
    supplied = {*bulk.BATCH_VALUES, *bulk.ROW_VALUES}
    assert supplied <= {field.attname for field in Invite._meta.concrete_fields}
    for field in Invite._meta.concrete_fields:
        if field.primary_key or field.attname in supplied:
            continue
        # Blank strings count: their default is "".
        assert field.get_default() is not None or field.null, (
            f"insert_invites must set Invite.{field.name}"
        )


def test_the_batch_json_has_exactly_the_schemas_fields_in_order() -> None:
    keys = re.findall(r"(?:\(|, )'(\w+)', ", api._BATCH_JSON_SQL.split("json_build_object", 1)[1])
    assert keys == list(api.InviteOut.model_fields)


@pytest.mark.postgres
@pytest.mark.django_db
def test_copied_invites_equal_invites_the_orm_creates(org: Any, event: Any) -> None:
    batch = InviteBatch.objects.create(
        organization=org, event=event, method=InviteBatch.Method.API, size=1
    )
    now = timezone.now()
    row = bulk.InviteRow(guest_name="Ada", guest_email="ada@example.com", tags=["vip"])
    bulk.insert_invites(
        [row],
        organization_id=org.pk,
        event_id=event.pk,
        batch_id=batch.pk,
        portal_id=None,
        shared_with_organizer=False,
        now=now,
    )
    copied = Invite.objects.get(batch=batch)
    made = Invite.objects.create(
        organization=org,
        event=event,
        batch=batch,
        guest_name="Ada",
        guest_email="ada@example.com",
        tags=["vip"],
    )
    differ = {"id", "public_id", "token", "created_at", "updated_at"}
    for field in Invite._meta.concrete_fields:
        if field.attname not in differ:
            assert getattr(copied, field.attname) == getattr(made, field.attname), field.name


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_batch_json_from_sql_equals_the_schemas_python_form(portal: Portal) -> None:
    give_credits(portal.organization, invite=3)
    assign(portal)
    for batch, portal_id in (
        (
            generate_invites(
                portal,
                [GuestInput(name="Ada", email="ada@example.com", tags=["vip"])],
                blank=1,
                method=InviteBatch.Method.API,
            ),
            portal.public_id,
        ),
        (
            generate_organizer_invites(
                portal.group.event, [GuestInput(name="Bea")], method=InviteBatch.Method.API
            ),
            None,
        ),
    ):
        event_id = portal.group.event.public_id
        from_sql = json.loads(api._invites_json(batch, event_id=event_id, portal_id=portal_id))
        invites = Invite.objects.filter(batch=batch).select_related("event", "portal", "batch")
        expected = json.loads(
            json.dumps([api.invite_out(i) for i in invites.order_by("id")], cls=NinjaJSONEncoder)
        )
        assert from_sql == expected


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_ledgers_one_statement_path_writes_the_whole_entry(org: Any) -> None:
    give_credits(org, invite=5)
    with transaction.atomic():
        entry = ledger.consume(
            org, CreditKind.INVITE, 2, reason=CreditEntry.Reason.ADJUSTMENT, idempotency_key="k1"
        )
    stored = CreditEntry.objects.get(pk=entry.pk)
    for field in CreditEntry._meta.concrete_fields:
        assert getattr(entry, field.attname) == getattr(stored, field.attname), field.name
