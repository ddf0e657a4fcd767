"""Plain-text inputs are streamed in bounded chunks: budgets stop reading, memory stays bounded.

A file of at most ``CHUNK_BYTES`` is one document as before; a larger one is cut at line ends,
never inside a UTF-8 character, and trains the same vocabulary as the whole file would.
"""

from __future__ import annotations

import gzip
import io
import os
import random
import re
import tracemalloc
from pathlib import Path

import pytest
from conftest import MIXED_TEXT

from tokenizer import _text_chunks
from tokenizer._corpus_summary import skip_notes
from tokenizer._text_chunks import find_cut, iter_chunks
from tokenizer._train_inputs import _plain_files
from tokenizer.corpus import Corpus, CorpusEncodingError, CorpusFormatError
from tokenizer.patterns import PATTERNS, reference_split
from tokenizer.train import train

MB = 1 << 20


def big_text(nbytes: int, seed: int = 0) -> str:
    """Mixed code / English / Chinese lines (CRLF, tabs, indentation) of about ``nbytes``."""
    rnd = random.Random(seed)
    lines = MIXED_TEXT.splitlines(keepends=True) + [
        "    return x\r\n",
        "\t\tfoo(bar[i]);\n",
        "\n\n",
        "「中文」，繁體與简体混排。\n",
        "\u3000\u3000段落缩进。\n",
        "*/\n",
        "// comment\n",
        "x" * 300 + "\n",
    ]
    out, size = [], 0
    while size < nbytes:
        line = rnd.choice(lines)
        out.append(line)
        size += len(line.encode())
    return "".join(out)


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(_text_chunks, "CHUNK_BYTES", 4096)
    return 4096


def test_small_file_is_one_document_as_before(tmp_path: Path):
    path = tmp_path / "a.py"
    path.write_text(MIXED_TEXT, encoding="utf-8")
    docs = list(Corpus(str(path)))
    assert [(d.text, d.lang, d.source) for d in docs] == [(MIXED_TEXT, "python", str(path))]
    exact = tmp_path / "exact.txt"
    exact.write_bytes(b"x" * (_text_chunks.CHUNK_BYTES - 1) + b"\n")  # exactly CHUNK_BYTES
    assert [d.source for d in Corpus(str(exact))] == [str(exact)]


def test_large_file_is_cut_at_line_ends(tmp_path: Path, small_chunks: int):
    text = big_text(200_000)
    path = tmp_path / "big.txt"
    path.write_bytes(text.encode())
    docs = list(Corpus(str(path)))
    assert len(docs) > 200_000 // small_chunks
    assert "".join(d.text for d in docs) == text
    offset = 0
    for doc in docs:
        size = len(doc.text.encode())
        assert 0 < size <= small_chunks
        assert doc.source == f"{path}@{offset}" and doc.lang == "text"
        offset += size
    assert all(d.text.endswith(("\n", "\r")) for d in docs[:-1])


@pytest.fixture
def quarter_mb_chunks(monkeypatch):
    monkeypatch.setattr(_text_chunks, "CHUNK_BYTES", 256 << 10)


@pytest.fixture
def eight_mb_file(tmp_path: Path) -> Path:
    path = tmp_path / "big.txt"
    path.write_bytes(big_text(MB).encode() * 8)
    return path


def test_budget_stops_reading_early(eight_mb_file: Path, quarter_mb_chunks):
    io_stats = Path("/proc/self/io")
    read_before = _rchar(io_stats)
    tracemalloc.start()
    try:
        docs = list(Corpus(str(eight_mb_file), max_bytes=1000))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert sum(len(d.text.encode()) for d in docs) == 1000
    assert peak < 4 * MB  # the whole file (8 MB, plus its decoded copy) was read before
    if read_before is not None:
        assert _rchar(io_stats) - read_before < 2 * MB


def _rchar(path: Path) -> int | None:
    """Bytes this process has read so far (Linux), or None."""
    try:
        return int(next(x for x in path.read_text().split("\n") if x.startswith("rchar:"))[6:])
    except (OSError, StopIteration, ValueError):
        return None


def test_memory_bounded_for_a_whole_large_file(eight_mb_file: Path, quarter_mb_chunks):
    tracemalloc.start()
    try:
        total = sum(len(d.text.encode()) for d in Corpus(str(eight_mb_file)))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert total == eight_mb_file.stat().st_size
    assert peak < 6 * MB  # about a dozen chunk sizes (str copies); the whole file was 16 MB+


def test_train_max_bytes_reads_little(eight_mb_file: Path, quarter_mb_chunks, tmp_path: Path):
    options = dict(vocab_size=400, threads=1, progress=False)
    warm = tmp_path / "warm.txt"
    warm.write_text("hello world\n" * 100)
    train(str(warm), **options)  # first-call imports and compiled regexes, not traced below
    tracemalloc.start()
    try:
        vocab = train(str(eight_mb_file), max_bytes=20_000, **options)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert vocab.corpus["bytes"] == 20_000
    assert peak < 4 * MB


