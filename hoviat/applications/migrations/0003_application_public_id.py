"""A random public id for each application, for the citizen's own page addresses (the
tracking code is personal data and stays out of URLs). Existing rows get one each: in one
UPDATE on PostgreSQL (gen_random_uuid, built in since 13), row by row elsewhere."""

import uuid

from django.db import migrations, models


def fill_public_ids(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "UPDATE applications_application SET public_id = gen_random_uuid() "
            "WHERE public_id IS NULL"
        )
        return
    Application = apps.get_model("applications", "Application")
    for pk in Application.objects.filter(public_id__isnull=True).values_list("pk", flat=True):
        Application.objects.filter(pk=pk).update(public_id=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [("applications", "0002_event_time_indexes")]

    operations = [
        migrations.AddField(
            model_name="application",
            name="public_id",
            field=models.UUIDField(editable=False, null=True, verbose_name="شناسه صفحه"),
        ),
        migrations.RunPython(fill_public_ids, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="application",
            name="public_id",
            field=models.UUIDField(
                default=uuid.uuid4, editable=False, unique=True, verbose_name="شناسه صفحه"
            ),
        ),
    ]
