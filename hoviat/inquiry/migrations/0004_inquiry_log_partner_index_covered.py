import django.db.models.deletion
from django.db import migrations, models

# The index Django made for the foreign key (the same name on PostgreSQL and SQLite). Dropped
# by name: AlterField would also drop the foreign key and add it back, and adding it back checks
# every row of the log while inserts wait. Dropping an index is quick.
INDEX = "inquiry_inquirylog_partner_id_74ead96f"


class Migration(migrations.Migration):
    dependencies = [
        ("inquiry", "0003_inquiry_log_subject_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="inquirylog",
                    name="partner",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="inquiry.partner",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{INDEX}"',
                    reverse_sql=f'CREATE INDEX "{INDEX}" ON "inquiry_inquirylog" ("partner_id")',
                ),
            ],
        ),
    ]
