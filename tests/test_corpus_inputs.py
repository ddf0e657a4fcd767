"""Corpus inputs as users name them: folder include/exclude patterns, unknown extensions, weights
versus globs, record fields on every command, and empty-corpus errors that say what was skipped."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import child_env

import tokenizer._corpus_formats as formats
from tokenizer.cli import main
from tokenizer.corpus import Corpus, CorpusPathError, Source, language_of, summary_table
from tokenizer.vocab import Vocabulary


def rel_sources(corpus: Corpus, root: Path) -> list[str]:
    return sorted(Path(d.source).relative_to(root).as_posix() for d in corpus)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    files = {
        "app/node_modules/lib/x.js": "var x = 1;\n",
        "app/y.js": "var y = 2;\n",
        "node_modules/top.js": "var t = 3;\n",
        "src/python/a.py": "a = 1\n",
        "src/c.c": "int c;\n",
        "python/b.py": "b = 2\n",
        "src/deep/d_test.go": "package d\n",
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


ALL = [
    "app/node_modules/lib/x.js",
    "app/y.js",
    "node_modules/top.js",
    "python/b.py",
    "src/c.c",
    "src/deep/d_test.go",
    "src/python/a.py",
]


@pytest.mark.parametrize(
    "pattern,removed",
    [
        # a name without "/": a file name or any folder name on the path
        ("node_modules", ["app/node_modules/lib/x.js", "node_modules/top.js"]),
        ("python", ["python/b.py", "src/python/a.py"]),
        ("node_modules/", ["app/node_modules/lib/x.js", "node_modules/top.js"]),
        ("*_test.go", ["src/deep/d_test.go"]),
        ("*.js", ["app/node_modules/lib/x.js", "app/y.js", "node_modules/top.js"]),
        # with "/": the relative path, or a tail of it from a folder; "**/" may match no folder
        ("node_modules/*", ["app/node_modules/lib/x.js", "node_modules/top.js"]),
        ("**/python/**", ["python/b.py", "src/python/a.py"]),
        ("src/python", ["src/python/a.py"]),
        ("/python", ["python/b.py"]),
        ("/node_modules/", ["node_modules/top.js"]),
        ("src/**/*.go", ["src/deep/d_test.go"]),
        # patterns that worked before keep working
        ("*/node_modules/*", ["app/node_modules/lib/x.js"]),
        ("**/node_modules/**", ["app/node_modules/lib/x.js", "node_modules/top.js"]),
        ("*node_modules*", ["app/node_modules/lib/x.js", "node_modules/top.js"]),
        ("src/deep/*", ["src/deep/d_test.go"]),
    ],
)
def test_exclude_patterns(project: Path, pattern: str, removed: list[str]) -> None:
    kept = rel_sources(Corpus(project, exclude=[pattern]), project)
    assert kept == [p for p in ALL if p not in removed]


@pytest.mark.parametrize(
    "pattern,taken",
    [
        ("python", ["python/b.py", "src/python/a.py"]),
        ("*.py", ["python/b.py", "src/python/a.py"]),
        ("src/*", ["src/c.c", "src/deep/d_test.go", "src/python/a.py"]),
        ("/python", ["python/b.py"]),
        ("app", ["app/node_modules/lib/x.js", "app/y.js"]),
    ],
)
def test_include_patterns(project: Path, pattern: str, taken: list[str]) -> None:
    assert rel_sources(Corpus(project, include=[pattern]), project) == taken


def test_excluded_folders_are_not_walked(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    visited: list[str] = []
    real_walk = os.walk

    def spy(top, *args, **kwargs):
        for dirpath, dirnames, filenames in real_walk(top, *args, **kwargs):
            visited.append(Path(dirpath).relative_to(project).as_posix())
            yield dirpath, dirnames, filenames

    monkeypatch.setattr(formats.os, "walk", spy)
    list(Corpus(project, exclude=["node_modules"]))
    assert "app" in visited and not [v for v in visited if "node_modules" in v]


def test_what_exclude_leaves_out_is_counted(project: Path) -> None:
    """Files and folders left out by exclude patterns were not counted anywhere (a mistyped
    pattern looked the same as one that matched nothing); a folder is counted as one entry (it
    is not walked into), in a walk and among a glob's matches alike."""
    corpus = Corpus(project, exclude=["node_modules", "*_test.go"])
    list(corpus)
    assert corpus.summary.skipped == {str(project): {"excluded": 1, "excluded-folder": 2}}
    examples = corpus.summary.skipped_examples[str(project)]
    assert examples["excluded-folder"] == [  # (in walk order: top-down, sorted)
        str(project / "node_modules"),
        str(project / "app" / "node_modules"),
    ]
    assert examples["excluded"] == [str(project / "src" / "deep" / "d_test.go")]
    spec = f"{project}/**/*.js"
    globbed = Corpus(spec, exclude=["node_modules"])
    assert rel_sources(globbed, project) == ["app/y.js"]
    assert globbed.summary.skipped == {spec: {"excluded": 2}}