@pytest.mark.parametrize("pattern", ["codebpe-v1", "cl100k", "o200k", "gpt2", "deepseek-v3"])
def test_chunks_train_the_same_vocabulary(tmp_path: Path, monkeypatch, pattern: str):
    path = tmp_path / "big.txt"
    path.write_bytes(big_text(300_000, seed=1).encode())
    options = dict(vocab_size=1000, pattern=pattern, threads=1, progress=False)
    whole = train(str(path), **options)
    assert whole.corpus["documents"] == 1
    monkeypatch.setattr(_text_chunks, "CHUNK_BYTES", 2048)
    chunked = train(str(path), **options)
    assert chunked.corpus["documents"] > 100
    assert chunked.tokens == whole.tokens and chunked.merges == whole.merges
    assert chunked.config["counted_pieces"] == whole.config["counted_pieces"]


def test_gzip_text_is_decompressed_and_streamed(tmp_path: Path, small_chunks: int):
    text = big_text(50_000)
    plain, packed = tmp_path / "a.py", tmp_path / "a.py.gz"
    plain.write_bytes(text.encode())
    packed.write_bytes(gzip.compress(text.encode()))
    docs = list(Corpus(str(packed)))
    assert [d.text for d in docs] == [d.text for d in Corpus(str(plain))]
    assert {d.lang for d in docs} == {"python"} and len(docs) > 1
    (tmp_path / "x.tar.gz").write_bytes(gzip.compress(b"x"))
    with pytest.raises(CorpusFormatError, match=r"'\.tar\.gz'"):
        list(Corpus(str(tmp_path / "x.tar.gz")))


def test_invalid_utf8_skips_only_its_lines(tmp_path: Path, small_chunks: int):
    """One bad byte in a long text dropped its whole chunk (1 MiB); now only its line."""
    lines = [f"line {i}\n".encode() for i in range(3000)]
    lines[1500] = b"bad \xff byte\n"
    lines[1501] = b"also \xc3 bad\r\n"
    path = tmp_path / "big.txt"
    path.write_bytes(b"".join(lines))
    corpus = Corpus(str(path))
    docs = list(corpus)
    assert corpus.summary.skipped[str(path)] == {"invalid-utf8-line": 2}
    chunk = corpus.summary.skipped_examples[str(path)]["invalid-utf8-line"]
    assert len(chunk) == 1 and chunk[0].startswith(f"{path}@")  # the chunk that held them
    good = [line.decode() for i, line in enumerate(lines) if i not in (1500, 1501)]
    assert "".join(d.text for d in docs) == "".join(good)
    with pytest.raises(CorpusEncodingError):
        list(Corpus(str(path), errors="strict"))  # the other policies are unchanged
    assert b"bad \xff byte\n" in b"".join(
        d.text for d in Corpus(str(path), errors="bytes") if isinstance(d.text, bytes)
    )


def test_mostly_invalid_chunks_are_still_skipped_whole(tmp_path: Path, small_chunks: int):
    """A binary or wrongly encoded stream: its few "valid" lines would be noise."""
    rnd = random.Random(1)
    blob = bytes(rnd.randrange(256) for _ in range(4 * small_chunks))
    path = tmp_path / "blob.txt"
    path.write_bytes(blob)
    corpus = Corpus(str(path))
    assert list(corpus) == []
    assert set(corpus.summary.skipped[str(path)]) == {"invalid-utf8"}


def test_small_file_with_invalid_utf8_is_skipped_whole(tmp_path: Path):
    """A source file (at most one chunk) is one document: skipped whole, as documented."""
    path = tmp_path / "a.py"
    path.write_bytes(b"x = 1\n" * 100 + b"bad \xff\n")
    corpus = Corpus(str(path))
    assert list(corpus) == [] and corpus.summary.skipped[str(path)] == {"invalid-utf8": 1}


def test_standard_input_drops_only_bad_lines(monkeypatch, capsys):
    """The review's case: a 3 MB stream with one bad byte lost 1 MiB ("<stdin>@2097152")."""
    import sys

    from tokenizer import _corpus_records

    lines = [f"row {i}: some text\n".encode() for i in range(200_000)]
    lines[150_000] = b"caf\xe9 latin-1\n"
    data = b"".join(lines)
    assert len(data) > 3 * MB
    monkeypatch.setattr(_corpus_records, "_stdin_read", False)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    corpus = Corpus(["-"])
    text = "".join(d.text for d in corpus)
    assert len(text) == len(data) - len(lines[150_000])
    assert corpus.summary.skipped["-"] == {"invalid-utf8-line": 1}
    assert skip_notes(corpus.summary.to_dict())[0].startswith("1 line with invalid UTF-8 (<stdin>@")


