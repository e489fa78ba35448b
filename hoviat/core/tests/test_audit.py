"""The audit log as a verifiable log: writers only insert, the sequencer numbers committed rows
into an RFC 9162 tree, checkpoints are signed outside the database and witnessed, and
`verify-audit` finds every kind of rewrite, even by someone who recomputes every stored hash."""

import base64
import datetime as dt
import threading
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from hoviat.core import audit_tree, merkle
from hoviat.core.audit import Actor, audit_many, audit_record
from hoviat.core.audit_tree import (
    AuditLogError,
    audit_checkpoint,
    audit_consistency_proof,
    audit_inclusion_proof,
    audit_rotate_key,
    audit_sequence,
    audit_unsequenced_count,
    audit_verify,
)
from hoviat.core.models import AuditCheckpoint, AuditEntry, AuditNode, AuditTree
from hoviat.core.signed_note import Checkpoint, Signer, checkpoint_parse, note_open

pytestmark = pytest.mark.django_db


def record_some(count: int = 5, start: int = 1) -> list[AuditEntry]:
    return [
        audit_record(
            actor=None,
            action="test.event",
            object_type="test.thing",
            object_id=str(number),
            reason=f"دلیل {number}",
            data={"n": number, "کلید": "مقدار"},
        )
        for number in range(start, start + count)
    ]


def rebuild_the_database_side():
    """What someone with write access to the database but not the key can do: forget every
    leaf number, stored hash, tree and checkpoint and sequence the rows again, so that the
    database agrees with itself perfectly."""
    AuditEntry.objects.update(leaf_index=None, leaf_hash="")
    AuditNode.objects.all().delete()
    AuditTree.objects.all().delete()
    AuditCheckpoint.objects.all().delete()
    while audit_sequence().sequenced:
        pass


def verdict_fails(problem_part: str, **expect):
    verdict = audit_verify()
    assert not verdict.ok
    assert problem_part in verdict.problem
    for name, value in expect.items():
        assert getattr(verdict, name) == value, (name, verdict)
    return verdict


# --- Writers --------------------------------------------------------------------------------------


def test_a_row_is_only_inserted_and_waits_for_the_sequencer():
    entries = record_some(3)
    assert [e.leaf_index for e in entries] == [None, None, None]
    assert audit_unsequenced_count() == 3
    result = audit_sequence()
    assert result.sequenced == 3
    numbered = list(AuditEntry.objects.order_by("id").values_list("leaf_index", flat=True))
    assert numbered == [0, 1, 2]
    assert audit_unsequenced_count() == 0


def test_a_user_a_system_and_a_named_actor_are_recorded(nasrin):
    audit_record(actor=nasrin, action="a")
    audit_record(actor=None, action="b")
    audit_record(actor=Actor("partner", "7", "بانک ملی"), action="c")
    rows = list(AuditEntry.objects.values_list("actor_kind", "actor_id", "actor_label"))
    assert rows == [
        ("user", str(nasrin.pk), nasrin.username),
        ("system", "", "سامانه"),
        ("partner", "7", "بانک ملی"),
    ]


def test_many_rows_at_once_are_the_rows_one_by_one_would_be(nasrin):
    rows = [
        {"action": "x.moved", "object_type": "t", "object_id": n, "to_state": "b", "data": {"n": n}}
        for n in range(50)
    ]
    assert audit_many(actor=nasrin, rows=rows) == 50
    stored = list(AuditEntry.objects.order_by("id"))
    assert [e.object_id for e in stored] == [str(n) for n in range(50)]
    assert all(e.data == {"n": int(e.object_id)} and e.actor_id == str(nasrin.pk) for e in stored)
    assert audit_many(actor=nasrin, rows=[]) == 0
    assert audit_log_verifies()


def audit_log_verifies() -> bool:
    audit_checkpoint()
    verdict = audit_verify()
    assert verdict.ok, verdict.problem
    return True


def test_rich_data_verifies_once_stored():
    audit_record(
        actor=None,
        action="rich",
        data={
            "when": timezone.now(),
            "day": dt.date(2026, 3, 21),
            "amount": Decimal("1250000.50"),
            "nested": {"z": [1, 2.5, None, True], "a": "فارسی"},
            "big": 10**20,
        },
    )
    assert audit_log_verifies()


