"""The corpus readers under ``--max-memory``: Parquet batches sized from the budget, saved
datasets (``hf-disk:``) read from their Arrow files without ``datasets`` and without keeping
the pages read, the same records either way."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from conftest import run_python, skip_rss_if_sanitized

from tokenizer._corpus_formats import READ_BYTES, parquet_batch_rows
from tokenizer._corpus_hf import read_dataset, read_hf, saved_arrow_files
from tokenizer._train_options import read_bytes
from tokenizer._train_system import current_rss
from tokenizer.corpus import Corpus
from tokenizer.train import Trainer


def test_read_bytes_follows_the_budget() -> None:
    assert read_bytes(None) is None  # no cap: the readers' default
    assert read_bytes(150_000_000) == 150_000_000 // 512
    assert read_bytes(300_000_000) == 2 * read_bytes(150_000_000) + 1
    assert read_bytes(50_000_000) == 256 << 10  # never below 256 KiB
    assert read_bytes(10**10) == READ_BYTES  # never above the default


def _parquet(path: Path, rows: int = 200, size: int = 1000) -> Path:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    texts = [f"{i:05d} " + "def f(x): return x\n" * (size // 19) for i in range(rows)]
    pq.write_table(pa.table({"text": texts}), path, use_dictionary=False, compression="none")
    return path


def _spy_batches(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    pq = pytest.importorskip("pyarrow.parquet")
    sizes: list[int] = []
    real = pq.ParquetFile.iter_batches

    def iter_batches(self, batch_size=65536, **kw):  # type: ignore[no-untyped-def]
        sizes.append(batch_size)
        return real(self, batch_size=batch_size, **kw)

    monkeypatch.setattr(pq.ParquetFile, "iter_batches", iter_batches)
    return sizes


def test_parquet_batch_rows_follow_read_bytes(tmp_path: Path, monkeypatch) -> None:
    path = _parquet(tmp_path / "d.parquet")
    sizes = _spy_batches(monkeypatch)
    whole = [d.text for d in Corpus(path)]
    small = [d.text for d in Corpus(path, read_bytes=10_000)]
    assert small == whole and len(whole) == 200
    assert sizes[0] > 4000  # 4 MiB of 1,000-byte rows by default
    assert 9 <= sizes[1] <= 10  # about 10,000 bytes of them
    import pyarrow.parquet as pq

    assert parquet_batch_rows(pq.ParquetFile(path).metadata, "text", 1) == 1  # at least a row


def test_a_small_budget_gives_small_parquet_batches(tmp_path: Path, monkeypatch) -> None:
    """The trainer's cap reaches the Parquet reader: its batches hold a 512th of the cap (at
    least 256 KiB), not the 4 MiB read without a cap."""
    path = _parquet(tmp_path / "d.parquet", rows=3000)  # 3 MB of text
    sizes = _spy_batches(monkeypatch)
    # the share is worked out from the process's size: as in `codebpe train`, not this suite's
    monkeypatch.setattr("tokenizer._train_options.current_rss", lambda: 30 << 20)
    trainer = Trainer(max_memory="150M", threads=1, progress=False).count([str(path)])
    assert trainer.documents == 3000
    Trainer(threads=1, progress=False).count([str(path)])
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(path).metadata
    assert sizes == [
        parquet_batch_rows(meta, "text", 150_000_000 // 512),
        parquet_batch_rows(meta, "text", READ_BYTES),
    ]
    assert 250 <= sizes[0] <= 300 and sizes[1] > 4000  # rows of about 1,000 bytes


def _saved(tmp_path: Path, name: str, columns: dict, fmt: str | None = None) -> str:
    datasets = pytest.importorskip("datasets")
    ds = datasets.Dataset.from_dict(columns)
    if fmt:
        ds = ds.with_format(fmt)
    ds.save_to_disk(str(tmp_path / name))
    return str(tmp_path / name)


def _through_datasets(spec: str, **fields) -> list:
    import datasets

    folder, _, split = spec.split(":", 1)[1].partition("@")
    ds = datasets.load_from_disk(folder)
    return list(read_dataset(ds[split] if split else ds, spec, **fields))


@pytest.mark.parametrize("size", [None, 1])
def test_hf_disk_is_read_from_its_arrow_files_as_datasets_reads_it(tmp_path, size) -> None:
    texts = ["alpha", "", None, "机器学习 ünïcode", "x" * 5000] * 7
    langs = ["en", None, "en", "zh", "py"] * 7
    folder = _saved(tmp_path, "ds", {"text": texts, "lang": langs})
    assert saved_arrow_files(Path(folder), None, ["text", "lang"]) is not None
    for fields in (
        dict(text_field="text", lang_field="lang", lang=None),
        dict(text_field="text", lang_field=None, lang="go"),
        dict(text_field="text", lang_field="missing", lang=None),
    ):
        spec = f"hf-disk:{folder}"
        assert list(read_hf(spec, read_bytes=size, **fields)) == _through_datasets(spec, **fields)


def test_hf_disk_splits_and_what_is_left_to_datasets(tmp_path) -> None:
    datasets = pytest.importorskip("datasets")
    ds = datasets.Dataset.from_dict({"text": ["a", "b", "c"], "n": [1, 2, 3]})
    datasets.DatasetDict({"train": ds, "test": ds.select([2])}).save_to_disk(str(tmp_path / "dd"))
    spec = f"hf-disk:{tmp_path / 'dd'}@test"
    fields = dict(text_field="text", lang_field="lang", lang=None)
    assert saved_arrow_files(tmp_path / "dd", "test", ["text"]) is not None
    assert list(read_hf(spec, **fields)) == _through_datasets(spec, **fields)
    assert [r.text for r in read_hf(spec, **fields)] == ["c"]
    # a format set, or a text column that is not a string: datasets reads them, as before
    numpy = _saved(tmp_path, "np", {"text": ["a", "b"]}, fmt="numpy")
    ints = _saved(tmp_path, "ints", {"text": [1, 2]})
    assert saved_arrow_files(Path(numpy), None, ["text"]) is None
    assert saved_arrow_files(Path(ints), None, ["text"]) is None
    assert saved_arrow_files(tmp_path / "dd", None, ["text"]) is None  # two splits: say which
    assert saved_arrow_files(tmp_path / "dd", "train", ["n"]) is None  # not text
    spec = f"hf-disk:{ints}"
    assert list(read_hf(spec, **fields)) == _through_datasets(spec, **fields)
    # a row selection saved apart (what older datasets wrote): not read from the data files
    state = Path(tmp_path / "dd" / "test" / "state.json")
    record = json.loads(state.read_text("utf-8"))
    record["_indices_data_files"] = [{"filename": "indices.arrow"}]
    state.write_text(json.dumps(record), "utf-8")
    assert saved_arrow_files(tmp_path / "dd", "test", ["text"]) is None


@pytest.mark.parametrize("fmt", [None, "numpy"])  # read by pyarrow alone; through datasets
def test_hf_disk_read_fraction_is_a_share_of_its_arrow_bytes(tmp_path, fmt) -> None:
    """Review: an ``hf-disk:`` source left the count line without a percentage (its size was
    unknown). Its size is now its Arrow files' bytes, read in step with its rows."""
    from tokenizer._corpus_hf import saved_size
    from tokenizer.corpus import Corpus

    texts = [f"row {i} " * (1 + i % 7) for i in range(400)]
    folder = Path(_saved(tmp_path, "ds", {"text": texts}, fmt=fmt))
    arrow = sum(p.stat().st_size for p in folder.glob("*.arrow"))
    assert arrow > 0 and saved_size(f"hf-disk:{folder}") == arrow
    corpus = Corpus(f"hf-disk:{folder}")
    seen = [corpus.read_fraction() for _ in corpus]
    assert seen == [pytest.approx((i + 1) / 400, abs=2 / arrow) for i in range(400)]
    assert corpus.read_fraction() == 1.0
    (tmp_path / "b.txt").write_text("tail text\n" * 50)  # beside a file: shares of all bytes
    both = Corpus([f"hf-disk:{folder}", str(tmp_path / "b.txt")])
    seen = [both.read_fraction() for _ in both]
    assert None not in seen and seen == sorted(seen) and both.read_fraction() == 1.0
    assert saved_size(f"hf-disk:{tmp_path / 'nope'}") == 0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/statm")
