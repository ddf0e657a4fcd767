"""tokenizer.vocab: the Vocabulary data model and its versioned file."""

from __future__ import annotations

import json

import pytest

from tokenizer.vocab import Vocabulary, VocabularyError, atomic_write, derive_merges


def _small() -> Vocabulary:
    tokens = [bytes([i]) for i in range(256)] + [b"  ", b"    ", b"ab", b"abc"]
    return Vocabulary(
        tokens=tokens,
        pattern="codebpe-v1",
        merges=derive_merges(tokens),
        special_tokens={"<|endoftext|>": 260, "<|pad|>": 261},
        reserved_ids=(256, 258),
        config={"vocab_size": 262},
    )


def test_save_load_round_trip(tmp_path):
    v = _small()
    path = tmp_path / "v.json"
    v.save(path)
    obj = json.loads(path.read_text())
    assert obj["format"] == "codebpe.vocab" and obj["version"] == 1
    w = Vocabulary.load(path)
    assert w == v
    assert w.n_vocab == 262
    assert w.merges == [(32, 32), (256, 256), (97, 98), (258, 99)]


def test_from_ranks_derives_merges():
    ranks = {bytes([i]): i for i in range(256)} | {b"ab": 256, b"abc": 257}
    v = Vocabulary.from_ranks(ranks, pattern="cl100k")
    assert v.merges == [(97, 98), (256, 99)]
    assert v.ranks() == ranks


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda o: o.update(format="other"), "not a codebpe vocabulary"),
        (lambda o: o.update(version=99), "unsupported vocabulary version"),
        (lambda o: o["tokens"].__setitem__(65, "QkI="), "single bytes"),
        (lambda o: o["special_tokens"].update({"<|x|>": 3}), "special token ids"),
        (lambda o: o.pop("tokens"), "malformed"),
        # was an AttributeError
        (lambda o: o.update(special_tokens=["<|x|>"]), "'special_tokens' must be an object"),
        (lambda o: o["special_tokens"].update({"<|x|>": 2**40}), "32-bit"),  # was a TypeError
        # json reads Infinity as a float: was an OverflowError
        (lambda o: o["special_tokens"].update({"<|x|>": float("inf")}), "has id inf, not an"),
        (lambda o: o["special_tokens"].update({"<|x|>": 262.7}), "has id 262.7, not an int"),
        (lambda o: o["special_tokens"].update({"<|x|>": True}), "has id True, not an int"),
        # (these loaded, then failed in the Tokenizer without the file's name, or as a
        # UnicodeEncodeError)
        (lambda o: o["special_tokens"].update({"": 262}), "name '' is not a non-empty UTF-8"),
        (lambda o: o["special_tokens"].update({"\ud800": 262}), "is not a non-empty UTF-8"),
        # (a str was taken as its characters, each a regex)
        (lambda o: o.update(pattern={"name": "x", "regexes": "\\w+"}), "a non-empty list"),
        (lambda o: o.update(pattern={"name": "x", "regexes": []}), "a non-empty list"),
        (lambda o: o.update(pattern={"name": "x", "regexes": [5]}), "5 is not a regex"),
        (lambda o: o.update(pattern={"name": "x", "regexes": ["(["]}), "'\\(\\[' does not"),
        (lambda o: o["merges"].append([float("inf"), 1]), "malformed"),
    ],
)
def test_bad_files_raise_typed_errors(tmp_path, mutate, message):
    obj = _small().to_json()
    mutate(obj)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(obj))
    with pytest.raises(VocabularyError, match=message):
        Vocabulary.load(path)


def test_not_json(tmp_path):
    path = tmp_path / "x.json"
    path.write_text("{nope")
    with pytest.raises(VocabularyError, match="not valid JSON"):
        Vocabulary.load(path)


def test_tokenizer_json_gets_a_hint(tmp_path):
    path = tmp_path / "tokenizer.json"
    path.write_text('{"version": "1.0", "model": {"type": "BPE", "vocab": {}}}')
    with pytest.raises(VocabularyError, match="use Tokenizer.from_hf"):
        Vocabulary.load(path)


