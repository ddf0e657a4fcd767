"""The piece-count table against pieces crafted to collide: count_hash is fixed and public (count
files and pruning use its values), so its home slots are keyed per process (PieceShard::home);
and, since the slot order now differs from run to run, the files and vocabularies must not."""

from __future__ import annotations

import hashlib
import textwrap
from pathlib import Path

import numpy as np
from conftest import run_python

from tokenizer._native import core


def _count_hash_9(b: np.ndarray) -> np.ndarray:
    """count_hash of 9-byte rows, written again with NumPy: FNV-1a, then the finalizer."""
    h = np.full(b.shape[0], 1469598103934665603, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for i in range(b.shape[1]):
            h = (h ^ b[:, i].astype(np.uint64)) * np.uint64(1099511628211)
        h ^= h >> np.uint64(32)
        h *= np.uint64(0xFF51AFD7ED558CCD)
        h ^= h >> np.uint64(29)
    return h


def _colliding_pieces(n: int, bits: int) -> list[str]:
    """Distinct one-piece words " xxxxxxxx" whose count_hash has its low ``bits`` bits zero: the
    pieces that, before the key, all had their home in the same few slots of a table of up to
    2^bits slots per such piece."""
    rng = np.random.default_rng(5)
    out: list[str] = []
    while len(out) < n:
        b = rng.integers(ord("a"), ord("z") + 1, size=(1 << 21, 9), dtype=np.uint8)
        b[:, 0] = ord(" ")
        hit = b[(_count_hash_9(b) & np.uint64((1 << bits) - 1)) == 0]
        out = list(dict.fromkeys(out + [bytes(r).decode() for r in hit]))
    return out[:n]


def test_colliding_pieces_do_not_share_a_probe_cluster():
    """4,096 pieces whose hashes share their low 12 bits. Homes taken from those bits put all of
    them in two runs of ~2,048 slots, which every later occurrence of any of them walked (20,000
    such pieces, 20 times over, took 1.33 s to count against 0.013 s for other words); with the
    keyed home they spread like any others. The counts are exact either way."""
    pieces = _colliding_pieces(4096, 12)
    for p in pieces[:50]:  # the NumPy hash is the counter's
        assert core.count_hash(p.encode()) & 0xFFF == 0
    counter = core.PieceCounter(1)
    counter.count("cl100k", ["".join(pieces) * 3])
    assert counter.unique == len(pieces)
    assert counter.items() == {p.encode(): 3 for p in pieces}
    assert counter.longest_run() < 400, counter.longest_run()
    other = core.PieceCounter(1)  # ordinary words, for scale
    other.count("cl100k", ["".join(_colliding_pieces(4096, 0)) * 3])
    assert other.longest_run() < 400


def test_files_and_vocabularies_are_the_same_in_every_process(tmp_path: Path):
    """Each process draws its own key, so pieces sit in other slots: a saved count file, a table
    pruned under a cap and a trained vocabulary must not change with it."""
    script = textwrap.dedent(
        """
        import hashlib, random, sys
        from tokenizer._native import core
        from tokenizer.train import train

        rng = random.Random(3)
        words = [" " + "".join(rng.choice("abcdefghij") for _ in range(rng.randint(2, 9)))
                 for _ in range(40_000)]
        docs = ["".join(rng.choices(words, k=20_000)) + " 中文的句子，和代码 x = f(y);\\n"
                for _ in range(12)]
        counter = core.PieceCounter(2, 1 << 20)  # pruned as it goes
        for i in range(0, len(docs), 3):
            counter.count("cl100k", docs[i : i + 3])
        counter.save(sys.argv[1], "{}")
        vocab = train(iter(docs), vocab_size=700, threads=2, progress=False)
        print(counter.pruned_unique, counter.longest_run() < 1000)
        print(hashlib.sha256(repr((vocab.merges, vocab.tokens)).encode()).hexdigest())
        """
    )
    runs = []
    for i in range(2):
        path = tmp_path / f"counts{i}.bin"
        run = run_python(script, str(path), cwd=tmp_path)
        assert run.returncode == 0, run.stderr[-2000:]
        runs.append((run.stdout.split(), hashlib.sha256(path.read_bytes()).hexdigest()))
    assert int(runs[0][0][0]) > 0 and runs[0][0][1] == "True"  # it did prune
    assert runs[0] == runs[1]
