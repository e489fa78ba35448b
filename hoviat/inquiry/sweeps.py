"""The inquiry app's part of `hoviat sweep`: seal the log, drop spent challenges."""

from __future__ import annotations

from hoviat.inquiry.services import challenges_sweep, inquiry_log_seal


def run() -> str:
    sealed = 0
    while (seal := inquiry_log_seal()) is not None:
        sealed += seal.count
    dropped = challenges_sweep()
    return f"{sealed} inquiry-log rows sealed, {dropped} spent challenges removed"
