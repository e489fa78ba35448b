"""A holder's own history reads the inquiry log by (subject_hash, at, id).

The log takes a bank's peak of inquiries every second and holds millions of rows: on
PostgreSQL the index is built CONCURRENTLY (no lock that stops the inserts while it builds),
hence a migration of its own outside a transaction. Elsewhere (SQLite) it is a plain index.
"""

from django.db import migrations, models

INDEX = models.Index(
    condition=models.Q(("subject_hash", ""), _negated=True),
    fields=["subject_hash", "-at", "-id"],
    name="inquiry_log_subject_at",
)


def _create(apps, schema_editor):
    model = apps.get_model("inquiry", "InquiryLog")
    if schema_editor.connection.vendor == "postgresql":
        sql = str(INDEX.create_sql(model, schema_editor, concurrently=True))
        schema_editor.execute(
            sql.replace("CREATE INDEX CONCURRENTLY", "CREATE INDEX CONCURRENTLY IF NOT EXISTS", 1)
        )
    else:
        schema_editor.add_index(model, INDEX)


def _drop(apps, schema_editor):
    model = apps.get_model("inquiry", "InquiryLog")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{INDEX.name}"')
    else:
        schema_editor.remove_index(model, INDEX)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("inquiry", "0002_holder_lock")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddIndex(model_name="inquirylog", index=INDEX)],
            database_operations=[migrations.RunPython(_create, _drop)],
        )
    ]
