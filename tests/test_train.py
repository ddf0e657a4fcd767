"""Tests for tokenizer.train and the C++ counter/merger: exact parity with tokenizer._reference."""

from __future__ import annotations

import json
import os
import random
import re

import pytest
from conftest import run_python
from hypothesis import given, settings
from hypothesis import strategies as st

from tokenizer import _reference as ref
from tokenizer._native import core
from tokenizer.patterns import get_pattern, reference_split
from tokenizer.reserved import default_reserved, special_block
from tokenizer.train import Trainer, train
from tokenizer.vocab import Vocabulary

CODE = [
    "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n",
    "class Stack:\n    def __init__(self):\n        self.items = []\n\n    def push(self, x):\n"
    "        self.items.append(x)\n\tif (x) { return f(x); }\n\t\tfoo(bar[i]);\n",
    'int main() {\n  for (int i = 0; i < 10; ++i) {\n    printf("%d\\n", i);\n  }\n'
    "  return 0;\n}\n",
]
ENGLISH = [
    "The quick brown fox jumps over the lazy dog. The dog didn't care; it's 12,345 o'clock.",
    "Tokenizers split text into pieces, then merge frequent pairs of symbols into tokens.",
]
CHINESE = [
    "机器学习是人工智能的一个分支。它使用统计方法让计算机系统从数据中学习。" * 3,
    "深度学习是机器学习的分支，是一种以人工神经网络为架构的算法。学习学习学习。",
]
TIES = ["ab ba ab ba cd dc cd dc", "xy yx zz zz"]


def fast(
    texts, *, vocab_size, pattern, reserved=(), min_frequency=1, max_token_length=None, threads=1
):
    """Train through Trainer with no special tokens, so vocab_size counts ordinary tokens only."""
    trainer = Trainer(pattern=pattern, threads=threads, progress=False).count_texts(texts)
    vocab = trainer.train(
        vocab_size=vocab_size,
        reserved=list(reserved),
        special_tokens=(),
        spare_special_tokens=0,
        min_frequency=min_frequency,
        max_token_length=max_token_length,
        allow_unused=True,  # (compared with the reference where a corpus runs out of pairs)
    )
    return vocab.merges, vocab.tokens


CASES = [
    ("code", CODE, 400, "codebpe-v1", (), 1, None),
    ("code-reserved", CODE, 420, "codebpe-v1", default_reserved("codebpe-v1"), 2, None),
    ("code-cl100k", CODE, 400, "cl100k", default_reserved("cl100k"), 1, None),
    ("english", ENGLISH, 360, "gpt2", (), 1, None),
    ("english-o200k", ENGLISH, 360, "o200k", (), 1, 4),
    ("chinese", CHINESE, 330, "codebpe-v1", (), 1, None),
    ("chinese-maxlen", CHINESE, 330, "deepseek-v3", (), 1, 6),
    ("mixed-deepseek-coder", CODE + CHINESE, 400, "deepseek-coder", (), 1, None),
    ("ties", TIES, 270, "gpt2", (), 1, None),
    ("min-frequency", CODE + ENGLISH, 600, "codebpe-v1", (), 3, None),
    ("custom-regex", CODE + CHINESE, 400, r"\s+|\w+|[^\s\w]+", (b"  ", b"()"), 1, None),
]


@pytest.mark.parametrize(
    "name,texts,vocab_size,pattern,reserved,min_freq,max_len", CASES, ids=[c[0] for c in CASES]
)
def test_same_merges_as_reference(name, texts, vocab_size, pattern, reserved, min_freq, max_len):
    rx = get_pattern(pattern).regexes if not pattern.startswith("\\") else (pattern,)
    expected = ref.train_bpe(
        texts,
        vocab_size=vocab_size,
        pattern=rx,
        reserved=reserved,
        min_frequency=min_freq,
        max_token_length=max_len,
    )
    got = fast(
        texts,
        vocab_size=vocab_size,
        pattern=pattern,
        reserved=reserved,
        min_frequency=min_freq,
        max_token_length=max_len,
    )
    assert got[0] == expected[0]
    assert got[1] == expected[1]


def test_python_split_path_equals_native(mixed_text):
    # The same built-in pattern given as a custom regex goes through Python splitting.
    texts = [mixed_text, mixed_text.upper()]
    native = fast(texts, vocab_size=700, pattern="cl100k")
    custom = fast(texts, vocab_size=700, pattern=get_pattern("cl100k").regexes[0])
    assert native == custom


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.text(alphabet="ab c\n\t(){}学", max_size=60), min_size=1, max_size=4),
    st.integers(256, 300),
    st.sampled_from([1, 2]),
    st.sampled_from([None, 2, 4]),
)
def test_random_corpora_match_reference(texts, vocab_size, min_freq, max_len):
    expected = ref.train_bpe(
        texts,
        vocab_size=vocab_size,
        pattern="codebpe-v1",
        min_frequency=min_freq,
        max_token_length=max_len,
    )
    if sum(map(len, texts)) == 0:
        return
    got = fast(
        texts,
        vocab_size=vocab_size,
        pattern="codebpe-v1",
        min_frequency=min_freq,
        max_token_length=max_len,
    )
    assert got == expected


def _bigger_corpus(mixed_text: str) -> list[str]:
    rng = random.Random(7)
    words = reference_split(mixed_text, "codebpe-v1")
    return ["".join(rng.choice(words) for _ in range(400)) for _ in range(300)]  # ~300 KB


def test_same_vocabulary_any_threads_and_order(mixed_text):
    docs = _bigger_corpus(mixed_text)
    one = fast(docs, vocab_size=1500, pattern="codebpe-v1", threads=1)
    two = fast(docs, vocab_size=1500, pattern="codebpe-v1", threads=2)
    shuffled = docs[:]
    random.Random(1).shuffle(shuffled)
    three = fast(shuffled, vocab_size=1500, pattern="codebpe-v1", threads=3)
    assert one == two == three
    assert len(one[1]) == 1500


def test_count_tables_save_load_merge(tmp_path, mixed_text):
    docs = _bigger_corpus(mixed_text)[:60]
    whole = Trainer(threads=2, progress=False).count_texts(docs)
    a = Trainer(threads=1, progress=False).count_texts(docs[:25])
    b = Trainer(threads=2, progress=False).count_texts(docs[25:])
    a.save_counts(tmp_path / "a.counts")
    b.save_counts(tmp_path / "b.counts")
    reduced = Trainer(threads=2, progress=False)
    reduced.load_counts(tmp_path / "a.counts").load_counts(tmp_path / "b.counts")
    assert reduced.counter.items() == whole.counter.items()
    assert reduced.counter.total == whole.counter.total
    assert reduced.documents == len(docs)
    merged = core.PieceCounter(1)
    merged.merge(a.counter)
    merged.merge(b.counter)
    assert merged.items() == whole.counter.items()
    # retrain with another size from the loaded table, no recount
    v1 = reduced.train(vocab_size=900)
    v2 = whole.train(vocab_size=900)
    assert v1.tokens == v2.tokens and v1.merges == v2.merges


def test_count_file_errors(tmp_path, mixed_text):
    bad = tmp_path / "bad.counts"
    bad.write_bytes(b"not a count file at all")
    with pytest.raises(ValueError, match="not a codebpe count file"):
        Trainer(progress=False).load_counts(bad)
    t = Trainer(pattern="gpt2", progress=False).count_texts([mixed_text])
    t.save_counts(tmp_path / "g.counts")
    with pytest.raises(ValueError, match="counted with pattern 'gpt2'"):
        Trainer(pattern="cl100k", progress=False).load_counts(tmp_path / "g.counts")
    raw = (tmp_path / "g.counts").read_bytes()
    (tmp_path / "cut.counts").write_bytes(raw[:-3])
    with pytest.raises(ValueError, match="truncated|not a valid"):
        Trainer(pattern="gpt2", progress=False).load_counts(tmp_path / "cut.counts")


