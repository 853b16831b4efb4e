"""Merkle trees of the public ledger (RFC 9162 / Certificate Transparency shape).

A leaf is SHA-256(0x00 || line), a node SHA-256(0x01 || left || right); a tree of n leaves splits
at the largest power of two below n. `verify_ledger.py` at the repository root carries its own copy
of `leaf_hash`, `node_hash` and `root_from_proof` (it must run without this project), and a test
holds the two equal.
"""

import hashlib

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(line):
    return hashlib.sha256(LEAF_PREFIX + line).digest()


def node_hash(left, right):
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


class StreamingRoot:
    """The root of a tree fed one leaf hash at a time, in O(log n) memory: a stack of the roots of
    complete subtrees, merged while the two on top are the same size.

    `chunk_size` (a power of two) also keeps the root of every aligned block of that many leaves
    (and of the last, shorter block): a proof then needs only one block's leaves and these roots."""

    def __init__(self, chunk_size=1024):
        self.chunk_size = chunk_size
        self.count = 0
        self.chunk_roots = []
        self._stack = []  # [(size, hash)], sizes strictly decreasing

    def add(self, leaf):
        stack = self._stack
        if self.chunk_size == 1:
            self.chunk_roots.append(leaf)
        size = 1
        while stack and stack[-1][0] == size:
            leaf = node_hash(stack.pop()[1], leaf)
            size *= 2
            if size == self.chunk_size:
                self.chunk_roots.append(leaf)
        stack.append((size, leaf))
        self.count += 1

    def root(self):
        if not self._stack:
            return EMPTY_ROOT
        acc = self._stack[-1][1]
        for _, left in reversed(self._stack[:-1]):
            acc = node_hash(left, acc)
        return acc

    def last_chunk_root(self):
        """The root of the last block when it is shorter than chunk_size (None when it is full)."""
        rest = self.count % self.chunk_size
        if not rest:
            return None
        acc = None
        for size, node in reversed(self._stack):
            if size >= self.chunk_size:
                break
            acc = node if acc is None else node_hash(node, acc)
        return acc


def levels(nodes):
    """Every level of the tree over `nodes`, bottom first. A lone last node is carried up a level
    unchanged, which builds exactly the tree that splits at the largest power of two."""
    levels = [list(nodes)]
    while len(levels[-1]) > 1:
        below = levels[-1]
        level = [node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)]
        if len(below) % 2:
            level.append(below[-1])
        levels.append(level)
    return levels


def root_of(nodes):
    """The root of a tree whose leaves' hashes (or aligned subtrees' roots) are `nodes`."""
    return levels(nodes)[-1][0] if nodes else EMPTY_ROOT


def path(index, nodes=None, *, tree=None):
    """The audit path of `nodes[index]` in the tree over `nodes` (or over the bottom level of
    `tree`, as levels() built it), leaf side first (RFC 9162 2.1.3)."""
    proof = []
    for level in (tree or levels(nodes))[:-1]:
        sibling = index ^ 1
        if sibling < len(level):
            proof.append(level[sibling])
        index //= 2
    return proof


def root_from_proof(leaf, index, size, proof):
    """The root that `proof` leads to from `leaf` at `index` of `size` leaves (RFC 9162 2.1.3.2);
    None when the proof has the wrong length for that position."""
    if index >= size:
        return None
    fn, sn, node = index, size - 1, leaf
    for sibling in proof:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            node = node_hash(sibling, node)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            node = node_hash(node, sibling)
        fn >>= 1
        sn >>= 1
    return node if sn == 0 else None
