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


def test_an_export_never_overwrites_its_input(vocab_file, tmp_path, capsys, monkeypatch):
    """`export -t vcopy.json --format hf -o vcopy.json` replaced the vocabulary it read (and
    --format tiktoken too), exit 0."""
    monkeypatch.chdir(tmp_path)
    path, _ = vocab_file
    vocab = tmp_path / "v.json"
    vocab.write_bytes(path.read_bytes())
    before = vocab.read_bytes()
    for fmt in ("hf", "tiktoken"):
        err = _error(capsys, ["export", "-t", "v.json", "--format", fmt, "-o", "v.json"])
        assert "-o v.json is the input" in err
        err = _error(capsys, ["export", "-t", "v.json", "--format", fmt, "-o", str(vocab)])
        assert f"-o {vocab} is the input (v.json)" in err
    assert vocab.read_bytes() == before
    # a tiktoken export, its sidecar, and a tokenizer.json folder are inputs too
    assert main(["export", "-t", "v.json", "--format", "tiktoken", "-o", "t.tiktoken"]) == 0
    assert main(["export", "-t", "v.json", "--format", "hf", "-o", "hf"]) == 0
    capsys.readouterr()
    files = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    cases = [
        ("t.tiktoken", "tiktoken", "t.tiktoken", "is the input"),
        ("t.tiktoken", "hf", "t.tiktoken.json", "is the input's sidecar"),
        ("t.tiktoken:codebpe-v1", "tiktoken", "t.tiktoken", "is the input"),
        ("hf", "hf", "hf", "is a file of the input folder hf"),
        ("hf/tokenizer.json", "hf", "hf/tokenizer.json", "is the input"),
    ]
    for spec, fmt, out, message in cases:
        assert message in _error(capsys, ["export", "-t", spec, "--format", fmt, "-o", out])
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == files


def test_output_names_the_format_cannot_have(vocab_file, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    v = str(vocab_file[0])
    (tmp_path / "h.txt").write_text("a file")
    cases = [
        (["--format", "hf", "-o", ""], "-o: the output file or folder name is empty"),
        (["--format", "tiktoken", "-o", "-"], "-o -: this output cannot be standard output"),
        (["--format", "hf", "-o", "h.txt"], "-o h.txt is a file, not a folder"),
        (["--format", "hf", "-o", "out.tiktoken"], "--format hf writes a folder"),
        (["--format", "tiktoken", "-o", "x.json"], "-o x.json: a tiktoken rank file"),
        (["--format", "tiktoken", "-o", "x.tiktoken.gz"], "name it .tiktoken"),
        (["--format", "hf", "-o", "/proc/nope"], "cannot write /proc/nope: "),
    ]
    for args, message in cases:
        err = _error(capsys, ["export", "-t", v, *args])
        assert message in err and "Errno" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h.txt"]
    # a rank file named otherwise is written, with a warning that -t reads it only as .tiktoken
    assert main(["export", "-t", v, "--format", "tiktoken", "-o", "ranks"]) == 0
    assert "warning: ranks does not end in .tiktoken" in capsys.readouterr().err
    assert (tmp_path / "ranks").is_file() and (tmp_path / "ranks.json").is_file()


def test_a_tokenizer_json_to_tiktoken_says_the_cli_way(vocab_file, tmp_path, capsys):
    """The error gave Python advice (save_hf(tok), tok.vocab) on the command line."""
    hf = tmp_path / "tok.json"
    assert main(["export", "-t", str(vocab_file[0]), "--format", "hf", "-o", str(hf)]) == 0
    capsys.readouterr()
    out = tmp_path / "t.tiktoken"
    err = _error(capsys, ["export", "-t", str(hf), "--format", "tiktoken", "-o", str(out)])
    assert "--format hf" in err and "save_hf" not in err and "tok.vocab" not in err
    assert not out.exists()


def test_a_failed_export_leaves_no_file_of_the_set(vocab_file, tmp_path, capsys):
    """The export's files are written all or none: a sidecar that could not be written left the
    .tiktoken rank file without it (loaded, it has no pattern or special tokens), and a failed
    special_tokens_map.json left a new tokenizer.json next to the old config files."""
    path, _ = vocab_file
    out = tmp_path / "v.tiktoken"
    (tmp_path / "v.tiktoken.json").mkdir()  # where the sidecar goes
    err = _error(capsys, ["export", "-t", str(path), "--format", "tiktoken", "-o", str(out)])
    assert "v.tiktoken.json: Is a directory" in err
    assert not out.exists()
    hf = tmp_path / "hf"
    (hf / "special_tokens_map.json").mkdir(parents=True)
    (hf / "tokenizer_config.json").write_text('{"model_max_length": 7}')
    err = _error(capsys, ["export", "-t", str(path), "--format", "hf", "-o", str(hf)])
    assert "special_tokens_map.json: Is a directory" in err
    assert sorted(p.name for p in hf.iterdir()) == [
        "special_tokens_map.json",
        "tokenizer_config.json",
    ]
    assert (hf / "tokenizer_config.json").read_text() == '{"model_max_length": 7}'


@pytest.mark.parametrize(
    "fmt, name", [("tiktoken", "v.tiktoken"), ("hf", "tokenizer.json"), ("hf", "hf")]
)
def test_an_output_below_a_file_says_not_a_directory(vocab_file, tmp_path, capsys, fmt, name):
    """An output whose folder is a file said 'cannot write FILE: File exists' (mkdir's error)."""
    path, _ = vocab_file
    plain = tmp_path / "plain.txt"
    plain.write_text("x")
    err = _error(capsys, ["export", "-t", str(path), "--format", fmt, "-o", str(plain / name)])
    assert err.endswith("Not a directory\n") and str(plain) in err, err
    assert plain.read_text() == "x"


def test_a_tiktoken_file_without_a_sidecar_takes_pattern(tmp_path, capsys, mixed_text):
    """The error for a bare .tiktoken file said "on the command line --pattern cl100k", and
    export had no --pattern: such a file could not be exported from the command line."""
    import base64

    ranks = tmp_path / "bytes.tiktoken"
    ranks.write_text("".join(f"{base64.b64encode(bytes([i])).decode()} {i}\n" for i in range(256)))
    out = tmp_path / "hf"
    err = _error(capsys, ["export", "-t", str(ranks), "--format", "hf", "-o", str(out)])
    assert "--pattern cl100k" in err and not out.exists()
    argv = ["export", "-t", str(ranks), "--pattern", "cl100k", "--format", "hf", "-o", str(out)]
    assert main(argv) == 0
    hf = Tokenizer.from_file(str(out / "tokenizer.json"))
    assert hf.encode(mixed_text).ids == list(mixed_text.encode())
    err = _error(
        capsys,
        [
            "export",
            "-t",
            "cl100k_base",
            "--pattern",
            "o200k",
            "--format",
            "hf",
            "-o",
            str(tmp_path / "x"),
        ],
    )
    assert "--pattern is only for .tiktoken files" in err
