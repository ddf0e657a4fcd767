"""tokenizer.interop: finding reference vocabularies on disk, never on the network."""

from __future__ import annotations

import gzip

import pytest
from conftest import shipped_hf

from tokenizer.encoding import load_tokenizer
from tokenizer.interop import (
    VocabularyNotFound,
    find_hf_tokenizer_json,
    find_tiktoken_file,
    load_hf_tokenizer_json,
    load_tiktoken_encoding,
    read_tiktoken_ranks,
)


@pytest.mark.parametrize(
    "name, size, eot", [("cl100k_base", 100256, 100257), ("o200k_base", 199998, 199999)]
)
def test_known_encodings_load_from_disk(name, size, eot):
    ranks, pattern, specials = load_tiktoken_encoding(name, allow_download=False)
    assert len(ranks) == size
    assert specials["<|endoftext|>"] == eot
    assert sorted(ranks.values()) == list(range(size))


def test_explicit_path_plain_and_gzip(tmp_path):
    src = find_tiktoken_file("cl100k_base")
    plain = tmp_path / "x.tiktoken"
    data = src.read_bytes()
    plain.write_bytes(gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data)
    gz = tmp_path / "x.tiktoken.gz"
    gz.write_bytes(gzip.compress(plain.read_bytes()))
    assert read_tiktoken_ranks(plain) == read_tiktoken_ranks(gz)
    ranks, pattern, _ = load_tiktoken_encoding(plain, pattern="cl100k")
    assert pattern.name == "cl100k" and len(ranks) == 100256
    with pytest.raises(ValueError, match="needs a pattern"):
        load_tiktoken_encoding(plain)


def test_unknown_and_offline(tmp_path):
    with pytest.raises(VocabularyNotFound, match="neither a file nor a known encoding"):
        find_tiktoken_file("no_such_base")
    bad = tmp_path / "bad.tiktoken"
    bad.write_text("not base64 at all\n")
    with pytest.raises(ValueError, match="bad.tiktoken:1"):
        read_tiktoken_ranks(bad)


class _FakeTiktoken:
    """Stands in for tiktoken.get_encoding: records the call, fails or returns a tiny encoding."""

    def __init__(self, error=None):
        self.calls, self.error = [], error

    def get_encoding(self, name):
        self.calls.append(name)
        if self.error is not None:
            raise self.error

        class Enc:
            _mergeable_ranks = {b"a": 0, b"b": 1}

        return Enc()


@pytest.fixture
def nothing_on_disk(monkeypatch):
    """cl100k_base nowhere on disk, no CODEBPE_OFFLINE, tiktoken's download replaced by a fake."""
    import tiktoken

    import tokenizer.interop as interop

    monkeypatch.setattr(interop, "_candidates", lambda name: [])
    monkeypatch.delenv("CODEBPE_OFFLINE", raising=False)
    monkeypatch.delenv("CODEBPE_ALLOW_DOWNLOAD", raising=False)
    fake = _FakeTiktoken()
    monkeypatch.setattr(tiktoken, "get_encoding", fake.get_encoding)
    return fake


def test_no_download_by_default(nothing_on_disk):
    with pytest.raises(
        VocabularyNotFound, match="not on disk.*codebpe\\[offline\\].*ALLOW_DOWNLOAD"
    ):
        load_tiktoken_encoding("cl100k_base")
    assert nothing_on_disk.calls == []  # the network was never tried


def test_download_only_when_asked(nothing_on_disk, monkeypatch):
    ranks, pattern, _ = load_tiktoken_encoding("cl100k_base", allow_download=True)
    assert ranks == {b"a": 0, b"b": 1} and pattern.name == "cl100k"
    monkeypatch.setenv("CODEBPE_ALLOW_DOWNLOAD", "1")
    load_tiktoken_encoding("cl100k_base")
    assert nothing_on_disk.calls == ["cl100k_base", "cl100k_base"]
    with pytest.raises(VocabularyNotFound):  # an explicit False wins over the variable
        load_tiktoken_encoding("cl100k_base", allow_download=False)
    monkeypatch.setenv("CODEBPE_OFFLINE", "1")  # and CODEBPE_OFFLINE over everything
    with pytest.raises(VocabularyNotFound):
        load_tiktoken_encoding("cl100k_base", allow_download=True)
    assert len(nothing_on_disk.calls) == 2