@pytest.mark.parametrize("number", [1e16, 1e20, -3e17, 1.0, 1e-7, 2.0**70])
def test_large_floats_do_not_look_like_tampering_once_stored(number):
    audit_record(actor=None, action="float", data={"x": number})
    assert audit_log_verifies()


@pytest.mark.parametrize("number", [float("nan"), float("inf")])
def test_a_number_json_cannot_hold_is_refused_before_it_is_written(number):
    with pytest.raises(ValueError):
        audit_record(actor=None, action="float", data={"x": number})
    assert AuditEntry.objects.count() == 0


# --- Checkpoints and the witness ------------------------------------------------------------------


def test_a_checkpoint_is_a_signed_c2sp_note_in_the_database_and_the_witness(
    settings, audit_witness_dir, client
):
    assert client.get("/audit/checkpoint").status_code == 404
    record_some(5)
    result = audit_checkpoint()
    assert (result.sequenced, result.checkpoint, result.witnessed) == (5, 5, 5)
    stored = AuditCheckpoint.objects.get()
    lines = stored.note.split("\n")
    assert lines[0] == settings.AUDIT_LOG_ORIGIN
    assert lines[1] == "5"
    assert base64.b64decode(lines[2]) == bytes.fromhex(stored.root)
    assert lines[3].startswith("time ")
    assert lines[4] == ""
    assert lines[5].startswith("\u2014 " + settings.AUDIT_LOG_ORIGIN + " ")
    signer = Signer(settings.AUDIT_LOG_ORIGIN, settings.AUDIT_SIGNING_KEY)
    text, signers = note_open(stored.note, [signer.verifier])
    assert checkpoint_parse(text).size == 5 and signers == [signer.verifier]
    # The witness directory holds the same note, each leaf hash with its row, and the key.
    assert (audit_witness_dir / "checkpoint").read_text() == stored.note
    assert (audit_witness_dir / "checkpoints" / f"{5:020d}").read_text() == stored.note
    assert (audit_witness_dir / "leaf-hashes").stat().st_size == 5 * 32
    assert (audit_witness_dir / "keys").read_text().startswith(signer.verifier.vkey)
    # Outside witnesses fetch it.
    response = client.get("/audit/checkpoint")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response.content.decode() == stored.note
    # Nothing new: no new checkpoint. More rows: a new one.
    assert audit_checkpoint().checkpoint is None
    record_some(2, start=6)
    assert audit_checkpoint().checkpoint == 7
    assert audit_log_verifies()


def test_a_checkpoint_root_is_the_rfc_9162_root_of_the_leaves():
    record_some(300)
    audit_checkpoint()
    leaves = [
        bytes.fromhex(h)
        for h in AuditEntry.objects.order_by("leaf_index").values_list("leaf_hash", flat=True)
    ]
    assert AuditTree.objects.get().root == merkle.root_of(leaves).hex()
    # The stored inner node of the first 256 leaves is theirs.
    node = AuditNode.objects.get(level=8, index=0)
    assert node.hash == merkle.perfect_root(leaves[:256]).hex()


def test_a_missing_witness_directory_is_a_clear_error(settings, tmp_path):
    settings.AUDIT_WITNESS_DIR = tmp_path / "nowhere"
    settings.AUDIT_WITNESS_DIR_CREATE = False
    record_some(1)
    with pytest.raises(AuditLogError, match="does not exist"):
        audit_checkpoint()
    with pytest.raises(AuditLogError, match="does not exist"):
        audit_verify()


def test_a_witness_directory_that_is_not_writable_is_a_clear_error(monkeypatch):
    # The suite may run as root, which writes through any mode: the check asks os.access.
    monkeypatch.setattr("hoviat.core.audit_tree.os.access", lambda path, mode: False)
    record_some(1)
    with pytest.raises(AuditLogError, match="not writable"):
        audit_checkpoint()
    assert not AuditCheckpoint.objects.exists()


def test_a_witness_directory_that_cannot_be_created_is_a_clear_error(settings, tmp_path):
    # Under a file, not a folder: refused even to root, whom no mode stops.
    (tmp_path / "a-file").write_text("")
    settings.AUDIT_WITNESS_DIR = tmp_path / "a-file" / "witness"
    settings.AUDIT_WITNESS_DIR_CREATE = True
    record_some(1)
    with pytest.raises(AuditLogError, match="cannot be created: Not a directory"):
        audit_checkpoint()
    assert not AuditCheckpoint.objects.exists()


