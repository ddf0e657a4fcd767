"""Tests for tokenizer.corpus: every input kind, weights, budgets, encodings, errors, the sample."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest
from conftest import run_python

from tokenizer.corpus import (
    Corpus,
    CorpusEncodingError,
    CorpusError,
    CorpusFieldError,
    CorpusFormatError,
    CorpusJSONError,
    CorpusPathError,
    CorpusReadError,
    Document,
    Source,
    default_corpus_paths,
    describe,
    iter_documents,
    language_of,
    parse_size,
    summary_table,
    verify_manifest,
)


def write_jsonl(path: Path, records: list[dict], *, gz: bool = False) -> Path:
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "src" / "deep").mkdir(parents=True)
    (root / ".git").mkdir()
    (root / "src" / "a.py").write_text("def f():\n    return 1\n")
    (root / "src" / "b.c").write_text("int main(void) { return 0; }\n")
    (root / "src" / "deep" / "c.go").write_text("package main\n")
    (root / "src" / "deep" / "d_test.go").write_text("package main_test\n")
    (root / "notes.unknown").write_text("no language\n")
    (root / ".git" / "hook.py").write_text("print('hidden')\n")
    (root / ".hidden.py").write_text("x = 1\n")
    return root


def sources_of(corpus) -> list[str]:
    return sorted(Path(d.source).name for d in corpus)


# --------------------------------------------------------------------------- folders and files


def test_folder_walk_languages_and_hidden(tree: Path) -> None:
    docs = list(Corpus(tree))
    assert {Path(d.source).name: d.lang for d in docs} == {
        "a.py": "python",
        "b.c": "c",
        "c.go": "go",
        "d_test.go": "go",
    }
    assert all(isinstance(d.text, str) for d in docs)
    hidden = sources_of(Corpus(tree, include_hidden=True))
    assert "hook.py" in hidden and ".hidden.py" in hidden


def test_folder_include_exclude(tree: Path) -> None:
    assert sources_of(Corpus(tree, include=["*.go"], exclude=["*_test.go"])) == ["c.go"]
    assert sources_of(Corpus(tree, include=["src/deep/*"])) == ["c.go", "d_test.go"]
    assert "notes.unknown" in sources_of(Corpus(tree, include=["*"]))
    per_source = Source(str(tree), include=("*.c",))
    assert sources_of(Corpus([per_source])) == ["b.c"]


def test_glob_spec_and_language_table(tree: Path) -> None:
    assert sources_of(Corpus(str(tree / "src" / "*.py"))) == ["a.py"]
    assert language_of("x/y.RS") == "rust" and language_of("CMakeLists.txt") == "cmake"
    doc = next(iter(Corpus([Source(str(tree / "notes.unknown"), lang="text")])))
    assert doc == Document("no language\n", "text", str(tree / "notes.unknown"))


# ------------------------------------------------------------------ JSONL, Parquet, datasets


@pytest.mark.parametrize("gz", [False, True])
def test_jsonl(tmp_path: Path, gz: bool) -> None:
    path = write_jsonl(
        tmp_path / ("d.jsonl.gz" if gz else "d.jsonl"),
        [{"text": "你好，世界", "lang": "zh"}, {"text": "hi", "lang": "en", "source": "doc-2"}],
        gz=gz,
    )
    docs = list(Corpus(path))
    assert docs == [Document("你好，世界", "zh", f"{path}:1"), Document("hi", "en", "doc-2")]


def test_jsonl_custom_fields_and_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text('{"content": "a", "language": "go"}\n\n{"content": "b"}\n')
    docs = list(Corpus(path, text_field="content", lang_field="language"))
    assert [(d.text, d.lang) for d in docs] == [("a", "go"), ("b", None)]


def test_parquet(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "d.parquet"
    table = pa.table({"content": [f"doc {i}" for i in range(2500)], "lang": ["en"] * 2500})
    pq.write_table(table, path, row_group_size=1000)
    corpus = Corpus(path, text_field="content")
    docs = list(corpus)
    assert len(docs) == 2500 and docs[-1].text == "doc 2499" and docs[0].lang == "en"
    assert corpus.summary.by_lang == {"en": [2500, sum(len(d.text) for d in docs)]}
    with pytest.raises(CorpusFieldError, match="'text'.*content") as info:
        list(Corpus(path))
    assert info.value.available == ["content", "lang"]


def test_parquet_is_read_page_by_page_not_row_group_by_row_group(tmp_path: Path) -> None:
    """Review: pyarrow's defaults (pre_buffer, threaded decoding) held more than a row group of
    text while a file was read: 32 MB of pyarrow memory for this 38 MB file of 19 MB row groups
    (12 MB now); a 128 MB file peaked at 278 MB RSS to read, and ``codebpe train --max-memory
    150M`` on it at 345 MB (214 MB now). The peak is read in a fresh process (pyarrow's
    high-water mark cannot be reset), after the file is written in another one."""
    import subprocess
    import sys

    pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "rg.parquet"
    write = (
        "import random, sys, pyarrow as pa, pyarrow.parquet as pq\n"
        "rng = random.Random(0)\n"
        "words = ['def', 'return', 'self', 'value', '机器', '学习', 'import', 'None']\n"
        "parts = [' '.join(rng.choice(words) + str(rng.randrange(1000)) for _ in range(30))\n"
        "         for _ in range(1000)]\n"
        "rows = [' '.join(rng.choices(parts, k=10)) for _ in range(16384)]\n"
        "pq.write_table(pa.table({'text': rows}), sys.argv[1], row_group_size=8192)\n"
        "print(sum(len(r.encode()) for r in rows[:8192]))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", write, str(path)], capture_output=True, text=True, check=True
    )
    row_group = int(run.stdout)
    read = (
        "import sys, pyarrow as pa\n"
        "from tokenizer.corpus import Corpus\n"
        "n = sum(1 for _ in Corpus([sys.argv[1]]).texts())\n"
        "print(n, pa.default_memory_pool().max_memory())\n"
    )
    run = run_python(read, str(path), cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    docs, peak = map(int, run.stdout.split())
    assert docs == 16384
    assert peak < row_group, (peak, row_group)


def test_hf_dataset_on_disk(tmp_path: Path) -> None:
    datasets = pytest.importorskip("datasets")
    ds = datasets.Dataset.from_dict({"text": ["alpha", "beta"], "lang": ["en", "en"]})
    ds.save_to_disk(str(tmp_path / "ds"))
    docs = list(Corpus(f"hf-disk:{tmp_path / 'ds'}"))
    assert [(d.text, d.lang) for d in docs] == [("alpha", "en"), ("beta", "en")]
    datasets.DatasetDict({"train": ds, "test": ds.select([0])}).save_to_disk(str(tmp_path / "dd"))
    assert [d.text for d in Corpus(f"hf-disk:{tmp_path / 'dd'}@test")] == ["alpha"]
    with pytest.raises(CorpusError, match="choose a split with @SPLIT; splits: "):
        list(Corpus(f"hf-disk:{tmp_path / 'dd'}"))
    with pytest.raises(CorpusError, match="no split 'nope'; splits: \\['train', 'test'\\]"):
        list(Corpus(f"hf-disk:{tmp_path / 'dd'}@nope"))  # (it said "choose a split")
    with pytest.raises(CorpusFieldError, match="body"):
        list(Corpus(f"hf-disk:{tmp_path / 'ds'}", text_field="body"))
    with pytest.raises(CorpusPathError):
        list(Corpus(f"hf-disk:{tmp_path / 'nope'}"))


def test_hf_hub_spec_streams(monkeypatch: pytest.MonkeyPatch) -> None:
    datasets = pytest.importorskip("datasets")
    calls = []
    # offline (the tests' default), a hub spec is refused at once, before datasets is asked
    monkeypatch.setattr(datasets, "load_dataset", lambda *a, **k: calls.append(a))
    with pytest.raises(CorpusError, match="CODEBPE_OFFLINE=1"):
        list(Corpus("hf:org/code"))
    assert calls == []
    monkeypatch.delenv("CODEBPE_OFFLINE", raising=False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)

    def fake_load_dataset(name, config, *, split, streaming):
        calls.append((name, config, split, streaming))
        rows = {"content": ["one", "two"], "language": ["go", "go"]}
        return datasets.Dataset.from_dict(rows).to_iterable_dataset()

    monkeypatch.setattr(datasets, "load_dataset", fake_load_dataset)
    docs = list(Corpus("hf:org/code:go@validation", text_field="content", lang_field="language"))
    assert calls == [("org/code", "go", "validation", True)]
    assert [(d.text, d.lang, d.source) for d in docs] == [
        ("one", "go", "hf:org/code:go@validation#0"),
        ("two", "go", "hf:org/code:go@validation#1"),
    ]
    list(Corpus("hf:org/plain", text_field="content"))
    assert calls[-1] == ("org/plain", None, "train", True)


# --------------------------------------------------------------------------- weights and budgets


@pytest.fixture
def two_sources(tmp_path: Path) -> tuple[Path, Path]:
    a = write_jsonl(tmp_path / "a.jsonl", [{"text": f"a{i:03d}"} for i in range(200)])
    b = write_jsonl(tmp_path / "b.jsonl", [{"text": f"b{i:03d}"} for i in range(200)])
    return a, b


def test_weights(two_sources: tuple[Path, Path]) -> None:
    a, b = two_sources
    half = Corpus([f"{a}*0.5", str(b)])
    first, second = [d.text for d in half], [d.text for d in half]
    kept = [t for t in first if t.startswith("a")]
    assert first == second and 70 < len(kept) < 130
    assert half.summary.skipped[str(a)]["sampled-out-by-weight"] == 200 - len(kept)
    other_seed = [d.text for d in Corpus([f"{a}*0.5"], seed=1)]
    assert other_seed != kept
    doubled = Corpus([str(a)], weights={str(a): 2.0})
    assert [d.text for d in doubled][:2] == ["a000", "a000"] and doubled.summary.documents == 400
    assert list(Corpus([Source(str(a), weight=0)])) == []
    with pytest.raises(CorpusError, match="unknown sources"):
        Corpus([str(a)], weights={"typo": 1.0})
    with pytest.raises(ValueError, match="weight"):
        Corpus([Source(str(a), weight=-1)])


def test_max_bytes_interleaves_and_is_exact(two_sources: tuple[Path, Path]) -> None:
    a, b = two_sources
    corpus = Corpus([a, b], max_bytes="402")  # 100.5 documents of 4 bytes
    texts = [d.text for d in corpus]
    assert sum(map(len, texts)) == 402 and corpus.summary.budget_reached
    assert 45 <= sum(t.startswith("a") for t in texts) <= 55
    assert texts[-1] in ("a0", "b0") or len(texts[-1]) == 2
    sequential = Corpus([a, b], max_bytes=400, interleave=False)
    texts = [d.text for d in sequential]
    assert all(t.startswith("a") for t in texts) and len(texts) == 100
    assert sequential.summary.budget_reached and sequential.summary.skipped == {}


def test_max_bytes_cuts_at_character_boundary(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "zh.jsonl", [{"text": "中文字"}])  # 9 bytes
    corpus = Corpus(path, max_bytes=7)
    assert [d.text for d in corpus] == ["中文"] and corpus.summary.bytes == 6
    assert corpus.summary.skipped[str(path)] == {"truncated-by-budget": 1}


def test_parse_size() -> None:
    assert parse_size("2G") == 2 * 10**9 and parse_size("1.5 kB") == 1500
    assert parse_size("3MiB") == 3 * 2**20 and parse_size(7) == 7
    for bad in ("ten", "5X", "-1"):
        with pytest.raises(ValueError):
            parse_size(bad)


# --------------------------------------------------------------------------- non-UTF-8 input


@pytest.fixture
def bad_utf8(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "files"
    folder.mkdir()
    (folder / "good.py").write_bytes(b"x = 1\n")
    (folder / "bad.py").write_bytes(b"s = '\xff\xfe'\n")
    jsonl = tmp_path / "d.jsonl"
    jsonl.write_bytes(b'{"text": "ok"}\n{"text": "caf\xe9"}\n{"text": "\\ud800"}\n')
    return folder, jsonl


def test_errors_skip(bad_utf8: tuple[Path, Path]) -> None:
    folder, jsonl = bad_utf8
    corpus = Corpus([folder, jsonl])
    # (a lone surrogate as a JSON escape is no invalid UTF-8: U+FFFD, as a str given to train)
    assert sorted(d.text for d in corpus) == ["ok", "x = 1\n", "\ufffd"]
    assert corpus.summary.skipped == {
        str(folder): {"invalid-utf8": 1},
        str(jsonl): {"invalid-utf8": 1},
    }
    assert "skipped: 2 documents with invalid UTF-8 (" in summary_table(corpus.summary)


def test_errors_bytes(bad_utf8: tuple[Path, Path]) -> None:
    folder, jsonl = bad_utf8
    texts = {d.text for d in Corpus([folder, jsonl], errors="bytes")}
    assert {b"s = '\xff\xfe'\n", b"caf\xe9", "\ufffd"} < texts


def test_errors_strict(bad_utf8: tuple[Path, Path]) -> None:
    folder, jsonl = bad_utf8
    for source in (folder, jsonl):
        with pytest.raises(CorpusEncodingError, match="invalid UTF-8"):
            list(Corpus(source, errors="strict"))
    with pytest.raises(ValueError, match="errors"):
        Corpus(folder, errors="ignore")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- error cases


def test_error_missing_path(tmp_path: Path) -> None:
    with pytest.raises(CorpusPathError, match="no such file"):
        list(Corpus(tmp_path / "missing.jsonl"))
    with pytest.raises(CorpusPathError, match="matches no file"):
        list(Corpus(str(tmp_path / "*.jsonl")))


def test_error_unreadable_files(tmp_path: Path) -> None:
    broken = tmp_path / "broken.jsonl.gz"
    broken.write_bytes(gzip.compress(b'{"text": "a"}\n' * 100)[:40])
    with pytest.raises(CorpusReadError, match="broken.jsonl.gz"):
        list(Corpus(broken))
    fake = tmp_path / "fake.parquet"
    fake.write_bytes(b"not parquet at all")
    with pytest.raises(CorpusReadError, match="Parquet"):
        list(Corpus(fake))


def test_error_bad_json_line(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text('{"text": "a"}\n{"text": oops}\n')
    with pytest.raises(CorpusJSONError, match=r"d\.jsonl:2") as info:
        list(Corpus(path))
    assert info.value.line == 2 and info.value.path == str(path)
    path.write_text('["a list"]\n')
    with pytest.raises(CorpusJSONError, match="JSON object"):
        list(Corpus(path))


def test_error_missing_text_field(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "d.jsonl", [{"body": "a", "id": 1}])
    with pytest.raises(CorpusFieldError, match=r"'text'.*\['body', 'id'\]") as info:
        list(Corpus(path))
    assert info.value.field == "text" and info.value.available == ["body", "id"]
    write_jsonl(path, [{"text": 5}])
    with pytest.raises(CorpusFieldError, match="int"):
        list(Corpus(path))


def test_error_unknown_format(tmp_path: Path) -> None:
    (tmp_path / "d.jsonl.zst").write_bytes(b"\x28\xb5\x2f\xfd")
    with pytest.raises(CorpusFormatError, match=".zst"):
        list(Corpus(tmp_path / "d.jsonl.zst"))
    (tmp_path / "d.txt").write_text("x")
    with pytest.raises(CorpusFormatError, match="unknown format 'xml'"):
        list(Corpus([Source(str(tmp_path / "d.txt"), format="xml")]))
    with pytest.raises(CorpusFormatError, match="scheme"):
        list(Corpus("s3://bucket/data.jsonl"))


def test_errors_are_value_errors() -> None:
    for cls in (CorpusPathError, CorpusReadError, CorpusFormatError, CorpusEncodingError):
        assert issubclass(cls, CorpusError) and issubclass(cls, ValueError)


# --------------------------------------------------------------------------- the shipped sample


CODE_LANGS = {
    "python",
    "c",
    "cpp",
    "java",
    "javascript",
    "typescript",
    "go",
    "rust",
    "shell",
    "sql",
}


def test_shipped_sample_matches_manifest() -> None:
    paths = default_corpus_paths()
    root = paths[0].parent
    assert [p.name for p in paths] == ["code.jsonl.gz", "en.jsonl.gz", "zh.jsonl.gz"]
    assert verify_manifest(root) == []
    manifest = json.loads((root / "MANIFEST.json").read_text())
    assert {s["license"] for s in manifest["sources"]} <= {
        "PSF-2.0",
        "BSD-3-Clause",
        "MIT",
        "PostgreSQL",
        "Apache-2.0",
        "MIT OR Apache-2.0",
        "MPL-2.0",
    }
    for source in manifest["sources"]:
        for notice in source["notices"]:
            assert (root / notice).is_file(), notice


def test_shipped_sample_content() -> None:
    root = default_corpus_paths()[0].parent
    seen: dict[str, set[str]] = {"train": set(), "heldout": set()}
    lang_bytes: dict[str, int] = {}
    for split in ("train", "heldout"):
        for path in default_corpus_paths(split=split):
            with gzip.open(path, "rt", encoding="utf-8") as fh:
                for line in fh:
                    record = json.loads(line)
                    assert set(record) == {"text", "lang", "source"} and record["text"]
                    seen[split].add(record["source"])
                    size = len(record["text"].encode())
                    lang_bytes[record["lang"]] = lang_bytes.get(record["lang"], 0) + size
    assert not seen["train"] & seen["heldout"]
    assert 0.05 < len(seen["heldout"]) / len(seen["train"]) < 0.2
    total = sum(lang_bytes.values())
    assert 10e6 < total < 20e6
    assert set(lang_bytes) >= CODE_LANGS
    code = sum(v for k, v in lang_bytes.items() if k in CODE_LANGS)
    assert 0.5 < code / total < 0.7
    assert 0.15 < lang_bytes["zh"] / total < 0.25 and 0.15 < lang_bytes["en"] / total < 0.25
    assert sum(p.stat().st_size for p in root.rglob("*.jsonl.gz")) < 8e6


def test_verify_manifest_detects_corruption(tmp_path: Path) -> None:
    root = default_corpus_paths()[0].parent
    copy = tmp_path / "corpora"
    shutil.copytree(root, copy)
    assert verify_manifest(copy) == []
    data = bytearray((copy / "en.jsonl.gz").read_bytes())
    data[100] ^= 1
    (copy / "en.jsonl.gz").write_bytes(bytes(data))
    (copy / "zh.jsonl.gz").unlink()
    problems = verify_manifest(copy)
    assert len(problems) == 2 and "sha256" in problems[0] + problems[1]
    assert verify_manifest(tmp_path) == [f"{tmp_path / 'MANIFEST.json'}: missing"]


def test_corpora_dir_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "installed"
    shutil.copytree(default_corpus_paths()[0].parent, copy)
    monkeypatch.setenv("CODEBPE_CORPORA", str(copy))
    assert [p.parent for p in default_corpus_paths()] == [copy] * 3
    assert {p.parent for p in default_corpus_paths(split="heldout")} == {copy / "heldout"}
    with pytest.raises(ValueError, match="split"):
        default_corpus_paths(split="test")


def test_default_corpus_budget_and_describe() -> None:
    corpus = Corpus(max_bytes="300k")
    docs = list(corpus)
    assert corpus.summary.bytes == 300_000
    # Interleaving keeps the mixture in a prefix: code, Chinese and English all appear.
    assert {"zh", "en"} <= {d.lang for d in docs} and len({d.lang for d in docs}) >= 5
    table = describe(max_bytes="50k")
    assert table.startswith("language") and "total" in table
    assert next(iter_documents(max_bytes=10)).text


def test_the_default_sample_is_labelled_by_its_place_in_the_package() -> None:
    """Not by the absolute path where it is installed: a vocabulary trained on the default
    sample is then the same file on any machine (it recorded /site-packages/.../corpora/...)."""
    corpus = Corpus(None, max_bytes=300_000)
    for _ in corpus:
        pass
    labels = set(corpus.summary.to_dict()["by_source"])
    assert labels and labels <= {f"corpora/{n}.jsonl.gz" for n in ("code", "en", "zh")}


def test_gzip_progress_moves_in_small_steps(tmp_path, monkeypatch):
    """Progress through a .gz source is the compressed file's position, which interleave()
    balances sources by: Python 3.12+ gzip reads 128 KiB at a time (3.11: 8 KiB), so a byte
    budget over the shipped corpora took code only (``Corpus(max_bytes="300k")`` had no zh or
    en). Reads are capped at GZIP_READ_BYTES; 3.12's read size is forced here on any Python."""
    import io
    import random

    from tokenizer._corpus_formats import GZIP_READ_BYTES, read_jsonl

    monkeypatch.setattr(gzip, "READ_BUFFER_SIZE", 128 * 1024, raising=False)  # 3.12+
    monkeypatch.setattr(io, "DEFAULT_BUFFER_SIZE", 128 * 1024)  # what 3.11's gzip reads
    rng = random.Random(5)
    path = tmp_path / "a.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:  # ~400 KB that does not compress
        for _ in range(4000):
            f.write(json.dumps({"text": f"{rng.getrandbits(128):032x}" * 3}) + "\n")
    steps, last = [], 0
    for record in read_jsonl(path, text_field="text", lang_field=None, lang=None, base=0):
        steps.append(record.consumed - last)
        last = record.consumed
    assert len(steps) == 4000 and last == path.stat().st_size
    assert max(steps) <= 2 * GZIP_READ_BYTES, max(steps)  # (a read can straddle two records)


