"""core.random_ids: identifiers from a per-thread block of the kernel's randomness."""

from __future__ import annotations

import os
import threading
import uuid
from unittest import mock

import pytest

from hoviat.core import random_ids
from hoviat.core.logs import new_request_id


def test_no_identifier_comes_twice_across_refills():
    # Several blocks' worth: a refill never gives bytes already given.
    count = 3 * random_ids.BLOCK_BYTES // 16 + 7
    assert len({random_ids.random_bytes(16) for _ in range(count)}) == count


def test_the_kernel_is_asked_once_a_block_not_once_an_identifier():
    random_ids._forget_after_fork()  # an empty block, as a new thread or process has
    with mock.patch.object(random_ids.os, "urandom", wraps=os.urandom) as urandom:
        for _ in range(random_ids.BLOCK_BYTES // 16 + 1):
            random_ids.random_bytes(16)
    assert urandom.call_count == 2  # the first block, used up, and the next


def test_a_request_for_more_than_a_block_is_served_whole():
    big = random_ids.random_bytes(random_ids.BLOCK_BYTES + 10)
    assert len(big) == random_ids.BLOCK_BYTES + 10
    assert len(random_ids.random_bytes(16)) == 16


def test_threads_never_share_bytes():
    made: list[bytes] = []
    lock = threading.Lock()

    def draw() -> None:
        mine = [random_ids.random_bytes(16) for _ in range(500)]
        with lock:
            made.extend(mine)

    threads = [threading.Thread(target=draw) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(made)) == len(made) == 8 * 500


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_never_repeats_its_parents_identifiers():
    random_ids.random_bytes(16)  # the parent has a block with bytes left
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next identifier, to the parent
        try:
            os.write(writer, random_ids.random_bytes(16))
        finally:
            os._exit(0)
    os.close(writer)
    child = os.read(reader, 16)
    os.close(reader)
    os.waitpid(pid, 0)
    assert len(child) == 16
    assert child != random_ids.random_bytes(16)


def test_a_request_id_is_32_letters_and_never_digits():
    made = new_request_id()
    assert len(made) == 32
    assert made.isalpha()


def test_a_time_ordered_uuid_is_version_7_and_carries_its_millisecond():
    made = random_ids.time_ordered_uuid(now_ms=1_796_611_464_123)
    assert made.version == 7
    assert made.variant == uuid.RFC_4122
    assert made.int >> 80 == 1_796_611_464_123
    # RFC 9562's example layout: the first 48 bits, in hex, are the millisecond.
    assert made.hex[:12] == f"{1_796_611_464_123:012x}"


def test_time_ordered_uuids_sort_by_their_millisecond_and_never_repeat():
    made = [random_ids.time_ordered_uuid(now_ms=ms) for ms in range(1000, 1100) for _ in range(50)]
    assert len(set(made)) == len(made)
    assert [u.int >> 80 for u in sorted(made)] == sorted(u.int >> 80 for u in made)


def test_a_time_ordered_uuid_is_made_now_by_default():
    import time

    before = time.time_ns() // 1_000_000
    made = random_ids.time_ordered_uuid()
    after = time.time_ns() // 1_000_000
    assert before <= made.int >> 80 <= after