def test_count_file_checksum_catches_damage_and_version_1_still_loads(tmp_path, mixed_text):
    """A damaged byte inside a piece used to load as another piece, silently (the format had no
    checksum); version 2 files end with one. Version 1 files (no checksum) still load."""
    import struct

    t = Trainer(progress=False).count_texts([mixed_text])
    t.save_counts(tmp_path / "c.counts")
    raw = (tmp_path / "c.counts").read_bytes()
    assert struct.unpack("<I", raw[8:12])[0] == 2
    start = 16 + struct.unpack("<I", raw[12:16])[0] + 32  # the first entry: varint length, bytes
    assert raw[start] < 0x80  # (a one-byte length, so the next byte is the piece's first)
    damaged = bytearray(raw)
    damaged[start + 1] ^= 0x01
    (tmp_path / "d.counts").write_bytes(bytes(damaged))
    with pytest.raises(ValueError, match="checksum mismatch"):
        Trainer(progress=False).load_counts(tmp_path / "d.counts")
    v1 = raw[:8] + struct.pack("<I", 1) + raw[12:-8]
    (tmp_path / "v1.counts").write_bytes(v1)
    loaded = Trainer(progress=False).load_counts(tmp_path / "v1.counts")
    assert loaded.counter.items() == t.counter.items()
    (tmp_path / "v3.counts").write_bytes(raw[:8] + struct.pack("<I", 3) + raw[12:])
    with pytest.raises(ValueError, match="version 3 is not supported"):
        Trainer(progress=False).load_counts(tmp_path / "v3.counts")


def test_reserved_ids_and_indentation_is_one_token(mixed_text):
    vocab = train(iter([mixed_text] * 3), vocab_size=800, progress=False)
    reserved = default_reserved("codebpe-v1")
    assert len(reserved) == 26 + 31
    lo, hi = vocab.reserved_ids
    assert (lo, hi) == (256, 256 + len(reserved))
    assert vocab.tokens[lo:hi] == reserved
    ranks = vocab.ranks()
    for n in (2, 4, 8, 12, 16, 24, 32):
        ids = ref.encode("x\n" + " " * n + "return y\n", ranks, vocab.pattern)
        assert ranks[b" " * n] in ids, n
    ids = ref.encode("x\n\t\t\tfoo()\n", ranks, vocab.pattern)
    assert ranks[b"\t\t\t"] in ids
    # every reserved token comes out of plain text as one token, in some ordinary context
    for tok in reserved:
        text = tok.decode()
        contexts = ["\n" + text + "x", "x" + text + "x", "x" + text + "\n", "x" + text]
        assert any(ranks[tok] in ref.encode(c, ranks, vocab.pattern) for c in contexts), tok
    # the same ids whatever the corpus
    other = train(iter(["completely different text 你好"] * 5), vocab_size=400, progress=False)
    assert other.tokens[lo:hi] == reserved


def test_special_tokens_at_the_top_and_vocab_file(tmp_path, mixed_text):
    vocab = train(
        iter([mixed_text] * 2),
        vocab_size=700,
        special_tokens=("<|a|>", "<|b|>"),
        spare_special_tokens=3,
        progress=False,
    )
    assert vocab.n_vocab == 700
    assert vocab.special_tokens == {
        "<|a|>": 695,
        "<|b|>": 696,
        "<|reserved_0|>": 697,
        "<|reserved_1|>": 698,
        "<|reserved_2|>": 699,
    }
    vocab.save(tmp_path / "v.json")
    loaded = Vocabulary.load(tmp_path / "v.json")
    assert loaded.tokens == vocab.tokens and loaded.merges == vocab.merges
    assert loaded.config["vocab_size"] == 700 and loaded.config["min_frequency"] == 2
    assert loaded.corpus["documents"] == 2
    assert json.loads((tmp_path / "v.json").read_text())["config"]["pattern"] == "codebpe-v1"


def test_round_trip_with_trained_vocabulary(mixed_text):
    import tiktoken

    vocab = train(iter([mixed_text] * 4), vocab_size=1200, pattern="cl100k", progress=False)
    ranks = vocab.ranks()
    ids = ref.encode(mixed_text, ranks, vocab.pattern)
    assert ref.decode_bytes(ids, vocab.tokens) == mixed_text.encode()
    enc = tiktoken.Encoding(
        "t", pat_str=vocab.pattern.text, mergeable_ranks=ranks, special_tokens=vocab.special_tokens
    )
    assert enc.encode_ordinary(mixed_text) == ids
    assert enc.decode(enc.encode("<|endoftext|>x", allowed_special="all")) == "<|endoftext|>x"
    assert len(ids) < len(mixed_text.encode()) / 2


def test_memory_cap_prunes_and_reports():
    rng = random.Random(3)
    words = [f" w{rng.getrandbits(40):x}" for _ in range(60000)]
    counter = core.PieceCounter(2, 1 << 20)
    counter.count("gpt2", ["".join(words[i::4]) + " the the the" for i in range(4)] * 2)
    assert counter.pruned_unique > 0 and counter.pruned_mass > 0
    assert counter.memory <= 1 << 20
    assert counter.items()[b" the"] == 24  # frequent pieces survive with exact counts
    uncapped = core.PieceCounter(2)
    uncapped.count("gpt2", ["".join(words[i::4]) + " the the the" for i in range(4)] * 2)
    assert uncapped.pruned_unique == 0 and uncapped.unique > counter.unique


def test_trainer_memory_cap_reported():
    rng = random.Random(4)
    letters = str.maketrans("0123456789", "ghijklmnop")  # letters only: one piece per word
    docs = [
        " ".join(f"{rng.getrandbits(48):012x}".translate(letters) for _ in range(20000))
        for _ in range(20)
    ]
    from tokenizer._train_options import CAPPED_BATCH_CHARS
    from tokenizer.train import current_rss

    cap = current_rss() + 12 * CAPPED_BATCH_CHARS + (70 << 20)
    vocab = train(iter(docs), vocab_size=400, threads=1, max_memory=cap, progress=False)
    assert vocab.config["pruned_unique_pieces"] > 0
    assert vocab.config["pruned_count_mass"] > 0


def _pruning_corpus() -> list[str]:
    """About 9.7 M characters (three batches under a cap) of letter-only words, each in up to
    ten documents (counts 1 to 10: pruning goes past count <= 1), and a few frequent words."""
    rng = random.Random(11)
    letters = str.maketrans("0123456789", "ghijklmnop")  # letters only: one piece per word
    words = [f" {rng.getrandbits(32):08x}".translate(letters) for _ in range(138_000)]
    common = " the cat sat on the mat" * 200
    return ["".join(words[j * 3000 : j * 3000 + 30_000]) + common for j in range(36)]


def test_memory_cap_prunes_the_same_with_any_threads():
    """Review 2026-11: a capped table had a shard per thread and pruned when its allocations
    passed the cap, so where the rarest pieces were cut depended on the thread count (a 120M
    cap: 0 pieces pruned with --threads 1, 63,079 with --threads 2). Under a cap the shard count
    is fixed and each shard receives its pieces in document order: the same batches give the
    same table, memory and pruning for any thread count."""
    docs = _pruning_corpus()
    batches = [docs[i : i + 9] for i in range(0, len(docs), 9)]
    seen = []
    for threads in (1, 2, 3, 4):
        counter = core.PieceCounter(threads, 3 << 20)
        for batch in batches:
            counter.count("codebpe-v1", batch)
        seen.append((counter.pruned_unique, counter.pruned_mass, counter.memory, counter.items()))
    assert seen[0][0] > 0  # it did prune
    assert all(s == seen[0] for s in seen[1:])


