"""Corpus stage: the Hugging Face ``datasets`` reader (``hf:`` hub specs, ``hf-disk:`` folders).

Streams ``RawRecord`` tuples like the file readers of ``tokenizer._corpus_formats``; hub datasets
are streamed, never downloaded whole. ``datasets`` is imported only when such an input is read.
This module does not decode, sample or count.

>>> parse_hf_spec("hf-disk:data/ds@test")
('data/ds', None, 'test')
"""

from __future__ import annotations

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

__all__ = ["parse_hf_spec", "read_dataset", "read_hf"]


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


def read_hf(
    spec: str, *, text_field: str, lang_field: str | None, lang: str | None
) -> Iterator[RawRecord]:
    """Stream a Hugging Face dataset saved on disk (``hf-disk:``) or from the hub (``hf:``)."""
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
                raise CorpusError(f"{spec}: choose a split with @SPLIT; splits: {list(ds)}")
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
