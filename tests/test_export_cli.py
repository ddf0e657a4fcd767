"""``codebpe export``: files that load and give the reference ids; one-line errors."""

from __future__ import annotations

import json

import pytest
from _vocab_fixtures import make_vocab
from tokenizers import Tokenizer

from tokenizer._reference import encode as reference_encode
from tokenizer.cli import main
from tokenizer.export import load_tiktoken_export


@pytest.fixture(scope="module")
def vocab_file(tmp_path_factory, mixed_text):
    vocab = make_vocab((mixed_text,), pattern="codebpe-v1", vocab_size=300)
    path = tmp_path_factory.mktemp("v") / "vocab.json"
    vocab.save(path)
    return path, vocab


def test_export_hf(vocab_file, tmp_path, capsys, mixed_text):
    path, vocab = vocab_file
    assert (
        main(["export", "--tokenizer", str(path), "--format", "hf", "-o", str(tmp_path / "hf")])
        == 0
    )
    assert "tokenizer.json" in capsys.readouterr().out
    tok = Tokenizer.from_file(str(tmp_path / "hf" / "tokenizer.json"))
    assert tok.encode(mixed_text).ids == reference_encode(mixed_text, vocab.ranks(), vocab.pattern)
    assert (tmp_path / "hf" / "tokenizer_config.json").is_file()


def test_export_tiktoken(vocab_file, tmp_path, mixed_text):
    path, vocab = vocab_file
    out = tmp_path / "v.tiktoken"
    assert main(["export", "--tokenizer", str(path), "--format", "tiktoken", "-o", str(out)]) == 0
    enc = load_tiktoken_export(out)
    assert enc.encode_ordinary(mixed_text) == reference_encode(
        mixed_text, vocab.ranks(), vocab.pattern
    )


def _error(capsys, argv) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("codebpe: error: ") and err.count("\n") == 1
    return err


def test_errors_are_one_line(tmp_path, capsys, mixed_text):
    err = _error(
        capsys,
        [
            "export",
            "--tokenizer",
            str(tmp_path / "nope.json"),
            "--format",
            "hf",
            "-o",
            str(tmp_path / "o"),
        ],
    )
    assert "nope.json" in err
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": "something else"}))
    assert "not a codebpe vocabulary" in _error(
        capsys, ["export", "--tokenizer", str(bad), "--format", "hf", "-o", str(tmp_path / "o")]
    )
    deep = tmp_path / "deep.json"
    make_vocab((mixed_text[:300],), pattern="deepseek-v3", vocab_size=270).save(deep)
    out = tmp_path / "d.tiktoken"
    assert "single regex" in _error(
        capsys, ["export", "--tokenizer", str(deep), "--format", "tiktoken", "-o", str(out)]
    )
    assert not out.exists()


def test_export_hf_roles(vocab_file, tmp_path, capsys):
    path, vocab = vocab_file
    out = tmp_path / "hf"
    out.mkdir()
    (out / "tokenizer_config.json").write_text(json.dumps({"model_max_length": 2048}))
    argv = ["export", "-t", str(path), "--format", "hf", "-o", str(out)]
    assert main([*argv, "--eos-token", "<|fim_middle|>", "--bos-token", "<|fim_prefix|>"]) == 0
    config = json.loads((out / "tokenizer_config.json").read_text())
    assert config["eos_token"] == "<|fim_middle|>" and config["bos_token"] == "<|fim_prefix|>"
    assert config["pad_token"] == "<|pad|>" and config["model_max_length"] == 2048
    assert main([*argv, "--pad-token", "<|endoftext|>"]) == 0
    config = json.loads((out / "tokenizer_config.json").read_text())
    assert config["pad_token"] == "<|endoftext|>"
    assert config["eos_token"] == "<|fim_middle|>"  # kept from the folder's config
    capsys.readouterr()
    assert "eos_token '</s>' is not one of" in _error(capsys, [*argv, "--eos-token", "</s>"])
    assert "for --format hf" in _error(
        capsys,
        ["export", "-t", str(path), "--format", "tiktoken", "-o", str(tmp_path / "t.tiktoken")]
        + ["--eos-token", "<|endoftext|>"],
    )
    assert not (tmp_path / "t.tiktoken").exists()
