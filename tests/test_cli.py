"""The command line: console script and python -m tokenizer."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import tokenizer
from tokenizer.cli import main


def test_version(capsys):
    try:
        main(["--version"])
    except SystemExit as e:
        assert e.code == 0
    assert capsys.readouterr().out.strip() == f"codebpe {tokenizer.__version__}"


def _run_module(args, tmp_path):
    """``python -m tokenizer ARGS`` from a neutral folder, on the package these tests import."""
    env = dict(os.environ, PYTHONPATH=str(Path(tokenizer.__file__).parent.parent))
    cmd = [sys.executable, "-m", "tokenizer", *args]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, env=env)


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
