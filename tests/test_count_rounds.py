"""Counting large documents in bounded rounds (``PieceCounter::count_documents``) and reading
large JSON Lines records without extra copies: the same counts, less memory held."""

from __future__ import annotations

import json
import tracemalloc
from collections import Counter
from pathlib import Path

import pytest
from conftest import run_python, skip_rss_if_sanitized

from tokenizer._corpus_formats import read_jsonl
from tokenizer._native import core
from tokenizer.corpus import default_corpus_paths
from tokenizer.patterns import reference_split

SPECIAL = "<|endoftext|>"


def _documents() -> list[str]:
    import gzip

    docs = []
    for path in default_corpus_paths():
        with gzip.open(path, "rt", encoding="utf-8") as f:
            docs += [json.loads(line)["text"] for line in f]
    return docs


@pytest.fixture(scope="module")
def docs() -> list[str]:
    return _documents()


def _large(docs: list[str], size: int, step: int) -> str:
    """About ``size`` UTF-8 bytes of code, English and Chinese, special tokens between parts."""
    parts, n = [], 0
    for i in range(0, 10**9, step):
        d = docs[i % len(docs)] + SPECIAL
        parts.append(d)
        n += len(d.encode())
        if n >= size:
            return "".join(parts)
    raise AssertionError


def test_a_large_document_counts_as_the_reference_split(docs) -> None:
    """A document of more than a round (1 MiB and 256 Ki pieces a worker) is split whole and
    its pieces counted a bounded range at a time: the counts are those of the reference regex
    over the whole text (special tokens cut out), for any thread count, under a cap or not."""
    big = _large(docs, 2_600_000, 7)
    want = Counter()
    for part in big.split(SPECIAL):
        want.update(p.encode() for p in reference_split(part) if p)
    for threads in (1, 2, 3):
        for cap in (0, 64 << 20):
            counter = core.PieceCounter(threads, cap)
            counter.count("codebpe-v1", [big], [SPECIAL])
            assert dict(counter.items()) == want, (threads, cap)
            assert counter.total == sum(want.values())
            assert counter.special_cuts == big.count(SPECIAL)


def test_batches_mixing_large_and_small_documents_count_the_same_any_threads(docs) -> None:
    """Rounds of small documents, large ones between them, empty ones: the same counts, and under
    a cap the same memory after each batch (what pruning is decided on) for any thread count."""
    big = _large(docs, 2_300_000, 5)
    batches = [
        docs[:300],
        [big],
        docs[300:700] + [big, "", "x"] + docs[700:900],
        [big[:3_000_000], big[1000:]],
        ["ab"],
    ]
    seen = []
    for threads in (1, 2, 3, 4):
        for cap in (0, 40 << 20, 3 << 20):
            counter = core.PieceCounter(threads, cap)
            memory = []
            for batch in batches:
                counter.count("codebpe-v1", batch, [SPECIAL])
                memory.append(counter.memory)
            seen.append(
                (cap, threads, sorted(counter.items()), counter.total, counter.pruned_unique)
            )
            if cap:
                seen[-1] += (memory,)
    for cap in (0, 40 << 20, 3 << 20):
        runs = [s for s in seen if s[0] == cap]
        assert all(r[2:] == runs[0][2:] for r in runs[1:]), cap
    assert [s for s in seen if s[0] == 3 << 20][0][4] > 0  # the small cap did prune
    assert [s for s in seen if s[0] == 0][0][2] == [s for s in seen if s[0] == 40 << 20][0][2]


