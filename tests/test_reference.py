"""The pure-Python reference trainer and encoder (the oracle of every fast-path test)."""

from __future__ import annotations

import pytest

from tokenizer import _reference as ref


def test_wikipedia_aaabdaaabac():
    # Wikipedia's example: Z=aa, Y=ab, X=ZY, so the text becomes "XdXac".
    merges, tokens = ref.train_bpe(["aaabdaaabac"], vocab_size=259, pattern=None)
    assert [tokens[i] for i in range(256, 259)] == [b"aa", b"ab", b"aaab"]
    assert merges == [(97, 97), (97, 98), (256, 257)]
    ranks = {t: i for i, t in enumerate(tokens)}
    assert ref.encode("aaabdaaabac", ranks, None) == [258, ord("d"), 258, ord("a"), ord("c")]


def test_ties_broken_by_content_not_order():
    # "xy" and "ab" both occur twice: "ab" < "xy" lexicographically, whatever the document order.
    a = ref.train_bpe(["xy ab", "ab xy"], vocab_size=257, pattern="gpt2")
    b = ref.train_bpe(["ab xy", "xy ab"], vocab_size=257, pattern="gpt2")
    assert a == b
    merges, tokens = ref.train_bpe(["xyxy abab"], vocab_size=257, pattern=None)
    assert tokens[256] == b"ab"
    merges, tokens = ref.train_bpe(["abab xyxy"], vocab_size=257, pattern=None)
    assert tokens[256] == b"ab"


def test_min_frequency_and_max_token_length():
    merges, tokens = ref.train_bpe(["abc abc"], vocab_size=300, pattern="gpt2", min_frequency=2)
    assert all(len(t) <= 4 for t in tokens[256:])
    assert len(tokens) < 300  # stopped: every remaining pair occurs once
    merges, tokens = ref.train_bpe(
        ["aaaaaaaa"] * 3, vocab_size=300, pattern=None, max_token_length=2
    )
    assert max(len(t) for t in tokens) == 2


def test_forced_merges_make_reserved_tokens_single():
    tokens = [bytes([i]) for i in range(256)]
    reserved = [b" " * n for n in range(2, 17)] + [b"\t" * n for n in range(2, 9)]
    ref.forced_merges(tokens, reserved)
    ranks = {t: i for i, t in enumerate(tokens)}
    for r in reserved:
        assert ref.bpe_parts(r, ranks) == [r]
    assert tokens[256] == b"  "


def test_reserved_tokens_survive_training():
    texts = ["def f():\n        return 1\n"] * 5
    reserved = [b" " * 8]
    merges, tokens = ref.train_bpe(texts, vocab_size=280, pattern="codebpe-v1", reserved=reserved)
    ranks = {t: i for i, t in enumerate(tokens)}
    ids = ref.encode("        x", ranks, "codebpe-v1")
    assert tokens[ids[0]] == b" " * 8


def test_round_trip(mixed_text):
    merges, tokens = ref.train_bpe([mixed_text], vocab_size=400, pattern="cl100k")
    ranks = {t: i for i, t in enumerate(tokens)}
    ids = ref.encode(mixed_text, ranks, "cl100k")
    assert ref.decode_bytes(ids, tokens) == mixed_text.encode("utf-8")
    assert len(ids) < len(mixed_text.encode("utf-8"))


def test_reference_encoder_matches_tiktoken_cl100k(cl100k, tiktoken_cl100k, mixed_text):
    ranks, pattern, _ = cl100k
    expected = tiktoken_cl100k.encode_ordinary(mixed_text)
    assert ref.encode(mixed_text, ranks, pattern) == expected


@pytest.mark.parametrize("text", ["", "a", " ", "\n\n", "héllo wörld", "🚀" * 3])
def test_reference_encoder_small_cases(cl100k, tiktoken_cl100k, text):
    ranks, pattern, _ = cl100k
    assert ref.encode(text, ranks, pattern) == tiktoken_cl100k.encode_ordinary(text)
