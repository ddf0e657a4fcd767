"""Folder walks go on past bad entries, and count them in the "skipped" summary.

Found in a review: a broken symlink in a walked folder aborted the run, one unreadable file
aborted it while an unreadable subfolder was silently skipped, a FIFO named ``*.py`` made
``train`` wait forever, and symlinked folders were silently not followed. A path named on the
command line is still an error when it cannot be read.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

import tokenizer._corpus_formats as formats
from tokenizer._corpus_summary import skip_notes
from tokenizer.cli import main
from tokenizer.corpus import Corpus, CorpusPathError, CorpusReadError, Source, describe


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    (root / "py").mkdir(parents=True)
    (root / "py" / "a.py").write_text("def f(x):\n    return x\n")
    (root / "py" / "b.py").write_text("x = 1\n")
    return root


def read(spec: str | Path) -> tuple[list[str], dict[str, int], dict[str, list[str]]]:
    """Sources read, skipped reasons and their examples, for one spec."""
    corpus = Corpus([str(spec)])
    sources = sorted(d.source for d in corpus)
    return (
        sources,
        corpus.summary.skipped.get(str(spec), {}),
        corpus.summary.skipped_examples.get(str(spec), {}),
    )


def test_broken_symlinks_are_skipped_and_counted(tree: Path, capsys) -> None:
    broken = tree / "py" / "broken.py"
    broken.symlink_to(tree / "py" / "gone.py")
    (tree / "py" / "loop.py").symlink_to(tree / "py" / "loop.py")  # a symlink to itself
    sources, skipped, examples = read(tree)
    assert sources == [str(tree / "py" / "a.py"), str(tree / "py" / "b.py")]
    assert skipped == {"broken-symlink": 2}
    assert examples["broken-symlink"] == [str(broken), str(tree / "py" / "loop.py")]
    out = tree.parent / "v.json"
    assert main(["train", str(tree), "--vocab-size", "400", "-o", str(out)]) == 0
    assert f"skipped: 2 broken symlinks ({broken}, " in capsys.readouterr().err
    with pytest.raises(CorpusPathError, match="no such file"):
        list(Corpus([str(broken)]))  # named: an error
    sources, skipped, _ = read(tree / "py" / "*.py")  # a glob's matches: as in a walk
    assert len(sources) == 2 and skipped == {"broken-symlink": 2}


def test_a_fifo_in_a_folder_is_skipped_not_read(tree: Path) -> None:
    fifo = tree / "py" / "pipe.py"
    os.mkfifo(fifo)
    # A writer that closes at once, so that reading the FIFO (the old behaviour) ends instead of
    # waiting forever; when the FIFO is not opened, the writer is let go below.
    writer = threading.Thread(target=lambda: open(fifo, "wb").close(), daemon=True)
    writer.start()
    try:
        sources, skipped, examples = read(tree)
    finally:
        # A reader lets the writer's open return; opened again until the writer has got there
        # (under load the thread may reach its open only after a first reader came and went).
        while writer.is_alive():
            os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))
            writer.join(0.05)
    assert len(sources) == 2
    assert skipped == {"not-a-regular-file": 1} and examples["not-a-regular-file"] == [str(fifo)]
    assert f"skipped: 1 special file (FIFO, socket, device) ({fifo})" in describe([str(tree)])
    corpus = Corpus([str(tree)])
    list(corpus)
    assert skip_notes(corpus.summary.to_dict()) == [
        f"1 special file (FIFO, socket, device) ({fifo})"
    ]


def unreadable(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    """``open(path)`` fails as on a file without read permission (the tests may run as root)."""
    real_open = open

    def fake_open(file, *args, **kwargs):
        if Path(file) == path:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(formats, "open", fake_open, raising=False)


def test_an_unreadable_file_in_a_folder_is_skipped(tree: Path, monkeypatch, capsys) -> None:
    locked = tree / "py" / "a.py"
    unreadable(monkeypatch, locked)
    sources, skipped, examples = read(tree)
    assert sources == [str(tree / "py" / "b.py")]
    assert skipped == {"unreadable": 1} and examples["unreadable"] == [str(locked)]
    with pytest.raises(CorpusReadError, match="a.py: cannot read: .*Permission denied"):
        list(Corpus([str(locked)]))  # named: an error
    assert main(["corpus", str(locked)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("codebpe: error:") and len(err.strip().splitlines()) == 1


def test_an_unreadable_subfolder_is_counted(tree: Path, monkeypatch, capsys) -> None:
    (tree / "locked").mkdir()
    (tree / "locked" / "c.py").write_text("y = 2\n")
    real_scandir = os.scandir

    def fake_scandir(path="."):
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", fake_scandir)
    sources, skipped, examples = read(tree)
    assert len(sources) == 2
    assert skipped == {"unreadable-folder": 1}
    assert examples["unreadable-folder"] == [str(tree / "locked")]
    with pytest.raises(CorpusReadError, match="locked: cannot read folder: Permission denied"):
        list(Corpus([str(tree / "locked")]))  # named: an error


def test_symlinked_folders_are_counted_not_followed(tree: Path) -> None:
    (tree / "link").symlink_to(tree / "py")
    (tree / "py" / "up").symlink_to(tree)  # a loop, had it been followed
    sources, skipped, examples = read(tree)
    assert len(sources) == 2  # once each, through the real folder
    assert skipped == {"symlinked-folder": 2}
    assert examples["symlinked-folder"] == [str(tree / "link"), str(tree / "py" / "up")]
    sources, skipped, _ = read(tree / "link")  # named: walked
    assert sources == [str(tree / "link" / "a.py"), str(tree / "link" / "b.py")]
    assert skipped == {"symlinked-folder": 1}


def test_globs_do_not_follow_symlinked_folders(tree: Path) -> None:
    """Review: ``'tree/**/*.py'`` followed a symlinked folder loop (Python's ``glob`` follows
    symlinks) about 40 levels deep, reading each file 41 times; with two loops it never ended."""
    (tree / "py" / "up").symlink_to(tree)  # a loop
    sources, skipped, examples = read(f"{tree}/**/*.py")
    assert sources == [str(tree / "py" / "a.py"), str(tree / "py" / "b.py")]
    assert skipped == {"symlinked-folder": 1}
    assert examples["symlinked-folder"] == [str(tree / "py" / "up")]
    (tree / "link").symlink_to(tree / "py")  # a second way round: each level doubled the paths
    for spec in (f"{tree}/**/*.py", f"{tree}/**", f"{tree}/**/", f"{tree}/*"):
        sources, skipped, examples = read(spec)
        assert sources == [str(tree / "py" / "a.py"), str(tree / "py" / "b.py")], spec
        assert examples["symlinked-folder"] == [str(tree / "link"), str(tree / "py" / "up")]
    sources, skipped, _ = read(f"{tree}/*/*.py")  # no ``**``: through a symlinked folder
    assert sources == [str(tree / "py" / "a.py"), str(tree / "py" / "b.py")]
    assert skipped == {"symlinked-folder": 1}
    sources, skipped, _ = read(f"{tree}/link/*.py")  # in the glob's fixed part: named, followed
    assert sources == [str(tree / "link" / "a.py"), str(tree / "link" / "b.py")] and not skipped
    source = Source.parse(f"{tree}/**/*.rs*2")  # a weight or a glob? (looked up without loops)
    assert (source.spec, source.weight) == (f"{tree}/**/*.rs", 2)


def test_a_glob_reads_each_file_once(tree: Path) -> None:
    """``'tree/**'`` matches ``tree/``, ``tree/py`` and the files: the folders' walks overlap."""
    sources, _, _ = read(f"{tree}/**")
    assert sources == [str(tree / "py" / "a.py"), str(tree / "py" / "b.py")]


