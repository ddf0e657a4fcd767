"""Corpus stage: the Hugging Face ``datasets`` reader (``hf:`` hub specs, ``hf-disk:`` folders).

Streams ``RawRecord`` tuples like the file readers of ``tokenizer._corpus_formats``; hub datasets
are streamed, never downloaded whole. A saved dataset whose text is stored as it is read (string
columns, no format set) is read from its Arrow files with pyarrow alone (:func:`read_saved`);
``datasets`` is imported only for the others and for hub datasets. This module does not decode,
sample or count.

>>> parse_hf_spec("hf-disk:data/ds@test")
('data/ds', None, 'test')
"""

from __future__ import annotations

import json
import mmap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tokenizer._corpus_formats import (
    CorpusError,
    CorpusFormatError,
    CorpusPathError,
    CorpusReadError,
    RawRecord,
    lang_value,
    no_text,
)

__all__ = [
    "parse_hf_spec",
    "read_dataset",
    "read_hf",
    "read_saved",
    "saved_arrow_files",
    "saved_size",
]

#: ``datasets`` feature types read as they are stored (``str`` or ``None`` per row).
_STRING_FEATURES = (
    {"dtype": "string", "_type": "Value"},
    {"dtype": "large_string", "_type": "Value"},
)


def parse_hf_spec(spec: str) -> tuple[str, str | None, str | None]:
    """Split ``hf:name[:config][@split]`` (or ``hf-disk:path[@split]``) into its parts.

    >>> parse_hf_spec("hf:wikitext:wikitext-2-raw-v1@train")
    ('wikitext', 'wikitext-2-raw-v1', 'train')
    """
    body = spec.split(":", 1)[1]
    body, _, split = body.partition("@")
    if spec.startswith("hf-disk:"):
        return body, None, split or None
    name, _, config = body.partition(":")
    return name, config or None, split or None


def _split_folder(folder: Path, split: str | None) -> Path | None:
    """The folder of the Arrow files of a saved dataset: ``folder``, or its ``split``'s for a
    ``DatasetDict`` (the only split when ``split`` is ``None``); ``None`` when the split is not
    one of it. ``OSError`` / ``ValueError`` / ``KeyError`` on a malformed ``dataset_dict.json``."""
    if not (folder / "dataset_dict.json").is_file():
        return folder
    splits = json.loads((folder / "dataset_dict.json").read_text("utf-8"))["splits"]
    if split is None and len(splits) == 1:
        split = splits[0]
    if not isinstance(split, str) or split not in splits:
        return None
    return folder / split


def saved_size(spec: str) -> int:
    """Bytes of the Arrow files of an ``hf-disk:`` dataset (of its split's, for a
    ``DatasetDict``): the size its progress is reported in; 0 when it cannot be told (the reader
    then says what is wrong).

    >>> saved_size("hf-disk:no/such/folder")
    0
    """
    name, _, split = parse_hf_spec(spec)
    try:
        folder = _split_folder(Path(name), split)
        if folder is None:
            return 0
        return sum(p.stat().st_size for p in folder.glob("*.arrow") if p.is_file())
    except (OSError, ValueError, KeyError, TypeError):
        return 0