@skip_rss_if_sanitized
def test_hf_disk_pages_read_do_not_stay_in_memory(tmp_path) -> None:
    """Review: ``datasets`` memory-maps a saved dataset, and every page its rows touched stayed
    in the process's resident memory: ``codebpe train hf-disk:... --max-memory 150M`` on a
    249 MB dataset peaked at 467 MB (126 MB now). 24 MB read here: the resident memory grows
    by far less than the file."""
    texts = [f"{i} " + "abc def\n" * 12_500 for i in range(240)]  # 100 kB each
    folder = _saved(tmp_path, "big", {"text": texts})
    fields = dict(text_field="text", lang_field=None, lang=None)
    start, most, rows = current_rss(), 0, 0
    for record in read_hf(f"hf-disk:{folder}", read_bytes=256 << 10, **fields):
        rows += 1
        assert record.text == texts[rows - 1]
        most = max(most, current_rss() - start)
    assert rows == 240
    assert most < 12 << 20, most


def test_reader_imports_names_what_the_readers_will_import(tmp_path) -> None:
    from tokenizer._train_inputs import reader_imports

    folder = tmp_path / "d"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.py").write_text("x = 1\n")
    (folder / "notes.txt").write_text("text\n")
    assert reader_imports([str(folder)], loaded=()) == []
    _parquet(folder / "sub" / "t.parquet", rows=2)
    none = dict(loaded=())
    assert reader_imports([str(folder)], **none) == ["pyarrow.parquet"]  # found by the walk
    assert reader_imports(str(folder / "sub" / "t.parquet"), **none) == ["pyarrow.parquet"]
    assert reader_imports(f"{folder}/**/*.parquet", **none) == ["pyarrow.parquet"]
    assert reader_imports([str(folder)], exclude=["sub/"], **none) == []
    assert reader_imports(["hf-disk:any/folder", str(folder)], **none) == [
        "pyarrow.ipc",
        "pyarrow.parquet",
    ]
    assert reader_imports([str(folder)], loaded={"pyarrow.parquet"}) == []  # imported already
    # nothing to import for: texts, standard input, hub specs, missing paths (the reader says)
    assert reader_imports(iter(["text"]), **none) == []
    assert reader_imports(["-", "hf:org/name", str(tmp_path / "missing")], **none) == []