@pytest.mark.parametrize("where", ["count", "merge"])
def test_trainer_memory_cap_same_vocabulary_any_threads(monkeypatch, where):
    """The whole run under a cap: batches close at the same documents for any thread count and
    the table's share does not depend on it either (before, a 2-thread batch held twice the
    text of a 1-thread one and the share was smaller by that; a cap that 1 thread accepted was
    refused with 3). The process's size, from which the share is taken, is fixed here: this
    test process grows from one trainer to the next. Pruned while counting (the share of
    before, a seventh) or when the merge starts (the table's content decides: the same for any
    thread count)."""
    from tokenizer import _train_options
    from tokenizer._train_options import _MIN_SPARE, CAPPED_BATCH_CHARS

    monkeypatch.setattr(_train_options, "current_rss", lambda: 100 << 20)
    cap = (100 << 20) + 12 * CAPPED_BATCH_CHARS + _MIN_SPARE + (4 << 20)
    if where == "count":  # a 4 MiB share
        monkeypatch.setattr(_train_options, "COUNT_SHARE", _train_options.MERGE_TO_TABLE)
    else:  # a 14 MiB share, no pruning while counting; a merge budget this corpus passes
        monkeypatch.setattr(_train_options, "MERGE_FIXED", cap - (100 << 20) - (6 << 20))
    docs = _pruning_corpus()
    vocabs = [
        train(iter(docs), vocab_size=420, threads=t, max_memory=cap, progress=False)
        for t in (1, 2, 3, 4)
    ]
    assert vocabs[0].config["pruned_unique_pieces"] > 0
    for v in vocabs[1:]:
        assert v.merges == vocabs[0].merges and v.tokens == vocabs[0].tokens
        assert v.config == vocabs[0].config


def _fixed_floor(monkeypatch, floor: int = 100 << 20) -> None:
    from tokenizer import _train_options

    monkeypatch.setattr(_train_options, "current_rss", lambda: floor)


def test_memory_share_is_half_of_the_room_while_counting(monkeypatch):
    """Review 2026-12: the table got a seventh of what was left after the process and two
    batches, to leave room for a merge said to peak at 4.7x the table; capped runs then peaked
    far under their cap (a 200M cap pruned 237 k of 394 k unique pieces on 60 MB that peaked at
    186 MB uncapped). The merge's room is no longer kept while counting: the table gets half,
    and is fitted to the merge when it starts (see the next tests)."""
    from tokenizer._train_options import CAPPED_BATCH_CHARS, READER_BUFFERS, table_capacity

    _fixed_floor(monkeypatch)
    spare = 300_000_000 - (100 << 20) - 12 * CAPPED_BATCH_CHARS
    assert table_capacity(300_000_000) == spare // 2
    parquet = READER_BUFFERS["pyarrow.parquet"]
    assert table_capacity(300_000_000, readers=parquet) == (spare - parquet) // 2
    # near the smallest cap, Parquet's buffers leave it the seventh of before
    small = (100 << 20) + 12 * CAPPED_BATCH_CHARS + (25 << 20)
    assert table_capacity(small, readers=parquet) == (25 << 20) // 7


def test_memory_cap_keeps_more_pieces_than_the_share_of_before(monkeypatch):
    """Under a cap the old share (a seventh) pruned while counting; now the table keeps what its
    merge fits in: more unique pieces, and the merge's need within its budget."""
    from tokenizer import _train_options
    from tokenizer._train_options import CAPPED_BATCH_CHARS, merge_budget, merge_need

    _fixed_floor(monkeypatch)
    cap = (100 << 20) + 12 * CAPPED_BATCH_CHARS + (30 << 20)
    docs = _pruning_corpus()
    now = train(iter(docs), vocab_size=420, threads=2, max_memory=cap, progress=False)
    monkeypatch.setattr(_train_options, "COUNT_SHARE", _train_options.MERGE_TO_TABLE)
    monkeypatch.setattr(_train_options, "MERGE_FIXED", 0)  # (no pruning at merge time: before)
    before = train(iter(docs), vocab_size=420, threads=2, max_memory=cap, progress=False)
    assert before.config["pruned_unique_pieces"] > 0
    assert now.config["unique_pieces"] > before.config["unique_pieces"]
    kept = now.config["unique_pieces"]
    assert merge_need(pieces=kept, piece_bytes=10 * kept, merges=420) <= merge_budget(
        cap, 100 << 20
    )


def _merge_fit_trainer(monkeypatch, share_of_need: float):
    """A trainer whose counted table fits while counting, and a merge budget whose fixed part
    leaves room for ``share_of_need`` of the table's own need: (trainer, merges, budget)."""
    from tokenizer import _train_options
    from tokenizer._train_options import CAPPED_BATCH_CHARS, merge_budget, merge_need

    _fixed_floor(monkeypatch)
    cap = (100 << 20) + 12 * CAPPED_BATCH_CHARS + (30 << 20)
    budget = merge_budget(cap, 100 << 20)
    trainer = Trainer(threads=2, max_memory=cap, progress=False).count_texts(_pruning_corpus())
    assert trainer.counter.pruned_unique == 0  # it all fits while counting
    assert trainer.counter.prune_threshold == 0
    layout = trainer.layout(vocab_size=420, reserved="default")
    merges = 420 - len(layout.specials) - len(layout.tokens)  # (what train() budgets for)
    pieces, piece_bytes = trainer.counter.content(0)
    need = merge_need(pieces=pieces, piece_bytes=piece_bytes, merges=merges)
    fixed = budget - int((need - _train_options.MERGE_FIXED) * share_of_need)
    monkeypatch.setattr(_train_options, "MERGE_FIXED", fixed)
    return trainer, merges, budget


def test_merge_prunes_the_table_to_its_budget(monkeypatch):
    """When the merge of the counted table would not fit in what the cap leaves it, the table
    is pruned first, to within the budget and filling it (the most frequent pieces, and within
    the last count kept, the lowest hash buckets); the pruned pieces are reported. The merge's
    structures (their own count of bytes) stay under the need that was budgeted."""
    from tokenizer._train_options import merge_need

    trainer, merges, budget = _merge_fit_trainer(monkeypatch, 0.5)
    counted = trainer.counter.unique
    full = merge_need(pieces=counted, piece_bytes=trainer.counter.content(0)[1], merges=merges)
    vocab = trainer.train(vocab_size=420, consume=True)
    kept = vocab.config["unique_pieces"]
    assert 0 < kept < counted
    assert vocab.config["pruned_unique_pieces"] == counted - kept
    assert vocab.stats["merge_peak_bytes"] <= full

    trainer, merges, budget = _merge_fit_trainer(monkeypatch, 0.5)
    trainer._fit_merge(merges, table_kept=False)
    pieces, piece_bytes = trainer.counter.content(0)
    after = merge_need(pieces=pieces, piece_bytes=piece_bytes, merges=merges)
    assert pieces == kept
    assert budget - budget // 200 < after <= budget  # filled, not a coarse step below it


def test_a_larger_merge_budget_keeps_more_pieces(monkeypatch):
    """Review: cutting by count alone (count <= 1, then 2, 4, ...) moved in coarse steps, and a
    table that had not been pruned while counting lost three quarters of its pieces at once, so
    a 300M cap kept fewer pieces than a 150M one. The cut now falls inside a count."""
    kept = []
    for share in (0.2, 0.4, 0.6, 0.8):
        trainer, merges, _ = _merge_fit_trainer(monkeypatch, share)
        trainer._fit_merge(merges, table_kept=False)
        kept.append(trainer.counter.unique)
    assert kept == sorted(kept) and len(set(kept)) == len(kept), kept


def test_merge_refuses_a_cap_too_small_for_its_merges(monkeypatch):
    from tokenizer import _train_options
    from tokenizer._train_options import CAPPED_BATCH_CHARS

    _fixed_floor(monkeypatch)
    cap = (100 << 20) + 12 * CAPPED_BATCH_CHARS + (30 << 20)
    monkeypatch.setattr(_train_options, "MERGE_FIXED", cap)
    trainer = Trainer(threads=1, max_memory=cap, progress=False).count_texts(["a b c a b"] * 9)
    with pytest.raises(ValueError, match="too small to learn .* allow at least"):
        trainer.train(vocab_size=400)


