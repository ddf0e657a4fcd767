"""``.json`` files: JSON Lines or one document, told apart by content; tokenizers never trained on.

Found in a review: ``stack.json`` (JSON Lines) was read as one plain-text document while
``t.json.gz`` was parsed as JSON Lines; and ``codebpe train w -o w/vocab.json``, run a second
time, trained on the previous vocabulary (94% of the corpus), since walks take ``.json`` files.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from tokenizer.cli import main
from tokenizer.corpus import Corpus, CorpusFieldError, CorpusJSONError
from tokenizer.vocab import Vocabulary

ROWS = [{"content": f"def f{i}(x):\n    return x + {i}\n", "lang": "python"} for i in range(30)]


def jsonl(rows: list[dict]) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in rows).encode()


@pytest.mark.parametrize("name", ["stack.json", "stack.json.gz"])
def test_json_lines_named_json_are_records_with_or_without_gz(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    data = jsonl(ROWS)
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    docs = list(Corpus([str(path)], text_field="content"))
    assert [d.text for d in docs] == [r["content"] for r in ROWS]
    assert {d.lang for d in docs} == {"python"}
    with pytest.raises(
        CorpusFieldError, match=r"no text field 'text'; keys: \['content', 'lang'\]"
    ):
        list(Corpus([str(path)]))  # as a .jsonl file: the field to use is named


@pytest.mark.parametrize("gz", [False, True])
def test_one_json_document_is_text_with_or_without_gz(tmp_path: Path, gz: bool) -> None:
    text = json.dumps({"name": "pkg", "version": "1.0.0", "deps": {"a": "^1"}}, indent=2) + "\n"
    path = tmp_path / ("package.json.gz" if gz else "package.json")
    path.write_bytes(gzip.compress(text.encode()) if gz else text.encode())
    docs = list(Corpus([str(path)]))
    assert [(d.text, d.lang) for d in docs] == [(text, "json")]


def test_json_in_a_walk(tmp_path: Path) -> None:
    """Code-like JSON in a source tree stays text, even on one line (minified); JSON Lines with
    the text field are records."""
    root = tmp_path / "src"
    root.mkdir()
    (root / "package.json").write_text('{\n  "name": "pkg"\n}\n')
    (root / "min.json").write_text('{"name": "pkg", "private": true}')
    (root / "data.json").write_bytes(jsonl([{"text": "hello world"}, {"text": "again"}]))
    docs = list(Corpus([str(root)]))
    assert sorted(d.text for d in docs) == sorted(
        ['{\n  "name": "pkg"\n}\n', '{"name": "pkg", "private": true}', "hello world", "again"]
    )


def test_training_output_in_the_walked_folder_is_not_trained_on(tmp_path: Path, capsys) -> None:
    root = tmp_path / "w"
    root.mkdir()
    for i in range(20):
        (root / f"m{i}.py").write_text(f"def f{i}(x):\n    return x * {i}\n" * 20)
    out, counts = root / "vocab.json", root / "counts.txt"
    argv = ["train", str(root), "--vocab-size", "600", "-q", "-o", str(out)]
    assert main([*argv, "--save-counts", str(counts)]) == 0
    first = Vocabulary.load(out).corpus
    assert main(["export", "--tokenizer", str(out), "--format", "hf", "-o", str(tmp_path)]) == 0
    (root / "hf").mkdir()
    (root / "hf" / "tokenizer.json").write_bytes((tmp_path / "tokenizer.json").read_bytes())
    assert main(argv) == 0  # again, with the previous vocabulary, counts and export in the folder
    again = Vocabulary.load(out).corpus
    assert again["bytes"] == first["bytes"] and set(again["by_lang"]) == {"python"}
    skipped = [str(counts), str(out), str(root / "hf" / "tokenizer.json")]
    assert again["skipped_examples"][str(root)]["tokenizer-file"] == skipped
    capsys.readouterr()
    assert main(["train", str(root), "--vocab-size", "600", "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "skipped: 3 tokenizer files (codebpe vocabulary, count table, tokenizer.json)" in err
    docs = list(Corpus([str(out)]))  # named: read as asked
    assert len(docs) == 1 and '"codebpe.vocab"' in docs[0].text


BOM = b"\xef\xbb\xbf"


def test_a_byte_order_mark_starts_json_lines_anywhere(tmp_path: Path) -> None:
    """Review: a ``.json`` file with a UTF-8 BOM was taken as JSON Lines (``json.loads`` accepts
    a BOM on bytes) and then refused by the JSONL reader ("Unexpected UTF-8 BOM"), aborting the
    folder walk. A BOM at the start of any JSON Lines file is dropped."""
    root = tmp_path / "tree"
    root.mkdir()
    data = BOM + b'{"text":"a"}\n{"text":"b"}\n'
    (root / "bom.json").write_bytes(data)
    (root / "bom.jsonl").write_bytes(data)
    (root / "bom.jsonl.gz").write_bytes(gzip.compress(BOM + b'\n{"text":"c"}\n'))
    assert sorted(d.text for d in Corpus([str(root)])) == ["a", "a", "b", "b", "c"]
    for name in ("bom.json", "bom.jsonl"):  # named too
        assert [d.text for d in Corpus([str(root / name)])] == ["a", "b"]
    (root / "late.jsonl").write_bytes(b'{"text":"a"}\n' + data)  # not at the start: an error
    with pytest.raises(CorpusJSONError, match=r"late.jsonl:2: not valid JSON: Unexpected UTF-8"):
        list(Corpus([str(root / "late.jsonl")]))


def test_a_tokenizer_file_with_a_byte_order_mark_is_left_out(tmp_path: Path) -> None:
    root = tmp_path / "w"
    root.mkdir()
    (root / "a.py").write_text("def f(x):\n    return x\n")
    vocab = Vocabulary.bytes_only(pattern="gpt2")
    vocab.save(root / "vocab.json")
    (root / "vocab.json").write_bytes(BOM + (root / "vocab.json").read_bytes())
    corpus = Corpus([str(root)])
    assert [d.source for d in corpus] == [str(root / "a.py")]
    assert corpus.summary.skipped[str(root)] == {"tokenizer-file": 1}


def test_the_fallback_reader_drops_a_byte_order_mark(tmp_path: Path) -> None:
    from tokenizer._train_inputs import _plain_files

    (tmp_path / "a.jsonl").write_bytes(BOM + b'{"text":"a"}\n{"text":"b"}\n')
    texts, _, _ = _plain_files(str(tmp_path / "a.jsonl"), text_field="text", max_bytes=None)
    assert list(texts) == ["a", "b"]


def test_a_lone_surrogate_escape_is_u_fffd_not_a_dropped_record(tmp_path: Path) -> None:
    """Review: ``{"text":"ab\\ud800cd"}`` (valid UTF-8, the surrogate a JSON escape) was skipped
    whole as "invalid UTF-8"; a str given to train() keeps its text with U+FFFD there. Escaped
    pairs are characters; invalid UTF-8 bytes in a record are still what is skipped."""
    path = tmp_path / "s.jsonl"
    path.write_bytes(
        b'{"text":"ab\\ud800cd"}\n{"text":"x \\ud83d\\ude00 y"}\n{"text":"bad \xff byte"}\n'
    )
    corpus = Corpus([str(path)])
    assert [d.text for d in corpus] == ["ab\ufffdcd", "x \U0001f600 y"]
    skipped = corpus.summary.skipped
    assert sum(kinds.get("invalid-utf8", 0) for kinds in skipped.values()) == 1, skipped


def test_lone_surrogates_of_a_jsonl_record_are_reported(tmp_path, capsys):
    """A "\\ud800" escape in a JSONL record became U+FFFD, as in a str given to train(), but
    unlike there nothing said so: the corpus record and `codebpe corpus` now do."""
    from tokenizer.cli import main
    from tokenizer.corpus import Corpus
    from tokenizer.train import train

    path = tmp_path / "s.jsonl"
    path.write_text('{"text": "abc \\ud800 def", "lang": "en"}\n{"text": "ok", "lang": "en"}\n')
    corpus = Corpus(str(path))
    assert [d.text for d in corpus] == ["abc \ufffd def", "ok"]
    summary = corpus.summary.to_dict()
    assert summary["replaced"] == {"lone-surrogates": 1}
    assert summary["replaced_examples"] == {"lone-surrogates": [f"{path}:1"]}
    vocab = train([str(path)], vocab_size=400, progress=False, allow_unused=True)
    assert vocab.corpus["replaced"] == {"lone-surrogates": 1}
    assert main(["corpus", str(path)]) == 0
    assert "replaced: lone surrogates replaced with U+FFFD in 1 document" in capsys.readouterr().out
    clean = tmp_path / "c.jsonl"
    clean.write_text('{"text": "ok", "lang": "en"}\n')
    plain = train([str(clean)], vocab_size=400, progress=False, allow_unused=True)
    assert "replaced" not in plain.corpus