def test_read_fraction_follows_the_input_bytes(tmp_path: Path, monkeypatch) -> None:
    """How far a pass has read, for the count line's percentage: compressed bytes of a .gz
    file, file bytes of the others, 1.0 at the end even when the last file gave no record (a
    count table, left out); None while unknown (before a pass; standard input)."""
    import io
    import sys

    from tokenizer import _corpus_records

    folder = tmp_path / "d"
    folder.mkdir()
    with gzip.open(folder / "a.jsonl.gz", "wt", encoding="utf-8") as f:
        f.write("".join(json.dumps({"text": f"line {i} " * 20}) + "\n" for i in range(50)))
    (folder / "b.py").write_text("x = 1\n" * 300)
    (folder / "c.py").write_bytes(b"CBPECNT\0" + bytes(200))  # a count table: left out
    sizes = {p.name: p.stat().st_size for p in folder.iterdir()}
    total = sum(sizes.values())
    corpus = Corpus(folder, interleave=False)
    assert corpus.read_fraction() is None
    seen = [(Path(d.source.split(":")[0]).name, corpus.read_fraction()) for d in corpus]
    assert [f for _, f in seen] == sorted(f for _, f in seen)
    assert [f for name, f in seen if name == "a.jsonl.gz"][-1] == sizes["a.jsonl.gz"] / total
    assert seen[-1] == ("b.py", (sizes["a.jsonl.gz"] + sizes["b.py"]) / total) and seen[-1][1] < 1
    assert corpus.read_fraction() == 1.0  # (c.py was read too)

    budget = Corpus(folder, max_bytes=100)  # stopped early: the budget was read
    assert len(list(budget)) == 1 and budget.read_fraction() == 1.0

    monkeypatch.setattr(_corpus_records, "_stdin_read", False)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"text\n" * 10)))
    piped = Corpus(["-", str(folder)])
    assert [piped.read_fraction() for _ in piped] == [None] * 52
    assert piped.read_fraction() is None


def test_python_m_tokenizer_corpus_prints_the_table(tmp_path) -> None:
    """corpora/README.md's `python -m tokenizer.corpus INPUTS`: a helper defined below the
    module's __main__ block made it a NameError whatever the arguments."""
    import subprocess
    import sys

    from conftest import child_env

    data = tmp_path / "a.jsonl"
    data.write_text('{"text": "hello world", "lang": "en"}\n')
    proc = subprocess.run(
        [sys.executable, "-m", "tokenizer.corpus", str(data)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=child_env(),
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "en" in proc.stdout and "total" in proc.stdout and "11" in proc.stdout