def test_count_files_are_the_same_bytes_for_any_threads(tmp_path):
    """A count file listed its pieces in the saving table's slot order, which depends on its
    shards (one per thread); loaded under a cap, which prunes as the pieces come, a file saved
    with 1 thread or with 3 gave two vocabularies. The pieces are now sorted (hash, bytes)."""
    docs = _pruning_corpus()[:8]
    saved = []
    for threads in (1, 2, 3):
        path = tmp_path / f"{threads}.counts"
        Trainer(threads=threads, progress=False).count_texts(docs).save_counts(path)
        saved.append(path.read_bytes())
    assert saved[0] == saved[1] == saved[2]
    loaded = Trainer(threads=2, progress=False).load_counts(tmp_path / "3.counts")
    assert (
        loaded.counter.items()
        == Trainer(threads=1, progress=False).count_texts(docs).counter.items()
    )


def test_memory_share_ignores_small_changes_in_process_size(monkeypatch):
    """The process's size when the trainer starts varies by a few hundred KB from run to run,
    and the share moved with it: 2 runs of ``codebpe train --max-memory 104M`` in 34 pruned at
    another batch. It is rounded up to a multiple of 4 MiB."""
    from tokenizer import _train_options
    from tokenizer._train_options import table_capacity

    shares = set()
    for rss in (97 << 20, (99 << 20) + 12345, 100 << 20):
        monkeypatch.setattr(_train_options, "current_rss", lambda rss=rss: rss)
        shares.add(table_capacity(300_000_000))
    assert len(shares) == 1
    monkeypatch.setattr(_train_options, "current_rss", lambda: (100 << 20) + 1)
    assert table_capacity(300_000_000) < shares.pop()


def test_errors(mixed_text):
    with pytest.raises(ValueError, match="too small"):
        train(iter([mixed_text]), vocab_size=300, progress=False)
    with pytest.raises(ValueError, match="empty"):
        train(iter([]), vocab_size=1000, progress=False)
    with pytest.raises(ValueError, match="neither a built-in pattern"):
        train(iter([mixed_text]), pattern="(unclosed", progress=False)
    with pytest.raises(ValueError, match="at least two bytes"):
        train(iter([mixed_text]), reserved=[b"x"], vocab_size=600, progress=False)
    with pytest.raises(TypeError):
        train(iter([123]), vocab_size=600, progress=False)


def test_progress_callback_and_bytes_documents(mixed_text):
    events = []
    vocab = train(
        iter([mixed_text.encode(), b"\xff\xfe broken utf-8 " * 10]),
        vocab_size=600,
        progress=lambda stage, done, total: events.append((stage, done, total)),
    )
    assert {e[0] for e in events} == {"count", "merge"}
    assert events[-1][1] == vocab.config["learned"]
    ids = ref.encode(mixed_text, vocab.ranks(), vocab.pattern)
    assert ref.decode_bytes(ids, vocab.tokens) == mixed_text.encode()


def test_progress_callback_can_cancel(mixed_text):
    class Stop(Exception):
        pass

    def progress(stage, done, total):
        if stage == "merge" and done > 0:
            raise Stop

    with pytest.raises(Stop):
        train(iter([mixed_text] * 3), vocab_size=2000, progress=progress)


def test_an_empty_special_token_is_refused_before_training(tmp_path, capsys):
    """It used to train and write a vocabulary that no tokenizer could load."""
    from tokenizer.cli import main

    with pytest.raises(ValueError, match="non-empty"):
        train(iter(["a b c"] * 10), vocab_size=600, special_tokens=["<|e|>", ""], progress=False)
    (tmp_path / "a.py").write_text("x = 1\n" * 10)
    out = tmp_path / "v.json"
    assert main(["train", str(tmp_path / "a.py"), "-o", str(out), "--special-token", ""]) == 2
    assert "non-empty" in capsys.readouterr().err and not out.exists()


def test_counts_loaded_and_counted_add_up_in_the_corpus_record(tmp_path):
    """With --load-counts plus new inputs, the per-language and per-source tables of the
    vocabulary's corpus record took the later values instead of the sums."""
    from tokenizer.train import train

    (tmp_path / "a.py").write_text("def f(x):\n    return x\n" * 50)
    (tmp_path / "b.py").write_text("def g(y):\n    return y\n" * 30)
    counts = tmp_path / "a.counts"
    train([str(tmp_path / "a.py")], vocab_size=600, progress=False, save_counts=str(counts))
    vocab = train(
        [str(tmp_path / "b.py")], vocab_size=600, progress=False, load_counts=[str(counts)]
    )
    assert vocab.corpus["documents"] == 2
    assert vocab.corpus["by_lang"]["python"][0] == 2


def test_loading_counts_is_timed_as_counting(tmp_path, monkeypatch, capsys):
    """Review: with --load-counts the summary said "count 0.0s" and ``vocab.stats`` had
    ``count_seconds`` 0: loading the table (0.3 s of a 2.7 s run on the shipped sample's
    counts) was in no figure."""
    import time

    import tokenizer.train as train_module

    counts = tmp_path / "a.counts"
    docs = ["def f(x):\n    return x\n"] * 50
    train(iter(docs), vocab_size=400, progress=False, save_counts=str(counts))
    slow_header = train_module.read_header

    def read_header(path):  # (a table that takes a measurable time to load)
        time.sleep(0.3)
        return slow_header(path)

    monkeypatch.setattr(train_module, "read_header", read_header)
    vocab = train(vocab_size=400, load_counts=[str(counts)], threads=1)
    assert vocab.stats["count_seconds"] >= 0.3
    assert re.search(r"\(count [0-9.]+s, merge", capsys.readouterr().err).group() != (
        "(count 0.0s, merge"
    )


def test_the_vocabulary_file_does_not_depend_on_the_order_of_inputs_or_shards(tmp_path):
    """Review: the corpus record's tables (by_lang, by_source) kept the order in which their
    keys were first met, so shards loaded in the other order, or the same files named in the
    other order, wrote another file with the same merges."""
    (tmp_path / "a.py").write_text("def f(x):\n    return x\n" * 50)
    (tmp_path / "b.go").write_text("func g(y int) int {\n\treturn y\n}\n" * 40)
    (tmp_path / "c.txt").write_text("机器学习是人工智能的一个分支。\n" * 30)
    a, b, c = (str(tmp_path / n) for n in ("a.py", "b.go", "c.txt"))
    options = dict(vocab_size=500, progress=False, threads=1, allow_unused=True)
    out = {}
    for name, inputs in (("abc", [a, b, c]), ("cba", [c, b, a])):
        train(inputs, **options).save(tmp_path / f"{name}.json")
        out[name] = (tmp_path / f"{name}.json").read_bytes()
    assert out["abc"] == out["cba"]
    train([a], **options, save_counts=str(tmp_path / "1.counts"))
    train([c, b], **options, save_counts=str(tmp_path / "2.counts"))
    for name, shards in (("12", ["1", "2"]), ("21", ["2", "1"])):
        loads = [str(tmp_path / f"{n}.counts") for n in shards]
        train(**options, load_counts=loads).save(tmp_path / f"{name}.json")
        out[name] = (tmp_path / f"{name}.json").read_bytes()
    assert out["12"] == out["21"]
    corpus = json.loads(out["12"])["corpus"]
    assert list(corpus["by_lang"]) == sorted(corpus["by_lang"]) == ["go", "python", "text"]
    assert corpus["by_source"] == json.loads(out["abc"])["corpus"]["by_source"]


def test_help_tokenizer_train_after_a_plain_import(tmp_path):
    """Review: ``import tokenizer; help(tokenizer.train)`` raised AttributeError ("Did you mean:
    'Trainer'?"): the package's lazy attributes had no submodules."""
    code = (
        "import pydoc, re, tokenizer\n"
        "text = pydoc.render_doc(tokenizer.train, renderer=pydoc.plaintext)\n"
        # (Python 3.13's pydoc puts a long signature one parameter a line: 'train(\n  inputs')
        "assert re.search(r'train\\(\\s*inputs', text) and 'class Trainer' in text, text[:300]\n"
        "assert tokenizer.train.train is tokenizer.Trainer.count.__globals__['train']\n"
        "assert 'corpus' in dir(tokenizer) and tokenizer.corpus.Corpus\n"
        "print('ok')\n"
    )
    run = run_python(code, cwd=tmp_path)
    assert run.stdout == "ok\n", run.stderr[-2000:]


