"""Credit entries are append-only, enforced by the database itself.

PostgreSQL: a trigger refuses every DELETE and every UPDATE of an entry, with
one exception: clearing `actor_id` alone, which is what deleting a user does
(`on_delete=SET_NULL`). Nothing that carries money can change. TRUNCATE is
left alone: it is how the test runner empties tables, and only an operator
with a shell can issue it.

SQLite (development and the fast test run): a trigger refuses an UPDATE of
any column but `actor_id`. DELETE stays allowed there because Django empties
tables with DELETE between transactional tests; PostgreSQL is the
production database and the one whose refusal the tests prove. A later
migration that makes SQLite rebuild this table drops the trigger with the old
table: re-create it in that migration (tests/credits/test_invariants.py fails
if it goes missing).
"""

from django.db import migrations

POSTGRES_FORWARD = [
    """
CREATE FUNCTION credits_entry_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.actor_id IS NULL
       AND (to_jsonb(NEW) - 'actor_id') = (to_jsonb(OLD) - 'actor_id') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'credit entries are append-only: % of entry % refused', TG_OP, OLD.id
        USING ERRCODE = 'restrict_violation';
END;
$$
""",
    """
CREATE TRIGGER credits_entry_append_only
    BEFORE UPDATE OR DELETE ON credits_creditentry
    FOR EACH ROW EXECUTE FUNCTION credits_entry_append_only()
""",
]

POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS credits_entry_append_only ON credits_creditentry",
    "DROP FUNCTION IF EXISTS credits_entry_append_only()",
]

SQLITE_FORWARD = ["""
CREATE TRIGGER credits_entry_append_only
BEFORE UPDATE OF id, account_id, organization_id, kind, amount, balance_after, reason,
    idempotency_key, purchase_id, portal_id, invite_batch_id, memo, created_at
ON credits_creditentry
BEGIN
    SELECT RAISE(ABORT, 'credit entries are append-only: UPDATE refused');
END;
"""]

SQLITE_BACKWARD = ["DROP TRIGGER IF EXISTS credits_entry_append_only"]


def _run(schema_editor, by_vendor):
    # params=None: the SQL holds a literal "%" that must not be read as a placeholder.
    for statement in by_vendor.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement, params=None)


def forward(apps, schema_editor):
    _run(schema_editor, {"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD})


def backward(apps, schema_editor):
    _run(schema_editor, {"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD})


class Migration(migrations.Migration):
    dependencies = [
        ("credits", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(forward, backward, elidable=False),
    ]