def test_tokenizer_files_are_recognized_whatever_their_name(tree: Path) -> None:
    """A vocabulary or a ``tokenizer.json`` saved under a text name is left out of walks and
    globs by its first bytes, as count tables and ``.json`` files were."""
    from tokenizer.vocab import Vocabulary

    Vocabulary.bytes_only(pattern="gpt2").save(tree / "vocab.txt")
    (tree / "py" / "tok.py").write_text('{"version": "1.0", "truncation": null, "model": {}}')
    for spec in (tree, f"{tree}/**"):
        sources, skipped, examples = read(spec)
        assert sources == [str(tree / "py" / "a.py"), str(tree / "py" / "b.py")]
        assert skipped == {"tokenizer-file": 2}
    assert len(read(tree / "vocab.txt")[0]) == 1  # named: read as asked


def test_a_save_to_disk_folder_named_as_a_folder_says_hf_disk(tmp_path: Path) -> None:
    """Review: `codebpe train dsdisk` walked a datasets.save_to_disk folder, took its two
    metadata .json files as text and left its .arrow out: a vocabulary of metadata. Named as a
    folder it is refused with the spec to use; inside a walk it is left as it was."""
    saved = tmp_path / "dsdisk"
    saved.mkdir()
    for name in ("state.json", "dataset_info.json"):
        (saved / name).write_text('{"x": 1}')
    (saved / "data-00000-of-00001.arrow").write_bytes(b"")
    with pytest.raises(CorpusPathError, match=r"save_to_disk folder: give it as hf-disk:"):
        list(Corpus([str(saved)]))
    (tmp_path / "a.py").write_text("x = 1\n")
    assert any(d.text == "x = 1\n" for d in Corpus([str(tmp_path)]))  # walked into: as before


