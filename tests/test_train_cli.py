"""Tests for ``codebpe train``: defaults, options, count files, one-line errors, no output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import tokenizer
from tokenizer.cli import main
from tokenizer.vocab import Vocabulary


@pytest.fixture
def corpus(tmp_path: Path, mixed_text: str) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "a.py").write_text(mixed_text * 3, encoding="utf-8")
    lines = [json.dumps({"text": mixed_text[i::3], "lang": "en"}) for i in range(3)]
    (folder / "b.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def test_train_folder_writes_vocabulary(tmp_path, corpus, capsys):
    out = tmp_path / "v.json"
    rc = main(
        [
            "train",
            str(corpus),
            "--vocab-size",
            "700",
            "-o",
            str(out),
            "--special-token",
            "<|user|>",
            "--threads",
            "2",
        ]
    )
    assert rc == 0
    vocab = Vocabulary.load(out)
    assert vocab.n_vocab == 700
    assert "<|user|>" in vocab.special_tokens and "<|endoftext|>" in vocab.special_tokens
    assert vocab.corpus["documents"] == 4
    err = capsys.readouterr().err
    assert "vocab_size: 700" in err and "done in" in err and "wrote" in err


def test_options_no_reserved_pattern_quiet(tmp_path, corpus, capsys):
    out = tmp_path / "v.json"
    rc = main(
        [
            "train",
            str(corpus),
            "--vocab-size",
            "600",
            "-o",
            str(out),
            "--no-reserved",
            "--pattern",
            "cl100k",
            "--max-token-length",
            "4",
            "--min-frequency",
            "3",
            "-q",
            "--include",
            "*.py",
            "--spare-special",
            "0",
        ]
    )
    assert rc == 0
    vocab = Vocabulary.load(out)
    assert vocab.reserved_ids == (256, 256) and vocab.pattern.name == "cl100k"
    assert max(len(t) for t in vocab.tokens) <= 4
    assert vocab.config["min_frequency"] == 3 and vocab.corpus["documents"] == 1
    assert len(vocab.special_tokens) == 5
    assert capsys.readouterr().err == ""


def test_save_and_load_counts(tmp_path, corpus):
    counts = tmp_path / "c.counts"
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert (
        main(
            [
                "train",
                str(corpus),
                "-q",
                "--vocab-size",
                "700",
                "-o",
                str(a),
                "--save-counts",
                str(counts),
            ]
        )
        == 0
    )
    assert (
        main(["train", "-q", "--load-counts", str(counts), "--vocab-size", "700", "-o", str(b)])
        == 0
    )
    va, vb = Vocabulary.load(a), Vocabulary.load(b)
    assert va.tokens == vb.tokens and va.merges == vb.merges


@pytest.mark.parametrize(
    "args,message",
    [
        (["{missing}"], "no such file"),
        (["{corpus}", "-o", "{tmp}/nowhere/v.json"], "does not exist"),
        (["{corpus}", "-o", "{tmp}"], "is a folder"),
        (["{corpus}", "--vocab-size", "300"], "need at least 345"),  # (it said 257 first)
        (["{corpus}", "--vocab-size", "280", "--no-reserved"], "need at least 288"),
        (["{empty}"], "empty"),
        (["{corpus}", "--pattern", "(oops"], "neither a built-in pattern"),
        (["{corpus}", "--max-memory", "lots"], "cannot parse size"),
        (["--load-counts", "{missing}"], "no such file"),
    ],
)
def test_errors_one_line_no_output(tmp_path, corpus, capsys, args, message):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    out = tmp_path / "out.json"
    fmt = {
        "missing": str(tmp_path / "missing.txt"),
        "corpus": str(corpus),
        "tmp": str(tmp_path),
        "empty": str(empty),
    }
    argv = ["train", "-q", *(a.format(**fmt) for a in args)]
    if "-o" not in argv:
        argv += ["-o", str(out)]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("codebpe: error:") and message in err[0]
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.slow
def test_no_arguments_trains_on_shipped_corpora(tmp_path):
    """``codebpe train`` with no arguments at all, as a user would run it."""
    # the package under test (the source tree in development, site-packages in CI), not the cwd
    env = dict(os.environ, PYTHONPATH=str(Path(tokenizer.__file__).parent.parent))
    proc = subprocess.run(
        [sys.executable, "-m", "tokenizer", "train"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    vocab = Vocabulary.load(tmp_path / "codebpe-vocab.json")
    assert vocab.n_vocab == 32768 and vocab.config["learned"] > 30000
    assert "shipped corpora" in proc.stderr