def test_a_signing_key_changed_without_a_rotation_refuses_to_sign(settings):
    record_some(2)
    audit_checkpoint()
    settings.AUDIT_SIGNING_KEY = "another-key-that-nobody-recorded"
    record_some(1, start=3)
    with pytest.raises(AuditLogError, match="rotate-key"):
        audit_checkpoint()
    assert AuditCheckpoint.objects.count() == 1
    # Recorded, it signs from then on, and every checkpoint still verifies with its own key.
    audit_rotate_key()
    assert audit_checkpoint().checkpoint == 3
    assert audit_log_verifies()


def test_a_checkpoint_file_that_does_not_verify_is_named(audit_witness_dir):
    record_some(3)
    audit_checkpoint()
    note = audit_witness_dir / "checkpoints" / f"{3:020d}"
    note.write_text(note.read_text().replace("\n3\n", "\n2\n"))
    with pytest.raises(AuditLogError, match="does not verify"):
        audit_verify()


def test_the_newest_checkpoint_file_is_held_by_verify_audit_too(settings, audit_witness_dir):
    # `checkpoint` is the copy a process checks at start and outside witnesses may read:
    # verify-audit holds it against the signatures and against checkpoints/ as well.
    newest = audit_witness_dir / "checkpoint"
    record_some(2)
    audit_checkpoint()
    second = newest.read_text()
    record_some(1, start=3)
    audit_checkpoint()
    third = newest.read_text()
    assert audit_log_verifies()

    newest.write_text(third.replace("\n3\n", "\n4\n"))  # edited: its signature fails
    with pytest.raises(AuditLogError, match=r"checkpoint .*checkpoint does not verify"):
        audit_verify()

    # Signed with the log's own key, but of a history the witness never held.
    other = Checkpoint(settings.AUDIT_LOG_ORIGIN, 3, bytes(32))
    newest.write_text(audit_tree.audit_signer().sign(other.text()))
    with pytest.raises(AuditLogError, match=r"\(3 leaves\) is none of the checkpoints"):
        audit_verify()

    # An older one of its own, as after a crash between the witness's two writes (a note,
    # then its copy): it verifies, and the next sequencing mends it.
    newest.write_text(second)
    assert audit_log_verifies()
    audit_checkpoint()
    assert newest.read_text() == third

    newest.unlink()
    with pytest.raises(
        AuditLogError, match=r"checkpoint is missing \(the newest .* is of 3 leaves"
    ):
        audit_verify()
    with pytest.raises(CommandError, match="is missing"):
        call_command("verify_audit", stdout=StringIO())
    audit_checkpoint()
    assert newest.read_text() == third
    assert audit_log_verifies()


def test_the_witness_catches_up_after_a_crash_between_commit_and_witness(audit_witness_dir):
    record_some(4)
    audit_checkpoint()
    (audit_witness_dir / "leaf-hashes").write_bytes(
        (audit_witness_dir / "leaf-hashes").read_bytes()[:64]
    )
    (audit_witness_dir / "leaf-rows").write_bytes(
        (audit_witness_dir / "leaf-rows").read_bytes()[:16]
    )
    record_some(1, start=5)
    assert audit_checkpoint().witnessed == 3
    assert audit_log_verifies()


# --- Verification ---------------------------------------------------------------------------------


def test_an_empty_log_and_an_intact_log_verify():
    assert audit_verify().ok
    record_some(10)
    assert audit_log_verifies()


def test_editing_a_row_is_named_even_with_every_stored_hash_recomputed():
    entries = record_some(6)
    audit_checkpoint()
    AuditEntry.objects.filter(pk=entries[2].pk).update(reason="چیز دیگری")
    rebuild_the_database_side()
    verdict_fails("edited", bad_leaf=2, bad_row=entries[2].pk)


def test_editing_a_row_without_recomputing_is_named():
    entries = record_some(6)
    audit_checkpoint()
    AuditEntry.objects.filter(pk=entries[4].pk).update(data={"n": 99})
    verdict_fails("edited", bad_leaf=4, bad_row=entries[4].pk)


def test_deleting_a_row_is_named():
    entries = record_some(6)
    audit_checkpoint()
    AuditEntry.objects.filter(pk=entries[1].pk).delete()
    rebuild_the_database_side()
    verdict = verdict_fails("deleted, inserted or moved", bad_leaf=1)
    assert f"was row {entries[1].pk}" in verdict.problem


