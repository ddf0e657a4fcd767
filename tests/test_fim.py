"""Fill-in-the-middle examples: layouts (PSM / SPM), cut points, ids via a tokenizer."""

from __future__ import annotations

import random

import pytest
from _vocab_fixtures import make_vocab
from hypothesis import given, settings
from hypothesis import strategies as st

from tokenizer._reference import encode as reference_encode
from tokenizer.export import to_tiktoken
from tokenizer.fim import FimExample, FimTokens, fim_documents, make_example, split_document

DOC = "def add(a, b):\n    return a + b\n\nprint(add(1, 2))\n"


class RefTokenizer:
    """The minimal tokenizer-like object FIM needs: encode_ordinary + special_tokens."""

    def __init__(self, vocab):
        self.vocab = vocab
        self.special_tokens = dict(vocab.special_tokens)

    def encode_ordinary(self, text: str) -> list[int]:
        return reference_encode(text, self.vocab.ranks(), self.vocab.pattern)


@pytest.fixture(scope="module")
def vocab(mixed_text):
    return make_vocab((mixed_text, DOC), pattern="codebpe-v1", vocab_size=300)


def test_psm_and_spm_layouts():
    ex = FimExample("P", "M", "S")
    assert ex.text("psm") == "<|fim_prefix|>P<|fim_suffix|>S<|fim_middle|>M"
    assert ex.text("spm") == "<|fim_prefix|><|fim_suffix|>S<|fim_middle|>PM"
    assert ex.text("psm", eot=True).endswith("M<|endoftext|>")
    star = FimTokens("<fim_prefix>", "<fim_middle>", "<fim_suffix>", "<|endoftext|>")
    assert ex.text("psm", tokens=star) == "<fim_prefix>P<fim_suffix>S<fim_middle>M"
    with pytest.raises(ValueError, match="unknown FIM mode"):
        ex.text("mps")


@pytest.mark.parametrize("make_tok", [RefTokenizer, to_tiktoken], ids=["reference", "tiktoken"])
def test_ids_are_parts_encoded_separately(vocab, make_tok):
    tok = make_tok(vocab)
    sp = vocab.special_tokens
    ex = FimExample(DOC[:20], DOC[20:35], DOC[35:])
    enc = RefTokenizer(vocab).encode_ordinary
    assert ex.ids(tok, "psm") == (
        [sp["<|fim_prefix|>"]]
        + enc(ex.prefix)
        + [sp["<|fim_suffix|>"]]
        + enc(ex.suffix)
        + [sp["<|fim_middle|>"]]
        + enc(ex.middle)
    )
    assert ex.ids(tok, "spm", eot=True) == (
        [sp["<|fim_prefix|>"], sp["<|fim_suffix|>"]]
        + enc(ex.suffix)
        + [sp["<|fim_middle|>"]]
        + enc(ex.prefix)
        + enc(ex.middle)
        + [sp["<|endoftext|>"]]
    )


def test_special_looking_text_stays_text(vocab):
    ex = FimExample("x = '<|fim_middle|>'\n", "<|endoftext|>", "")
    ids = ex.ids(RefTokenizer(vocab), "psm")
    specials = [i for i in ids if i >= len(vocab.tokens)]
    assert specials == [
        vocab.special_tokens[s] for s in ("<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>")
    ]


def test_missing_special_token_is_a_key_error(vocab):
    tok = RefTokenizer(vocab)
    tok.special_tokens.pop("<|fim_suffix|>")
    with pytest.raises(KeyError, match="fim_suffix"):
        FimExample("a", "b", "c").ids(tok)


def test_char_cuts_cover_every_position():
    seen = set()
    for seed in range(400):
        ex = split_document("abcd", unit="char", rng=seed)
        assert ex.prefix + ex.middle + ex.suffix == "abcd"
        seen.add((len(ex.prefix), len(ex.prefix) + len(ex.middle)))
    assert seen == {(a, b) for a in range(5) for b in range(a, 5)}


