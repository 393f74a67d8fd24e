"""The default bundle catalog (editable afterwards in the admin).

Bigger bundles cost less per credit. Existing rows with the same kind, size
and currency are left as they are, so re-running never overwrites a price an
operator changed.
"""

from decimal import Decimal

from django.db import migrations

# (kind, credits, price in EUR): the per-credit price falls as the bundle grows.
DEFAULT_BUNDLES = [
    ("portal", 5, "95.00"),  # 19.00 per portal
    ("portal", 10, "170.00"),  # 17.00
    ("portal", 25, "375.00"),  # 15.00
    ("portal", 50, "650.00"),  # 13.00
    ("portal", 100, "1100.00"),  # 11.00
    ("invite", 100, "30.00"),  # 0.30 per invite
    ("invite", 250, "65.00"),  # 0.26
    ("invite", 500, "110.00"),  # 0.22
    ("invite", 1000, "180.00"),  # 0.18
    ("invite", 5000, "600.00"),  # 0.12
]


def seed(apps, schema_editor):
    Bundle = apps.get_model("billing", "Bundle")
    for kind, credits, price in DEFAULT_BUNDLES:
        Bundle.objects.get_or_create(
            kind=kind, credits=credits, currency="EUR", defaults={"price": Decimal(price)}
        )


def unseed(apps, schema_editor):
    Bundle = apps.get_model("billing", "Bundle")
    for kind, credits, price in DEFAULT_BUNDLES:
        # Only the untouched defaults: a purchase keeps its own snapshot anyway.
        Bundle.objects.filter(
            kind=kind, credits=credits, currency="EUR", price=Decimal(price)
        ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("credits", "0002_entries_append_only"),
        ("billing", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(seed, unseed),
    ]
