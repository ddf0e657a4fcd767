"""`codebpe encode` / `codebpe decode`: ids as text and .npy, round trip, one-line errors."""

from __future__ import annotations

import numpy as np
import pytest

from tokenizer.cli import main

TEXT = "def f(x):\n    return x  # 中文 🚀 <|endoftext|>\n"


@pytest.fixture()
def src(tmp_path):
    p = tmp_path / "in.txt"
    p.write_bytes(TEXT.encode())
    return p


def test_encode_text_and_decode_round_trip(src, tmp_path, capsysbinary, tiktoken_cl100k):
    assert main(["encode", str(src), "--tokenizer", "cl100k_base"]) == 0
    out = capsysbinary.readouterr().out.decode()
    ids = [int(t) for t in out.split()]
    assert ids == tiktoken_cl100k.encode_ordinary(TEXT)
    ids_file = tmp_path / "ids.txt"
    ids_file.write_text(out)
    assert main(["decode", str(ids_file), "-t", "cl100k_base"]) == 0
    assert capsysbinary.readouterr().out == TEXT.encode()


def test_encode_numpy_allow_special(src, tmp_path, capsysbinary, tiktoken_cl100k):
    npy = tmp_path / "ids.npy"
    assert (
        main(["encode", str(src), "-t", "cl100k_base", "--allow-special", "--numpy", str(npy)]) == 0
    )
    arr = np.load(npy)
    assert arr.dtype == np.uint32
    assert arr.tolist() == tiktoken_cl100k.encode(TEXT, allowed_special="all")
    assert 100257 in arr.tolist()
    capsysbinary.readouterr()
    assert main(["decode", str(npy), "-t", "cl100k_base"]) == 0
    assert capsysbinary.readouterr().out == TEXT.encode()


def test_encode_arbitrary_bytes_round_trip(tmp_path, capsysbinary):
    p = tmp_path / "bin"
    p.write_bytes(b"\xff\xfe\x00abc\x80")
    assert main(["encode", str(p), "-t", "o200k_base"]) == 0
    ids = capsysbinary.readouterr().out.decode()
    q = tmp_path / "ids"
    q.write_text(ids)
    assert main(["decode", str(q), "-t", "o200k_base"]) == 0
    assert capsysbinary.readouterr().out == b"\xff\xfe\x00abc\x80"


@pytest.mark.parametrize(
    "argv, message",
    [
        (["encode", "/no/such/file", "-t", "cl100k_base"], "No such file"),
        (["encode", "-", "-t", "no-such-tokenizer"], "unknown tokenizer"),
        (["decode", "IDS", "-t", "cl100k_base"], "not in the vocabulary"),
        (["decode", "BAD", "-t", "cl100k_base"], "whitespace-separated integers"),
    ],
)
def test_errors_are_one_line(argv, message, tmp_path, capsys, monkeypatch):
    (tmp_path / "IDS").write_text("1 2 99999999")
    (tmp_path / "BAD").write_text("1 two 3")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.stdin", open(tmp_path / "IDS"))
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("codebpe: error:") and message in err and err.count("\n") == 1