def test_inserting_a_row_into_the_past_is_named():
    entries = record_some(4)
    audit_checkpoint()
    forged = AuditEntry.objects.create(
        at=entries[0].at, actor_kind="system", action="forged", data={}
    )
    # Renumbered so that the forged row sits second, everything rehashed.
    AuditEntry.objects.update(leaf_index=None)
    for leaf, entry in enumerate([entries[0], forged, *entries[1:]]):
        AuditEntry.objects.filter(pk=entry.pk).update(leaf_index=leaf + 100)
    AuditEntry.objects.update(leaf_index=None)
    rebuild_the_database_side()  # by id order: the forged row is last, and detected as extra
    verdict = audit_verify()
    # The witnessed four are intact; the fifth is a new row appended now, which is allowed.
    assert verdict.ok
    # Moving it into the past is not.
    AuditEntry.objects.update(leaf_index=None, leaf_hash="")
    order = [entries[0], forged, *entries[1:]]
    for leaf, entry in enumerate(order):
        AuditEntry.objects.filter(pk=entry.pk).update(leaf_index=leaf)
    verdict_fails("deleted, inserted or moved", bad_leaf=1, bad_row=forged.pk)


def test_reordering_rows_is_named():
    entries = record_some(5)
    audit_checkpoint()
    AuditEntry.objects.filter(pk=entries[3].pk).update(leaf_index=None)
    AuditEntry.objects.filter(pk=entries[2].pk).update(leaf_index=3)
    AuditEntry.objects.filter(pk=entries[3].pk).update(leaf_index=2)
    verdict_fails("deleted, inserted or moved", bad_leaf=2, bad_row=entries[3].pk)


def test_a_database_restored_to_before_the_newest_checkpoint_is_a_rollback_naming_the_rows():
    first = record_some(3)
    audit_checkpoint()
    later = record_some(4, start=4)
    audit_checkpoint()
    # The database as it was at the first checkpoint: the later rows and checkpoint gone.
    AuditEntry.objects.filter(pk__in=[e.pk for e in later]).delete()
    AuditCheckpoint.objects.filter(size=7).delete()
    AuditNode.objects.all().delete()
    AuditTree.objects.all().delete()
    AuditEntry.objects.update(leaf_index=None, leaf_hash="")
    while audit_sequence().sequenced:
        pass
    verdict = verdict_fails("rolled back", bad_leaf=3)
    assert verdict.missing_rows == [e.pk for e in later]
    assert all(str(e.pk) in verdict.problem for e in later)
    assert [e.pk for e in first] == list(AuditEntry.objects.values_list("pk", flat=True))
    # And the sequencer refuses to feed the witness a history that ends earlier.
    record_some(1, start=8)
    with pytest.raises(AuditLogError, match=r"older than its witness|different history"):
        audit_checkpoint()


def test_a_different_history_is_a_fork(audit_witness_dir):
    record_some(4)
    audit_checkpoint()
    # Another database (a fork) with its own four rows signs with the same key.
    AuditEntry.objects.all().delete()
    AuditTree.objects.all().delete()
    AuditNode.objects.all().delete()
    AuditCheckpoint.objects.all().delete()
    record_some(4, start=50)
    with pytest.raises(AuditLogError, match="different history"):
        audit_checkpoint()
    verdict_fails("deleted, inserted or moved", bad_leaf=0)


def test_the_witness_leaf_hashes_are_held_against_the_signed_checkpoints(audit_witness_dir):
    record_some(3)
    audit_checkpoint()
    hashes = bytearray((audit_witness_dir / "leaf-hashes").read_bytes())
    hashes[0] ^= 1
    (audit_witness_dir / "leaf-hashes").write_bytes(bytes(hashes))
    verdict = audit_verify()
    assert not verdict.ok and verdict.bad_leaf == 0


def test_rows_left_unsequenced_too_long_are_reported(settings):
    entries = record_some(2)
    audit_checkpoint()
    stale = audit_record(actor=None, action="late")
    AuditEntry.objects.filter(pk=stale.pk).update(at=timezone.now() - dt.timedelta(hours=1))
    fresh = audit_record(actor=None, action="fresh")
    verdict = verdict_fails("waited more than")
    assert verdict.stale_unsequenced == [stale.pk]
    assert verdict.unsequenced == 2 and fresh.pk not in verdict.stale_unsequenced
    assert entries


# --- Proofs and the commands ----------------------------------------------------------------------


