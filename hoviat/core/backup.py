"""Backups that restore: the database and the files, in one dated folder with a manifest.

A backup folder `<destination>/hoviat-<UTC time>/` holds:

- `database.dump` (PostgreSQL: `pg_dump --format=custom`) or `database.sqlite3` (SQLite: the
  online backup API, a consistent copy while the site runs);
- `files/<name>/…`: a copy of each folder of `BACKUP_FILE_DIRS` (the encrypted biometric files;
  the keys);
- `manifest.json`: when, which database engine and the SHA-256 of every file above.

`backup_restore` first checks every checksum and stops, naming the files, on any mismatch or
missing file, before anything is touched. The database is then restored in one transaction
(`pg_restore --single-transaction`, or SQLite's backup API page by page under its lock), so a
failure leaves the database as it was; each folder is copied beside its target and swapped in
with a rename, the previous content kept as `<folder>.before-restore-<time>`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connections

MANIFEST = "manifest.json"
FORMAT = 1


class BackupError(Exception):
    """A backup or restore stopped; the message names the problem."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _pg_env_and_args(alias: str) -> tuple[dict[str, str], list[str]]:
    conf = connections[alias].settings_dict
    env = dict(os.environ)
    if conf.get("PASSWORD"):
        env["PGPASSWORD"] = conf["PASSWORD"]
    args = ["--dbname", conf["NAME"]]
    if conf.get("HOST"):
        args += ["--host", conf["HOST"]]
    if conf.get("PORT"):
        args += ["--port", str(conf["PORT"])]
    if conf.get("USER"):
        args += ["--username", conf["USER"]]
    return env, args


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed (Debian: postgresql-client-15)")
    return found


@dataclass(frozen=True)
class Backup:
    folder: Path
    files: int


def backup_create(*, destination: Path, alias: str = "default") -> Backup:
    """A new dated backup folder under `destination` (never overwrites one)."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    folder = destination / f"hoviat-{stamp}"
    partial = destination / f".hoviat-{stamp}.partial"
    partial.mkdir(parents=True)
    try:
        connection = connections[alias]
        if connection.vendor == "postgresql":
            env, args = _pg_env_and_args(alias)
            database_file = "database.dump"
            dump = str(partial / database_file)
            done = subprocess.run(  # noqa: S603
                [_tool("pg_dump"), "--format=custom", "--file", dump, *args],
                env=env, capture_output=True, text=True, check=False,
            )  # fmt: skip
            if done.returncode:
                raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
        elif connection.vendor == "sqlite":
            database_file = "database.sqlite3"
            connection.ensure_connection()
            target = sqlite3.connect(partial / database_file)
            try:
                connection.connection.backup(target)
            finally:
                target.close()
        else:
            raise BackupError(f"no backup for the {connection.vendor} database")
        for name, source in settings.BACKUP_FILE_DIRS.items():
            if Path(source).is_dir():
                shutil.copytree(source, partial / "files" / name)
        checksums = {
            str(path.relative_to(partial)): _sha256(path)
            for path in sorted(partial.rglob("*"))
            if path.is_file()
        }
        manifest = {
            "format": FORMAT,
            "created_at": dt.datetime.now(dt.UTC).isoformat(),
            "engine": connection.vendor,
            "database": database_file,
            "folders": sorted(settings.BACKUP_FILE_DIRS),
            "sha256": checksums,
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=2))
        partial.rename(folder)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return Backup(folder=folder, files=len(checksums))


def backup_verify(folder: Path) -> dict:
    """The manifest, once every file it lists is present with its checksum (else BackupError
    naming them); files not in the manifest are refused too."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except FileNotFoundError:
        raise BackupError(f"{folder} has no {MANIFEST}: not a Hoviat backup") from None
    except ValueError:
        raise BackupError(f"{folder / MANIFEST} is not valid JSON") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{folder}: unknown backup format {manifest.get('format')!r}")
    listed = manifest["sha256"]
    problems = []
    for name, expected in sorted(listed.items()):
        path = folder / name
        if not path.is_file():
            problems.append(f"{name}: missing")
        elif _sha256(path) != expected:
            problems.append(f"{name}: checksum does not match")
    present = {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}
    problems += [
        f"{name}: not in the manifest" for name in sorted(present - set(listed) - {MANIFEST})
    ]
    if problems:
        raise BackupError(f"{folder} is damaged, nothing restored: " + "; ".join(problems))
    return manifest


def backup_restore(*, folder: Path, alias: str = "default") -> dict:
    """Restore the database and the folders from a verified backup."""
    manifest = backup_verify(folder)
    connection = connections[alias]
    if manifest["engine"] != connection.vendor:
        raise BackupError(
            f"the backup is of a {manifest['engine']} database, this one is {connection.vendor}"
        )
    database = folder / manifest["database"]
    if connection.vendor == "postgresql":
        env, args = _pg_env_and_args(alias)
        connection.close()
        done = subprocess.run(  # noqa: S603
            [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
             "--exit-on-error", *args, str(database)],
            env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode:
            raise BackupError(
                f"pg_restore failed, the database is unchanged: {done.stderr.strip()}"
            )
    else:
        connection.ensure_connection()
        source = sqlite3.connect(database)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    for name, target in settings.BACKUP_FILE_DIRS.items():
        copied = folder / "files" / name
        if not copied.is_dir():
            continue
        target = Path(target)
        incoming = target.with_name(f".{target.name}.restoring-{stamp}")
        shutil.copytree(copied, incoming)
        if target.exists():
            target.rename(target.with_name(f"{target.name}.before-restore-{stamp}"))
        incoming.rename(target)
    return manifest
