"""Identifiers made on every request (request and inquiry ids), without a system call each.

os.urandom() is one getrandom() call, made with the GIL released. On a busy web process,
where other request threads wait for the GIL, each release hands the GIL over and waits to get
it back (futex waits and context switches): measured under bench/inquiry.py, the two
urandom() calls of a card inquiry (its request id and its inquiry id) were two of its seven GIL
hand-overs. Here the bytes come from a block of os.urandom() output kept per thread and drawn
in order, so only one identifier in hundreds reaches the kernel.

The bytes are the kernel's, each used once. Not for keys, tokens or anything secret: those
use `secrets` directly. A child forked from this process (granian's workers) starts with no
block of its own, never with a copy of its parent's, so the two never hand out the same
identifier.
"""

from __future__ import annotations

import os
import threading
import time
import uuid

# 256 identifiers of 16 bytes a refill.
BLOCK_BYTES = 4096


class _Block(threading.local):
    def __init__(self) -> None:
        self.data = b""
        self.at = 0


_block = _Block()


def _forget_after_fork() -> None:
    global _block
    _block = _Block()


os.register_at_fork(after_in_child=_forget_after_fork)


def random_bytes(n: int) -> bytes:
    """`n` bytes of the kernel's randomness (os.urandom's), from this thread's block."""
    block = _block
    at = block.at
    if at + n > len(block.data):
        block.data = os.urandom(max(BLOCK_BYTES, n))
        at = 0
    block.at = at + n
    return block.data[at : at + n]


def time_ordered_uuid(now_ms: int | None = None) -> uuid.UUID:
    """A UUID version 7 (RFC 9562, section 5.7): the Unix time in milliseconds, then 74 random
    bits. For the ids of rows that come in time order (the inquiry log): a unique index on a
    random UUID takes each new row on a random page of a large index, on this one new rows
    land together at its end (less of the database's CPU and of its write-ahead log per row).
    It tells the millisecond it was made, so only for rows whose time is no secret."""
    if now_ms is None:
        now_ms = time.time_ns() // 1_000_000
    value = (now_ms & 0xFFFF_FFFF_FFFF) << 80 | int.from_bytes(random_bytes(10), "big")
    # The version (7) in bits 76-79 and the RFC 4122 variant (0b10) in bits 62-63.
    value = value & ~(0xF << 76) | 0x7 << 76
    value = value & ~(0x3 << 62) | 0x2 << 62
    return uuid.UUID(int=value)
