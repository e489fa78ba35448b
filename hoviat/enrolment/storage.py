"""Biometric files at rest: Fernet-encrypted, under random names, checked against their hash.

Keys: HOVIAT_BIOMETRIC_KEY holds one Fernet key, or several separated by commas for rotation
(the first encrypts; all of them decrypt, so files written under an older key stay readable
until `biometric_files_rekey` rewrites them). Without it, development derives a key from a
random secret generated once into var/biometric_key.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import secrets
from collections.abc import Iterator
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed

from hoviat.core.env import secret_from_env_or_file
from hoviat.core.errors import DomainError

KEY_ENV = "HOVIAT_BIOMETRIC_KEY"


class BiometricFileDamaged(DomainError):
    code = "BIOMETRIC_FILE_DAMAGED"
    status = 500
    title = "Stored biometric file is unreadable"
    default_detail = "فایل زیست‌سنجی ذخیره‌شده خوانا نیست یا با نشانهٔ آن نمی‌خواند."


def _configured_keys() -> list[str]:
    if settings.BIOMETRIC_KEYS:
        return list(settings.BIOMETRIC_KEYS)
    # Development: a random secret kept in var/; Fernet wants exactly 32 bytes, so the key is
    # the secret's SHA-256 (the file format is the shared one of every dev secret).
    secret = secret_from_env_or_file(
        KEY_ENV, Path(settings.VAR_DIR) / "biometric_key", generate=settings.GENERATE_DEV_SECRETS
    )
    return [base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest()).decode()]


@lru_cache(maxsize=1)
def _fernets() -> tuple[Fernet, ...]:
    fernets = []
    for key in _configured_keys():
        try:
            fernets.append(Fernet(key))
        except (ValueError, TypeError):
            raise ImproperlyConfigured(
                f"{KEY_ENV} must hold Fernet keys (urlsafe base64 of 32 bytes), comma-separated"
            ) from None
    return tuple(fernets)


def cipher() -> MultiFernet:
    return MultiFernet(list(_fernets()))


def _forget_cipher(*, setting: str, **_kwargs) -> None:
    if setting in {"BIOMETRIC_KEYS", "VAR_DIR"}:
        _fernets.cache_clear()


setting_changed.connect(_forget_cipher)


def biometric_dir() -> Path:
    return Path(settings.BIOMETRIC_DIR)


def _path_of(name: str) -> Path:
    # Two levels of fan-out keep directories small with millions of files.
    return biometric_dir() / name[:2] / name[2:4] / name


# Files written inside `files_cleanup_on_error()`: deleted again if the block fails, so a
# refused or rolled-back enrolment leaves no file behind.
_written: ContextVar[list[Path] | None] = ContextVar("biometric_written", default=None)


@contextlib.contextmanager
def files_cleanup_on_error() -> Iterator[None]:
    outer = _written.get()
    written: list[Path] = []
    token = _written.set(written)
    try:
        yield
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    finally:
        _written.reset(token)
        if outer is not None:
            outer.extend(written)


def encrypted_write(data: bytes) -> str:
    """Encrypt and store; returns the new file's name (to keep in the database row)."""
    name = secrets.token_hex(20)
    path = _path_of(name)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    token = cipher().encrypt(data)
    # O_EXCL: a name is never reused, even by a racing writer; 0600: owner only.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(token)
        handle.flush()
        os.fsync(handle.fileno())
    written = _written.get()
    if written is not None:
        written.append(path)
    return name


def encrypted_read(name: str, *, sha256: str) -> bytes:
    """Decrypt in memory and check the hash kept in the database."""
    try:
        token = _path_of(name).read_bytes()
        data = cipher().decrypt(token)
    except (OSError, InvalidToken):
        raise BiometricFileDamaged() from None
    if hashlib.sha256(data).hexdigest() != sha256:
        # A file swapped for another on disk (Fernet alone cannot tell which row it belongs to).
        raise BiometricFileDamaged()
    return data


def encrypted_delete(name: str) -> None:
    _path_of(name).unlink(missing_ok=True)


def encrypted_rekey(name: str) -> bool:
    """Rewrite a file under the first key; True if it changed."""
    path = _path_of(name)
    token = path.read_bytes()
    try:
        _fernets()[0].decrypt(token)
    except InvalidToken:
        fresh = cipher().rotate(token)
    else:
        return False
    temporary = path.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(fresh)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    return True


def stored_names() -> Iterator[tuple[str, float]]:
    """Every stored file's name and modification time (for the orphan sweep)."""
    root = biometric_dir()
    if not root.exists():
        return
    for path in root.glob("*/*/*"):
        if path.is_file() and len(path.name) == 40:
            yield path.name, path.stat().st_mtime