def test_include_and_exclude_together(project: Path) -> None:
    corpus = Corpus(project, include=["*.js"], exclude=["node_modules"])
    assert rel_sources(corpus, project) == ["app/y.js"]


# --------------------------------------------------------------------------- extensions


UNKNOWN_TO_ME = ["f.ipynb", "g.ipynb", "h.xyz", "LICENSE"]
SOURCE_FILES = [
    "a.vue",
    "b.dart",
    "c.hs",
    "d.ex",
    "e.exs",
    "f.jl",
    "g.zig",
    "h.proto",
    "build.gradle",
    "main.tf",
    "s.scss",
    "t.sass",
    "u.less",
    "build.gradle.kts",
    "x.ps1",
    "setup.cfg",
    "tox.ini",
]


def test_more_source_extensions_have_a_language() -> None:
    assert {name: language_of(name) for name in SOURCE_FILES} == {
        "a.vue": "vue",
        "b.dart": "dart",
        "c.hs": "haskell",
        "d.ex": "elixir",
        "e.exs": "elixir",
        "f.jl": "julia",
        "g.zig": "zig",
        "h.proto": "protobuf",
        "build.gradle": "groovy",
        "main.tf": "terraform",
        "s.scss": "scss",
        "t.sass": "sass",
        "u.less": "less",
        "build.gradle.kts": "kotlin",
        "x.ps1": "powershell",
        "setup.cfg": "ini",
        "tox.ini": "ini",
    }
    assert language_of("nb.ipynb") is None  # JSON with outputs: not source text


@pytest.fixture
def mixed_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "mixed"
    folder.mkdir()
    for name in [*SOURCE_FILES, *UNKNOWN_TO_ME, "Dockerfile"]:
        (folder / name).write_text(f"content of {name}\n")
    return folder


def test_unknown_extensions_are_counted(mixed_folder: Path) -> None:
    corpus = Corpus(mixed_folder)
    names = sorted(Path(d.source).name for d in corpus)
    assert names == sorted([*SOURCE_FILES, "Dockerfile"])
    summary = corpus.summary
    assert summary.unknown_extensions == {".ipynb": 2, ".xyz": 1, "(no extension)": 1}
    assert summary.to_dict()["unknown_extensions"] == summary.unknown_extensions
    table = summary_table(summary)
    assert "skipped: 4 files with an unknown extension (.ipynb 2, (no extension) 1, .xyz 1)" in (
        table
    )
    # with --include the patterns decide, and nothing is counted as unknown
    corpus = Corpus(mixed_folder, include=["*.ipynb"])
    assert sorted(Path(d.source).name for d in corpus) == ["f.ipynb", "g.ipynb"]
    assert corpus.summary.unknown_extensions == {}


def test_named_files_are_read_whatever_their_extension(mixed_folder: Path) -> None:
    named = [str(mixed_folder / "f.ipynb"), str(mixed_folder / "h.xyz")]
    corpus = Corpus(named)
    assert [Path(d.source).name for d in corpus] == ["f.ipynb", "h.xyz"]
    assert corpus.summary.unknown_extensions == {}
    globbed = Corpus(str(mixed_folder / "*.xyz"))
    assert [Path(d.source).name for d in globbed] == ["h.xyz"]


def test_corpus_command_prints_unknown_extensions(mixed_folder: Path, capsys) -> None:
    assert main(["corpus", str(mixed_folder)]) == 0
    out = capsys.readouterr().out
    assert "skipped: 4 files with an unknown extension (.ipynb 2," in out
    assert "vue" in out and "dart" in out


# --------------------------------------------------------------------------- weights and globs