def test_failed_download_is_one_clear_error(nothing_on_disk, monkeypatch):
    nothing_on_disk.error = ConnectionError("Max retries exceeded\nwith url: /encodings/x")
    with pytest.raises(VocabularyNotFound) as info:
        load_tiktoken_encoding("cl100k_base", allow_download=True)
    message = str(info.value)
    assert "download through tiktoken failed (ConnectionError: Max retries exceeded)" in message
    assert "\n" not in message and "codebpe[offline]" in message
    assert isinstance(info.value.__cause__, ConnectionError)


@shipped_hf
def test_deepseek_tokenizer_json_is_found():
    obj = load_hf_tokenizer_json("deepseek-coder")
    assert obj["model"]["type"] == "BPE"
    assert len(obj["model"]["vocab"]) == 32000
    assert find_hf_tokenizer_json("deepseek-v3").name.startswith("tokenizer.json")
    with pytest.raises(VocabularyNotFound):
        find_hf_tokenizer_json("no-such-model")


def _rank_file(tmp_path, extra):
    import base64

    lines = [f"{base64.b64encode(bytes([i])).decode()} {i}" for i in range(256)]
    p = tmp_path / "t.tiktoken"
    p.write_text("\n".join(lines + extra) + "\n")
    return p


@pytest.mark.parametrize(
    "extra, message",
    [
        (["YWI= 5"], "rank 5 repeated"),  # b"ab" at b"\x05"'s rank; tiktoken panics
        (["YQ== 256"], "repeated"),  # b"a" twice: the later rank would silently win
        (["YWI= -1"], "negative rank"),  # would overwrite the last byte's slot
        (["YWI= 99999999999"], "far beyond"),  # a MemoryError before
    ],
)
def test_bad_rank_files_are_rejected(tmp_path, extra, message):
    with pytest.raises(ValueError, match=message):
        read_tiktoken_ranks(_rank_file(tmp_path, extra))


@pytest.mark.parametrize(
    "data", [b"", b"\n \n", gzip.compress(b"", mtime=0)], ids=["empty", "blank", "gzip"]
)
def test_a_rank_file_with_no_rank_is_rejected(tmp_path, data):
    """An empty .tiktoken file (a cut download) loaded as a tokenizer of no tokens, and then
    every text failed to encode ('byte 0x78 has no token in this vocabulary')."""
    p = tmp_path / "e.tiktoken.gz" if data.startswith(b"\x1f") else tmp_path / "e.tiktoken"
    p.write_bytes(data)
    with pytest.raises(ValueError, match="no tiktoken rank lines"):
        read_tiktoken_ranks(p)
    with pytest.raises(ValueError, match="no tiktoken rank lines"):
        load_tokenizer(str(p), pattern="cl100k")


def test_truncated_gzip_is_a_value_error(tmp_path):
    p = _rank_file(tmp_path, [])
    gz = tmp_path / "t.tiktoken.gz"
    gz.write_bytes(gzip.compress(p.read_bytes())[:40])
    with pytest.raises(ValueError, match="not a valid gzip file"):
        read_tiktoken_ranks(gz)


def _python_reader(monkeypatch):
    """read_tiktoken_ranks with the C++ reader switched off (its Python loop only)."""
    from tokenizer._native import core

    monkeypatch.setattr(core, "parse_tiktoken", lambda data: None)


