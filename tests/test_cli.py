"""The command line: console script and python -m tokenizer."""

from __future__ import annotations

import subprocess
import sys

import tokenizer
from tokenizer.cli import main


def test_version(capsys):
    try:
        main(["--version"])
    except SystemExit as e:
        assert e.code == 0
    assert capsys.readouterr().out.strip() == f"codebpe {tokenizer.__version__}"


def test_python_m_help():
    out = subprocess.run(
        [sys.executable, "-m", "tokenizer", "--help"], capture_output=True, text=True, check=True
    )
    assert "usage: codebpe" in out.stdout


def test_unknown_command_fails():
    out = subprocess.run(
        [sys.executable, "-m", "tokenizer", "frobnicate"], capture_output=True, text=True
    )
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
