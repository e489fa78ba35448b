"""The audit log as a verifiable log: sequencer, signed checkpoints, witness, proofs, verification.

Writers only insert rows (`hoviat.core.audit`). The sequencer, run by the worker every few
seconds and by `hoviat sweep`, takes the committed rows that have no leaf number yet, in id
order, numbers them after the last leaf and hashes each (RFC 9162: SHA-256(0x00 || leaf)),
extends the tree and signs a checkpoint with an Ed25519 key kept outside the database. Only the
sequencer locks the tree's row, so two sequencers at once take turns and the second finds
nothing left; writers never wait for it.

A leaf is the row's own columns, each as "<length>:<text>", in the order of `_LEAF_FIELDS`,
as the database spells them (PostgreSQL: the UTC time to the microsecond and JSONB's text;
SQLite: the stored text). PostgreSQL hashes leaves in SQL, so verifying ten million rows
reads no row into Python.

The witness directory (HOVIAT_AUDIT_WITNESS_DIR), outside the database, receives every leaf
hash with its row id (`leaf-hashes`, `leaf-rows`), every checkpoint note (`checkpoints/`) and
the verifier keys with the tree size from which each signs (`keys`). `audit_verify` recomputes
every leaf from its row and holds the result against the witness and the signed checkpoints:
an edited row (even with every stored hash recomputed), a deleted, inserted or moved row, a
database restored to before the newest witnessed checkpoint, and a different history (a fork)
are each named by the first leaf where they show.
"""

from __future__ import annotations

import bisect
import contextlib
import datetime as dt
import fcntl
import os
import struct
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from hoviat.core import merkle
from hoviat.core.models import AuditCheckpoint, AuditEntry, AuditNode, AuditTree
from hoviat.core.signed_note import (
    Checkpoint,
    NoteError,
    Signer,
    Verifier,
    checkpoint_parse,
    note_open,
)

KEEP_LEVELS = (8, 16, 24, 32)
_LEAF_FIELDS = (
    "id",
    "at",
    "actor_kind",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "from_state",
    "to_state",
    "reason",
    "data",
)
_HASHES = "leaf-hashes"
_ROWS = "leaf-rows"
_KEYS = "keys"
_CHECKPOINTS = "checkpoints"
_VERIFY_CHUNK = 65_536  # leaves per query when verifying: a multiple of 256


class AuditLogError(Exception):
    """The audit log cannot be sequenced, checkpointed or witnessed as configured."""


# --- Leaves ------------------------------------------------------------------------------------


def _leaf_text_sql(vendor: str, table: str = "", computed: bool = False) -> str:
    """SQL for a row's leaf text (the columns of `_LEAF_FIELDS`, length-prefixed).
    `computed` (PostgreSQL): the id, time and data spelled as text are read from the
    columns `leaf_id`, `leaf_at` and `leaf_data` of `_LEAF_COLUMNS_SQL`, each computed once
    rather than twice (for the length and the text)."""
    parts = []
    prefix = f"{table}." if table else ""
    for field_name in _LEAF_FIELDS:
        name = prefix + field_name
        if vendor == "postgresql":
            column = {
                "id": f"{name}::text",
                "at": f"""to_char({name} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')""",
                "data": f"{name}::text",
            }.get(field_name, name)
            if computed and field_name in _COMPUTED_AS:
                column = _COMPUTED_AS[field_name]
            parts.append(f"char_length({column})::text || ':' || {column}")
        else:
            column = f"CAST({name} AS TEXT)" if field_name == "id" else name
            parts.append(f"length({column}) || ':' || {column}")
    return " || '\n' || ".join(parts)


_COMPUTED_AS = {"id": "leaf_id", "at": "leaf_at", "data": "leaf_data"}
# PostgreSQL: a select list with the row's id, time and data spelled as text once, under the
# names `_leaf_text_sql(computed=True)` reads, and the other leaf columns as they are.
_LEAF_COLUMNS_SQL = ", ".join(
    [
        "id::text AS leaf_id",
        """to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS leaf_at""",
        "data::text AS leaf_data",
        *(name for name in _LEAF_FIELDS if name not in _COMPUTED_AS),
    ]
)


def _leaf_hash_sql(table: str = "", computed: bool = False) -> str:
    """PostgreSQL: the RFC 9162 leaf hash of a row, as bytea."""
    text = _leaf_text_sql("postgresql", table, computed)
    return f"sha256('\\x00'::bytea || convert_to({text}, 'UTF8'))"


