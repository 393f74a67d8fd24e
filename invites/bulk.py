"""Inserting a batch's invites in one statement.

A batch may hold 10,000 invites. Django's bulk_create builds a model instance
and prepares every field of every row in Python, which dominated the cost of
a large batch (about 1 s for 10,000). On PostgreSQL the rows are streamed with
COPY instead: plain tuples, no instances, one round trip. Other databases
(the embedded SQLite default) keep bulk_create.

Foreign keys are checked before `insert_invites` returns. Django declares
them DEFERRABLE INITIALLY DEFERRED, so PostgreSQL would otherwise check the
10,000 rows' references (organization, event, batch, portal, invite type) at
commit, taking their KEY SHARE locks and a good part of the batch's time
there, after the batch has locked its credit account to pay
(invites/services.py pays last so that it holds that lock only briefly).
"""

from __future__ import annotations

import enum
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection

from artsvp.ids import new_public_ids, new_secret_token
from invites.models import Invite


@dataclass(frozen=True)
class InviteRow:
    guest_name: str = ""
    guest_email: str = ""
    tags: Sequence[str] = ()
    metadata: dict[str, Any] | None = None
    plus_ones_allowed: int = 0
    label: str = ""
    invite_type_id: int | None = None
    golden: bool = False
    needs_approval: bool = False
    uses: int = 1
    language: str = ""


# The COPY's columns come from the model, so a new field cannot be left out:
# every concrete column but the id. The batch's own values, then each row's;
# every other column gets its field's default, evaluated once per batch or,
# for a callable default, once per row.
BATCH_VALUES = (
    "organization_id",
    "event_id",
    "batch_id",
    "portal_id",
    "shared_with_organizer",
    "created_at",
    "updated_at",
)
ROW_VALUES = (
    "public_id",
    "token",
    "guest_name",
    "guest_email",
    "tags",
    "metadata",
    "plus_ones_allowed",
    "label",
    "invite_type_id",
    "golden",
    "needs_approval",
    "uses",
    "language",
)
_FIELDS = {field.attname: field for field in Invite._meta.concrete_fields if not field.primary_key}
_DEFAULTED = [field for name, field in _FIELDS.items() if name not in {*BATCH_VALUES, *ROW_VALUES}]
_BATCH_DEFAULTS = [field for field in _DEFAULTED if not callable(field.default)]
_ROW_DEFAULTS = [field for field in _DEFAULTED if callable(field.default)]
COPY_COLUMNS = tuple(
    _FIELDS[name].column
    for name in (
        *BATCH_VALUES,
        *(field.attname for field in _BATCH_DEFAULTS),
        *ROW_VALUES,
        *(field.attname for field in _ROW_DEFAULTS),
    )
)


def insert_invites(
    rows: Sequence[InviteRow],
    *,
    organization_id: int,
    event_id: int,
    batch_id: int,
    portal_id: int | None,
    shared_with_organizer: bool,
    now: datetime,
) -> None:
    """Insert one invite per row, each with a fresh public id and secret token;
    their foreign keys are checked by the time it returns."""
    public_ids = new_public_ids(len(rows))
    if connection.vendor == "postgresql":
        batch_values = (
            organization_id,
            event_id,
            batch_id,
            portal_id,
            shared_with_organizer,
            now,
            now,
        )
        _copy(rows, public_ids, batch_values)
        # The deferred foreign-key checks of the rows just copied (and of
        # anything else this transaction wrote so far) run now, before the
        # caller pays, instead of at commit (see the module docstring).
        connection.check_constraints()
        return
    Invite.objects.bulk_create(
        [
            Invite(
                organization_id=organization_id,
                event_id=event_id,
                batch_id=batch_id,
                portal_id=portal_id,
                shared_with_organizer=shared_with_organizer,
                public_id=public_id,
                token=new_secret_token(),
                guest_name=row.guest_name,
                guest_email=row.guest_email,
                tags=list(row.tags),
                metadata=dict(row.metadata or {}),
                plus_ones_allowed=row.plus_ones_allowed,
                label=row.label,
                invite_type_id=row.invite_type_id,
                golden=row.golden,
                needs_approval=row.needs_approval,
                uses=row.uses,
                language=row.language,
            )
            for row, public_id in zip(rows, public_ids, strict=True)
        ],
        batch_size=2000,
    )


def _copy(rows: Sequence[InviteRow], public_ids: list[str], batch_values: tuple[Any, ...]) -> None:
    prefix = (
        *batch_values,
        *(_copy_value(field, field.get_default()) for field in _BATCH_DEFAULTS),
    )
    statement = f"COPY {Invite._meta.db_table} ({', '.join(COPY_COLUMNS)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row, public_id in zip(rows, public_ids, strict=True):
            copy.write_row(
                (
                    *prefix,
                    public_id,
                    new_secret_token(),
                    row.guest_name,
                    row.guest_email,
                    json.dumps(list(row.tags)),
                    json.dumps(row.metadata or {}),
                    row.plus_ones_allowed,
                    row.label,
                    row.invite_type_id,
                    row.golden,
                    row.needs_approval,
                    row.uses,
                    row.language,
                    *(_copy_value(field, field.get_default()) for field in _ROW_DEFAULTS),
                )
            )


def _copy_value(field: Any, value: Any) -> Any:
    """`value` as COPY takes it: JSON as its text, everything else as psycopg adapts it."""
    if field.get_internal_type() == "JSONField":
        return None if value is None else json.dumps(value)
    # A choices default (Invite.Status.CREATED) goes as its plain value.
    return value.value if isinstance(value, enum.Enum) else value