def test_glob_ending_in_digits_is_a_glob(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("globt").mkdir()
    Path("globt/part1").write_text("one\n")
    Path("globt/part01").write_text("zero one\n")
    Path("globt/part2").write_text("two\n")
    src = Source.parse("globt/part*1")
    assert (src.spec, src.weight) == ("globt/part*1", 1.0)
    assert sorted(d.source for d in Corpus("globt/part*1")) == ["globt/part01", "globt/part1"]
    # an explicit weight after the glob
    assert (Source.parse("globt/part*1*2").spec, Source.parse("globt/part*1*2").weight) == (
        "globt/part*1",
        2.0,
    )
    # the part before *N exists: a weight, as always
    assert (Source.parse("globt/part1*3").spec, Source.parse("globt/part1*3").weight) == (
        "globt/part1",
        3.0,
    )
    assert Source.parse("globt/*1*0.5").weight == 0.5  # a glob that matches, then a weight
    assert Source.parse("hf:user/data*2").weight == 2.0
    # neither reading names anything: a weight, and the error names the path
    assert Source.parse("globt/nope*2").spec == "globt/nope"
    with pytest.raises(CorpusPathError, match="globt/nope: no such file"):
        list(Corpus("globt/nope*2"))


def test_train_help_lists_inputs(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    out = capsys.readouterr().out
    for text in ("hf:NAME", "hf-disk:PATH", "*WEIGHT", "--lang-field", "GLOB", "part*1"):
        assert text in out, text


# --------------------------------------------------------------------------- record fields


@pytest.fixture
def stack_jsonl(tmp_path: Path, mixed_text: str) -> Path:
    """The Stack-style records: ``content`` and ``language`` fields."""
    path = tmp_path / "stack.jsonl"
    records = [
        {"content": mixed_text[:600], "language": "Python"},
        {"content": mixed_text[600:1200], "language": "C"},
        {"content": mixed_text[1200:], "language": "Python"},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_train_lang_field(tmp_path: Path, stack_jsonl: Path) -> None:
    out = tmp_path / "v.json"
    argv = ["train", str(stack_jsonl), "-q", "--vocab-size", "400", "-o", str(out)]
    argv += ["--threads", "1", "--text-field", "content", "--lang-field", "language"]
    assert main(argv) == 0
    by_lang = Vocabulary.load(out).corpus["by_lang"]
    assert sorted(by_lang) == ["C", "Python"] and by_lang["Python"][0] == 2


def test_corpus_lang_field(stack_jsonl: Path, capsys) -> None:
    argv = ["corpus", str(stack_jsonl), "--text-field", "content"]
    assert main([*argv, "--lang-field", "language"]) == 0
    out = capsys.readouterr().out
    assert "Python" in out and "unknown" not in out
    assert main([*argv, "--lang-field", ""]) == 0
    assert "unknown" in capsys.readouterr().out


def test_read_documents_fields_and_sources(stack_jsonl: Path) -> None:
    from tokenizer._analysis_sources import read_documents

    docs = read_documents([stack_jsonl], text_field="content", lang_field="language")
    assert [lang for _, lang in docs] == ["python", "c", "python"]  # (tags are normalized)
    source = Source(str(stack_jsonl), text_field="content", lang_field="")
    assert [lang for _, lang in read_documents([source])] == [None, None, None]
    with pytest.raises(ValueError, match="no text field 'text'"):
        read_documents([stack_jsonl])


def test_report_text_field(tmp_path: Path, stack_jsonl: Path, capsys) -> None:
    pytest.importorskip("tiktoken")
    argv = ["report", "-t", "cl100k_base", "--no-baselines", "--text", str(stack_jsonl)]
    argv += ["--markdown-table"]
    assert main(argv) == 2
    assert "no text field 'text'" in capsys.readouterr().err
    assert main([*argv, "--text-field", "content", "--lang-field", "language"]) == 0
    assert "| cl100k_base |" in capsys.readouterr().out
    out = tmp_path / "r"
    argv = ["report", "-t", "cl100k_base", "--no-baselines", "--text", str(stack_jsonl)]
    argv += ["--text-field", "content", "--out", str(out), "--no-plots"]
    assert main(argv) == 0
    capsys.readouterr()
    report = json.loads((out / "report.json").read_text())
    assert report["evaluation"]["inputs"] == [str(stack_jsonl)]


def test_bench_text_field(stack_jsonl: Path, capsys) -> None:
    pytest.importorskip("tiktoken")
    argv = ["bench", str(stack_jsonl), "-t", "cl100k_base", "--repeat", "1", "--threads", "1"]
    assert main([*argv, "--text-field", "content"]) == 0
    assert "in 3 documents" in capsys.readouterr().out


# --------------------------------------------------------------------------- what was skipped


@pytest.mark.parametrize(
    "make,message",
    [
        (
            lambda d: (d / "blob.bin").write_bytes(b"\xff\xfe\xfd") and d / "blob.bin",
            "skipped 1 document with invalid UTF-8 ({d}/blob.bin)",
        ),
        (
            lambda d: (d / "blob.py").write_bytes(b"\xff\xfe\xfd") and d,
            "skipped 1 document with invalid UTF-8 ({d}/blob.py)",
        ),
        (
            lambda d: (d / "a.ipynb").write_text("{}") and (d / "b.ipynb").write_text("{}") and d,
            "skipped 2 files with an unknown extension (.ipynb 2)",
        ),
    ],
)
def test_empty_corpus_error_says_what_was_skipped(tmp_path: Path, capsys, make, message) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    spec = make(folder)
    out = tmp_path / "v.json"
    assert main(["train", "-q", str(spec), "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "the corpus is empty" in err[0]
    assert message.format(d=folder) in err[0]
    assert not out.exists()


def test_train_summary_prints_skips(tmp_path: Path, mixed_folder: Path, capsys) -> None:
    (mixed_folder / "bad.py").write_bytes(b"\xff\n")
    out = tmp_path / "v.json"
    argv = ["train", str(mixed_folder), "--vocab-size", "400", "--threads", "1", "-o", str(out)]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "skipped: 4 files with an unknown extension (.ipynb 2," in err
    assert f"skipped: 1 document with invalid UTF-8 ({mixed_folder / 'bad.py'})" in err
    corpus = Vocabulary.load(out).corpus
    assert corpus["unknown_extensions"] == {".ipynb": 2, ".xyz": 1, "(no extension)": 1}
    assert corpus["skipped_examples"] == {
        str(mixed_folder): {"invalid-utf8": [str(mixed_folder / "bad.py")]}
    }


@pytest.mark.parametrize(
    "name",
    [
        "tokenizer._corpus_formats",
        "tokenizer._corpus_summary",
        "tokenizer._train_report",
        "tokenizer._train_inputs",
        "tokenizer.corpus",
    ],
)
def test_docstring_examples(name: str) -> None:
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


def test_train_takes_a_list_mixing_sources_and_paths(tmp_path):
    """train([Source(..., text_field="content"), "b.py"]) raised "documents must be str or bytes,
    not Source": a list mixing Source objects and paths is a list of sources, as Corpus takes."""
    import json

    from tokenizer.corpus import Source
    from tokenizer.train import train

    (tmp_path / "a.jsonl").write_text(
        "\n".join(json.dumps({"content": f"def f(x): return x  # {i}"}) for i in range(200))
    )
    (tmp_path / "b.py").write_text("x = 1\n" * 100)
    vocab = train(
        [Source(str(tmp_path / "a.jsonl"), text_field="content"), str(tmp_path / "b.py")],
        vocab_size=600,
        progress=False,
    )
    assert vocab.corpus["documents"] == 201


def test_standard_input_is_a_text_source(tmp_path, monkeypatch):
    """`zcat dump.gz | codebpe train -`: "-" said "no such file or folder"."""
    import io
    import subprocess
    import sys

    from tokenizer import _corpus_records
    from tokenizer.corpus import Corpus, CorpusReadError

    text = "def f(x):\n    return x + 1\n" * 2000
    monkeypatch.setattr(_corpus_records, "_stdin_read", False)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    corpus = Corpus(["-"])
    assert "".join(d.text for d in corpus) == text
    with pytest.raises(CorpusReadError, match="read already"):
        list(corpus)  # a second pass cannot read stdin again: an error, not an empty source
    out = tmp_path / "v.json"
    proc = subprocess.run(
        [sys.executable, "-m", "tokenizer", "train", "-", "-o", str(out), "--vocab-size", "600"],
        input=text.encode(),
        capture_output=True,
        env=child_env(),
        cwd=tmp_path,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    assert json.loads(out.read_text())["corpus"]["documents"] == 1


def test_compressed_source_files_in_folders_are_read(tmp_path):
    """A folder's a.py.gz was counted as an unknown '.gz' file and skipped."""
    import gzip

    from tokenizer.corpus import Corpus

    (tmp_path / "src").mkdir()
    with gzip.open(tmp_path / "src" / "a.py.gz", "wt") as f:
        f.write("def f(x):\n    return x\n")
    (tmp_path / "src" / "b.tar.gz").write_bytes(b"\x1f\x8b not read")
    corpus = Corpus([str(tmp_path / "src")])
    docs = list(corpus)
    assert [(d.text, d.lang) for d in docs] == [("def f(x):\n    return x\n", "python")]
    assert corpus.summary.to_dict()["unknown_extensions"] == {".gz": 1}  # (the .tar.gz)
