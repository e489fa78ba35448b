"""RFC 9162 Merkle tree hashing, proofs and their verification, over leaf hashes.

Pure functions, no database: `hoviat.core.audit_tree` feeds them the audit log's leaf hashes.
A tree of n leaves D[0:n] has the hash MTH(D[0:n]) of RFC 9162 section 2.1.1: a leaf's hash is
SHA-256(0x00 || leaf), an inner node's SHA-256(0x01 || left || right), and the left subtree of
n > 1 leaves holds the largest power of two smaller than n. Proofs follow sections 2.1.3 and
2.1.4; their checks are the verification algorithms of the same sections.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

EMPTY_ROOT = hashlib.sha256(b"").digest()
_sha256 = hashlib.sha256


def leaf_hash(data: bytes) -> bytes:
    return _sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return _sha256(b"\x01" + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two smaller than n (n > 1): the size of the left subtree."""
    return 1 << ((n - 1).bit_length() - 1)


def perfect_root(hashes: Sequence[bytes]) -> bytes:
    """The root of a perfect subtree (len(hashes) a power of two), level by level."""
    level = list(hashes)
    while len(level) > 1:
        level = [node_hash(level[i], level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


def perfect_root_joined(hashes: bytes) -> bytes:
    """`perfect_root` of leaf hashes given joined (32 bytes each, a power of two of them): each
    level is hashed from the one below as one buffer, without a list of leaves."""
    level = hashes
    while len(level) > 32:
        level = b"".join(
            [_sha256(b"\x01" + level[n : n + 64]).digest() for n in range(0, len(level), 64)]
        )
    return level


def root_of(hashes: Sequence[bytes]) -> bytes:
    """MTH of the given leaf hashes (any count)."""
    frontier = Frontier()
    frontier.extend(hashes)
    return frontier.root()


class Frontier:
    """The right edge of a growing tree: the roots of its perfect subtrees, largest first.

    A tree of n leaves is the perfect subtrees of n's binary digits, so appending a leaf merges
    equal-sized subtrees like carrying in binary addition, and the root folds them right to
    left. `on_node(level, index, hash)` hears of every perfect subtree completed at a level
    listed in `keep_levels` (index counts subtrees of that size from the left).
    """

    def __init__(
        self,
        size: int = 0,
        hashes: Sequence[bytes] = (),
        *,
        keep_levels: Iterable[int] = (),
        on_node: Callable[[int, int, bytes], None] | None = None,
    ) -> None:
        if len(hashes) != size.bit_count():
            raise ValueError(f"a tree of {size} leaves has {size.bit_count()} edge subtrees")
        self.size = size
        self.hashes = list(hashes)
        self._keep = frozenset(keep_levels)
        self._on_node = on_node

    def append(self, leaf: bytes) -> None:
        self.append_subtree(0, leaf)

    def extend(self, leaves: Iterable[bytes]) -> None:
        for leaf in leaves:
            self.append_subtree(0, leaf)

    def append_subtree(self, level: int, subtree: bytes) -> None:
        """Append a perfect subtree of 2**level leaves; the tree's size must be a multiple of it."""
        if self.size & ((1 << level) - 1):
            raise ValueError(f"a subtree of level {level} cannot start at leaf {self.size}")
        hashes, size, node = self.hashes, self.size, subtree
        while size >> level & 1:
            node = node_hash(hashes.pop(), node)
            size -= 1 << level
            level += 1
            if level in self._keep and self._on_node is not None:
                self._on_node(level, size >> level, node)
        hashes.append(node)
        self.size = size + (1 << level)

    def root(self) -> bytes:
        if not self.hashes:
            return EMPTY_ROOT
        node = self.hashes[-1]
        for left in reversed(self.hashes[:-1]):
            node = node_hash(left, node)
        return node


# Proofs. `subtree(start, end)` gives MTH(D[start:end]); the caller chooses how (from leaf
# hashes, stored inner nodes, or both).
SubtreeHash = Callable[[int, int], bytes]


def inclusion_path(index: int, size: int, subtree: SubtreeHash) -> list[bytes]:
    """PATH(m, D[n]) of RFC 9162 section 2.1.3.1, leaf first."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size} leaves")
    path: list[bytes] = []
    start, end, m = 0, size, index
    while end - start > 1:
        k = split_point(end - start)
        if m < k:
            path.append(subtree(start + k, end))
            end = start + k
        else:
            path.append(subtree(start, start + k))
            start += k
            m -= k
    path.reverse()
    return path


def consistency_path(old: int, new: int, subtree: SubtreeHash) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 9162 section 2.1.4.1."""
    if not 0 < old <= new:
        raise ValueError(f"no consistency proof from {old} to {new} leaves")
    proof: list[bytes] = []
    start, end, m, complete = 0, new, old, True
    while m != end - start:
        k = split_point(end - start)
        if m <= k:
            proof.append(subtree(start + k, end))
            end = start + k
        else:
            proof.append(subtree(start, start + k))
            start += k
            m -= k
            complete = False
    if not complete:
        proof.append(subtree(start, end))
    proof.reverse()
    return proof


def inclusion_verify(
    index: int, size: int, leaf: bytes, path: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 section 2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def consistency_verify(
    old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 section 2.1.4.2."""
    if old > new or old == 0:
        return False
    if old == new:
        return not proof and old_root == new_root
    path = list(proof)
    if not path:
        return False
    if old & (old - 1) == 0:  # a power of two: the old root is the first node
        path.insert(0, old_root)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root