def read_hf(
    spec: str,
    *,
    text_field: str,
    lang_field: str | None,
    lang: str | None,
    read_bytes: int | None = None,
) -> Iterator[RawRecord]:
    """Stream a Hugging Face dataset saved on disk (``hf-disk:``) or from the hub (``hf:``).

    ``read_bytes``: the text turned into ``str`` at a time by :func:`read_saved`."""
    if spec.startswith("hf-disk:"):
        name, _, split = parse_hf_spec(spec)
        fields = [text_field] + ([lang_field] if lang_field and not lang else [])
        files = saved_arrow_files(Path(name), split, fields)
        if files is not None:
            yield from read_saved(
                files,
                spec,
                text_field=text_field,
                lang_field=lang_field,
                lang=lang,
                read_bytes=read_bytes,
            )
            return
    try:
        import datasets
    except ImportError as exc:
        raise CorpusFormatError(f"{spec}: reading it needs the 'datasets' package") from exc
    name, config, split = parse_hf_spec(spec)
    if spec.startswith("hf-disk:"):
        if not Path(name).exists():
            raise CorpusPathError(f"{spec}: no such folder: {name}")
        try:
            ds = datasets.load_from_disk(name)
        except Exception as exc:
            raise CorpusReadError(f"{spec}: cannot load dataset: {exc}") from exc
        if isinstance(ds, datasets.DatasetDict):
            if split is None and len(ds) == 1:
                split = next(iter(ds))
            if split not in ds:
                which = "choose a split with @SPLIT" if split is None else f"no split {split!r}"
                raise CorpusError(f"{spec}: {which}; splits: {list(ds)}")
            ds = ds[split]
    else:
        from .interop import _env_flag

        if _env_flag("CODEBPE_OFFLINE") or _env_flag("HF_HUB_OFFLINE"):
            raise CorpusReadError(
                f"{spec}: streaming a hub dataset needs the network, which CODEBPE_OFFLINE=1 / "
                "HF_HUB_OFFLINE=1 forbid; save it once (datasets' save_to_disk) and read "
                "hf-disk:PATH"
            )
        ds = datasets.load_dataset(name, config, split=split or "train", streaming=True)
    yield from read_dataset(ds, spec, text_field=text_field, lang_field=lang_field, lang=lang)


def read_dataset(
    ds: Any, label: str, *, text_field: str, lang_field: str | None, lang: str | None
) -> Iterator[RawRecord]:
    """Stream the rows of a ``datasets.Dataset`` or ``IterableDataset`` (rows are dicts).

    Shared by ``hf:`` / ``hf-disk:`` specs and the dataset objects that ``train()`` takes. The
    text column is checked up front when the dataset knows its columns; sources are
    ``LABEL#ROW``; progress is in millionths of the rows when the length is known, else -1.
    """
    names = list(getattr(ds, "column_names", None) or [])
    if names and text_field not in names:
        raise no_text(label, text_field, names, column=True)
    try:
        total = len(ds)
    except TypeError:  # an IterableDataset has no length
        total = None
    for i, row in enumerate(ds):
        if text_field not in row:
            raise no_text(f"{label}#{i}", text_field, sorted(row), column=False)
        doc_lang = None
        if lang_field and not lang:
            doc_lang = lang_value(row.get(lang_field), f"{label}#{i}", lang_field)
        consumed = (i + 1) * 1_000_000 // total if total else -1
        yield RawRecord(row[text_field], lang or doc_lang, f"{label}#{i}", consumed)


def saved_arrow_files(
    folder: Path, split: str | None, fields: list[str]
) -> list[tuple[Path, int]] | None:
    """The Arrow files of a ``save_to_disk`` folder (the ``split`` of a ``DatasetDict``'s) with
    their rows, when ``datasets`` would give each row's ``fields`` as stored: no format set,
    the first of ``fields`` a string column, the others string columns or missing. ``None``
    for anything else (``read_hf`` then reads it through ``datasets``, which says what is
    wrong with it).

    >>> saved_arrow_files(Path("no/such/folder"), None, ["text"]) is None
    True
    """
    try:
        folder = _split_folder(folder, split)
        if folder is None:
            return None
        state = json.loads((folder / "state.json").read_text("utf-8"))
        features = json.loads((folder / "dataset_info.json").read_text("utf-8"))["features"]
        if state.get("_format_type") is not None or state.get("_format_columns") is not None:
            return None
        if state.get("_indices_data_files"):  # (older datasets saved a row selection apart)
            return None
        if fields[0] not in features or any(
            f in features and features[f] not in _STRING_FEATURES for f in fields
        ):
            return None
        files = [folder / f["filename"] for f in state["_data_files"]]
        import pyarrow as pa
        import pyarrow.ipc  # noqa: F401 - pa.ipc

        strings = (pa.string(), pa.large_string())
        counted = []
        for path in files:
            mm = _map(path)
            try:
                stream = pa.ipc.open_stream(pa.py_buffer(mm))
                names = stream.schema.names
                if fields[0] not in names or any(
                    f in names and stream.schema.field(f).type not in strings for f in fields
                ):
                    return None
                counted.append((path, sum(b.num_rows for b in stream)))  # (no text is read)
            finally:
                stream = None
                _unmap(mm)
        return counted
    except Exception:  # noqa: BLE001 - not one this reader knows: datasets reads it
        return None


