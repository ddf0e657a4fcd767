"""The command line: console script and python -m tokenizer."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from conftest import child_env

import tokenizer
from tokenizer.cli import main
from tokenizer.vocab import Vocabulary


def test_version(capsys):
    try:
        main(["--version"])
    except SystemExit as e:
        assert e.code == 0
    assert capsys.readouterr().out.strip() == f"codebpe {tokenizer.__version__}"


def _run_module(args, tmp_path):
    """``python -m tokenizer ARGS`` from a neutral folder, on the package these tests import."""
    cmd = [sys.executable, "-m", "tokenizer", *args]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, env=child_env())


def test_python_m_help(tmp_path):
    out = _run_module(["--help"], tmp_path)
    assert out.returncode == 0, out.stderr
    assert "usage: codebpe" in out.stdout
    for command in ("train", "encode", "decode", "report", "export", "split", "corpus"):
        assert command in out.stdout


def test_unknown_command_fails(tmp_path):
    out = _run_module(["frobnicate"], tmp_path)
    assert out.returncode == 2
    assert "invalid choice" in out.stderr


def test_corpus_command_summarises_shipped_sample(capsys):
    assert main(["corpus", "--split", "heldout"]) == 0
    out = capsys.readouterr().out
    assert "zh" in out and "python" in out and "total" in out


def test_corpus_command_missing_path(capsys, tmp_path):
    assert main(["corpus", str(tmp_path / "nope.jsonl")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("codebpe: error:") and "nope.jsonl" in err


def test_corpus_command_include_exclude_as_train(capsys, tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "b.md").write_text("# title\n")
    assert main(["corpus", str(tmp_path), "--include", "*.py"]) == 0
    out = capsys.readouterr().out
    assert "python" in out and "markdown" not in out
    assert main(["corpus", str(tmp_path), "--exclude", "*.py"]) == 0
    out = capsys.readouterr().out
    assert "python" not in out and "markdown" in out


def test_corpus_and_train_print_the_same_skip_summary(capsys, tmp_path):
    """`corpus` said `skipped in DIR: invalid-utf8: 1 (DIR/blob.py)`, `train` said `skipped: 1
    document with invalid UTF-8 (DIR/blob.py)`; files left out by --exclude were not counted
    by either. Both now print the same lines, worded as train did."""
    folder = tmp_path / "d"
    (folder / "vendor").mkdir(parents=True)
    (folder / "a.py").write_text("def add(a, b):\n    return a + b\n" * 40)
    (folder / "blob.py").write_bytes(bytes(range(256)) * 8)  # binary: not UTF-8
    (folder / "skip_me.py").write_text("x = 1\n")
    (folder / "vendor" / "lib.py").write_text("y = 2\n")
    (folder / "logo.png").write_bytes(b"\x89PNG\r\n")
    exclude = ["--exclude", "skip_me.py", "--exclude", "vendor"]
    assert main(["corpus", str(folder), *exclude]) == 0
    table = capsys.readouterr().out
    out = tmp_path / "v.json"
    assert main(["train", str(folder), *exclude, "--vocab-size", "400", "-o", str(out)]) == 0
    err = capsys.readouterr().err
    expected = [
        "skipped: 1 file with an unknown extension (.png 1)",
        f"skipped: 1 file left out by --exclude ({folder / 'skip_me.py'})",
        f"skipped: 1 folder left out by --exclude, not walked ({folder / 'vendor'})",
        f"skipped: 1 document with invalid UTF-8 ({folder / 'blob.py'})",
    ]
    assert [line for line in table.splitlines() if line.startswith("skipped")] == expected
    skips = [line for line in err.splitlines() if line.lstrip().startswith("skipped")]
    assert [line.strip() for line in skips] == expected


@pytest.mark.parametrize("command", ["train", "corpus"])
def test_train_and_corpus_help(command, capsys, monkeypatch):
    """--help of the two commands that read corpora: the stdin example names the command (corpus
    showed `codebpe train -`), the options are grouped, both have examples, and no option's
    name is cut at its hyphen at the end of a line (`--load-` / `counts`), at any width."""
    import re

    for columns in ("60", "80", "100", "140"):
        monkeypatch.setenv("COLUMNS", columns)
        with pytest.raises(SystemExit):
            main([command, "--help"])
        out = capsys.readouterr().out
        assert f"zcat dump.gz | codebpe {command} -)" in out
        assert "input options:" in out and "examples:" in out
        assert "--max-bytes SIZE" in out
        assert not re.search(r"--[a-z]+-$", out, re.M), out
    if command == "train":
        for group in ("vocabulary options:", "resource options:", "output options:"):
            assert group in out
        assert "percentage and an ETA" in out and "codebpe-v1, deepseek-coder" in out


def test_no_command_is_a_usage_error(tmp_path):
    """`python -m tokenizer` alone printed the help and exited 0: a script that lost its
    subcommand "succeeded"."""
    out = _run_module([], tmp_path)
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr == "codebpe: error: a COMMAND is required (codebpe --help lists them)\n"
    assert main([]) == 2


@pytest.mark.parametrize(
    "argv, message",
    [
        (["train", "--vocab-size", "1e3"], "argument --vocab-size: invalid int value: '1e3'"),
        (["train", "-*2", "--threads", "0"], "argument --threads: expected a positive integer"),
        (["encode", "x", "-t", "cl100k_base", "extra"], "unrecognized arguments: extra"),
        (["export", "-t", "a", "-o", "b", "--format", "xx"], "argument --format: invalid choice"),
        (["corpus", "--split", "nope"], "argument --split: invalid choice: 'nope'"),
        (["frobnicate"], "argument COMMAND: invalid choice: 'frobnicate'"),
    ],
)
def test_argument_errors_are_one_line(argv, message, capsys):
    """argparse's errors were its usage (up to eight lines) and then "codebpe train: error:";
    an unknown argument after a command named the top level's usage, not the command's."""
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    where = "codebpe" if argv[0] == "frobnicate" else f"codebpe {argv[0]}"
    assert err.startswith(f"codebpe: error: {message}") and err.count("\n") == 1
    assert err.endswith(f" (see {where} --help)\n")


def _closed(args, tmp_path, fds, env=None):
    """``python -m tokenizer ARGS`` with the descriptors ``fds`` closed (``>&-``, ``<&-``)."""
    env = child_env(**(env or {}))
    cmd = [sys.executable, "-m", "tokenizer", *args]

    def close() -> None:
        for fd in fds:
            os.close(fd)

    return subprocess.run(
        cmd, stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=env, preexec_fn=close
    )


@pytest.fixture
def small_files(tmp_path):
    (tmp_path / "h.txt").write_text("hello world\n")
    (tmp_path / "ids.txt").write_text("15339 1917\n")
    vocab = Vocabulary.bytes_only(pattern="gpt2")
    vocab.save(tmp_path / "v.json")
    return tmp_path


@pytest.mark.parametrize(
    "args, fd, stream",
    [
        (["encode", "h.txt", "-t", "cl100k_base"], 1, "output"),
        (["encode", "h.txt", "-t", "cl100k_base", "--count"], 1, "output"),
        (["encode", "h.txt", "-t", "cl100k_base", "--numpy", "-"], 1, "output"),
        (["encode", "-t", "cl100k_base"], 0, "input"),
        (["decode", "ids.txt", "-t", "cl100k_base"], 1, "output"),
        (["decode", "-t", "cl100k_base"], 0, "input"),
        (["split", "h.txt"], 1, "output"),
        (["split"], 0, "input"),
        (["corpus", "h.txt"], 1, "output"),
        (["bench", "h.txt", "-t", "v.json", "--repeat", "1"], 1, "output"),
        (
            ["report", "-t", "v.json", "--no-baselines", "--text", "h.txt", "--markdown-table"],
            1,
            "output",
        ),
        (["report", "-t", "v.json", "--no-baselines", "--text", "-"], 0, "input"),
        (["train", "-", "-q", "-o", "out.json"], 0, "input"),
        (["train", "h.txt", "-q", "-o", "-", "--vocab-size", "300", "--no-reserved"], 1, "output"),
    ],
)
def test_a_closed_standard_stream_is_a_one_line_error(small_files, args, fd, stream):
    """`codebpe encode h.txt -t cl100k_base >&-` was an AttributeError traceback
    ('NoneType' object has no attribute 'write'); `corpus >&-` said nothing and exited 0."""
    out = _closed(args, small_files, [fd])
    assert out.returncode == 2, out.stderr
    assert out.stderr == f"codebpe: error: standard {stream} is closed\n"
    assert sorted(p.name for p in small_files.iterdir()) == ["h.txt", "ids.txt", "v.json"]


def test_the_closing_status_line_cannot_fail_a_finished_export(small_files):
    """`codebpe export ... > /dev/full` exited 2 after writing every file: only its "wrote"
    line had failed. The files are there, so it succeeds, with stdout closed or full, buffered
    or not."""
    args = ["export", "-t", "v.json", "--format", "hf", "-o", "hf"]
    for env in ({"PYTHONUNBUFFERED": "1"}, {"PYTHONUNBUFFERED": ""}):
        out = _closed(args, small_files, [1], env)
        assert out.returncode == 0 and out.stderr == ""
        assert (small_files / "hf" / "tokenizer.json").is_file()
        if os.path.exists("/dev/full"):
            with open("/dev/full", "w") as full:
                out = subprocess.run(
                    [sys.executable, "-m", "tokenizer", *args, "-o", "hf2"],
                    stdout=full,
                    stderr=subprocess.PIPE,
                    text=True,
                    cwd=small_files,
                    env=child_env(**env),
                )
            assert out.returncode == 0 and out.stderr == ""
            assert (small_files / "hf2" / "tokenizer.json").is_file()


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("unbuffered", ["1", ""])
def test_output_that_cannot_be_written_is_a_one_line_error(small_files, unbuffered):
    """Data on a full stdout is an error (exit 2, one line), also when it is only found out
    when the buffer is flushed at the end (not "Exception ignored" and exit 120). The line says
    it was standard output: a write during the command (unbuffered here) said only "No space
    left on device", as a full output file does."""
    env = child_env(PYTHONUNBUFFERED=unbuffered)
    with open("/dev/full", "w") as full:
        out = subprocess.run(
            [sys.executable, "-m", "tokenizer", "split", "h.txt"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            cwd=small_files,
            env=env,
        )
    assert out.returncode == 2
    assert out.stderr.startswith("codebpe: error:") and out.stderr.count("\n") == 1
    assert "cannot write to standard output: No space left on device" in out.stderr
    assert "Errno" not in out.stderr


@pytest.mark.parametrize(
    "out, message",
    [("", "--out: the output folder name is empty"), ("-", "--out -: this output cannot be")],
)
def test_report_output_folder_names(small_files, capsys, monkeypatch, out, message):
    """`report -o ''` wrote its files into the current folder."""
    monkeypatch.chdir(small_files)
    args = ["report", "-t", "v.json", "--no-baselines", "--text", "h.txt", "--no-plots"]
    assert main([*args, "-o", out]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"codebpe: error: {message}") and err.count("\n") == 1
    assert sorted(p.name for p in small_files.iterdir()) == ["h.txt", "ids.txt", "v.json"]