def _leaf_hash_of_text(text: str) -> bytes:
    return merkle.leaf_hash(text.encode())


_TABLE = AuditEntry._meta.db_table


# --- The tree's state ----------------------------------------------------------------------------


def _tree_locked() -> AuditTree:
    tree = AuditTree.objects.select_for_update().filter(pk=1).first()
    if tree is None:
        AuditTree.objects.get_or_create(pk=1, defaults={"root": merkle.EMPTY_ROOT.hex()})
        tree = AuditTree.objects.select_for_update().get(pk=1)
    return tree


def _frontier_of(tree: AuditTree, on_node=None) -> merkle.Frontier:
    return merkle.Frontier(
        tree.size,
        [bytes.fromhex(h) for h in tree.frontier],
        keep_levels=KEEP_LEVELS,
        on_node=on_node,
    )


def _number_next(base: int, limit: int) -> list[tuple[int, int, bytes]]:
    """Give the next committed rows without a leaf number theirs; (leaf, row id, leaf hash)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Table and expressions come from the model and this module, never from input.
            cursor.execute(
                f"""
                WITH waiting AS (
                    SELECT id FROM {_TABLE} WHERE leaf_index IS NULL ORDER BY id LIMIT %s
                ), numbered AS (
                    SELECT id, %s + row_number() OVER (ORDER BY id) - 1 AS leaf FROM waiting
                )
                UPDATE {_TABLE} AS e
                SET leaf_index = numbered.leaf, leaf_hash = encode({_leaf_hash_sql("e")}, 'hex')
                FROM numbered WHERE e.id = numbered.id
                RETURNING e.leaf_index, e.id, e.leaf_hash
                """,  # noqa: S608  # nosec B608
                [limit, base],
            )
            numbered = [(leaf, row, bytes.fromhex(h)) for leaf, row, h in cursor.fetchall()]
            numbered.sort()
            return numbered
        cursor.execute(
            f"SELECT id, {_leaf_text_sql('sqlite')} FROM {_TABLE} "  # noqa: S608  # nosec B608
            "WHERE leaf_index IS NULL ORDER BY id LIMIT %s",
            [limit],
        )
        numbered = [
            (base + n, row, _leaf_hash_of_text(text))
            for n, (row, text) in enumerate(cursor.fetchall())
        ]
        cursor.executemany(
            f"UPDATE {_TABLE} SET leaf_index = %s, leaf_hash = %s WHERE id = %s",  # noqa: S608  # nosec B608
            [(leaf, digest.hex(), row) for leaf, row, digest in numbered],
        )
        return numbered


@dataclass
class SequenceResult:
    sequenced: int = 0
    size: int = 0
    root: str = ""
    checkpoint: int | None = None
    witnessed: int = 0
    errors: list[str] = field(default_factory=list)


def audit_sequence(*, batch: int | None = None) -> SequenceResult:
    """Number one batch of committed rows and extend the tree (one transaction)."""
    batch = batch or settings.AUDIT_SEQUENCE_BATCH
    with transaction.atomic():
        tree = _tree_locked()
        nodes: list[AuditNode] = []
        frontier = _frontier_of(
            tree,
            on_node=lambda level, index, digest: nodes.append(
                AuditNode(level=level, index=index, hash=digest.hex())
            ),
        )
        numbered = _number_next(tree.size, batch)
        if not numbered:
            return SequenceResult(0, tree.size, tree.root)
        frontier.extend(digest for _, _, digest in numbered)
        AuditNode.objects.bulk_create(nodes, ignore_conflicts=True)
        tree.size = frontier.size
        tree.frontier = [h.hex() for h in frontier.hashes]
        tree.root = frontier.root().hex()
        tree.save()
    return SequenceResult(len(numbered), tree.size, tree.root)


def audit_unsequenced_count() -> int:
    return AuditEntry.objects.filter(leaf_index__isnull=True).count()


# --- Signing and the witness directory -----------------------------------------------------------


def audit_signer() -> Signer:
    try:
        return Signer(settings.AUDIT_LOG_ORIGIN, settings.AUDIT_SIGNING_KEY)
    except NoteError as error:
        raise AuditLogError(f"HOVIAT_AUDIT_SIGNING_KEY: {error}") from None


def _witness_dir(*, create: bool = False) -> Path:
    path = Path(settings.AUDIT_WITNESS_DIR)
    if not path.is_dir():
        if create and settings.AUDIT_WITNESS_DIR_CREATE:
            try:
                path.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise AuditLogError(
                    f"the audit witness directory {path} cannot be created: {error.strerror}"
                ) from None
        else:
            raise AuditLogError(
                f"the audit witness directory {path} does not exist "
                "(create it on storage apart from the database, or set HOVIAT_AUDIT_WITNESS_DIR)"
            )
    if create and not os.access(path, os.W_OK | os.X_OK):
        raise AuditLogError(f"the audit witness directory {path} is not writable")
    try:
        (path / _CHECKPOINTS).mkdir(exist_ok=True)
    except OSError as error:
        raise AuditLogError(f"{path / _CHECKPOINTS} cannot be created: {error.strerror}") from None
    return path


@contextlib.contextmanager
def _witness_lock(path: Path) -> Iterator[None]:
    with open(path / ".lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass(frozen=True)
class KeyRecord:
    verifier: Verifier
    from_size: int


def witness_keys(path: Path) -> list[KeyRecord]:
    """The verifier keys recorded in the witness directory, oldest first."""
    keys_file = path / _KEYS
    if not keys_file.exists():
        return []
    records = []
    for number, line in enumerate(keys_file.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            vkey, from_size = line.split()
            records.append(KeyRecord(Verifier.from_vkey(vkey), int(from_size)))
        except (ValueError, NoteError) as error:
            raise AuditLogError(f"{keys_file}, line {number}: {error}") from None
    return records


def _append(path: Path, data: bytes) -> None:
    with open(path, "ab") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def audit_key_check(*, create: bool = False) -> Path:
    """The witness directory, checked: it exists (and is writable when `create`), and the
    signing key is the last one recorded there. A key that changed without `hoviat audit
    rotate-key` stops here, never signs."""
    path = _witness_dir(create=create)
    signer = audit_signer()
    records = witness_keys(path)
    if not records:
        if create:
            _append(path / _KEYS, f"{signer.verifier.vkey} 0\n".encode())
        return path
    if records[-1].verifier != signer.verifier:
        raise AuditLogError(
            "the audit signing key is not the one recorded in the witness directory "
            f"({records[-1].verifier.vkey}); if it was rotated on purpose, record it with "
            "`hoviat audit rotate-key`"
        )
    return path


def audit_ready() -> None:
    """What a process checks before it serves or sequences: the witness directory exists and is
    writable, the signing key loads and is the recorded one, and the witness's newest
    checkpoint verifies. Raises AuditLogError naming the problem."""
    path = audit_key_check(create=settings.AUDIT_WITNESS_DIR_CREATE)
    if not os.access(path, os.W_OK | os.X_OK):
        raise AuditLogError(f"the audit witness directory {path} is not writable")
    _witness_newest(path)


def _witness_newest(path: Path) -> Checkpoint | None:
    """The witness's newest checkpoint (its `checkpoint` file), verified; None before the first.
    One file, whatever the log's age: the sequencer reads it every few seconds."""
    newest = path / "checkpoint"
    if not newest.exists():
        return None
    records = witness_keys(path)
    try:
        text, _ = note_open(newest.read_text(encoding="utf-8"), [r.verifier for r in records])
        return checkpoint_parse(text)
    except (NoteError, UnicodeDecodeError) as error:
        raise AuditLogError(f"checkpoint {newest} does not verify: {error}") from None


