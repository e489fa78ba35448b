"""Typed readers of environment variables that fail loudly on bad values."""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import os
import secrets
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None:
        if default is None:
            raise ImproperlyConfigured(f"Environment variable {name} is required")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    folded = value.strip().lower()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use 1/0, true/false)")


def _bounded(name: str, number: Any, minimum: Any, maximum: Any) -> None:
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number} is below the minimum {minimum}")
    if maximum is not None and number > maximum:
        raise ImproperlyConfigured(f"{name}={number} is above the maximum {maximum}")


def env_int(
    name: str, default: int, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer") from None
    _bounded(name, number, minimum, maximum)
    return number


def env_float(
    name: str, default: float, *, minimum: float | None = None, maximum: float | None = None
) -> float:
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        number = float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a number") from None
    if not math.isfinite(number):
        raise ImproperlyConfigured(f"{name}={value!r} is not a finite number")
    _bounded(name, number, minimum, maximum)
    return number


def env_choice(name: str, default: str, choices: Sequence[str]) -> str:
    value = os.environ.get(name, default)
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r} is not one of {', '.join(choices)}")
    return value


def env_list(name: str, default: Sequence[str] = ()) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_int_list(name: str, default: Sequence[int], *, minimum: int | None = None) -> list[int]:
    value = os.environ.get(name)
    if value is None:
        return list(default)
    numbers = []
    for item in env_list(name):
        try:
            number = int(item)
        except ValueError:
            raise ImproperlyConfigured(
                f"{name}={value!r} is not a comma-separated list of integers"
            ) from None
        _bounded(name, number, minimum, None)
        numbers.append(number)
    if not numbers:
        raise ImproperlyConfigured(f"{name} is empty; give at least one number")
    return numbers


def env_date(name: str, default: dt.date) -> dt.date:
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a date (YYYY-MM-DD)") from None


def setting(name: str) -> Any:
    """A setting declared in hoviat/settings.py; a name that is not declared there stops the
    program instead of quietly falling back on a default kept somewhere else."""
    try:
        return getattr(settings, name)
    except AttributeError:
        raise ImproperlyConfigured(f"{name} is not declared in hoviat/settings.py") from None


def secret_from_env_or_file(name: str, path: Path, *, generate: bool) -> str:
    """The secret from the environment; otherwise, in development only (generate), a secret
    generated once into var/. Outside development a missing secret stops the program: a
    server must never run on a key nobody chose and nobody backs up."""
    value = os.environ.get(name)
    if value:
        return value
    if not generate:
        raise ImproperlyConfigured(
            f"Environment variable {name} is required outside development "
            f"(HOVIAT_DEBUG=false); set it, or set HOVIAT_DEBUG=true on a developer's machine"
        )
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written whole to a private temporary file, then linked into place: a process that
        # starts at the same moment (web and worker) sees either no file or the full secret,
        # never an empty one, and whoever links first wins for both.
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "w") as handle:  # mkstemp creates it owner-only (0600)
                handle.write(secrets.token_urlsafe(50))
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
    secret = path.read_text().strip()
    if not secret:
        raise ImproperlyConfigured(f"{path} is empty; delete it or set {name}")
    return secret
