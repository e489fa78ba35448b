"""The hash-chained audit log becomes a Merkle tree: the existing rows, checked against their
chain first, become the first leaves in their present order; the chain's columns and its
locked head go. The first `hoviat audit checkpoint` afterwards signs the whole tree."""

import hashlib
import json

from django.db import migrations, models
from django.db.models import Q

GENESIS = "0" * 64


def _chain_digest(prev_hash, entry):
    fields = {
        "id": entry.id,
        "at": entry.at.isoformat(timespec="microseconds"),
        "actor_kind": entry.actor_kind,
        "actor_id": entry.actor_id,
        "actor_label": entry.actor_label,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "from_state": entry.from_state,
        "to_state": entry.to_state,
        "reason": entry.reason,
        "data": entry.data,
    }
    canonical = json.dumps(
        fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    )
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def chain_to_tree(apps, schema_editor):
    from hoviat.core import merkle
    from hoviat.core.audit_tree import KEEP_LEVELS, _number_next

    AuditEntry = apps.get_model("core", "AuditEntry")
    AuditTree = apps.get_model("core", "AuditTree")
    AuditNode = apps.get_model("core", "AuditNode")
    connection = schema_editor.connection
    # Never bless a tampered history: the old chain must hold before its rows become leaves.
    prev = GENESIS
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=5000):
        if entry.prev_hash != prev or _chain_digest(prev, entry) != entry.hash:
            raise RuntimeError(
                f"audit row {entry.id} does not hold in the old hash chain; the log cannot "
                "become a Merkle tree until this is investigated (`hoviat verify-audit` on "
                "the previous release names the row)"
            )
        prev = entry.hash
    nodes = []
    frontier = merkle.Frontier(
        keep_levels=KEEP_LEVELS,
        on_node=lambda level, index, digest: nodes.append(
            AuditNode(level=level, index=index, hash=digest.hex())
        ),
    )
    while True:
        numbered = _number_next(frontier.size, 20_000)
        if not numbered:
            break
        frontier.extend(digest for _, _, digest in numbered)
    AuditNode.objects.bulk_create(nodes, batch_size=5000)
    AuditTree.objects.create(
        pk=1,
        size=frontier.size,
        root=frontier.root().hex(),
        frontier=[h.hex() for h in frontier.hashes],
    )
    if connection.vendor == "postgresql":
        # Rows were numbered by the old head, not the column's sequence: start it after them.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('core_auditentry', 'id'), "
                "COALESCE(MAX(id), 0) + 1, false) FROM core_auditentry"
            )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_idempotency_headers"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="leaf_index",
            field=models.BigIntegerField(blank=True, null=True, unique=True),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="leaf_hash",
            field=models.CharField(blank=True, max_length=64, default=""),
            preserve_default=False,
        ),
        migrations.CreateModel(
            name="AuditTree",
            fields=[
                (
                    "id",
                    models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False),
                ),
                ("size", models.BigIntegerField(default=0)),
                ("root", models.CharField(max_length=64)),
                ("frontier", models.JSONField(default=list)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
        ),
        migrations.CreateModel(
            name="AuditNode",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("level", models.PositiveSmallIntegerField()),
                ("index", models.BigIntegerField()),
                ("hash", models.CharField(max_length=64)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("level", "index"), name="audit_node_unique")
                ],
            },
        ),
        migrations.CreateModel(
            name="AuditCheckpoint",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("size", models.BigIntegerField(unique=True)),
                ("root", models.CharField(max_length=64)),
                ("at", models.DateTimeField()),
                ("note", models.TextField()),
            ],
            options={"ordering": ["size"]},
        ),
        migrations.RunPython(chain_to_tree, migrations.RunPython.noop),
        migrations.RemoveField(model_name="auditentry", name="prev_hash"),
        migrations.RemoveField(model_name="auditentry", name="hash"),
        migrations.DeleteModel(name="AuditHead"),
        migrations.AddIndex(
            model_name="auditentry",
            index=models.Index(
                condition=Q(leaf_index__isnull=True), fields=["id"], name="audit_unsequenced"
            ),
        ),
    ]
