"""Tests for tokenizer.train and the C++ counter/merger: exact parity with tokenizer._reference."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokenizer import _reference as ref
from tokenizer._native import core
from tokenizer.patterns import get_pattern, reference_split
from tokenizer.reserved import default_reserved
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
    other = train(iter(["completely different text 你好"] * 5), vocab_size=800, progress=False)
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
    from tokenizer.train import BATCH_CHARS, current_rss

    cap = current_rss() + 12 * BATCH_CHARS + (70 << 20)
    vocab = train(iter(docs), vocab_size=400, threads=1, max_memory=cap, progress=False)
    assert vocab.config["pruned_unique_pieces"] > 0
    assert vocab.config["pruned_count_mass"] > 0


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