@pytest.mark.slow
def test_loading_a_large_count_table_takes_linear_time(tmp_path):
    """Review: a count file lists its pieces in hash-slot order; loaded into a table that grew as
    they came, the second shard's pieces landed on the first's and every insert walked one
    ever longer run of full slots. 2.3 M pieces saved with 2 threads took 27 s to load with
    one (a 286 MB corpus's table: 39 s, counting it took 10 s); now 0.3 s."""
    import time

    def name(i: int) -> str:  # letters only: one piece each
        out = "w"
        while True:
            out, i = out + "abcdefghijklmnopqrstuvwxyz"[i % 26], i // 26
            if not i:
                return out

    n = 2_300_000
    words = " ".join(name(i) for i in range(n))
    counts = tmp_path / "big.counts"
    trainer = Trainer(threads=2, progress=False)
    start = time.perf_counter()
    trainer.count_texts(words[i : i + (1 << 20)] for i in range(0, len(words), 1 << 20))
    counting = time.perf_counter() - start
    trainer.save_counts(counts)
    del trainer, words
    loaded = Trainer(threads=1, progress=False)
    start = time.perf_counter()
    loaded.load_counts(counts)
    loading = time.perf_counter() - start
    assert loaded.unique_pieces >= n
    assert loading < max(3.0, 3 * counting), (loading, counting)


# -- review 2026-11: vocab_size bounds, special tokens in the text, reproducible files, spare
# -- special slots, clear errors --------------------------------------------------------------


def _untouchable():
    """An input that fails the test if it is read: checks that come before any counting."""
    raise AssertionError("the corpus was read")
    yield "never"  # pragma: no cover


@pytest.mark.parametrize("size", [1 << 31, 1 << 32, 10**20])
def test_vocab_size_above_the_maximum_is_refused_before_counting(size):
    from tokenizer.train import MAX_VOCAB_SIZE

    assert MAX_VOCAB_SIZE == (1 << 31) - 1
    with pytest.raises(ValueError, match="too large: at most 2147483647"):
        train(_untouchable(), vocab_size=size, progress=False)


@pytest.mark.parametrize("size", [400.0, "400", None, True])
def test_vocab_size_must_be_an_int(size):
    with pytest.raises(TypeError, match="vocab_size must be an int"):
        train(_untouchable(), vocab_size=size, progress=False)


def test_a_corpus_far_too_small_for_vocab_size_is_an_error_unless_allowed():
    texts = ["def f(x):\n    return x\n"] * 20
    with pytest.raises(ValueError, match=r"would be unused; use a vocab_size of at most \d+") as e:
        train(iter(texts), vocab_size=1_000_000_000, progress=False)
    assert "supports only " in str(e.value) and "released" not in str(e.value)  # exact
    with pytest.raises(ValueError, match="would be unused") as err:
        train(iter(texts), vocab_size=2000, progress=False)
    fits = int(str(err.value).rsplit("at most ", 1)[1].split()[0])
    vocab = train(iter(texts), vocab_size=fits, progress=False)
    assert vocab.n_vocab == fits and len(vocab.tokens) == fits - 32  # no id unused
    kept = train(iter(texts), vocab_size=2000, progress=False, allow_unused=True)
    assert kept.n_vocab == 2000 and kept.special_tokens["<|endoftext|>"] == 1968


def test_a_vocabulary_declaring_a_huge_id_space_is_refused_cheaply():
    """Loading it made the encoder allocate a table entry per id (std::bad_alloc at 10^9)."""
    from tokenizer import Tokenizer
    from tokenizer.vocab import MAX_UNUSED_IDS, VocabularyError

    obj = Vocabulary.bytes_only(pattern="gpt2").to_json()
    obj["special_tokens"] = {"<|endoftext|>": 999_999_999}
    with pytest.raises(VocabularyError, match="unused ids"):
        Vocabulary.from_json(obj)
    obj["special_tokens"] = {"<|endoftext|>": 256 + MAX_UNUSED_IDS}  # the limit itself loads
    tok = Tokenizer(Vocabulary.from_json(obj))
    assert tok.n_vocab == 257 + MAX_UNUSED_IDS


SPECIAL_DOCS = [
    '{"text": "def f(x):\\n    return x\\n"}<|endoftext|><|fim_prefix|>',
    "class A:\n    pass\n<|endoftext|><|fim_prefix|>def g():<|fim_suffix|>    return 1",
    "<|endoftext|>" * 3 + "end of text, text of end<|pad|><|reserved_3|>",
] * 30


def test_special_tokens_in_the_text_are_boundaries_not_merges():
    vocab = train(iter(SPECIAL_DOCS), vocab_size=420, progress=False, allow_unused=True)
    learned = vocab.tokens[vocab.reserved_ids[1] :]
    assert learned and not [t for t in learned if b"<|" in t or b"|>" in t or b"doftext" in t]
    assert vocab.config["special_token_cuts"] == 30 * (2 + 3 + 5)
    # a boundary: the same counts as the stretches between the specials as documents of their own
    parts = [p for doc in SPECIAL_DOCS for p in ref.cut_special(doc, list(vocab.special_tokens))]
    split = train(iter(parts), vocab_size=420, progress=False, allow_unused=True)
    assert (split.tokens, split.merges) == (vocab.tokens, vocab.merges)


@pytest.mark.parametrize("pattern", ["codebpe-v1", r"\s+|\w+|[^\s\w]+"])
def test_special_token_cuts_match_the_reference(pattern):
    """Native and Python-regex counting cut as _reference.cut_special: leftmost, then longest."""
    specials = ["<|a|>", "<|ab|>", "<|a", "xyz"]
    docs = ["q<|ab|>r<|a|>s<|a<|a|x xyzxyz <|ab|", "<|ab|><|a|>xyz", "no specials here"] * 3
    rx = get_pattern(pattern).regexes if pattern == "codebpe-v1" else (pattern,)
    trainer = Trainer(
        pattern=pattern, progress=False, special_tokens=specials, spare_special_tokens=0
    ).count_texts(docs)
    assert trainer.counter.special_cuts == 3 * 10
    assert trainer.counter.items() == dict(ref.count_pieces(docs, rx, specials))
    expected = ref.train_bpe(docs, vocab_size=300, pattern=rx, special_tokens=specials)
    got = trainer.train(
        vocab_size=300 + len(specials), reserved=None, min_frequency=1, allow_unused=True
    )
    assert (got.merges, got.tokens) == expected


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from(["a", "b", " ", "<|", "|>", "<|e|>", "<|e", "é", "\n"])).map(
            "".join
        ),
        max_size=4,
    )
)
def test_random_special_cuts_match_the_reference(texts):
    specials = ["<|e|>", "<|ee|>", "|>"]
    trainer = Trainer(
        pattern="codebpe-v1", progress=False, special_tokens=specials, spare_special_tokens=0
    ).count_texts(texts + [t.encode() for t in texts])
    assert trainer.counter.items() == dict(ref.count_pieces(texts * 2, "codebpe-v1", specials))


def test_text_without_special_strings_trains_the_same_vocabulary(mixed_text):
    """Cutting special tokens changes nothing for a corpus that has none."""
    docs = _bigger_corpus(mixed_text)
    assert not any("<|" in d for d in docs)
    cut = Trainer(progress=False).count_texts(docs)
    plain = Trainer(progress=False, special_tokens=(), spare_special_tokens=0).count_texts(docs)
    assert cut.counter.special_cuts == 0
    assert cut.counter.items() == plain.counter.items()
    a = cut.train(vocab_size=1500, special_tokens=(), spare_special_tokens=0)
    b = plain.train(vocab_size=1500)
    assert (a.tokens, a.merges) == (b.tokens, b.merges)


def test_count_files_record_the_cut_special_tokens(tmp_path):
    path = tmp_path / "c.counts"
    Trainer(progress=False).count_texts(SPECIAL_DOCS).save_counts(path)
    loaded = Trainer(progress=False).load_counts(path)
    assert loaded.counter.special_cuts == 30 * 10
    with pytest.raises(ValueError, match="without cutting out the special token '<|im_start|>'"):
        Trainer(progress=False, extra_special_tokens=["<|im_start|>"]).load_counts(path)
    trainer = Trainer(progress=False, special_tokens=(), spare_special_tokens=0)
    trainer.count_texts(["a b"] * 3)
    with pytest.raises(ValueError, match="not cut out of the text while counting"):
        trainer.train(vocab_size=400, special_tokens=["<|endoftext|>"], spare_special_tokens=0)