def test_inclusion_and_consistency_proofs_verify_against_the_checkpoints():
    entries = record_some(300)
    audit_checkpoint()
    more = record_some(700, start=301)
    audit_checkpoint()
    for entry in (entries[0], entries[257], more[-1]):
        proof = audit_inclusion_proof(entry.pk)
        assert proof.size == 1000
        assert merkle.inclusion_verify(
            proof.leaf_index, proof.size, proof.leaf_hash, proof.path, proof.root
        )
    consistency = audit_consistency_proof(300, 1000)
    assert merkle.consistency_verify(
        300,
        1000,
        bytes.fromhex(consistency.old.root),
        bytes.fromhex(consistency.new.root),
        consistency.path,
    )
    with pytest.raises(AuditLogError, match="no checkpoint of 301"):
        audit_consistency_proof(301, 1000)


def test_a_row_not_yet_in_a_checkpoint_has_no_proof():
    entry = record_some(1)[0]
    with pytest.raises(AuditLogError, match="not in a checkpoint"):
        audit_inclusion_proof(entry.pk)
    with pytest.raises(AuditLogError, match="no audit row"):
        audit_inclusion_proof(entry.pk + 1000)


def test_the_commands_checkpoint_prove_and_verify():
    entries = record_some(5)
    out = StringIO()
    call_command("audit", "checkpoint", stdout=out)
    assert "Sequenced 5 rows; signed a checkpoint of 5 leaves" in out.getvalue()
    out = StringIO()
    call_command("audit", "prove", str(entries[3].pk), stdout=out)
    assert "leaf index 3" in out.getvalue() and "The proof verifies" in out.getvalue()
    record_some(3, start=6)
    call_command("audit", "checkpoint", stdout=StringIO())
    out = StringIO()
    call_command("audit", "consistency", "5", "8", stdout=out)
    assert "The proof verifies" in out.getvalue()
    out = StringIO()
    call_command("verify_audit", stdout=out)
    assert "Audit log intact: 8 leaves" in out.getvalue()
    AuditEntry.objects.filter(pk=entries[1].pk).update(action="edited")
    with pytest.raises(CommandError, match=f"at leaf 1 \\(row {entries[1].pk}\\)"):
        call_command("verify_audit", stdout=StringIO())


def test_the_sweep_command_checkpoints_what_the_sweeps_wrote():
    record_some(2)
    out = StringIO()
    call_command("sweep", stdout=out)
    assert "audit: sequenced" in out.getvalue()
    assert audit_unsequenced_count() == 0 and AuditCheckpoint.objects.exists()


