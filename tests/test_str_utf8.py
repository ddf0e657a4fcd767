"""The C++ side reads a str's own storage (1, 2 or 4 bytes per character) and converts it to
UTF-8 itself (csrc/ucs_utf8.h), instead of asking CPython for a UTF-8 copy that would then stay
inside the str. These tests check that the conversion is exact for every storage kind and every
entry point, that lone surrogates behave as before, and that encoding leaves the str's size
alone."""

from __future__ import annotations

import ctypes
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokenizer._native import core
from tokenizer.encoding import Tokenizer

# One text per str storage kind (CPython picks the narrowest that holds every character), each
# with ASCII runs of every length around the converter's 4- and 8-unit blocks.
KINDS = {
    "ascii": "def f(x):\n    return x + 1  # ok\n" * 3,
    "latin-1": "café naïve façade, ÿ and ¿qué? " + "a" * 9 + "é" + "b" * 7,
    "ucs-2": "你好，世界！这是一个测试。‘quoted’ — " + "x" * 5 + "中" + "y" * 11 + "\u0800\uffff",
    "ucs-4": "emoji 😀🎉 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 " + "z" * 3 + "\U0010ffff" + "中文é",
}


def fresh(s: str) -> str:
    """An equal str that is a new object (no UTF-8 cached in it by an earlier call)."""
    return (s + "!")[:-1]


def cache_utf8(s: str) -> str:
    """s after CPython has stored its UTF-8 copy inside it (what PyUnicode_AsUTF8AndSize does)."""
    f = ctypes.pythonapi.PyUnicode_AsUTF8AndSize
    f.restype = ctypes.c_void_p
    f.argtypes = [ctypes.py_object, ctypes.c_void_p]
    assert f(s, None)
    return s


@pytest.fixture(scope="module")
def tok():
    return Tokenizer.from_tiktoken("cl100k_base")


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("cached", [False, True])
def test_every_entry_point_matches_tiktoken(tok, tiktoken_cl100k, kind, cached):
    base = KINDS[kind]
    want = tiktoken_cl100k.encode_ordinary(base)
    long_text = base * 200  # >= 1 KiB: the GIL is released
    want_long = tiktoken_cl100k.encode_ordinary(long_text)

    def text(s=base):
        return cache_utf8(fresh(s)) if cached else fresh(s)

    assert tok.encode(text()) == want
    assert tok.encode_ordinary(text()) == want
    assert tok.encode(text(), allowed_special="all") == want
    assert tok.count(text()) == len(want)
    assert tok.encode_to_numpy(text()).tolist() == want
    assert tok.encode_ordinary(text(long_text)) == want_long
    for threads in (1, 2):
        batch = [text(), text(long_text), "", text(base[:7])]
        expected = [want, want_long, [], tiktoken_cl100k.encode_ordinary(base[:7])]
        assert tok.encode_batch(batch, num_threads=threads) == expected
        flat, offsets = tok.encode_batch_to_numpy(batch, num_threads=threads)
        assert [part.tolist() for part in np.split(flat, offsets[1:-1])] == expected
    assert tok.decode_bytes(tok.encode(text())) == base.encode()


@pytest.mark.parametrize("kind", list(KINDS))
def test_pretokenizer_and_trainer_counts_see_the_same_bytes(kind):
    s = KINDS[kind] * 3
    ends = core.split_offsets("cl100k", fresh(s)).tolist()
    assert ends == core.split_offsets("cl100k", s.encode()).tolist()
    pieces = core.split_pieces("cl100k", fresh(s))
    assert "".join(pieces) == s
    assert [len(p.encode()) for p in pieces] == np.diff([0, *ends]).tolist()
    a, b = core.PieceCounter(1), core.PieceCounter(1)
    a.count("cl100k", [fresh(s), "x" + fresh(s)])
    b.count("cl100k", [s.encode(), ("x" + s).encode()])
    assert a.items() == b.items()
    c = core.PieceCounter(1)
    c.add_counts({p: 1 for p in set(pieces)})
    assert c.items() == {p.encode(): 1 for p in set(pieces)}


@pytest.mark.parametrize("kind", ["latin-1", "ucs-2", "ucs-4"])
def test_encoding_keeps_no_utf8_copy_in_the_str(tok, kind):
    # sys.getsizeof counts the UTF-8 copy CPython keeps once PyUnicode_AsUTF8AndSize ran: before
    # the conversion moved into the extension, every encoded non-ASCII str grew by its UTF-8
    # size (a Chinese text by 150%), for as long as it lived.
    s = fresh(KINDS[kind] * 50)
    size = sys.getsizeof(s)
    tok.encode(s)
    tok.count(s)
    tok.encode_batch([s, s], num_threads=2)
    tok.encode_batch_to_numpy([s])
    core.split_offsets("cl100k", s)
    core.PieceCounter(1).count("cl100k", [s])
    assert sys.getsizeof(s) == size
    assert sys.getsizeof(cache_utf8(s)) > size  # (the measure does see a copy)


def test_lone_surrogates_as_before(tok, tiktoken_cl100k):
    # encode replaces them as tiktoken does; the low-level API raises CPython's own error.
    for s in ["a\ud800b", "\udc00" * 3 + "x", "中\ud83d", "😀\udfff", "é\udc80"]:
        assert tok.encode(s) == tiktoken_cl100k.encode(s)
        assert tok.encode_batch([s, "ok " + s, "fine"], num_threads=2) == [
            tiktoken_cl100k.encode(t) for t in [s, "ok " + s, "fine"]
        ]
    s = "ab\ud800\udc01\ud800z中"
    with pytest.raises(UnicodeEncodeError) as ours:
        core.split_offsets("cl100k", s)
    with pytest.raises(UnicodeEncodeError) as python:
        s.encode()
    assert str(ours.value) == str(python.value)
    assert (ours.value.start, ours.value.end) == (2, 5)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=80))
def test_any_text_round_trips_through_the_conversion(text):
    tok = _tok()
    s = fresh(text)
    assert tok.decode_bytes(tok.encode_ordinary(s)) == text.encode()
    batch = tok.encode_ordinary_batch([s, s + "中"], num_threads=2)
    assert batch[0] == tok.encode_bytes(text.encode())


_TOK: list[Tokenizer] = []


def _tok() -> Tokenizer:
    if not _TOK:
        _TOK.append(Tokenizer.from_tiktoken("cl100k_base"))
    return _TOK[0]