def test_line_cuts_are_line_starts():
    for seed in range(200):
        ex = split_document(DOC, unit="line", rng=seed)
        assert ex.prefix + ex.middle + ex.suffix == DOC
        for part in (ex.prefix, ex.middle):
            assert part == "" or part.endswith("\n")
    with pytest.raises(ValueError, match="unknown FIM unit"):
        split_document(DOC, unit="word")


def test_seeded_and_rates():
    docs = [DOC, "a\nb\n", "", "x" * 50] * 25
    a = list(fim_documents(docs, fim_rate=0.5, seed=7))
    assert a == list(fim_documents(docs, fim_rate=0.5, seed=7))
    assert a != list(fim_documents(docs, fim_rate=0.5, seed=8))
    n_fim = sum(s.startswith("<|fim_prefix|>") for s in a)
    assert 30 <= n_fim <= 70
    assert all(s.startswith("<|fim_prefix|>") for s in fim_documents(docs, fim_rate=1.0))
    assert list(fim_documents(docs[:2], fim_rate=0.0)) == [d + "<|endoftext|>" for d in docs[:2]]
    modes = [make_example(DOC, rng=s, spm_rate=1.0)[1] for s in range(5)]
    assert modes == ["spm"] * 5
    with pytest.raises(ValueError):
        list(fim_documents(docs, fim_rate=1.5))


def test_fim_documents_ids(vocab):
    tok = RefTokenizer(vocab)
    out = list(fim_documents([DOC, DOC], tokenizer=tok, fim_rate=1.0, seed=3))
    texts = list(fim_documents([DOC, DOC], fim_rate=1.0, seed=3))
    for ids, text in zip(out, texts):
        decoded = b"".join(
            vocab.tokens[i]
            if i < len(vocab.tokens)
            else next(s for s, j in vocab.special_tokens.items() if j == i).encode()
            for i in ids
        )
        assert decoded.decode() == text


@settings(max_examples=100, deadline=None)
@given(doc=st.text(max_size=80), seed=st.integers(0, 2**32), unit=st.sampled_from(["char", "line"]))
def test_cut_is_lossless(doc, seed, unit):
    ex, mode = make_example(doc, rng=random.Random(seed), unit=unit)
    assert ex.prefix + ex.middle + ex.suffix == doc
    t = ex.text(mode)
    assert t.count("<|fim_middle|>") >= 1 and t.startswith("<|fim_prefix|>")


def test_line_cuts_are_piece_boundaries(mixed_text):
    """A run of line ends is one codebpe-v1 piece, so a blank line's start lies inside it, and
    unit="line" cut there: such a middle was not token-aligned (15% of the line starts of code
    are blank lines' ones). Every line cut is now a piece boundary of the whole document."""
    from tokenizer.pretokenize import Splitter

    splitter = Splitter("codebpe-v1")
    docs = [DOC, mixed_text, "a\n\n\nb\r\n\r\nc\n", "\n\nx\n\n", "x\r\n\r\n  y\n"]
    for doc in docs:
        bounds = {0, len(doc)}
        at = 0
        for piece in splitter.split(doc):
            at += len(piece)
            bounds.add(at)
        for seed in range(60):
            ex = split_document(doc, unit="line", rng=seed)
            assert ex.prefix + ex.middle + ex.suffix == doc
            cuts = {len(ex.prefix), len(ex.prefix) + len(ex.middle)}
            assert cuts <= bounds, (doc, cuts)


def test_misuse_is_refused():
    """A str as the documents was read as one document per character; bytes found no line
    start; spm_rate 5.0 was taken (always spm)."""
    with pytest.raises(TypeError, match="not one str"):
        list(fim_documents("abc", fim_rate=1.0))
    with pytest.raises(TypeError, match="a document is a str, not bytes"):
        split_document(b"a\nb\n", unit="line", rng=4)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="spm_rate must be between 0 and 1"):
        make_example("x", rng=0, spm_rate=5.0)
