"""Costly inputs for tests: a decompression bomb, a body that must not be read, and how much
memory a request took at its peak."""

from __future__ import annotations

import contextlib
import re
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

_STATUS = Path("/proc/self/status")


def png_bomb(width: int, height: int) -> bytes:
    """A real RGB PNG of width × height black pixels: a few hundred kB that decode to
    3 × width × height bytes. Compressed row by row, so making it costs little memory."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    packer = zlib.compressobj(9)
    row = b"\0" * (1 + 3 * width)  # filter byte "none", then the pixels
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


class UnreadableBody:
    """A wsgi.input that fails the test if anything reads it."""

    def read(self, *args, **kwargs):
        raise AssertionError("the request body was read")

    readline = read


def _kilobytes(field: str) -> int:
    found = re.search(rf"^{field}:\s+(\d+) kB", _STATUS.read_text(), re.MULTILINE)
    assert found, f"{field} not in {_STATUS}"
    return int(found.group(1))


class PeakMemory:
    megabytes: float = 0.0


@contextlib.contextmanager
def peak_memory() -> Iterator[PeakMemory]:
    """How far the process's resident memory rose above where it stood, at its highest, while
    the block ran (Linux: the kernel's high-water mark, reset first). Counts what Pillow and
    other C code allocate, which tracemalloc does not see."""
    _STATUS.with_name("clear_refs").write_text("5")  # resets VmHWM to the current VmRSS
    before = _kilobytes("VmRSS")
    peak = PeakMemory()
    yield peak
    peak.megabytes = (_kilobytes("VmHWM") - before) / 1024
