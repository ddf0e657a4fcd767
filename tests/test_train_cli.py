"""Tests for ``codebpe train``: defaults, options, count files, one-line errors, no output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import child_env

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


def test_an_input_named_in_bytes_that_are_not_utf8(tmp_path, mixed_text, capsys):
    """A file name that is not UTF-8 (b"\\xfe.txt", a str with a surrogate here) went into the
    corpus record, and saving the vocabulary failed after the whole training ("surrogates not
    allowed"); its --save-counts table was written and failed every later --load-counts the
    same way. The name is now written as its escape, and the report says it too."""
    import os

    name = tmp_path / os.fsdecode(b"\xfe.txt")
    name.write_text(mixed_text, encoding="utf-8")
    out, counts, again = tmp_path / "v.json", tmp_path / "c.counts", tmp_path / "w.json"
    args = ["--vocab-size", "400", "-q"]
    assert main(["train", str(name), "-o", str(out), "--save-counts", str(counts), *args]) == 0
    assert main(["train", "--load-counts", str(counts), "-o", str(again), *args]) == 0
    size = len(mixed_text.encode())
    for path in (out, again):
        vocab = Vocabulary.load(path)
        assert vocab.corpus["by_source"] == {str(tmp_path / "\\xfe.txt"): [1, size]}
    assert Vocabulary.load(out).tokens == Vocabulary.load(again).tokens
    report = tmp_path / "rep"
    assert main(["report", "--text", str(name), "-t", "cl100k_base", "-o", str(report)]) == 0
    assert "\\xfe.txt" in (report / "report.md").read_text(encoding="utf-8")
    capsys.readouterr()


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
        (["{corpus}", "--max-memory", "lots"], "cannot parse --max-memory 'lots'"),
        (["{corpus}", "--max-bytes", "-1"], "cannot parse --max-bytes '-1'"),
        (["--load-counts", "{missing}"], "no such file"),
        (["--load-counts", "{tmp}"], "a folder; give a table written by --save-counts"),
        (["--load-counts", "/dev/null"], "not a regular file; give a table"),  # ("no such file")
        # (taken, printed in the configuration, no effect)
        (["--load-counts", "{empty}", "--max-bytes", "1k"], "--max-bytes limits the text read"),
        (["{corpus}", "--save-counts", "/dev/full"], "cannot write /dev/full: No space left"),
        (["{corpus}", "--vocab-size", "0"], "need at least 345"),  # (it said 257)
        (["{corpus}", "--vocab-size", "4294967296"], "too large: at most 2147483647"),
        (["{corpus}", "--vocab-size", "99999999999999999999"], "too large"),  # (a TypeError)
        (["{corpus}", "--vocab-size", "1000000000"], "would be unused; use a --vocab-size"),
        # the options, not the Python parameter names (vocab_size, min_frequency...)
        (["{corpus}", "--vocab-size", "300"], "--vocab-size 300 is too small"),
        (["{corpus}", "--min-frequency", "0"], "--min-frequency must be >= 1"),
        (["{corpus}", "--max-token-length", "1"], "--max-token-length must be >= 2 (or 0 for"),
        (["{corpus}", "--spare-special", "-1"], "--spare-special must be >= 0"),
        (["{corpus}", "--save-counts", ""], "--save-counts: the output file name is empty"),
        (["{corpus}", "--save-counts", "-"], "--save-counts -: this output cannot be standard"),
        (["{corpus}", "-o", ""], "output file name is empty"),  # ("output  is a folder")
        (["{corpus}/a.py*-1"], "is not a weight"),  # ("matches no file")
        (["{corpus}/a.py*abc"], "is not a weight"),
        # (grew past 23 GB on a 52 MB file and was killed; 1e9 spare names were made first)
        (["{corpus}", "--threads", "99999"], "--threads must be at most 1024, got 99999"),
        (["{corpus}", "--spare-special", "999999999"], "need at least 1000000317"),
        (["{corpus}", "--pattern", ""], "the split pattern is empty"),
        (
            [
                "{corpus}",
                "--spare-special",
                "1",
                "--special-token",
                "<|a|>",
                "--special-token",
                "<|b|>",
            ],
            "2 extra special tokens do not fit in the 1 spare",
        ),
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
    env = child_env()
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


def _run_cli(args, cwd, **kw):
    env = child_env()
    return subprocess.run(
        [sys.executable, "-m", "tokenizer", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        **kw,
    )


def test_same_input_gives_a_byte_identical_file_whatever_the_threads(tmp_path, corpus, capsys):
    """The file held count/merge seconds and peak RSS, so every run differed (users hash it)."""
    outs = []
    for i, threads in enumerate(["1", "2", "1"]):
        out = tmp_path / f"v{i}.json"
        args = ["train", str(corpus), "--vocab-size", "600", "-o", str(out), "--threads", threads]
        assert main(args) == 0
        outs.append(out.read_bytes())
    assert outs[0] == outs[1] == outs[2]
    err = capsys.readouterr().err
    assert "done in" in err and "peak memory" in err  # the figures are printed instead
    config = json.loads(outs[0])["config"]
    assert not {"seconds", "count_seconds", "merge_seconds", "peak_rss", "threads"} & set(config)


def test_special_token_takes_a_spare_slot_and_word_like_ones_get_a_note(tmp_path, corpus, capsys):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert main(["train", str(corpus), "-q", "--vocab-size", "1000", "-o", str(a)]) == 0
    extra = ["--special-token", "<|im_start|>", "--special-token", "<|im_end|>"]
    assert main(["train", str(corpus), "--vocab-size", "1000", "-o", str(b), *extra]) == 0
    va, vb = Vocabulary.load(a), Vocabulary.load(b)
    assert va.special_tokens["<|endoftext|>"] == vb.special_tokens["<|endoftext|>"] == 968
    assert vb.special_tokens["<|im_start|>"] == va.special_tokens["<|reserved_0|>"]
    assert len(vb.special_tokens) == 32 and va.tokens == vb.tokens
    assert "looks like ordinary text" not in capsys.readouterr().err
    assert (
        main(["train", str(corpus), "--vocab-size", "1000", "-o", str(b), "--special-token", "def"])
        == 0
    )
    err = capsys.readouterr().err
    assert "note: special token 'def' looks like ordinary text" in err


def test_weighted_standard_input(tmp_path):
    """``-*2`` (standard input, weight 2) was an argparse error: unrecognized arguments."""
    proc = _run_cli(
        ["train", "-*2", "--vocab-size", "400", "-o", "v.json", "--allow-unused"],
        tmp_path,
        input="def f(x):\n    return x\n" * 20,
    )
    assert proc.returncode == 0, proc.stderr
    assert Vocabulary.load(tmp_path / "v.json").corpus["documents"] == 2


def test_unwritable_stderr_counts_files_and_full_disks(tmp_path, corpus, capsys, monkeypatch):
    """Progress and notes are best effort (2>/dev/full stopped the run before any vocabulary);
    --save-counts says what it wrote; a count file loaded twice gets a note; an output that
    cannot be written for want of space names the file."""
    out, counts = tmp_path / "v.json", tmp_path / "c.counts"

    class Full:
        def write(self, text):
            raise OSError(28, "No space left on device")

        def flush(self):
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(sys, "stderr", Full())
    args = ["train", str(corpus), "--vocab-size", "400", "-o", str(out)]
    assert main([*args, "--save-counts", str(counts)]) == 0
    monkeypatch.setattr(sys, "stderr", None)  # 2>&- (closed): Python's stderr is None
    assert main([*args[:-1], str(tmp_path / "closed.json")]) == 0
    monkeypatch.undo()
    assert (tmp_path / "closed.json").read_bytes() == out.read_bytes()
    assert out.exists() and counts.exists()
    again = ["train", "--vocab-size", "400", "-o", str(tmp_path / "v2.json")]
    assert main([*again, "--load-counts", str(counts), "--save-counts", str(tmp_path / "d")]) == 0
    assert f"wrote counts {tmp_path / 'd'}" in capsys.readouterr().err
    assert main([*again, "--load-counts", str(counts), "--load-counts", str(counts)]) == 0
    assert "loaded again: its counts are added twice" in capsys.readouterr().err
    if Path("/dev/full").exists():
        text = tmp_path / "t.txt"
        text.write_text("hello world\n")
        enc = ["encode", str(text), "-t", str(out), "--numpy", "/dev/full"]
        assert main(enc) == 2
        assert "/dev/full: No space left on device" in capsys.readouterr().err


def _refused(capsys, argv, message):
    assert main(["train", "-q", *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("codebpe: error:") and message in err[0], err


def test_outputs_never_overwrite_inputs(tmp_path, corpus, capsys, monkeypatch):
    """`train data.txt -o data.txt`, `--load-counts c -o c` and `-o x --save-counts x` replaced
    what they read (or each other) and exited 0."""
    monkeypatch.chdir(tmp_path)
    text = corpus / "a.py"
    before = text.read_bytes()
    small = ["--vocab-size", "700"]
    _refused(capsys, [str(text), "-o", str(text), *small], f"-o {text} is an input of this run")
    _refused(capsys, [str(corpus), "-o", str(text), *small], f"(read through {corpus})")
    _refused(capsys, [f"{corpus}/*.py", "-o", str(text), *small], "is an input of this run")
    _refused(capsys, [str(corpus), "--save-counts", str(text), *small], "--save-counts")
    assert text.read_bytes() == before
    _refused(capsys, [str(corpus), "-o", "same", "--save-counts", "./same"], "name the same file")
    assert not (tmp_path / "same").exists()
    # -o - is stdout, so ./- is another file (what a file named "-" is called there)
    assert main(["train", "-q", str(corpus), *small, "-o", "-", "--save-counts", "./-"]) == 0
    assert json.loads(capsys.readouterr().out)["tokens"] and (tmp_path / "-").is_file()
    # a count table, saved and then given back
    assert main(["train", "-q", str(corpus), *small, "-o", "v.json", "--save-counts", "c"]) == 0
    table = (tmp_path / "c").read_bytes()
    _refused(capsys, ["--load-counts", "c", "-o", "c"], "-o c is a --load-counts table")
    _refused(capsys, ["--load-counts", "c", "--save-counts", "c"], "is a --load-counts table")
    (tmp_path / "link").symlink_to("c")
    _refused(capsys, ["--load-counts", "link", "-o", "c"], "-o c is a --load-counts table (link)")
    assert (tmp_path / "c").read_bytes() == table


def test_outputs_inside_an_input_folder_that_it_does_not_read(tmp_path, corpus, capsys):
    """A walk never reads a codebpe vocabulary or count table: training a folder again into
    the same files is fine; so is a file that the walk leaves out (an unknown extension)."""
    args = [str(corpus), "--vocab-size", "700", "-o", str(corpus / "v.json")]
    args += ["--save-counts", str(corpus / "c.counts")]
    for _ in range(2):
        assert main(["train", "-q", *args]) == 0
    (corpus / "notes.unknownext").write_text("not read\n")
    args = [str(corpus), "--vocab-size", "700", "-o", str(corpus / "notes.unknownext")]
    assert main(["train", "-q", *args]) == 0
    assert Vocabulary.load(corpus / "notes.unknownext").n_vocab == 700
    # but with --include it is read
    (corpus / "more.unknownext").write_text("read\n")
    args = [str(corpus), "--include", "*.unknownext", "-o", str(corpus / "more.unknownext")]
    _refused(capsys, [*args, "--vocab-size", "700"], "is an input of this run")


def test_output_dash_is_stdout(tmp_path, corpus, capsysbinary, monkeypatch):
    """`train src/ -o -` wrote a file named "-"; "-" is standard output, as elsewhere."""
    monkeypatch.chdir(tmp_path)
    assert main(["train", str(corpus), "--vocab-size", "700", "-o", "-"]) == 0
    captured = capsysbinary.readouterr()
    assert not (tmp_path / "-").exists()
    vocab = Vocabulary.from_json(json.loads(captured.out))
    assert vocab.n_vocab == 700 and b"wrote <stdout>" in captured.err
    assert main(["train", "-q", str(corpus), "--vocab-size", "700", "-o", "v.json"]) == 0
    assert (tmp_path / "v.json").read_bytes() == captured.out  # the bytes save() writes


def _count_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.lstrip().startswith("count ")]


def test_count_progress_has_a_percentage_for_a_folder_not_for_stdin(
    tmp_path, corpus, capsys, monkeypatch
):
    """The count line said only the bytes counted, even for inputs of a known size. For a folder
    it has the merge line's bar and percentage, 100% at the end; standard input's size is not
    known: the bytes only, as before."""
    import io
    import re

    from tokenizer import _corpus_records

    options = ["--vocab-size", "600", "--allow-unused", "-o", str(tmp_path / "v.json")]
    assert main(["train", str(corpus), *options]) == 0
    lines = _count_lines(capsys.readouterr().err)
    assert len(lines) == 1 and re.match(r" +count \[#{24}\] 100% \d", lines[0]), lines
    assert "ETA" not in lines[0]  # (the last line: the time it took)

    monkeypatch.setattr(_corpus_records, "_stdin_read", False)
    data = (corpus / "a.py").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert main(["train", "-", *options]) == 0
    lines = _count_lines(capsys.readouterr().err)
    assert len(lines) == 1 and re.match(r" +count \d", lines[0]), lines
    assert "%" not in lines[0] and "[" not in lines[0]


def test_quiet_keeps_library_warnings_off_stderr(tmp_path, corpus, capsys, caplog, monkeypatch):
    """-q ("nothing but errors") let huggingface_hub's "Retrying in 1s [Retry 1/5]" lines
    through for an hf: spec without a network; the levels are back as they were after."""
    import logging

    import tokenizer.train as train_module

    real = train_module.train

    def noisy(*args, **kwargs):
        logging.getLogger("huggingface_hub.utils._http").warning("Retrying in 1s [Retry 1/5]")
        logging.getLogger("datasets.load").warning("a note from datasets")
        return real(*args, **kwargs)

    monkeypatch.setattr(train_module, "train", noisy)
    before = logging.getLogger("huggingface_hub").level
    out = tmp_path / "v.json"
    caplog.set_level(logging.WARNING)
    assert main(["train", str(corpus), "-q", "--vocab-size", "400", "-o", str(out)]) == 0
    assert capsys.readouterr().err == "" and caplog.records == []
    assert logging.getLogger("huggingface_hub").level == before
    assert main(["train", str(corpus), "--vocab-size", "400", "-o", str(out)]) == 0
    shown = [r.getMessage() for r in caplog.records]  # (without -q they are shown)
    assert shown == ["Retrying in 1s [Retry 1/5]", "a note from datasets"]