# --- Concurrency (PostgreSQL) ---------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_writers_never_wait_for_the_sequencer_and_an_uncommitted_row_is_numbered_later():
    record_some(3)
    started, release = threading.Event(), threading.Event()
    late_id = []

    def slow_writer():
        with transaction.atomic():
            late_id.append(audit_record(actor=None, action="late").pk)
            started.set()
            release.wait(10)
        connection.close()

    writer = threading.Thread(target=slow_writer)
    writer.start()
    started.wait(10)
    record_some(2, start=10)  # committed after the slow row's id was taken
    assert audit_checkpoint().sequenced == 5
    release.set()
    writer.join()
    assert audit_checkpoint().sequenced == 1
    late = AuditEntry.objects.get(pk=late_id[0])
    assert late.leaf_index == 5  # numbered in the order it committed, after higher ids
    assert audit_log_verifies()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sequencers_and_many_writers_at_once_leave_one_contiguous_tree():
    errors = []

    def write(n):
        try:
            for i in range(40):
                audit_record(actor=None, action="w", object_id=f"{n}-{i}")
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    def sequence():
        try:
            for _ in range(20):
                audit_checkpoint()
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    threads += [threading.Thread(target=sequence) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    audit_checkpoint()
    leaves = sorted(AuditEntry.objects.values_list("leaf_index", flat=True))
    assert leaves == list(range(240))
    assert audit_log_verifies()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_hashing_on_parallel_connections_finds_an_edit_many_chunks_in(monkeypatch):
    monkeypatch.setattr(audit_tree, "_VERIFY_CHUNK", 256)  # many chunks from a small log
    actor = Actor("system", "", "سامانه")
    audit_many(actor=actor, rows=[{"action": "a", "data": {"n": n}} for n in range(300)])
    audit_checkpoint()  # a checkpoint inside the second chunk
    audit_many(actor=actor, rows=[{"action": "b", "data": {"n": n}} for n in range(900)])
    audit_checkpoint()
    verdict = audit_verify(workers=2)
    assert verdict.ok and verdict.checked == 1200, verdict.problem
    edited = AuditEntry.objects.get(leaf_index=1000)
    AuditEntry.objects.filter(pk=edited.pk).update(actor_label="کس دیگری")
    rebuild_the_database_side()
    verdict = audit_verify(workers=2)
    assert not verdict.ok and "edited" in verdict.problem
    assert (verdict.bad_leaf, verdict.bad_row, verdict.checked) == (1000, edited.pk, 1000)


def test_parallel_hashing_never_loses_a_job_to_a_reader_ahead_of_the_workers(monkeypatch):
    # The reader used to take each job's future out of the table before waiting for it, so a
    # reader that got ahead of the workers took one no worker had reached yet; that worker
    # found it gone and died, and `hoviat verify-audit` (and this suite, now and then) waited
    # for ever. Instant jobs make the reader get ahead at once: 200 runs of 100 jobs hung in
    # the first few. The runs go in a thread of their own, so that a hang fails the test.
    monkeypatch.setattr(
        audit_tree, "_recomputed", lambda first, end, stored: (end - first, b"", b"")
    )
    jobs = [(n, n + 1, False) for n in range(100)]
    counts: list[int] = []

    def runs() -> None:
        for _ in range(200):
            with audit_tree._in_threads(jobs, 2) as results:
                counts.extend(count for count, _, _ in results)

    runner = threading.Thread(target=runs, daemon=True)
    runner.start()
    runner.join(60)
    assert not runner.is_alive(), "a result never came: a worker died"
    assert counts == [1] * 100 * 200


# --- The migration from the hash chain ------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_old_chain_becomes_the_first_leaves_in_its_order():
    import hashlib
    import json

    executor = MigrationExecutor(connection)
    executor.migrate([("core", "0004_idempotency_headers")])
    old_apps = executor.loader.project_state([("core", "0004_idempotency_headers")]).apps
    OldEntry = old_apps.get_model("core", "AuditEntry")
    OldHead = old_apps.get_model("core", "AuditHead")
    prev = "0" * 64
    at = timezone.now()
    for n in range(1, 301):
        fields = {
            "id": n,
            "at": at.isoformat(timespec="microseconds"),
            "actor_kind": "system",
            "actor_id": "",
            "actor_label": "سامانه",
            "action": "old.event",
            "object_type": "t",
            "object_id": str(n),
            "from_state": "",
            "to_state": "",
            "reason": "",
            "data": {"n": n},
        }
        canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        digest = hashlib.sha256((prev + canonical).encode()).hexdigest()
        OldEntry.objects.create(
            id=n,
            at=at,
            actor_kind="system",
            actor_label="سامانه",
            action="old.event",
            object_type="t",
            object_id=str(n),
            data={"n": n},
            prev_hash=prev,
            hash=digest,
        )
        prev = digest
    OldHead.objects.create(pk=1, last_id=300, last_hash=prev, count=300)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    rows = list(AuditEntry.objects.order_by("id").values_list("id", "leaf_index"))
    assert rows == [(n, n - 1) for n in range(1, 301)]
    assert AuditTree.objects.get().size == 300
    new = audit_record(actor=None, action="after.migration")
    assert new.pk == 301  # the id sequence continues after the old rows
    assert audit_log_verifies()
    AuditEntry.objects.all().delete()
    AuditTree.objects.all().delete()
    AuditNode.objects.all().delete()
    AuditCheckpoint.objects.all().delete()


def test_a_process_checks_the_witness_and_key_before_it_starts(settings, audit_witness_dir):
    from hoviat.core.audit_tree import audit_ready

    audit_ready()
    record_some(2)
    audit_checkpoint()
    audit_ready()
    newest = audit_witness_dir / "checkpoint"
    newest.write_text(newest.read_text().replace("\n2\n", "\n3\n"))
    with pytest.raises(AuditLogError, match="does not verify"):
        audit_ready()
    settings.AUDIT_SIGNING_KEY = "a-different-key-nobody-recorded"
    with pytest.raises(AuditLogError, match="rotate-key"):
        audit_ready()
    settings.AUDIT_WITNESS_DIR = audit_witness_dir / "gone"
    settings.AUDIT_WITNESS_DIR_CREATE = False
    with pytest.raises(AuditLogError, match="does not exist"):
        audit_ready()