def test_max_memory_counts_the_import_of_pyarrow(tmp_path) -> None:
    """Review: ``--max-memory`` did not count pyarrow's import (+43 MB of RSS for Parquet), so
    a 110M cap peaked at 141 MB on Parquet. The trainer now imports what its readers will need
    before the first batch and works out the piece table's share again from the new size; a
    cap that no longer leaves room is refused before reading, naming the import."""
    path = _parquet(tmp_path / "d.parquet", rows=50)
    script = (
        "import sys\n"
        "from tokenizer.train import Trainer\n"
        "from tokenizer._train_options import CAPPED_BATCH_CHARS\n"
        "from tokenizer._train_system import current_rss\n"
        "assert 'pyarrow' not in sys.modules\n"
        "# (the share rounds the process's size up to a multiple of 4 MiB)\n"
        "tight = current_rss() + 12 * CAPPED_BATCH_CHARS + (24 << 20) + (6 << 20)\n"
        "t = Trainer(max_memory=tight if sys.argv[2] == 'tight' else '2G', threads=1,\n"
        "            progress=False)\n"
        "before = t._table_cap\n"
        "t.count([sys.argv[1]])\n"
        "assert 'pyarrow.parquet' in sys.modules and t.documents == 50\n"
        "print(before, t._table_cap)\n"
    )
    runs = [
        run_python(script, str(path), cap, cwd=tmp_path, timeout=120) for cap in ("2G", "tight")
    ]
    assert runs[0].returncode == 0, runs[0].stderr[-2000:]
    before, after = map(int, runs[0].stdout.split())
    assert before - after > (10 << 20) // 7, (before, after)  # pyarrow: tens of MB of RSS
    assert runs[1].returncode == 1 and not runs[1].stdout
    assert "is too small" in runs[1].stderr, runs[1].stderr[-2000:]
    assert "pyarrow.parquet, imported" in runs[1].stderr
