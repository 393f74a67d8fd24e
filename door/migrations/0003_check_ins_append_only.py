"""Check-ins are append-only, enforced by the database itself.

A trigger refuses every UPDATE of a check-in row, on PostgreSQL and SQLite,
except clearing `staff_id` alone (what deleting a user does). An undo is a
new row (door/models.py). DELETE stays allowed: it is what deleting an event
or an invite cascades to, and no code path deletes a check-in on its own
(tests/door/test_check_ins.py proves the refusal).
"""

from django.db import migrations

POSTGRES_FORWARD = [
    """
CREATE FUNCTION door_checkin_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.staff_id IS NULL
       AND (to_jsonb(NEW) - 'staff_id') = (to_jsonb(OLD) - 'staff_id') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'check-ins are append-only: UPDATE of check-in % refused', OLD.id
        USING ERRCODE = 'restrict_violation';
END;
$$
""",
    """
CREATE TRIGGER door_checkin_append_only
    BEFORE UPDATE ON door_checkin
    FOR EACH ROW EXECUTE FUNCTION door_checkin_append_only()
""",
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS door_checkin_append_only ON door_checkin",
    "DROP FUNCTION IF EXISTS door_checkin_append_only()",
]
SQLITE_FORWARD = [
    """
CREATE TRIGGER door_checkin_append_only
BEFORE UPDATE OF id, organization_id, event_id, invite_id, person, kind, delta, reverses_id,
    override, device, gate, note, client_ref, scanned_at, created_at
ON door_checkin
BEGIN
    SELECT RAISE(ABORT, 'check-ins are append-only');
END
"""
]
SQLITE_BACKWARD = ["DROP TRIGGER IF EXISTS door_checkin_append_only"]


def _run(schema_editor, by_vendor):
    for statement in by_vendor.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement, params=None)


def forward(apps, schema_editor):
    _run(schema_editor, {"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD})


def backward(apps, schema_editor):
    _run(schema_editor, {"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD})


class Migration(migrations.Migration):
    dependencies = [
        ("door", "0002_check_ins_and_grants"),
    ]

    operations = [
        migrations.RunPython(forward, backward, elidable=False),
    ]