@pytest.mark.parametrize("data", [b"\xff\xfe{}", b"[" * 100_000 + b"]" * 100_000])
def test_not_utf8_or_too_deep(tmp_path, data):
    path = tmp_path / "x.json"
    path.write_bytes(data)
    with pytest.raises(VocabularyError, match="not valid JSON"):
        Vocabulary.load(path)


def test_atomic_write_missing_folder_names_the_target(tmp_path):
    target = tmp_path / "missing" / "out.npy"
    with pytest.raises(FileNotFoundError) as info:
        atomic_write(target, b"x")
    assert info.value.filename == str(target)  # not the hidden temporary file's name
    assert ".tmp" not in str(info.value)


def test_atomic_write_onto_a_folder_names_it_and_cleans_up(tmp_path):
    target = tmp_path / "out"
    target.mkdir()
    with pytest.raises(IsADirectoryError) as info:
        atomic_write(target, b"x")
    assert info.value.filename == str(target) and ".tmp" not in str(info.value)
    assert list(tmp_path.iterdir()) == [target] and list(target.iterdir()) == []


def test_atomic_write_to_an_empty_name_is_file_not_found(tmp_path, monkeypatch):
    """Vocabulary.save('') said "[Errno 16] Device or resource busy: '.'" (the name was taken as
    the current folder, and the rename onto it failed); open('') says FileNotFoundError."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match="the output file name is empty"):
        atomic_write("", b"x")
    assert list(tmp_path.iterdir()) == []


def test_derive_merges_rejects_unreachable_token():
    with pytest.raises(VocabularyError, match="not a merge"):
        derive_merges([bytes([i]) for i in range(256)] + [b"abc"])


def test_derive_merges_not_strict_skips_unreachable_token():
    tokens = [bytes([i]) for i in range(256)] + [b"abc", b"ab", b"abab"]
    # b"abc" (256) cannot be built from lower ranks: no merge, and later tokens still get theirs
    assert derive_merges(tokens, strict=False) == [(97, 98), (257, 257)]


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.json"
    target.write_text("old")

    with pytest.raises(TypeError):
        atomic_write(target, object())  # type: ignore[arg-type]
    assert target.read_text() == "old"
    assert list(tmp_path.iterdir()) == [target]


def test_atomic_write_uses_ordinary_permissions(tmp_path):
    import os

    target = tmp_path / "perm.txt"
    atomic_write(target, "x")
    umask = os.umask(0)
    os.umask(umask)
    assert (target.stat().st_mode & 0o777) == (0o666 & ~umask)


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o444])
def test_atomic_write_keeps_an_existing_files_permissions(tmp_path, mode):
    """Replacing a file gave it 0666 less the umask: a private 0600 output became
    world-readable (an open() for writing keeps the mode)."""
    import os

    target = tmp_path / "private.json"
    target.write_text("old")
    os.chmod(target, mode)
    atomic_write(target, "new")
    assert target.read_text() == "new"
    assert (target.stat().st_mode & 0o777) == mode


def test_outputs_follow_links_and_write_special_files_in_place(tmp_path):
    """A rename replaced whatever was at the output path: a symbolic link became a file (its
    target untouched), and a FIFO (or, as root, /dev/null) a regular file."""
    import os
    import threading

    from tokenizer._native import core
    from tokenizer._train_counts import save_table

    real = tmp_path / "real"
    real.mkdir()
    (real / "v.json").write_text("old")
    link = tmp_path / "v.json"
    link.symlink_to(real / "v.json")
    atomic_write(link, "new")
    assert link.is_symlink() and (real / "v.json").read_text() == "new"
    assert sorted(p.name for p in real.iterdir()) == ["v.json"]  # no temporary file left

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    atomic_write(fifo, b"through the pipe")
    reader.join(10)
    assert got == [b"through the pipe"] and fifo.is_fifo()

    counter = core.PieceCounter(1)
    counter.count("gpt2", ["a b c"])
    counts_link = tmp_path / "c.counts"
    counts_link.symlink_to(real / "c.counts")
    save_table(counter, counts_link, {"x": 1})
    assert counts_link.is_symlink() and (real / "c.counts").stat().st_size > 0
