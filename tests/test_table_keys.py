"""Vocabulary files are untrusted input, and the hashes of the tables they fill were fixed and
easy to invert: a file could put all its tokens in one probe cluster, which made loading
quadratic and every lookup of ordinary text walk the cluster. The homes are now keyed per
process (csrc/table_key.h). Each test builds tokens that collide under the old, unkeyed homes and
checks the table's longest run of taken slots, and that every token is still found."""

from __future__ import annotations

import base64
import json
import random
from pathlib import Path

import pytest

from tokenizer import Tokenizer
from tokenizer._native import core
from tokenizer.interop import bytes_to_unicode
from tokenizer.patterns import get_pattern

M = (1 << 64) - 1
K = 0x9E3779B97F4A7C15  # the multiplier of the old homes
K_INV = pow(K, -1, 1 << 64)


def _short_tokens(n: int) -> list[bytes]:
    """8-byte tokens whose old home, ((key ^ 8 << 59) * K) folded as h ^ h >> 32, has its low 32
    bits zero: slot 0 in a table of any size."""
    rng = random.Random(1)
    out: dict[bytes, None] = {}
    while len(out) < n:
        hi = rng.getrandbits(32)
        h = hi * ((1 << 32) + 1) & M  # h ^ (h >> 32) has zero low 32 bits
        key = (h * K_INV & M) ^ (8 << 59)
        b = key.to_bytes(8, "little")
        if b[-1]:  # 8 bytes, not a shorter token's zero padding
            out[b] = None
    return list(out)


def _long_tokens(n: int) -> list[bytes]:
    """16-byte tokens whose head ^ tail * C2 is the same value: the old home of a token of 9-16
    bytes was that value's product, so one home for all of them."""
    c2 = 0xC2B2AE3D27D4EB4F
    rng = random.Random(2)
    out: dict[bytes, None] = {}
    while len(out) < n:
        tail = rng.getrandbits(64)
        head = 0x0123456789ABCDEF ^ (tail * c2 & M)
        out[head.to_bytes(8, "little") + tail.to_bytes(8, "little")] = None
    return list(out)


def _finalizer_inverse(x: int) -> int:
    """Inverse of hash_bytes' last steps: h ^= h >> 32; h *= C; h ^= h >> 31."""
    x ^= x >> 31
    x ^= x >> 62
    x = x * pow(0xBF58476D1CE4E5B9, -1, 1 << 64) & M
    return x ^ (x >> 32)


def _hash_bytes_tokens(n: int) -> list[bytes]:
    """8-byte tokens whose old hash_bytes (the tokenizer.json reader's home) has its low 32 bits
    zero: the last word is solved for through the invertible steps."""
    h0 = 0x243F6A8885A308D3 ^ (8 * K & M)
    rng = random.Random(3)
    out: dict[bytes, None] = {}
    while len(out) < n:
        before = _finalizer_inverse(rng.getrandbits(32) << 32)  # (h0 ^ last) * K
        last = (before * K_INV & M) ^ h0
        out[last.to_bytes(8, "little")] = None
    return list(out)


def test_the_crafted_tokens_collided_under_the_old_homes():
    """The generators above are right: the old homes of their tokens are one slot."""
    for b in _short_tokens(50):
        h = ((int.from_bytes(b, "little") ^ (8 << 59)) * K) & M
        assert (h ^ (h >> 32)) & 0xFFFFFFFF == 0
    for b in _hash_bytes_tokens(50):
        assert core.hash_bytes(b) & 0xFFFFFFFF == 0  # hash_bytes itself stays unkeyed


@pytest.fixture(scope="module")
def crafted_tiktoken(tmp_path_factory) -> tuple[Path, list[bytes]]:
    tokens = [bytes([i]) for i in range(256)] + _short_tokens(20_000) + _long_tokens(10_000)
    path = tmp_path_factory.mktemp("crafted") / "crafted.tiktoken"
    path.write_text("".join(f"{base64.b64encode(t).decode()} {i}\n" for i, t in enumerate(tokens)))
    return path, tokens


def test_a_crafted_tiktoken_file_does_not_cluster(crafted_tiktoken):
    """20,000 short and 10,000 long tokens that shared one home each: before the key, loading
    took 0.80 s instead of 0.06 s for 30,000 random tokens, and 1.2 MB of ordinary text took
    2.1 s to encode instead of 0.024 s."""
    import tiktoken

    path, tokens = crafted_tiktoken
    tok = Tokenizer.from_tiktoken(str(path), pattern="cl100k")
    runs = tok._enc.table_runs()
    assert runs["short_tokens"] < 300 and runs["long_tokens"] < 300, runs
    for i in range(256, len(tokens), 37):
        assert tok._enc.lookup(tokens[i]) == i
    ref = tiktoken.Encoding(
        name="crafted",
        pat_str=get_pattern("cl100k").regexes[0],
        mergeable_ranks={t: i for i, t in enumerate(tokens)},
        special_tokens={},
    )
    text = "ordinary text, with code: def f(x): return x + 1\n中文也一样。" * 50
    assert tok.encode_ordinary(text) == ref.encode_ordinary(text)
    crafted_text = b"".join(tokens[300:330]).decode("latin-1")  # their bytes as text, encoded
    assert tok.encode_ordinary(crafted_text) == ref.encode_ordinary(crafted_text)


def test_a_crafted_tokenizer_json_does_not_cluster():
    """The tokenizer.json reader's key index hashed with the unkeyed hash_bytes."""
    b2u = bytes_to_unicode()
    tokens = _hash_bytes_tokens(20_000)
    vocab = {"".join(b2u[c] for c in bytes([i])): i for i in range(256)}
    vocab.update({"".join(b2u[c] for c in t): 256 + k for k, t in enumerate(tokens)})
    doc = {"model": {"type": "BPE", "vocab": vocab, "merges": []}}
    scan = core.scan_hf_model(json.dumps(doc).encode())
    assert scan is not None
    assert scan.longest_run() < 300, scan.longest_run()
    for k in range(0, len(tokens), 41):
        assert scan.lookup(tokens[k]) == 256 + k