def test_extra_special_tokens_take_spare_slots():
    texts = ["def f(x):\n    return x + 1\n" * 4] * 40
    base = train(iter(texts), vocab_size=400, progress=False)
    chat = train(
        iter(texts),
        vocab_size=400,
        extra_special_tokens=["<|im_start|>", "<|im_end|>"],
        progress=False,
    )
    assert len(chat.special_tokens) == len(base.special_tokens) == 32
    for name in ("<|endoftext|>", "<|fim_prefix|>", "<|pad|>", "<|reserved_2|>"):
        assert chat.special_tokens[name] == base.special_tokens[name]
    assert chat.special_tokens["<|im_start|>"] == base.special_tokens["<|reserved_0|>"]
    assert chat.special_tokens["<|im_end|>"] == base.special_tokens["<|reserved_1|>"]
    assert "<|reserved_0|>" not in chat.special_tokens
    assert (chat.tokens, chat.merges) == (base.tokens, base.merges)
    with pytest.raises(ValueError, match="3 extra special tokens do not fit in the 2 spare"):
        train(
            _untouchable(),
            extra_special_tokens=["<|a|>", "<|b|>", "<|c|>"],
            spare_special_tokens=2,
            progress=False,
        )


def test_special_token_argument_errors():
    with pytest.raises(TypeError, match=r"not a single string: \['<\|eot\|>'\]"):
        train(_untouchable(), special_tokens="<|eot|>", progress=False)
    with pytest.raises(TypeError, match="must hold strings, not int"):
        train(_untouchable(), extra_special_tokens=[1], progress=False)
    with pytest.raises(ValueError, match="threads must be >= 1"):
        train(_untouchable(), threads=0, progress=False)
    with pytest.raises(TypeError, match="threads must be an int"):
        Trainer(threads=1.5)


@pytest.mark.parametrize(
    "option, tokens",
    [("special_tokens", ["<|a|>", "<|b|>", "<|a|>"]), ("extra_special_tokens", ["<|x|>"] * 2)],
)
def test_a_special_token_listed_twice_is_refused(tmp_path, capsys, option, tokens):
    """Review: a repeated special token was merged silently, so the special block was one id
    smaller than the tokens given (29 ids for 3 + 27 spare: every special id moved)."""
    with pytest.raises(ValueError, match=rf"{option}: '<\|[abx]\|>' is listed twice"):
        train(_untouchable(), progress=False, **{option: tokens})
    with pytest.raises(ValueError, match="listed twice"):
        Trainer(progress=False, **{option: tokens})
    from tokenizer.cli import main

    (tmp_path / "a.py").write_text("def f(x):\n    return x\n")
    out = tmp_path / "v.json"
    argv = ["train", "-q", str(tmp_path / "a.py"), "-o", str(out), "--vocab-size", "400"]
    assert main([*argv, "--special-token", "<|x|>", "--special-token", "<|x|>"]) == 2
    err = capsys.readouterr().err
    assert err == "codebpe: error: --special-token: '<|x|>' is listed twice\n" and not out.exists()
    # an extra token that is already a special token is still ignored, as documented
    vocab = train(
        iter(["ab ab ab"] * 10),
        vocab_size=300,
        reserved=None,
        extra_special_tokens=["<|endoftext|>"],
        progress=False,
        allow_unused=True,
    )
    assert len(vocab.special_tokens) == 32


def test_special_tokens_given_as_iterators_are_cut_and_kept():
    """Review: ``Trainer`` took ``tuple(special_tokens)`` and then built its cut list from the
    same, now exhausted, iterator: the token was not cut, and training failed after the count."""
    docs = ["x<|a|>y z<|a|>" * 3] * 20
    vocab = train(
        iter(docs),
        special_tokens=iter(["<|a|>"]),
        extra_special_tokens=iter(["<|b|>"]),
        spare_special_tokens=1,
        vocab_size=270,
        reserved=None,
        allow_unused=True,
        progress=False,
    )
    assert vocab.special_tokens == {"<|a|>": 268, "<|b|>": 269}
    assert vocab.config["special_tokens"] == ["<|a|>"]
    assert vocab.config["extra_special_tokens"] == ["<|b|>"]
    assert vocab.config["special_token_cuts"] == 20 * 3 * 2
    trainer = Trainer(progress=False, special_tokens=["<|a|>", "<|b|>"], spare_special_tokens=0)
    trainer.count_texts(docs)
    again = trainer.train(vocab_size=270, reserved=None, special_tokens=iter(["<|a|>"]))
    assert again.special_tokens == {"<|a|>": 269} and again.config["special_tokens"] == ["<|a|>"]


@pytest.mark.parametrize("pattern", ["codebpe-v1", r"\w+|\s+|[^\w\s]+"])
@pytest.mark.parametrize("option", ["special_tokens", "extra_special_tokens"])
def test_special_tokens_with_lone_surrogates_are_refused_up_front(pattern, option):
    """Review: the native counter failed from its worker thread with pybind11's "incompatible
    function arguments"; the custom-regex path accepted the token."""
    with pytest.raises(ValueError, match=rf"{option}: '<\|\\ud800\|>' holds a lone surrogate"):
        train(_untouchable(), pattern=pattern, progress=False, **{option: ["<|\ud800|>"]})
    with pytest.raises(ValueError, match="lone surrogate"):
        Trainer(pattern=pattern, progress=False, **{option: ["<|ok|>", "\udfff"]})


def test_train_after_consume_says_the_counts_were_consumed(mixed_text):
    trainer = Trainer(progress=False).count_texts([mixed_text] * 3)
    trainer.train(vocab_size=500, consume=True, allow_unused=True)
    with pytest.raises(ValueError, match="consumed by the previous train"):
        trainer.train(vocab_size=500)


AB = ["ab ab ab cd cd cd<|endoftext|>"] * 50


def test_saving_counts_after_consume_is_refused(tmp_path, mixed_text):
    """Review: ``save_counts`` after ``train(consume=True)`` wrote a table of no pieces that
    still said 3 documents and their bytes; training from it failed with "the corpus is empty:
    no text was counted"."""
    trainer = Trainer(progress=False).count_texts([mixed_text] * 3)
    trainer.train(vocab_size=500, consume=True, allow_unused=True)
    path = tmp_path / "after.counts"
    with pytest.raises(ValueError, match="consumed.*nothing to save"):
        trainer.save_counts(path)
    assert not path.exists()
    trainer.count_texts([mixed_text])  # counting again starts afresh and can be saved
    trainer.save_counts(path)
    assert Trainer(progress=False).load_counts(path).unique_pieces == trainer.unique_pieces > 0


def test_an_unwritable_save_counts_is_refused_before_counting(tmp_path):
    """Review: ``train(save_counts=...)`` in a missing folder failed only after the whole
    corpus had been counted, with ``ValueError: cannot write /no/such/c.counts.tmp25196``."""
    missing = tmp_path / "no" / "such" / "c.counts"
    with pytest.raises(FileNotFoundError, match=rf"{re.escape(str(missing))}: the folder"):
        train(_untouchable(), vocab_size=400, progress=False, save_counts=str(missing))
    with pytest.raises(IsADirectoryError):
        train(_untouchable(), vocab_size=400, progress=False, save_counts=str(tmp_path))
    trainer = Trainer(progress=False).count_texts(["def f(x):\n    return x\n"] * 20)
    with pytest.raises(FileNotFoundError, match="the folder .* does not exist"):
        trainer.save_counts(missing)  # (the message names the file asked for, not a temporary)