_PEAK = """
import sys
from tokenizer._native import core
text = open(sys.argv[1], "rb").read()
docs = [text, text]
def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1]) * 1024
rss = status("VmRSS:")
counter = core.PieceCounter(2, 0)
counter.count("codebpe-v1", docs)
print(status("VmHWM:") - rss, counter.total)
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc (Linux)")
@skip_rss_if_sanitized
def test_counting_large_documents_holds_a_bounded_share_of_their_pieces(tmp_path, docs) -> None:
    """Two documents of 8 MB in one batch, 2 threads: the references bucketed for the insert
    phase (16 bytes a piece) were held for the whole batch, 60 MB and more for its 3.7 M
    pieces; in rounds, a document's piece ends (4 bytes a piece) and a round's references."""
    path = tmp_path / "big.txt"
    path.write_bytes(_large(docs, 8_000_000, 3).encode())
    out = run_python(_PEAK, str(path), cwd=tmp_path, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    grown, pieces = map(int, out.stdout.split())
    assert pieces > 3_000_000
    # measured: 19.8 bytes a piece before (71 MB: references for the whole batch), 6.3 after
    assert grown < 11 * pieces, (grown, pieces)


def _jsonl_of(tmp_path: Path, text: str, copies: int) -> tuple[Path, int]:
    """A JSON Lines file of ``copies`` records of ``text`` (not ASCII-escaped), and its length."""
    path = tmp_path / "big.jsonl"
    line = json.dumps({"text": text}, ensure_ascii=False) + "\n"
    path.write_text(line * copies, encoding="utf-8")
    return path, len(text)


def test_large_jsonl_records_are_not_copied_while_read(tmp_path, docs) -> None:
    """Reading JSON Lines records of 4 MB of mixed text (4 bytes a character as ``str``: one
    emoji does it) whose code holds a literal "\\ud83d": the record was encoded to UTF-16 and
    back (the escape was taken for a lone surrogate), and the line and its decoded ``str`` were
    kept while the consumer held the record. Python's allocations, traced (not RSS)."""
    text = _large(docs, 4_000_000, 11) + ' s = "\\ud83d\\ude00" # \U0001f600'
    path, chars = _jsonl_of(tmp_path, text, 3)
    peaks, kept = [], []
    tracemalloc.start()
    try:
        for record in read_jsonl(path, text_field="text", lang_field=None, lang=None, base=0):
            assert record.text == text
            held_now, peak = tracemalloc.get_traced_memory()
            peaks.append(peak)
            kept.append(held_now)
            tracemalloc.reset_peak()
            held = record  # (the consumer holds a record while the next one is read)
        del held
    finally:
        tracemalloc.stop()
    # measured (bytes a character, CPython 3.11): held when a record is handed out, 17.3 before
    # (the line, its decoded str, the record and the one before), 8.0 after (the record and
    # the one before); at the peak while reading one, 21.3 before, 15.6 after
    assert max(kept[1:]) < 10 * chars, [k / chars for k in kept]
    assert max(peaks[1:]) < 18 * chars, [p / chars for p in peaks]


def test_the_corpus_layers_do_not_hold_a_record_while_the_next_is_read(tmp_path, docs) -> None:
    """Review: every layer between the JSON Lines reader and the counter (the file's first
    record, the source's loop, ``interleave``, ``Corpus.__iter__``, ``texts()``) kept the
    document it had handed out until the next one came, so a record of megabytes was held while
    the next was read even when the consumer had dropped it. Python's allocations, traced."""
    from tokenizer.corpus import Corpus

    text = _large(docs, 2_000_000, 7) + " \U0001f600"  # (4 bytes a character as str)
    path, chars = _jsonl_of(tmp_path, text, 4)
    held, peaks = [], []
    tracemalloc.start()
    try:
        for got in Corpus(str(path)).texts():
            peaks.append(tracemalloc.get_traced_memory()[1])  # (while this one was read)
            assert len(got) == chars
            del got  # (the consumer is done with it: as count_stream drops a counted batch)
            held.append(tracemalloc.get_traced_memory()[0])
            tracemalloc.reset_peak()
    finally:
        tracemalloc.stop()
    # measured (bytes a character, CPython 3.11): the peak while a record is read, 15.7 before
    # (the one before it, held in the layers' locals, on top of the reading) and 11.7 after, as
    # for the first record; held once the consumer dropped a text, 4.0 either way (the suspended
    # generator's own reference to it, dropped as it resumes)
    assert max(peaks[1:]) < 13.5 * chars, [p / chars for p in peaks]
    assert max(held) < 5 * chars, [h / chars for h in held]


def test_a_batch_of_a_large_document_is_counted_before_the_next_is_read(docs) -> None:
    """A document of at least half a batch is counted before the next document is asked for
    (not while it is read, which held both: a 4 MB-record JSON Lines corpus peaked at 137 MB
    under a 110M cap, 101 MB after); smaller ones still overlap reading and counting."""
    from tokenizer._train_options import CAPPED_BATCH_CHARS
    from tokenizer._train_system import current_rss
    from tokenizer.train import Trainer

    big = _large(docs, 2 * CAPPED_BATCH_CHARS, 5)
    assert len(big) >= CAPPED_BATCH_CHARS  # (a batch of its own)
    # A cap (batches of a fixed size) 1 GB above this process, whatever its size (under
    # scripts/sanitize.sh it is over 1 GB already: a fixed "1G" was refused there).
    trainer = Trainer(threads=2, max_memory=current_rss() + (1 << 30), progress=False)
    seen = []

    def texts():
        yield big
        seen.append(trainer.counter.total)  # (what was counted when the next one is asked for)
        yield "x = 1\n"

    trainer.count_texts(texts())
    assert seen[0] > 0 and trainer.documents == 2