def audit_rotate_key() -> str:
    """Record the current signing key in the witness directory, from the current tree size."""
    path = _witness_dir(create=True)
    signer = audit_signer()
    records = witness_keys(path)
    if records and records[-1].verifier == signer.verifier:
        raise AuditLogError("this signing key is already the recorded one")
    size = AuditTree.objects.filter(pk=1).values_list("size", flat=True).first() or 0
    with _witness_lock(path):
        _append(path / _KEYS, f"{signer.verifier.vkey} {size}\n".encode())
    return signer.verifier.vkey


def _witness_size(path: Path) -> int:
    hashes = path / _HASHES
    return hashes.stat().st_size // 32 if hashes.exists() else 0


def _witness_sync(path: Path) -> int:
    """Bring the witness up to the database's newest checkpoint; the leaves it gained."""
    with _witness_lock(path):
        size = _witness_size(path)
        rows_file = path / _ROWS
        if (rows_file.stat().st_size // 8 if rows_file.exists() else 0) != size:
            raise AuditLogError(f"{path}: {_HASHES} and {_ROWS} hold different numbers of leaves")
        newest = AuditCheckpoint.objects.order_by("-size").first()
        if newest is None:
            return 0
        if size > newest.size:
            raise AuditLogError(
                f"the witness holds {size} leaves, the database's newest checkpoint "
                f"{newest.size}: the database is older than its witness (restored from an "
                "old backup?); run `hoviat verify-audit`"
            )
        gained = 0
        # The witness must continue the history it holds: its newest checkpoint must be one
        # of the database's, with the same root.
        last = _witness_newest(path)
        if (
            last is not None
            and not AuditCheckpoint.objects.filter(size=last.size, root=last.root.hex()).exists()
        ):
            raise AuditLogError(
                f"the database has no checkpoint matching the witness's checkpoint of "
                f"{last.size} leaves: a different history; run `hoviat verify-audit`"
            )
        if size < newest.size:
            leaves = (
                AuditEntry.objects.filter(leaf_index__gte=size, leaf_index__lt=newest.size)
                .order_by("leaf_index")
                .values_list("leaf_index", "id", "leaf_hash")
            )
            hashes, rows = bytearray(), bytearray()
            expected = size
            for leaf, row, digest in leaves.iterator(chunk_size=10_000):
                if leaf != expected:
                    raise AuditLogError(f"leaf {expected} is missing from the database")
                hashes += bytes.fromhex(digest)
                rows += struct.pack(">Q", row)
                expected += 1
            if expected != newest.size:
                raise AuditLogError(f"leaf {expected} is missing from the database")
            _append(path / _ROWS, bytes(rows))
            _append(path / _HASHES, bytes(hashes))
            gained = newest.size - size
        known = {int(p.name) for p in (path / _CHECKPOINTS).iterdir() if p.name.isdigit()}
        for checkpoint in AuditCheckpoint.objects.filter(size__gt=max(known, default=-1)):
            _write_atomic(path / _CHECKPOINTS / f"{checkpoint.size:020d}", checkpoint.note)
        # The newest copy after the notes, and again if a crash came between the two.
        if last is None or (last.size, last.root.hex()) != (newest.size, newest.root):
            _write_atomic(path / "checkpoint", newest.note)
        return gained


def _write_atomic(target: Path, text: str) -> None:
    temporary = target.with_name(f".{target.name}.tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, target)


def audit_checkpoint(*, now: dt.datetime | None = None) -> SequenceResult:
    """Sequence every committed row, sign a checkpoint of the new tree (if it grew, or if
    there is none yet), and bring the witness directory up to it.

    The database commits first and the witness follows, so the witness never holds a
    checkpoint the database rolled back; a witness left behind by a crash catches up on the
    next run.
    """
    path = audit_key_check(create=True)
    signer = audit_signer()
    result = SequenceResult()
    while True:
        step = audit_sequence()
        result.sequenced += step.sequenced
        result.size, result.root = step.size, step.root
        if step.sequenced < settings.AUDIT_SEQUENCE_BATCH:
            break
    with transaction.atomic():
        tree = _tree_locked()
        newest = AuditCheckpoint.objects.order_by("-size").first()
        if tree.size and (newest is None or newest.size < tree.size):
            at = (now or timezone.now()).astimezone(dt.UTC).replace(microsecond=0)
            body = Checkpoint(
                settings.AUDIT_LOG_ORIGIN,
                tree.size,
                bytes.fromhex(tree.root),
                (f"time {at:%Y-%m-%dT%H:%M:%SZ}",),
            )
            AuditCheckpoint.objects.create(
                size=tree.size, root=tree.root, at=at, note=signer.sign(body.text())
            )
            result.checkpoint = tree.size
        result.size, result.root = tree.size, tree.root
    result.witnessed = _witness_sync(path)
    return result


def audit_checkpoint_latest() -> AuditCheckpoint | None:
    return AuditCheckpoint.objects.order_by("-size").first()


# --- Proofs ---------------------------------------------------------------------------------------


def _subtree_reader():
    """MTH(D[start:end]) from stored inner nodes where a whole one covers the range, and from
    the leaf hashes otherwise: a proof reads at most a few hundred leaf hashes."""
    memo: dict[tuple[int, int], bytes] = {}

    def subtree(start: int, end: int) -> bytes:
        key = (start, end)
        if key in memo:
            return memo[key]
        size = end - start
        if size & (size - 1) == 0 and size >= 256:
            level = size.bit_length() - 1
            if level in KEEP_LEVELS and start % size == 0:
                stored = AuditNode.objects.filter(level=level, index=start >> level).first()
                if stored is not None:
                    memo[key] = bytes.fromhex(stored.hash)
                    return memo[key]
        if size <= 512:
            leaves = list(
                AuditEntry.objects.filter(leaf_index__gte=start, leaf_index__lt=end)
                .order_by("leaf_index")
                .values_list("leaf_hash", flat=True)
            )
            if len(leaves) != size:
                raise AuditLogError(f"leaves {start}..{end - 1} are not all in the database")
            memo[key] = merkle.root_of([bytes.fromhex(h) for h in leaves])
        else:
            k = merkle.split_point(size)
            memo[key] = merkle.node_hash(subtree(start, start + k), subtree(start + k, end))
        return memo[key]

    return subtree


@dataclass(frozen=True)
class InclusionProof:
    row_id: int
    leaf_index: int
    leaf_hash: bytes
    size: int
    root: bytes
    path: list[bytes]
    checkpoint: str


def audit_inclusion_proof(row_id: int) -> InclusionProof:
    """The proof that a row is in the tree of the newest checkpoint."""
    entry = AuditEntry.objects.filter(pk=row_id).first()
    if entry is None:
        raise AuditLogError(f"there is no audit row {row_id}")
    newest = audit_checkpoint_latest()
    if entry.leaf_index is None or newest is None or entry.leaf_index >= newest.size:
        raise AuditLogError(
            f"row {row_id} is not in a checkpoint yet; run `hoviat audit checkpoint`"
        )
    path = merkle.inclusion_path(entry.leaf_index, newest.size, _subtree_reader())
    return InclusionProof(
        row_id,
        entry.leaf_index,
        bytes.fromhex(entry.leaf_hash),
        newest.size,
        bytes.fromhex(newest.root),
        path,
        newest.note,
    )


@dataclass(frozen=True)
class ConsistencyProof:
    old: AuditCheckpoint
    new: AuditCheckpoint
    path: list[bytes]


def audit_consistency_proof(old: int, new: int) -> ConsistencyProof:
    """The proof that the checkpoint of `new` leaves extends the one of `old` leaves."""
    found = {c.size: c for c in AuditCheckpoint.objects.filter(size__in=[old, new])}
    for size in (old, new):
        if size not in found:
            raise AuditLogError(f"there is no checkpoint of {size} leaves")
    if not 0 < old <= new:
        raise AuditLogError("the old tree must be smaller than the new one, and not empty")
    return ConsistencyProof(
        found[old], found[new], merkle.consistency_path(old, new, _subtree_reader())
    )


# --- Verification ---------------------------------------------------------------------------------


@dataclass
class AuditVerdict:
    ok: bool
    checked: int
    bad_leaf: int | None = None
    bad_row: int | None = None
    problem: str = ""
    witnessed: int = 0
    checkpoints: int = 0
    unsequenced: int = 0
    stale_unsequenced: list[int] = field(default_factory=list)
    missing_rows: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class _Witnessed:
    size: int
    root: bytes
    name: str


def _witness_checkpoints(path: Path) -> list[_Witnessed]:
    """Every checkpoint note in the witness directory, verified, by size."""
    records = witness_keys(path)
    found: list[_Witnessed] = []
    for note_file in sorted((path / _CHECKPOINTS).iterdir()):
        if not note_file.name.isdigit():
            continue
        if not records:
            raise AuditLogError(f"{path / _KEYS}: no verifier key recorded for {note_file}")
        try:
            text, signers = note_open(
                note_file.read_text(encoding="utf-8"), [r.verifier for r in records]
            )
            checkpoint = checkpoint_parse(text)
        except (NoteError, UnicodeDecodeError) as error:
            raise AuditLogError(f"checkpoint {note_file} does not verify: {error}") from None
        if checkpoint.origin != settings.AUDIT_LOG_ORIGIN:
            raise AuditLogError(f"checkpoint {note_file} is of another log ({checkpoint.origin})")
        # A key recorded from size S signs the checkpoints of more than S leaves.
        in_force = [r.verifier for r in records if r.from_size < checkpoint.size][-1:]
        if in_force and in_force[0] not in signers:
            raise AuditLogError(
                f"checkpoint {note_file} is not signed by the key in force at its size"
            )
        if int(note_file.name) != checkpoint.size:
            raise AuditLogError(f"checkpoint {note_file} holds size {checkpoint.size}")
        found.append(_Witnessed(checkpoint.size, checkpoint.root, str(note_file)))
    return found


def _witness_newest_held(
    path: Path, newest: Checkpoint | None, witnessed: list[_Witnessed]
) -> None:
    """The witness's `checkpoint` file (the copy a process checks at start and outside
    witnesses may read; `newest`, verified as it was read) is one of `checkpoints/`
    (`witnessed`, listed after it: the sequencer writes a note there before its copy, so a
    sequencing under way meanwhile cannot make this fail). Raises AuditLogError."""
    if newest is None:
        if witnessed:
            raise AuditLogError(
                f"{path / 'checkpoint'} is missing (the newest checkpoint in "
                f"{path / _CHECKPOINTS} is of {witnessed[-1].size} leaves; the next "
                "`hoviat audit checkpoint` writes it again)"
            )
        return
    if not any((w.size, w.root) == (newest.size, newest.root) for w in witnessed):
        raise AuditLogError(
            f"checkpoint {path / 'checkpoint'} ({newest.size} leaves) is none of the "
            f"checkpoints in {path / _CHECKPOINTS}: a different history"
        )


def _chunks(start: int, end: int) -> Iterator[tuple[int, int]]:
    for first in range(start, end, _VERIFY_CHUNK):
        yield first, min(first + _VERIFY_CHUNK, end)


def _recomputed(first: int, end: int, stored_too: bool) -> tuple[int, bytes, bytes]:
    """Leaves first..end-1 recomputed from their rows, and (if `stored_too`) as stored:
    (count, recomputed, stored), each the concatenated 32-byte hashes in leaf order."""
    if connection.vendor == "postgresql":
        stored_sql = "string_agg(decode(leaf_hash, 'hex'), ''::bytea)" if stored_too else "NULL"
        with connection.cursor() as cursor:
            # The rows come in leaf order from the leaf_index index, so string_agg needs no
            # sort of its own (PostgreSQL aggregates a sorted subquery's rows in its order;
            # were it ever not to, a verification would fail, never pass wrongly); the inner
            # query (kept apart by its ORDER BY and OFFSET 0) spells each row's id, time and
            # data as text once.
            cursor.execute(
                f"""
                SELECT count(*), min(leaf_index),
                       string_agg({_leaf_hash_sql(computed=True)}, ''::bytea), {stored_sql}
                FROM (
                    SELECT leaf_index, leaf_hash, {_LEAF_COLUMNS_SQL} FROM {_TABLE}
                    WHERE leaf_index >= %s AND leaf_index < %s ORDER BY leaf_index OFFSET 0
                ) AS leaves
                """,  # noqa: S608  # nosec B608
                [first, end],
            )
            count, low, recomputed, stored = cursor.fetchone()
        if count and low != first:
            return 0, b"", b""
        return count, bytes(recomputed or b""), bytes(stored or b"")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT leaf_index, {_leaf_text_sql('sqlite')}, leaf_hash FROM {_TABLE} "  # noqa: S608  # nosec B608
            "WHERE leaf_index >= %s AND leaf_index < %s ORDER BY leaf_index",
            [first, end],
        )
        rows = cursor.fetchall()
    recomputed, stored = bytearray(), bytearray()
    for expected, (leaf, text, digest) in enumerate(rows, start=first):
        if leaf != expected:
            break
        recomputed += _leaf_hash_of_text(text)
        stored += bytes.fromhex(digest)
    return len(recomputed) // 32, bytes(recomputed), bytes(stored)


@contextlib.contextmanager
def _in_threads(
    jobs: list[tuple[int, int, bool]], workers: int
) -> Iterator[Iterator[tuple[int, bytes, bytes]]]:
    """`_recomputed` of each job in `workers` threads, each on one connection of its own for
    all its jobs, the results in job order; at most two results a thread wait ahead."""
    # The reader drops each result once it has it (a worker has then let go of it too), never
    # before: a future taken out earlier could be one no worker has reached yet, and that
    # worker would find it gone and die, leaving the reader waiting for it for ever.
    futures: dict[int, Future[tuple[int, bytes, bytes]]] = {n: Future() for n in range(len(jobs))}
    order = iter(range(len(jobs)))
    lock, room, stop = threading.Lock(), threading.Semaphore(2 * workers), threading.Event()

    def work() -> None:
        try:
            while True:
                room.acquire()
                with lock:
                    n = next(order, None)
                if n is None or stop.is_set():
                    return
                future = futures[n]
                try:
                    future.set_result(_recomputed(*jobs[n]))
                except Exception as error:  # handed to the reader, raised there
                    future.set_exception(error)
        finally:
            connection.close()

    def results() -> Iterator[tuple[int, bytes, bytes]]:
        for n in range(len(jobs)):
            result = futures[n].result()
            del futures[n]
            room.release()
            yield result

    threads = [threading.Thread(target=work, daemon=True) for _ in range(workers)]
    for thread in threads:
        thread.start()
    try:
        yield results()
    finally:
        stop.set()
        for _ in threads:
            room.release()
        for thread in threads:
            thread.join()


def _row_at(leaf: int) -> int | None:
    return AuditEntry.objects.filter(leaf_index=leaf).values_list("id", flat=True).first()


def _first_difference(left: bytes, right: bytes) -> int:
    for n in range(0, min(len(left), len(right)), 32):
        if left[n : n + 32] != right[n : n + 32]:
            return n // 32
    return min(len(left), len(right)) // 32


def audit_verify(*, workers: int = 2) -> AuditVerdict:
    """Recompute every leaf from its row and hold the tree against the witness and every
    checkpoint; read-only. On PostgreSQL `workers` connections hash leaves in parallel."""
    path = _witness_dir()
    newest = _witness_newest(path)  # before the list: see _witness_newest_held
    witnessed = _witness_checkpoints(path)
    _witness_newest_held(path, newest, witnessed)
    w_size = _witness_size(path)
    w_hashes = (path / _HASHES).read_bytes() if w_size else b""
    w_rows = (path / _ROWS).read_bytes() if w_size else b""
    if len(w_rows) != 8 * w_size:
        return AuditVerdict(False, 0, problem=f"{path}: {_HASHES} and {_ROWS} do not match")
    if witnessed and witnessed[-1].size > w_size:
        return AuditVerdict(
            False,
            0,
            problem=f"the witness's checkpoint of {witnessed[-1].size} leaves has only "
            f"{w_size} leaf hashes beside it",
        )
    tree = AuditTree.objects.filter(pk=1).first()
    db_size = tree.size if tree else 0
    verdict = AuditVerdict(True, 0, witnessed=w_size, checkpoints=len(witnessed))

    def witnessed_row(leaf: int) -> int:
        return struct.unpack(">Q", w_rows[8 * leaf : 8 * leaf + 8])[0]

    def fail(leaf: int, problem: str, row: int | None = None) -> AuditVerdict:
        verdict.ok, verdict.bad_leaf, verdict.problem = False, leaf, problem
        verdict.checked = leaf  # every leaf before it held
        verdict.bad_row = row if row is not None else _row_at(leaf)
        return verdict

    # Walk the database's leaves in order; the witnessed checkpoints are checked on the way.
    frontier = merkle.Frontier()
    pending = [w for w in witnessed if w.size > 0]
    db_roots = dict(AuditCheckpoint.objects.values_list("size", "root"))
    limit = max(db_size, w_size)
    # The sizes at which the tree is held against a checkpoint (and one past the last).
    stops = sorted({w.size for w in pending} | set(db_roots) | {db_size, limit + 1})
    # Threads hash on connections of their own, which cannot see a transaction still open
    # here (a test's): then one connection does it all.
    parallel = connection.vendor == "postgresql" and workers > 1 and not connection.in_atomic_block
    ranges = list(_chunks(0, limit))
    # Leaves the witness holds are held against it; only those beyond it need the stored hashes.
    jobs = [(first, end, end > w_size) for first, end in ranges]
    with (
        _in_threads(jobs, workers)
        if parallel
        else contextlib.nullcontext(_recomputed(*job) for job in jobs)
    ) as results:
        for (first, end), (count, recomputed, stored) in zip(ranges, results, strict=True):
            expected = min(end, db_size) - first if first < db_size else 0
            if count < max(expected, 0) or (first >= db_size and count):
                leaf = first + count
                if leaf >= db_size:
                    break
                return fail(leaf, f"leaf {leaf} is missing from the database", row=None)
            # Against the witness: each leaf it holds must be recomputed to the same hash.
            w_end = min(end, w_size, first + count)
            if first < w_end:
                mine = recomputed[: 32 * (w_end - first)]
                theirs = w_hashes[32 * first : 32 * w_end]
                if mine != theirs:
                    leaf = first + _first_difference(mine, theirs)
                    row = _row_at(leaf)
                    if row != witnessed_row(leaf):
                        problem = (
                            f"leaf {leaf} was row {witnessed_row(leaf)} when witnessed, and is "
                            f"row {row} now: a row was deleted, inserted or moved"
                        )
                    else:
                        problem = (
                            f"row {row} (leaf {leaf}) is not what was witnessed: it was edited"
                        )
                    return fail(leaf, problem, row)
            # Beyond the witness: the stored leaf hashes are all there is to hold it against.
            beyond = max(w_end - first, 0) * 32
            if end > w_size and recomputed[beyond:] != stored[beyond:]:
                leaf = first + _first_difference(recomputed, stored)
                return fail(leaf, f"row {_row_at(leaf)} (leaf {leaf}) does not match its leaf hash")
            # Build the tree in the largest aligned perfect subtrees that end at no size
            # where a checkpoint is held against it.
            chunk_end = first + len(recomputed) // 32
            while frontier.size < chunk_end:
                stop = min(chunk_end, stops[bisect.bisect_right(stops, frontier.size)])
                while frontier.size < stop:
                    size_now = frontier.size
                    level = min(
                        (size_now & -size_now).bit_length() - 1 if size_now else 63,
                        (stop - size_now).bit_length() - 1,
                    )
                    start = 32 * (size_now - first)
                    frontier.append_subtree(
                        level, merkle.perfect_root_joined(recomputed[start : start + (32 << level)])
                    )
                while pending and pending[0].size == frontier.size:
                    w = pending.pop(0)
                    if frontier.root() != w.root:
                        return fail(
                            w.size - 1,
                            f"the tree of {w.size} leaves does not match the witnessed "
                            f"checkpoint {w.name}: the witness's leaf hashes were altered",
                        )
                if frontier.size in db_roots and frontier.root().hex() != db_roots[frontier.size]:
                    return fail(
                        frontier.size - 1,
                        f"the tree of {frontier.size} leaves does not match the database's "
                        "checkpoint of that size",
                    )
            verdict.checked = frontier.size
    verdict.checked = frontier.size
    if frontier.size < db_size:
        return fail(frontier.size, f"leaf {frontier.size} is missing from the database")
    if tree is not None and frontier.root().hex() != tree.root:
        return fail(max(db_size - 1, 0), "the tree's stored root does not match its leaves")
    newest_witnessed = witnessed[-1].size if witnessed else 0
    if db_size < max(newest_witnessed, w_size):
        missing = [witnessed_row(leaf) for leaf in range(db_size, w_size)]
        verdict.missing_rows = missing
        shown = ", ".join(str(r) for r in missing[:20]) + (" …" if len(missing) > 20 else "")
        return fail(
            db_size,
            f"the database holds {db_size} leaves and the witness {w_size}: it was rolled "
            f"back to an older state; {len(missing)} rows missing ({shown})",
            row=missing[0] if missing else None,
        )
    cutoff = timezone.now() - dt.timedelta(seconds=settings.AUDIT_UNSEQUENCED_MAX_SECONDS)
    waiting = AuditEntry.objects.filter(leaf_index__isnull=True)
    verdict.unsequenced = waiting.count()
    verdict.stale_unsequenced = list(
        waiting.filter(at__lt=cutoff).order_by("id").values_list("id", flat=True)[:100]
    )
    if verdict.stale_unsequenced:
        verdict.ok = False
        verdict.problem = (
            f"{len(verdict.stale_unsequenced)} rows have waited more than "
            f"{settings.AUDIT_UNSEQUENCED_MAX_SECONDS} s for a leaf number (is the worker's "
            f"sequencer running?): rows {verdict.stale_unsequenced[:10]}"
        )
    return verdict