def test_counting_again_after_consume_starts_afresh(tmp_path):
    """Review: ``consumed`` was never reset, so counting again (or loading counts) after a
    consuming ``train`` still said "the counts were consumed"; the totals must then be the new
    counts' only."""
    fresh = Trainer(progress=False).count_texts(AB)
    expected = fresh.train(vocab_size=300, reserved=None, allow_unused=True)
    fresh.save_counts(tmp_path / "ab.counts")
    trainer = Trainer(progress=False).count_texts(AB + AB)
    trainer.train(vocab_size=300, reserved=None, consume=True, allow_unused=True)
    trainer.count_texts(AB)
    assert (trainer.documents, trainer.bytes) == (50, 50 * len(AB[0]))
    assert trainer.counter.special_cuts == 50 and trainer.corpus["documents"] == 50
    again = trainer.train(vocab_size=300, reserved=None, consume=True, allow_unused=True)
    assert (again.tokens, again.merges, again.corpus) == (
        expected.tokens,
        expected.merges,
        expected.corpus,
    )
    assert again.config == expected.config
    trainer.load_counts(tmp_path / "ab.counts")  # loading after a consuming train: the same
    assert (trainer.documents, trainer.bytes, trainer.counter.special_cuts) == (50, 850 + 650, 50)
    loaded = trainer.train(vocab_size=300, reserved=None, allow_unused=True)
    assert loaded.config == expected.config and loaded.corpus == expected.corpus


def test_a_refused_vocab_size_can_be_retried_after_consume():
    """Review: the "more than half unused" check ran after ``consume`` released the counts, so
    the retry with the size it suggested failed with "the counts were consumed"."""
    trainer = Trainer(progress=False).count_texts(AB)
    with pytest.raises(ValueError, match="use a vocab_size of at most 292 ") as err:
        trainer.train(vocab_size=1000, reserved=None, consume=True)
    assert "released" not in str(err.value)
    vocab = trainer.train(vocab_size=292, reserved=None, consume=True)
    assert vocab.n_vocab == 292 and len(vocab.tokens) == 260
    with pytest.raises(ValueError, match="consumed by the previous train"):
        trainer.train(vocab_size=292, reserved=None)


def test_a_large_table_is_released_before_merging_and_checked_before(monkeypatch):
    """Over ``KEEP_TABLE_BYTES`` the table is released before the merge loop (memory): what the
    counted bytes cannot fill is refused first, with the counts kept; a refusal after the merge
    says the counts are gone."""
    import tokenizer.train as train_module

    monkeypatch.setattr(train_module, "KEEP_TABLE_BYTES", 0)
    trainer = Trainer(progress=False).count_texts(AB)
    limit = trainer.most_ordinary(256) + 32
    with pytest.raises(ValueError, match=rf"supports at most \d+ .* vocab_size of at most {limit}"):
        trainer.train(vocab_size=10_000, reserved=None, consume=True)
    with pytest.raises(ValueError, match="at most 292 .*; the counts were released") as err:
        trainer.train(vocab_size=1000, reserved=None, consume=True)
    assert "supports only 260" in str(err.value)
    with pytest.raises(ValueError, match="consumed by the previous train"):
        trainer.train(vocab_size=292, reserved=None)


def test_more_than_max_unused_ids_is_refused_before_the_merge_loop(monkeypatch):
    """Review: with ``allow_unused``, more than 2^20 unused ids was a ``VocabularyError`` only
    once the vocabulary was built, after the whole count and merge."""
    from tokenizer.vocab import MAX_UNUSED_IDS, VocabularyError

    def no_merge(*args, **kwargs):
        raise AssertionError("the merge loop ran")

    monkeypatch.setattr(core, "train_bpe", no_merge)
    trainer = Trainer(progress=False).count_texts(AB)
    size = MAX_UNUSED_IDS + 4000  # the 1,500 bytes counted make at most 1,496 merges
    with pytest.raises(VocabularyError, match=r"at least 1,050,79\d of the 1,052,576 ids"):
        trainer.train(vocab_size=size, reserved=None, allow_unused=True, consume=True)
    assert not trainer.consumed
    with pytest.raises(VocabularyError, match="even with allow_unused"):  # before reading
        train(_untouchable(), vocab_size=size + 3000, max_bytes=2000, allow_unused=True)


def test_run_figures_are_not_saved(tmp_path, mixed_text, capsys):
    """A vocabulary file depends on the corpus and options only: users hash them."""
    docs = _bigger_corpus(mixed_text)
    one = train(iter(docs), vocab_size=1500, threads=1)
    assert "done in" in capsys.readouterr().err
    two = train(iter(docs), vocab_size=1500, threads=2, progress=False)
    for key in ("seconds", "count_seconds", "merge_seconds", "peak_rss", "threads"):
        assert key not in one.config and key in one.stats
    one.save(tmp_path / "1.json")
    two.save(tmp_path / "2.json")
    assert (tmp_path / "1.json").read_bytes() == (tmp_path / "2.json").read_bytes()


@pytest.mark.parametrize(("special", "what"), [("()", "reserved token"), ("a", "byte")])
def test_a_special_token_cannot_be_an_ordinary_token(special, what):
    """Review: --special-token '()' (a reserved bracket token) trained, and its tokenizer.json
    gave other ids in tokenizers (every later special id one lower); refused before counting."""
    from tokenizer.train import train

    with pytest.raises(ValueError, match=f"special token '{re.escape(special)}' is the {what}"):
        train(iter(["def f(x):\n    return (x)\n"] * 20), vocab_size=400,
              extra_special_tokens=[special], progress=False)  # fmt: skip


def test_progress_line_percentage_and_eta():
    """A stage whose share done is known (a ``fraction``, or ``done / total``) shows a bar, a
    percentage and, until its last line, an ETA; one whose share is unknown, the count only."""
    import io

    from tokenizer._progress import Progress

    share = [None]
    count = Progress("count", total=None, unit="B", stream=io.StringIO(), fraction=lambda: share[0])
    count.done = 1000
    assert "%" not in count._line() and "ETA" not in count._line()
    share[0] = 0.5
    assert " 50% 1.0 kB " in count._line() and re.search(r"  ETA \d+s$", count._line())
    share[0] = 1.0  # everything read, but the stage is not over until its last line
    assert " 99% " in count._line() and " 100% " in count._line(final=True)
    assert "ETA" not in count._line(final=True)
    merge = Progress("merge", total=400, unit="merges", stream=io.StringIO())
    merge.done = 100
    assert " 25% 100 merges " in merge._line() and "ETA" in merge._line()
    assert "ETA" not in merge._line(final=True)
    merge.close()
    assert (
        merge.stream.getvalue().startswith("   merge [######")
        and "ETA" not in merge.stream.getvalue()
    )


# -- bad-input audit 2026-11: a huge --spare-special ------------------------------------------


def test_a_spare_block_larger_than_vocab_size_is_refused_before_its_names_are_made(monkeypatch):
    """``--spare-special 999999999`` made a billion ``<|reserved_N|>`` names (the process grew
    until killed) before saying that they do not fit; the size alone tells."""
    import tokenizer.reserved as reserved
    import tokenizer.train as train_module

    made = []

    def special_block(special_tokens, extra=(), spare=0):
        made.append(spare)
        return real(special_tokens, extra, spare)

    real = reserved.special_block
    monkeypatch.setattr(reserved, "special_block", special_block)
    monkeypatch.setattr(train_module, "special_block", special_block)
    with pytest.raises(ValueError, match=r"vocab_size 32768 is too small: .* 1000005 special"):
        train(_untouchable(), spare_special_tokens=10**6, progress=False)
    with pytest.raises(
        ValueError,
        match=r"vocab_size 1000 is too small: 256 bytes \+ 0 reserved \+ 1000005 special",
    ):
        Trainer(progress=False, spare_special_tokens=0).layout(
            vocab_size=1000, reserved=None, spare_special_tokens=10**6
        )
    assert all(spare < 1000 for spare in made), made


