"""RFC 9162 hashing and proofs, held against the Certificate Transparency reference vectors
and against pymerkle, an implementation nobody here wrote."""

import hashlib

import pytest
from pymerkle import InmemoryTree, verify_consistency, verify_inclusion

from hoviat.core import merkle

# The CT reference leaves and roots (certificate-transparency-go, merkle tree tests).
CT_LEAVES = [
    bytes.fromhex(h)
    for h in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]
CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_INCLUSION = [
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]
CT_HASHES = [merkle.leaf_hash(leaf) for leaf in CT_LEAVES]


def subtree_of(hashes):
    return lambda start, end: merkle.root_of(hashes[start:end])


def test_roots_match_the_reference_for_every_size():
    for size in range(len(CT_LEAVES) + 1):
        assert merkle.root_of(CT_HASHES[:size]).hex() == CT_ROOTS[size]


def test_inclusion_paths_match_the_reference():
    for index, size, expected in CT_INCLUSION:
        path = merkle.inclusion_path(index, size, subtree_of(CT_HASHES))
        assert [h.hex() for h in path] == expected
        root = bytes.fromhex(CT_ROOTS[size])
        assert merkle.inclusion_verify(index, size, CT_HASHES[index], path, root)


def many(count):
    return [hashlib.sha256(n.to_bytes(4, "big")).digest() for n in range(count)]


def test_every_proof_verifies_and_a_wrong_one_does_not():
    data = [n.to_bytes(2, "big") for n in range(40)]
    hashes = [merkle.leaf_hash(d) for d in data]
    for size in range(1, 41):
        root = merkle.root_of(hashes[:size])
        for index in range(size):
            path = merkle.inclusion_path(index, size, subtree_of(hashes))
            assert merkle.inclusion_verify(index, size, hashes[index], path, root)
            assert not merkle.inclusion_verify(index, size, hashes[(index + 1) % 40], path, root)
            if path:
                bad = [bytes(32), *path[1:]]
                assert not merkle.inclusion_verify(index, size, hashes[index], bad, root)
        for old in range(1, size + 1):
            proof = merkle.consistency_path(old, size, subtree_of(hashes))
            old_root = merkle.root_of(hashes[:old])
            assert merkle.consistency_verify(old, size, old_root, root, proof)
            if proof:
                assert not merkle.consistency_verify(old, size, old_root, bytes(32), proof)
                assert not merkle.consistency_verify(old, size, bytes(32), root, proof)


@pytest.mark.parametrize("count", [1, 2, 3, 7, 64, 255, 256, 257, 1000])
def test_roots_and_proofs_agree_with_pymerkle(count):
    data = [f"row {n}".encode() for n in range(count)]
    theirs = InmemoryTree(algorithm="sha256")
    for item in data:
        theirs.append_entry(item)
    hashes = [merkle.leaf_hash(d) for d in data]
    frontier = merkle.Frontier()
    for size, digest in enumerate(hashes, start=1):
        frontier.append(digest)
        if size in {1, 2, 3, count // 2 or 1, count - 1 or 1, count}:
            assert frontier.root() == theirs.get_root(size)
    root = frontier.root()
    for index in sorted({0, count // 3, count - 1}):
        ours = merkle.inclusion_path(index, count, subtree_of(hashes))
        assert merkle.inclusion_verify(index, count, hashes[index], ours, root)
        # pymerkle's own proof verifies against our root and our leaf hash (its index counts
        # from one).
        verify_inclusion(hashes[index], root, theirs.prove_inclusion(index + 1, count))
    for old in sorted({1, count // 2 or 1, count}):
        proof = merkle.consistency_path(old, count, subtree_of(hashes))
        old_root = merkle.root_of(hashes[:old])
        assert merkle.consistency_verify(old, count, old_root, root, proof)
        verify_consistency(old_root, root, theirs.prove_consistency(old, count))


def test_whole_subtrees_appended_give_the_same_tree_as_their_leaves():
    hashes = many(1000)
    by_leaf = merkle.Frontier()
    by_leaf.extend(hashes)
    by_block = merkle.Frontier()
    for start in range(0, 768, 256):
        by_block.append_subtree(8, merkle.perfect_root(hashes[start : start + 256]))
    by_block.extend(hashes[768:])
    assert by_block.root() == by_leaf.root() == merkle.root_of(hashes)
    with pytest.raises(ValueError, match="cannot start"):
        by_block.append_subtree(8, hashes[0])


def test_the_frontier_reports_each_kept_subtree_once():
    found = []
    frontier = merkle.Frontier(keep_levels=(8,), on_node=lambda *n: found.append(n))
    hashes = many(700)
    frontier.extend(hashes)
    assert [(level, index) for level, index, _ in found] == [(8, 0), (8, 1)]
    assert found[1][2] == merkle.perfect_root(hashes[256:512])
    resumed = merkle.Frontier(frontier.size, frontier.hashes)
    assert resumed.root() == frontier.root()
    with pytest.raises(ValueError):
        merkle.Frontier(700, frontier.hashes[:-1])
