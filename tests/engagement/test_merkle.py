"""The Merkle tree rules: streamed roots, stored block roots and proofs agree with the plain tree,
and verify_ledger.py's own copy of the rules gives the same answers."""

import importlib.util
from pathlib import Path

import pytest

from engagement import merkle, receipts

VERIFIER = Path(__file__).resolve().parents[2] / "verify_ledger.py"


@pytest.fixture(scope="module")
def verifier():
    spec = importlib.util.spec_from_file_location("verify_ledger", VERIFIER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("chunk", [1, 2, 8])
@pytest.mark.parametrize("size", [1, 2, 3, 7, 8, 9, 16, 17, 31, 100])
def test_a_proof_through_the_stored_blocks_is_the_trees_own_proof(chunk, size, verifier):
    leaves = [merkle.leaf_hash(f'{{"id":{i}}}'.encode()) for i in range(size)]
    streamed, outside = merkle.StreamingRoot(chunk), verifier.StreamingRoot()
    for leaf in leaves:
        streamed.add(leaf)
        outside.add(leaf)
    root = merkle.root_of(leaves)
    assert streamed.root() == outside.root() == root
    blocks = streamed.chunk_roots + ([last] if (last := streamed.last_chunk_root()) else [])
    assert merkle.root_of(blocks) == root
    for index in range(size):
        start = index // chunk * chunk
        proof = merkle.path(index % chunk, leaves[start : start + chunk]) + merkle.path(index // chunk, blocks)
        assert proof == merkle.path(index, leaves)
        assert verifier.root_from_proof(leaves[index], index, size, proof) == root
        assert merkle.root_from_proof(leaves[index], index, size, proof) == root
        if proof:
            assert verifier.root_from_proof(leaves[index], index, size, proof[:-1]) != root
            assert verifier.root_from_proof(leaves[(index + 1) % size], index, size, proof) != root


def test_receipt_codes_read_the_same_in_the_verifier_and_forgive_typos(verifier):
    assert all(verifier.receipt_code(n) == receipts.receipt_code(n) for n in range(1, 5000))
    code = receipts.receipt_code(12345)
    assert receipts.parse(f" {code[:4].lower()}-{code[4:]} ") == code
    assert receipts.parse("O1IL-0000") == "0111" + "0000"
