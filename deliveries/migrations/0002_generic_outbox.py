"""The outbox forgets invites: a generic reference and a channel.

`invite` becomes (`content_type`, `object_id`) pointing at the same invite;
the invite email's own words (`subject`, `message`) move into `context`,
where the invite email's context builder (invites/emails.py) reads them; and
the reply-to that the sender used to work out at send time (the portal
owner's address) is written on the rows still waiting, as invites/sending.py
now does when it queues them.
"""

from django.db import migrations, models
import django.db.models.deletion

BATCH = 1000


def forwards(apps, schema_editor):
    Delivery = apps.get_model("deliveries", "Delivery")
    ContentType = apps.get_model("contenttypes", "ContentType")
    rows = Delivery.objects.filter(invite__isnull=False)
    if not rows.exists():
        return
    invite_type, _ = ContentType.objects.get_or_create(app_label="invites", model="invite")
    changed = []
    for delivery in rows.select_related("invite__portal").iterator(chunk_size=BATCH):
        delivery.content_type_id = invite_type.pk
        delivery.object_id = delivery.invite_id
        if delivery.template == "invite":
            delivery.context = {
                **(delivery.context or {}),
                "subject": delivery.subject,
                "message": delivery.message,
            }
            portal = delivery.invite.portal
            if not delivery.reply_to and portal is not None and portal.owner_email:
                delivery.reply_to = portal.owner_email
        changed.append(delivery)
        if len(changed) >= BATCH:
            Delivery.objects.bulk_update(changed, ["content_type", "object_id", "context", "reply_to"])
            changed = []
    if changed:
        Delivery.objects.bulk_update(changed, ["content_type", "object_id", "context", "reply_to"])
    if schema_editor.connection.vendor == "postgresql":
        # The new foreign key is checked at commit (deferred): check it now, or
        # PostgreSQL refuses the ALTER TABLEs below ("pending trigger events").
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def backwards(apps, schema_editor):
    Delivery = apps.get_model("deliveries", "Delivery")
    ContentType = apps.get_model("contenttypes", "ContentType")
    invite_type = ContentType.objects.filter(app_label="invites", model="invite").first()
    if invite_type is None:
        return
    changed = []
    for delivery in Delivery.objects.filter(content_type=invite_type).iterator(chunk_size=BATCH):
        delivery.invite_id = delivery.object_id
        context = dict(delivery.context or {})
        delivery.subject = context.pop("subject", "")
        delivery.message = context.pop("message", "")
        delivery.context = context
        changed.append(delivery)
    Delivery.objects.bulk_update(changed, ["invite", "subject", "message", "context"], batch_size=BATCH)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("deliveries", "0001_initial"),
        ("invites", "0003_batch_request_hash"),
    ]

    operations = [
        migrations.AddField(
            model_name="delivery",
            name="channel",
            field=models.CharField(choices=[("email", "Email")], default="email", max_length=20),
        ),
        migrations.AddField(
            model_name="delivery",
            name="content_type",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="contenttypes.contenttype",
            ),
        ),
        migrations.AddField(
            model_name="delivery",
            name="object_id",
            field=models.PositiveBigIntegerField(blank=True, null=True),
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
        migrations.RemoveIndex(model_name="delivery", name="delivery_invite_newest"),
        migrations.RemoveField(model_name="delivery", name="invite"),
        migrations.RemoveField(model_name="delivery", name="subject"),
        migrations.RemoveField(model_name="delivery", name="message"),
        migrations.AddIndex(
            model_name="delivery",
            index=models.Index(
                fields=["content_type", "object_id", "-queued_at"], name="delivery_about_newest"
            ),
        ),
    ]