def test_cpp_reader_matches_the_python_reader(tmp_path, monkeypatch):
    # The real files are canonical: the C++ reader takes them, with the same dict in the same
    # order as the Python loop.
    from tokenizer._native import core

    for name in ("cl100k_base", "o200k_base"):
        path = find_tiktoken_file(name)
        data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        fast = core.parse_tiktoken(data)
        assert fast is not None and len(fast) > 100000
        with monkeypatch.context() as m:
            _python_reader(m)
            slow = read_tiktoken_ranks(path)
        assert list(fast.items()) == list(slow.items()) == list(read_tiktoken_ranks(path).items())
    # Forms the Python reader accepts and the C++ one leaves to it: same result either way.
    base = "YQ== 0\nYWI= 1\n"
    for text in (
        base.replace("\n", "\r\n"),  # CRLF
        "YQ== 0\n\nYWI= 1\n",  # a blank line
        "YQ==\t0\nYWI= 1\n",  # a tab
        "YR== 0\nYWI= 1\n",  # non-zero trailing bits (b64decode takes them)
        "YQ== +0\nYWI= 1\n",  # int() takes a sign
        "YQ== 0\nYWI=   1  \n",  # extra spaces
    ):
        data = text.encode()
        assert core.parse_tiktoken(data) is None, text
        p = tmp_path / "t.tiktoken"
        p.write_bytes(data)
        assert read_tiktoken_ranks(p) == {b"a": 0, b"ab": 1}
    assert core.parse_tiktoken(base.encode()) == {b"a": 0, b"ab": 1}
    assert core.parse_tiktoken(base.rstrip("\n").encode()) == {b"a": 0, b"ab": 1}  # no final \n
    assert core.parse_tiktoken(b"") == {}
    for bad in (b"YQ== 0\nYQ== 1\n", b"YQ 0\n", b"Y=Q= 0\n", b"YQ== 0 x\n", b"YQ== -1\n"):
        assert core.parse_tiktoken(bad) is None, bad  # errors: the Python reader says where


def test_cpp_reader_round_trips_random_tokens():
    import base64
    import random

    from tokenizer._native import core

    rng = random.Random(5)
    tokens = list(
        {bytes(rng.randrange(256) for _ in range(rng.randrange(1, 40))) for _ in range(3000)}
    )
    ranks = {t: i * 3 for i, t in enumerate(tokens)}
    data = "".join(f"{base64.b64encode(t).decode()} {r}\n" for t, r in ranks.items()).encode()
    assert list(core.parse_tiktoken(data).items()) == list(ranks.items())
    long_token = b"x" * 600  # longer than the C++ reader's buffer: the Python reader's
    assert core.parse_tiktoken(base64.b64encode(long_token) + b" 0\n") is None


def test_a_tiktoken_file_with_a_rank_gap_keeps_its_tokens_by_id(tmp_path):
    """A tokenizer from a .tiktoken file reads its token table from the C++ encoder (no Python
    list or rank dict kept): ids in a gap of the ranks, and a special token's id inside that gap,
    are b"" there, as in the list it replaced; pickling, export and the re-laid-out vocabulary
    give the file's tokens."""
    import base64
    import pickle

    from tokenizer import Tokenizer
    from tokenizer.export import to_tiktoken

    ranks = {bytes([i]): i for i in range(256)}
    ranks.update({b"ab": 256, b"abc": 260})  # 257-259: a gap
    path = tmp_path / "gap.tiktoken"
    path.write_text("".join(f"{base64.b64encode(t).decode()} {r}\n" for t, r in ranks.items()))
    tok = Tokenizer.from_tiktoken(
        str(path), pattern="cl100k", special_tokens={"<|endoftext|>": 258}
    )
    table = tok._args[0]
    assert len(table) == 261 and table[256] == b"ab" and table[-1] == b"abc"
    assert [table[i] for i in (257, 258, 259)] == [b"", b"", b""] and table[97] == b"a"
    assert table[255:258] == [b"\xff", b"ab", b""]
    with pytest.raises(IndexError):
        table[261]
    text = "abc ab<|endoftext|>a"
    ids = tok.encode(text, allowed_special="all")
    assert ids == [260, 32, 256, 258, 97]
    again = pickle.loads(pickle.dumps(tok))
    assert again.encode(text, allowed_special="all") == ids
    assert list(again._args[0]) == list(table)
    assert type(again._args[0]) is type(table)  # (a view again after unpickling, not a list)
    assert to_tiktoken(tok).encode(text, allowed_special="all") == ids
    assert tok._mergeable_ranks == ranks
    assert {b"ab", b"abc"} <= set(tok.vocab.tokens)