def read_saved(
    files: list[tuple[Path, int]],
    label: str,
    *,
    text_field: str,
    lang_field: str | None,
    lang: str | None,
    read_bytes: int | None = None,
) -> Iterator[RawRecord]:
    """Stream the rows of a saved dataset's Arrow ``files`` (see :func:`saved_arrow_files`) as
    :func:`read_dataset` does (the same records, sources and progress).

    ``datasets`` memory-maps the files and its rows touched every page of them: the pages stay
    in the process's resident memory, so reading a 249 MB dataset peaked at 413 MB (122 MB of
    it importing ``datasets``). Here the files are mapped without ``datasets``, about
    ``read_bytes`` of text (``_corpus_formats.READ_BYTES`` by default) is turned into ``str`` at
    a time, and the pages read are dropped from the mapping as it goes (they stay in the page
    cache): 83 MB.
    """
    import pyarrow as pa
    import pyarrow.ipc  # noqa: F401 - pa.ipc

    from ._corpus_formats import READ_BYTES

    total, row = sum(rows for _, rows in files), 0
    for path, _ in files:
        mm = _map(path)
        view = pa.py_buffer(mm)
        done = 0  # the mapping's bytes dropped so far
        try:
            for batch in pa.ipc.open_stream(pa.BufferReader(view)):
                texts = batch.column(text_field)
                names = batch.schema.names
                langs = batch.column(lang_field) if lang_field in names and not lang else None
                step = max(1, (read_bytes or READ_BYTES) * len(texts) // max(1, texts.nbytes))
                for start in range(0, len(texts), step):
                    part = texts.slice(start, step).to_pylist()
                    tags = (
                        [None] * len(part)
                        if langs is None
                        else langs.slice(start, step).to_pylist()
                    )
                    for text, doc_lang in zip(part, tags):
                        where = f"{label}#{row}"
                        if lang_field and not lang:
                            doc_lang = lang_value(doc_lang, where, lang_field)
                        row += 1
                        yield RawRecord(text, lang or doc_lang, where, row * 1_000_000 // total)
                    end = _text_end(texts, min(start + step, len(texts))) - view.address
                    done = _drop_pages(mm, done, end)
                del batch, texts, langs
        finally:
            _drop_pages(mm, done, len(mm))
            view = None
            _unmap(mm)


def _map(path: Path) -> mmap.mmap:
    with open(path, "rb") as f:
        return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)


def _unmap(mm: mmap.mmap) -> None:
    try:
        mm.close()
    except BufferError:  # pyarrow still holds a view of it: unmapped when that goes
        pass


def _text_end(texts: Any, rows: int) -> int:
    """The address just past the text of the first ``rows`` rows of a string array."""
    import pyarrow as pa

    offsets, data = texts.buffers()[1:3]
    if data is None:  # (no text at all)
        return 0
    width = 8 if pa.types.is_large_string(texts.type) else 4
    at = (texts.offset + rows) * width
    return data.address + int.from_bytes(offsets[at : at + width].to_pybytes(), "little")


def _drop_pages(mm: mmap.mmap, done: int, end: int) -> int:
    """Drop the whole pages of ``mm`` from ``done`` to ``end`` from this process's memory (a
    read-only file mapping: read again, they come back from the file); the new ``done``."""
    end = min(end, len(mm))
    end -= end % mmap.PAGESIZE
    if end <= done:
        return done
    if hasattr(mmap, "MADV_DONTNEED"):  # (not on Windows)
        mm.madvise(mmap.MADV_DONTNEED, done, end - done)
    return end