def test_exclude_filters_the_files_a_glob_matches(tmp_path: Path, monkeypatch) -> None:
    """Review: `'mixed/**/*.py' --exclude node_modules` read mixed/node_modules/b.py (exclude
    applied to folder walks only)."""
    monkeypatch.chdir(tmp_path)
    for rel, text in (("mixed/src/a.py", "a = 1\n"), ("mixed/node_modules/b.py", "b = 2\n")):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    both = ["a = 1\n", "b = 2\n"]
    assert sorted(d.text for d in Corpus(["mixed/**/*.py"])) == both
    for spec in ("mixed/**/*.py", f"{tmp_path}/mixed/*/*.py"):
        for pattern in ("node_modules", "node_modules/", "/node_modules"):
            got = sorted(d.text for d in Corpus([spec], exclude=[pattern]))
            assert got == ["a = 1\n"], (spec, pattern)
    assert sorted(d.text for d in Corpus(["mixed/**/*.py"], exclude=["src"])) == ["b = 2\n"]


def test_a_gz_file_that_is_not_gzip_says_where(tmp_path):
    """It said "cannot read after line 0" for a file that fails at its first byte."""
    fake = tmp_path / "fake.jsonl.gz"
    fake.write_bytes(b"no\n")
    with pytest.raises(CorpusReadError, match=r"fake.jsonl.gz: cannot read its start: Not a gzip"):
        list(Corpus(str(fake)))
    cut = tmp_path / "cut.jsonl.gz"
    import gzip

    cut.write_bytes(gzip.compress(b'{"text": "a"}\n' * 1000)[:-30])
    with pytest.raises(CorpusReadError, match=r"cut.jsonl.gz: cannot read after line \d+"):
        list(Corpus(str(cut)))


def test_a_text_files_byte_order_mark_is_no_text(tmp_path):
    """A BOM at the start of a source file was read as text (U+FEFF, learned as a token), where
    the JSON Lines reader drops it."""
    (tmp_path / "a.cs").write_bytes(b"\xef\xbb\xbfclass A {}\n")
    (tmp_path / "b.txt").write_bytes(b"plain \xef\xbb\xbf inside\n")  # (inside: text, kept)
    texts = {os.path.basename(d.source): d.text for d in Corpus([str(tmp_path)])}
    assert texts == {"a.cs": "class A {}\n", "b.txt": "plain \ufeff inside\n"}
