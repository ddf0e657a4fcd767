"""``codebpe split`` streams: blocks cut where the pieces are the whole text's, bounded memory."""

from __future__ import annotations

import io

import pytest

from tokenizer import _encoding_stream as stream_mod
from tokenizer.cli import main
from tokenizer.commands import split as split_cmd
from tokenizer.commands.split import stream_chunks, stream_pieces
from tokenizer.pretokenize import Splitter

# Whitespace runs of every length (cl100k's \s+(?!\S) gives the last space of a run to the next
# word: a cut inside or right after a run would change the pieces), CRLF and lone CRs, CJK with
# no spaces, indentation at line starts (codebpe-v1's ^[ \t]+), contractions (o200k looks past a
# word for 'll), digits, emoji, combining marks.
TRICKY = "".join(
    f"def f{i}(x):\r\n{' ' * (i % 19)}return x{' ' * (i % 7)}\n"
    f"\t\t# it's {i:_} naïve e\u0301 we'LL see\r\r\n"
    f"机器学习是人工智能的一个分支{'。' * (i % 3)}日本語のテキスト🚀🔥 \u3000 x\n"
    f"{chr(10) * (i % 4)}{' ' * (i % 23)}\n"
    for i in range(300)
)
PATTERNS = ["codebpe-v1", "cl100k", "o200k", "gpt2", "deepseek-v3", r"\s+|\w+|[^\s\w]+"]


def _reader(data: bytes, log: list[int] | None = None):
    f = io.BytesIO(data)

    def read(n: int) -> bytes:
        block = f.read(n)
        if log is not None:
            log.append(f.tell())
        return block

    return read


def _after_context(splitter, chunk: bytes, lead: int, text: bool = True) -> list:
    """The pieces of a chunk after those of its context (its first ``lead`` bytes), as str
    (``text``) or bytes."""
    context = chunk[:lead]
    if text:
        chunk, context = chunk.decode(), context.decode()
    return splitter.split(chunk)[len(splitter.split(context)) :]


@pytest.mark.parametrize("pattern", PATTERNS)
@pytest.mark.parametrize("block, margin", [(1, 8), (7, 16), (64, 64), (4096, 1 << 16)])
def test_streamed_pieces_are_the_whole_texts(pattern, block, margin):
    splitter = Splitter(pattern)
    data = TRICKY.encode()
    chunks = list(stream_chunks(splitter, _reader(data), block_size=block, margin=margin))
    assert b"".join(c[lead:] for c, lead in chunks) == data
    if margin < 1 << 16:
        assert len(chunks) > 10, "the stream was not cut"
    streamed = [p for c, lead in chunks for p in _after_context(splitter, c, lead)]
    assert streamed == splitter.split(TRICKY)
    pieces = [
        p
        for ps in stream_pieces(splitter, _reader(data), block_size=block, margin=margin)
        for p in ps
    ]
    assert pieces == splitter.split(TRICKY)


@pytest.mark.parametrize("pattern", ["codebpe-v1", "cl100k"])
def test_bytes_that_are_not_utf8_split_as_the_whole(pattern):
    splitter = Splitter(pattern)
    data = b"\xff\xfe ok \xc3 caf\xc3\xa9  \x80\r\n  x" * 400
    chunks = list(stream_chunks(splitter, _reader(data), block_size=16, margin=16))
    assert len(chunks) > 10
    streamed = [p for c, lead in chunks for p in _after_context(splitter, c, lead, False)]
    assert streamed == splitter.split(data)
    pieces = [
        p for ps in stream_pieces(splitter, _reader(data), block_size=16, margin=16) for p in ps
    ]
    # each piece as text where it is UTF-8, as bytes where not: the same bytes, in order
    assert [p if isinstance(p, bytes) else p.encode() for p in pieces] == splitter.split(data)
    assert " caf\xe9" in pieces and " ok" in pieces and any(isinstance(p, bytes) for p in pieces)


def test_the_input_is_read_as_the_pieces_are_used():
    """Memory does not grow with the input: the first pieces come after a few blocks are read,
    not after the whole input (what a 200 MB file did: 3.98 GB)."""
    data = ("word, " * 50 + "\n") * 2000  # 600 KB
    log: list[int] = []
    it = stream_pieces(Splitter("cl100k"), _reader(data.encode(), log), block_size=1000, margin=64)
    first = next(it)
    assert first and log[-1] <= 4000  # read so far: a few blocks of 1000 bytes
    rest = [p for ps in it for p in ps]
    assert log[-1] == len(data) and len(log) > 500  # then read to the end, a block at a time
    assert first + rest == Splitter("cl100k").split(data)


def _cli(capsys, argv) -> str:
    assert main(argv) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("pattern", ["codebpe-v1", "cl100k"])
def test_cli_output_is_the_whole_texts(tmp_path, capsys, monkeypatch, pattern):
    """With small blocks, every output form is that of the whole text split at once."""
    path = tmp_path / "t.txt"
    path.write_bytes(TRICKY.encode())
    monkeypatch.setattr(split_cmd, "_BLOCK", 50)
    monkeypatch.setattr(stream_mod, "_MARGIN", 32)
    whole = Splitter(pattern).split(TRICKY)
    assert _cli(capsys, ["split", str(path), "--pattern", pattern]) == "".join(
        f"{p!r}\n" for p in whole
    )
    assert _cli(capsys, ["split", str(path), "--pattern", pattern, "--count"]) == f"{len(whole)}\n"
    got = _cli(capsys, ["split", str(path), "--pattern", pattern, "--sep", "|"])
    assert got == "|".join(whole) + "\n"
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(TRICKY.encode())))
    assert _cli(capsys, ["split", "--pattern", pattern, "--count"]) == f"{len(whole)}\n"


def test_cli_empty_input(tmp_path, capsys):
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    assert _cli(capsys, ["split", str(path)]) == ""
    assert _cli(capsys, ["split", str(path), "--count"]) == "0\n"
    assert _cli(capsys, ["split", str(path), "--sep", "|"]) == "\n"


def test_count_and_sep_are_refused_together(tmp_path, capsys):
    path = tmp_path / "a.txt"
    path.write_text("a b\n")
    assert main(["split", str(path), "--count", "--sep", "|"]) == 2  # (--sep was ignored)
    assert capsys.readouterr().err == (
        "codebpe: error: --sep and --count: --count prints only the number of pieces\n"
    )


def test_cli_prints_bytes_reprs_only_for_pieces_that_are_not_utf8(tmp_path, capsys):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"ab\xff cd\n")
    assert _cli(capsys, ["split", str(path)]) == "'ab'\nb'\\xff'\n' cd'\n'\\n'\n"
    assert _cli(capsys, ["split", str(path), "--sep", "|"]) == "ab|\\xff| cd|\n\n"


@pytest.mark.parametrize("command", [["split", "-"], ["train", "-", "-o", "never.json", "-q"]])
def test_an_empty_pattern_is_refused(command, tmp_path, monkeypatch, capsys):
    """``--pattern ''`` (an unset shell variable) was taken as a regex that splits nothing: every
    document was one piece, for split and for training alike."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"def f(x): return x\n")))
    assert main([*command, "--pattern", ""]) == 2
    err = capsys.readouterr().err
    assert (
        err
        == "codebpe: error: the split pattern is empty: give a built-in pattern name or a regex\n"
    )
    assert not list(tmp_path.iterdir())
    with pytest.raises(ValueError, match="pattern is empty"):
        Splitter("")