def test_empty_file_is_still_one_empty_record(tmp_path: Path):
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    corpus = Corpus(str(path))
    assert list(corpus) == [] and corpus.summary.skipped[str(path)] == {"empty": 1}


def test_fallback_reader_is_chunked(tmp_path: Path, small_chunks: int):
    text = big_text(60_000)
    path = tmp_path / "big.txt"
    path.write_bytes(text.encode())
    texts, summary, fraction = _plain_files(str(path), text_field="text", max_bytes=None)
    docs = list(texts)
    assert len(docs) > 10 and all(len(d.encode()) <= small_chunks for d in docs)
    with open(path, encoding="utf-8", errors="replace") as f:  # text mode: universal newlines
        assert "".join(docs) == f.read()
    assert summary()["documents"] == len(docs) and fraction() is None


TRICKY = ["\n", "\r\n", "\r", "\n\n", " ", "\t", "x", "Ab", "123", "'s", "*/", "//", "/", "。"]
TRICKY += [
    "中文",
    "「",
    "\u3000",
    "\xa0",
    "\u2028",
    "\x85",
    "\x1c",
    "\x0b",
    ";",
    "{",
    "é",
    "😀",
    " =",
]


@pytest.mark.parametrize("kind", [0, 1, 4])
def test_cut_points_keep_the_pieces(kind: int):
    # Cut at EVERY point of the kind: the pieces must be those of the whole text (kind 1: but gpt2)
    rnd = random.Random(kind)
    text = big_text(20_000, seed=kind) + "".join(rnd.choice(TRICKY) for _ in range(20_000))
    if kind == 4:  # words and symbols without line ends (kind 4 is only used where there is none)
        words = [*TRICKY, "ab", "X", "Yz", "s", "d", "ll", "'", "'S", ")", '"', "1", "$x", "#"]
        text += "".join(rnd.choice(words) + rnd.choice(["", " ", " ", "  "]) for _ in range(30_000))
    data = text.encode()
    point = re.compile(_text_chunks._CUTS[kind][0].pattern.removeprefix(b"(?s).*"))
    cuts = [0, *sorted({m.end() for m in point.finditer(data)}), len(data)]
    assert len(cuts) > 200
    parts = [data[a:b].decode() for a, b in zip(cuts, cuts[1:])]
    for name in PATTERNS:
        if kind == 1 and name == "gpt2":
            continue
        chunked = [piece for part in parts for piece in reference_split(part, name)]
        assert chunked == reference_split(text, name), name


@pytest.mark.parametrize(
    ("data", "size", "cut"),
    [
        (b"ab\ncd\n  ef", 9, 3),  # a single line end between ASCII characters wins
        (b"ab\n\ncd\n  ef", 10, 4),  # else a run of line ends before a non-space character
        (b"ab\n  cd\n  ef", 9, 8),  # else the last line start
        (b"a\n\n\n\n\n\n\n\n\n", 5, 5),  # else the last line end, inside a run of them
        (b"abcd\r\nxyz", 5, 4),  # never between \r and \n
        ("aaé".encode(), 3, 2),  # never inside a UTF-8 character
        ("a中中".encode(), 5, 4),
        (b"\xff\xff\xff\xff\xff\xff", 4, 4),  # invalid UTF-8: the window's end
        (b"ab, cd, efgh", 10, 6),  # no line end: between a letter and punctuation ...
        (b"f(x);g", 5, 3),
        (b"don't stop", 8, 8),  # ... but an apostrophe
        (b"ab 12345", 6, 6),
    ],
)
def test_find_cut(data: bytes, size: int, cut: int):
    assert find_cut(data, size) == cut


def test_chunks_are_bounded_whole_and_valid_utf8():
    rnd = random.Random(5)
    atoms = ["a", "é", "中", "😀", "\n", "\r\n", "\r", " ", "\t", "  x", "\u3000", "/"]
    for _ in range(2000):
        data = "".join(rnd.choice(atoms) for _ in range(rnd.randint(0, 60))).encode()
        size = rnd.randint(4, 24)
        out = list(iter_chunks(io.BytesIO(data), size))
        assert b"".join(chunk for _, chunk, _ in out) == data
        assert [last for _, _, last in out] == [False] * (len(out) - 1) + [True]
        offset = 0
        for start, chunk, _ in out:
            assert start == offset and (0 < len(chunk) <= size or len(out) == 1)
            chunk.decode("utf-8")
            offset += len(chunk)
        for (_, a, _), (_, b, _) in zip(out, out[1:]):
            assert not (a.endswith(b"\r") and b.startswith(b"\n"))


def test_chunk_size_is_checked():
    with pytest.raises(ValueError, match="at least 4"):
        list(iter_chunks(io.BytesIO(b"abc"), 3))


def test_proc_io_helper_is_harmless(tmp_path: Path):
    assert _rchar(tmp_path / "missing") is None
    if os.path.exists("/proc/self/io"):
        assert isinstance(_rchar(Path("/proc/self/io")), int)