def test_a_trainer_refuses_a_spare_block_no_vocabulary_can_use():
    """``Trainer(spare_special_tokens=10**9)`` has no vocab_size to check against, and made a
    billion names (23 GB, killed); a block over MAX_SPARE_SPECIAL is refused before any."""
    from tokenizer.reserved import MAX_SPARE_SPECIAL

    with pytest.raises(ValueError, match="spare_special_tokens 1000000000 is too many"):
        Trainer(spare_special_tokens=10**9, progress=False)
    with pytest.raises(ValueError, match="too many: at most 1,048,576"):
        special_block([], (), MAX_SPARE_SPECIAL + 1)
    assert len(special_block([], (), 3)) == 3


def test_more_threads_than_the_maximum_are_refused_before_counting():
    """``--threads 99999`` grew past 23 GB on a 52 MB file (a shard and a batch share a thread)
    and was killed."""
    from tokenizer.train import MAX_THREADS

    assert Trainer(threads=MAX_THREADS, progress=False).threads == MAX_THREADS
    with pytest.raises(ValueError, match=f"threads must be at most {MAX_THREADS}, got 99999"):
        train(_untouchable(), threads=99999, progress=False)


def test_the_special_tokens_are_checked_against_the_cut_list_in_one_pass():
    """Trainer.train rebuilt the set of cut tokens once per special token: 100,000 spare ids
    took 9 minutes of a 10-second training run."""

    class Counted(list):
        passes = 0

        def __iter__(self):
            Counted.passes += 1
            return super().__iter__()

    trainer = Trainer(progress=False, spare_special_tokens=500)
    trainer.count_texts(["def f(x):\n    return x\n"] * 50)
    trainer.boundaries = Counted(trainer.boundaries)
    trainer.train(vocab_size=1000, allow_unused=True)
    assert Counted.passes <= 2


@pytest.mark.parametrize(
    "kw, error, message",
    [
        # (these reached the C++ call after the whole count: its error printed its signature)
        ({"min_frequency": 2.5}, TypeError, "min_frequency must be an int, not float"),
        ({"max_token_length": 3.5}, TypeError, "max_token_length must be an int, not float"),
        ({"min_frequency": "2"}, TypeError, "min_frequency must be an int, not str"),
        ({"min_frequency": True}, TypeError, "min_frequency must be an int, not bool"),
        ({"max_token_length": 10**20}, ValueError, "max_token_length must be below 2\\*\\*64"),
        # (-1 cut the text's last byte; floats were "no attribute 'lower'")
        ({"max_bytes": -1}, ValueError, "max_bytes must be >= 0, got -1"),
        ({"max_bytes": float("inf")}, ValueError, "max_bytes must be a finite number"),
        ({"max_memory": True}, TypeError, "max_memory must be an int, a float or a str"),
    ],
)
def test_train_arguments_are_checked_before_counting(kw, error, message, monkeypatch):
    import tokenizer.train as train_module

    def never(*args, **kwargs):
        raise AssertionError("counted before the arguments were checked")

    monkeypatch.setattr(train_module.Trainer, "count", never)
    with pytest.raises(error, match=message):
        train(iter(["a b"] * 3), vocab_size=400, progress=False, **kw)


def test_sizes_take_floats_and_a_single_glob_is_one_pattern(tmp_path):
    """max_bytes=0.5e3 and a max_memory float are sizes; include="*.js" / exclude="node_modules"
    were iterated into their characters (every file matched "*"; "node_modules" excluded
    nothing)."""
    from tokenizer._train_system import current_rss
    from tokenizer.corpus import Corpus

    (tmp_path / "node_modules").mkdir()
    (tmp_path / "node_modules" / "i.js").write_text("var a = 1;\n")
    (tmp_path / "m.js").write_text("var b = 2;\n" * 100)
    (tmp_path / "n.go").write_text("package main\n")
    names = [d.source for d in Corpus([str(tmp_path)], exclude="node_modules", include="*.js")]
    assert [os.path.basename(n) for n in names] == ["m.js"]
    with pytest.raises(TypeError, match="include: glob patterns are str, not int"):
        Corpus([str(tmp_path)], include=[5])
    vocab = train(
        [str(tmp_path)],
        vocab_size=400,
        progress=False,
        exclude="node_modules",
        include="*.js",
        max_bytes=0.5e3,
        max_memory=float(current_rss() + (1 << 30)),  # (a float; above what the process holds)
        allow_unused=True,
    )
    assert vocab.corpus["bytes"] == 500 and list(vocab.corpus["by_source"]) == [str(tmp_path)]


@pytest.mark.parametrize("damage", ["truncated", "checksum"])
def test_a_failed_load_leaves_the_trainer_unusable(tmp_path, mixed_text, damage):
    """A truncated or damaged count file is found out at its end, after its entries were added:
    a caller that caught the error and went on trained on part of the file under the old
    totals. Now every later use of that Trainer says so."""
    from tokenizer.train import Trainer

    good = tmp_path / "a.counts"
    Trainer(progress=False, threads=1).count_texts([mixed_text] * 3).save_counts(good)
    raw = bytearray(good.read_bytes())
    bad = tmp_path / "b.counts"
    if damage == "truncated":
        bad.write_bytes(bytes(raw[: len(raw) * 3 // 4]))
    else:
        raw[-12] ^= 0x01  # (a count's byte: the checksum at the end no longer agrees)
        bad.write_bytes(bytes(raw))
    trainer = Trainer(progress=False, threads=1).count_texts(["hello world foo"] * 3)
    with pytest.raises(ValueError):
        trainer.load_counts(bad)
    for use in (
        lambda: trainer.train(vocab_size=400, allow_unused=True),
        lambda: trainer.count_texts(["more"]),
        lambda: trainer.load_counts(good),
        lambda: trainer.save_counts(tmp_path / "c.counts"),
    ):
        with pytest.raises(ValueError, match="this Trainer is unusable: loading .*b.counts failed"):
            use()
    assert not (tmp_path / "c.counts").exists()
    # a file refused by its header (before any entry is read) leaves the trainer as it was
    other = Trainer(progress=False, threads=1).count_texts(["hello world foo"] * 3)
    (tmp_path / "x.counts").write_bytes(b"not a count file")
    with pytest.raises(ValueError):
        other.load_counts(tmp_path / "x.counts")
    assert other.train(vocab_size=400, allow_unused=True).n_vocab == 400


def test_progress_and_reserved_take_only_what_they_mean():
    """progress="yes" turned progress off; reserved=[1, 2] said "reserved token b'\\x00' must be
    at least two bytes" (bytes(1))."""
    from tokenizer.train import Trainer

    with pytest.raises(TypeError, match="progress must be True, False or a callable, not 'yes'"):
        Trainer(progress="yes")
    with pytest.raises(TypeError, match="reserved tokens are bytes or str, not int"):
        train(iter(["a b"] * 3), vocab_size=400, progress=False, reserved=[1, 2])


def test_an_extra_special_token_named_like_a_spare_slot_is_named():
    """'<|reserved_3|>' as an extra special token failed with "special tokens collide with the
    spare <|reserved_N|> names", which named neither the token nor what to do."""
    with pytest.raises(ValueError, match="special token '<\\|reserved_3\\|>' is also the name of"):
        train(
            iter(["a b"] * 3),
            vocab_size=400,
            progress=False,
            extra_special_tokens=["<|reserved_3|>"],
        )


def test_the_header_shows_a_text_given_as_a_path_short(capsys):
    """A text where a path goes is refused by the corpus stage in one line, but the header
    printed it first, whole (4,600 characters, ~400 lines)."""
    text = "def f(x):\n    return x\n" * 200
    with pytest.raises(ValueError, match="looks like a text, not a path"):  # (the corpus stage)
        train([text], vocab_size=1000)
    err = capsys.readouterr().err
    assert "codebpe train: 'def f(x):\\n    return x\\n" in err and "(4,600 characters)" in err
    assert err.count("return x") == 2 and len(err.splitlines()) < 20  # (60 characters of it)


def test_a_dict_is_refused_before_the_configuration_is_printed(capsys):
    """train({"a": 1}) printed its configuration block ("documents from dict ...") and only then
    raised the TypeError."""
    with pytest.raises(TypeError, match="a dict is not a corpus"):
        train({"a": 1}, vocab_size=1000)
    assert capsys.readouterr().err == ""
