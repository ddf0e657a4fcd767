"""Corpus stage: one stream of training documents from files, folders, JSONL, Parquet or datasets.

``Corpus`` turns input specs into ``Document`` objects with a language and a source label, applies
per-source mixing weights and a total byte budget, and keeps a ``CorpusSummary`` of everything it
read and skipped. Memory stays bounded: inputs are streamed, never loaded whole. This module does
not pre-tokenize, count or train (that is ``tokenizer._core``), and never imports the native core.

Inputs: a file, a folder (recursive), a glob (``data/*.jsonl.gz``), ``hf:name[:config][@split]``
(hub, streamed) or ``hf-disk:path[@split]`` (a ``datasets.save_to_disk`` folder). A ``*WEIGHT``
suffix sets a weight (``corpora/zh.jsonl.gz*2``; see ``Source.parse`` for globs ending in
``*DIGITS``). With no input, the shipped sample is used.
"""

from __future__ import annotations

import glob
import math
import os
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Union

from tokenizer._corpus_formats import (  # noqa: F401 - readers re-exported as before the split
    EXTENSION_LANGS,
    CorpusEncodingError,
    CorpusError,
    CorpusFieldError,
    CorpusFormatError,
    CorpusJSONError,
    CorpusLangError,
    CorpusPathError,
    CorpusReadError,
    RawRecord,
    detect_format,
    language_of,
    read_jsonl,
    read_parquet,
    read_text_file,
    refuse_text_spec,
    walk,
)
from tokenizer._corpus_hf import read_hf  # noqa: F401 - re-exported, as before the split
from tokenizer._corpus_manifest import corpora_dir, shipped_files, verify_manifest
from tokenizer._corpus_mix import Errors, cut_text, decode_record, interleave, unit, valid_lines
from tokenizer._corpus_records import expand_glob, source_records
from tokenizer._corpus_summary import CorpusSummary, parse_size, summary_table

__all__ = [
    "EXTENSION_LANGS",
    "Corpus",
    "CorpusEncodingError",
    "CorpusError",
    "CorpusFieldError",
    "CorpusFormatError",
    "CorpusJSONError",
    "CorpusLangError",
    "CorpusPathError",
    "CorpusReadError",
    "CorpusSummary",
    "Document",
    "Source",
    "default_corpus_paths",
    "describe",
    "iter_documents",
    "language_of",
    "parse_size",
    "summary_table",
    "verify_manifest",
]

SourceLike = Union[str, os.PathLike, "Source"]


@dataclass(frozen=True)
class Document:
    """One training document: text (``bytes`` only with ``errors="bytes"``), language, origin."""

    text: str | bytes
    lang: str | None
    source: str
    #: the text goes on in the next document of the source: a chunk of a text file over
    #: ``CHUNK_BYTES`` (or of standard input) that is not its last
    continued: bool = False


@dataclass(frozen=True)
class Source:
    """One input and how to read it; fields left ``None`` take the ``Corpus`` defaults.

    Attributes:
        spec: a path, glob, ``hf:name[:config][@split]`` or ``hf-disk:path[@split]``.
        weight: ``k + f`` (``k`` integer, ``0 <= f < 1``) yields every document ``k`` times and a
            deterministic fraction ``f`` of them once more, chosen by a hash of the document's
            ``source`` and the corpus ``seed``. ``0.5`` keeps about half, ``2`` yields every
            document twice (back to back), ``0`` drops the source.
        name: label in summaries and ``weights`` (default: ``spec``).
        lang: force this language on every document of the source.
        text_field / lang_field: record fields of this source (``None``: the ``Corpus``'s;
            ``lang_field=""``: no language field).
        format: ``"auto"`` (by suffix), ``"text"``, ``"jsonl"`` or ``"parquet"``.
        data: a ``datasets.Dataset`` or ``IterableDataset`` object read instead of ``spec``
            (then just a label); ``Source.of_dataset`` makes one.
    """

    spec: str
    weight: float = 1.0
    name: str | None = None
    lang: str | None = None
    text_field: str | None = None
    lang_field: str | None = None
    include: tuple[str, ...] | None = None
    exclude: tuple[str, ...] | None = None
    format: str = "auto"
    data: Any = field(default=None, compare=False, repr=False)

    @classmethod
    def of_dataset(cls, ds: Any, **fields: Any) -> Source:
        """A source reading the rows of a ``datasets`` dataset object (``text_field`` etc.).

        Its spec, the label in summaries, is ``<Dataset>`` or ``<Dataset SPLIT>`` (the class
        name, and the split when the dataset knows it).
        """
        split = getattr(ds, "split", None)
        spec = f"<{type(ds).__name__}{f' {split}' if split else ''}>"
        return cls(spec, data=ds, **fields)

    @classmethod
    def parse(cls, spec: SourceLike) -> Source:
        """A ``Source`` from a spec string, with an optional ``*WEIGHT`` suffix.

        A spec ending in ``*DIGITS`` is a glob, not a weight, when the part before the ``*``
        names nothing (no such file or folder, a glob matching nothing) while the whole spec
        matches files as a glob: ``data/part*1`` reads ``data/part1``, ``data/part01``... when
        there is no ``data/part``. Add a weight to be explicit: ``'data/part*1*1'``.

        >>> src = Source.parse("data/zh.jsonl.gz*0.5")
        >>> src.spec, src.weight
        ('data/zh.jsonl.gz', 0.5)
        """
        if isinstance(spec, Source):
            return spec
        text = os.fspath(spec)
        refuse_text_spec(text)
        match = re.fullmatch(r"(.+)\*(\d+(?:\.\d*)?)", text)
        if match is None or (not _names_something(match[1]) and _names_something(text)):
            return cls(text)
        return cls(match[1], float(match[2]))

    def __str__(self) -> str:
        """The spec, with its ``*WEIGHT`` when the weight is not 1 (for listings)."""
        return self.spec if self.weight == 1 else f"{self.spec}*{self.weight:g}"

    @property
    def label(self) -> str:
        return self.name or self.spec


def _names_something(spec: str) -> bool:
    """Whether ``spec`` is a dataset spec, an existing path, or a glob that matches a path."""
    if spec.startswith(("hf:", "hf-disk:")):
        return True
    if glob.has_magic(spec):  # (as read: not through symlinked folders, which may loop)
        return bool(expand_glob(spec, []))
    return os.path.exists(spec)


def default_corpus_paths(*, split: str = "train") -> list[Path]:
    """The shipped sample's files: ``"train"`` (default), ``"heldout"`` or ``"all"``.

    >>> [p.name for p in default_corpus_paths()]
    ['code.jsonl.gz', 'en.jsonl.gz', 'zh.jsonl.gz']
    """
    root = corpora_dir()
    if root is None:
        raise CorpusPathError(
            "the shipped corpora/ sample was not found; pass inputs explicitly or set "
            "$CODEBPE_CORPORA to its folder"
        )
    return shipped_files(root, split=split)


class Corpus:
    """Re-iterable stream of ``Document`` from several sources, with weights and a budget.

    Args:
        inputs: specs or ``Source`` objects; ``None`` means the shipped training sample.
        text_field / lang_field: record fields of JSONL, Parquet and datasets inputs.
        include / exclude: glob patterns for files inside folders (see ``walk``).
        weights: ``{source label: weight}``, overriding each source's own weight.
        max_bytes: total UTF-8 bytes to yield (int or ``"500M"``); the document that crosses it
            is cut at a character boundary, so exactly ``max_bytes`` come out.
        errors: invalid UTF-8 is ``"skip"``-ped (counted), passed as ``"bytes"``, or ``"strict"``
            (raises ``CorpusEncodingError``).
        interleave: read sources side by side, each advancing by the same fraction of its input
            size, so any prefix (e.g. under ``max_bytes``) keeps the mixture. Sources of unknown
            size (streamed hub datasets) come after the others. ``False`` reads them in order.
        read_bytes: text bytes a Parquet or ``hf-disk:`` reader turns into ``str`` at a time
            (``None``: 4 MiB; ``codebpe train --max-memory`` sets less, see
            ``tokenizer._train_options.read_bytes``). The documents are the same either way.

    ``summary`` describes the latest (or current) pass.

    >>> corpus = Corpus(max_bytes="10k")
    >>> sum(len(d.text.encode()) for d in corpus), corpus.summary.bytes
    (10000, 10000)
    """

    def __init__(
        self,
        inputs: SourceLike | Iterable[SourceLike] | None = None,
        *,
        text_field: str = "text",
        lang_field: str | None = "lang",
        include: Iterable[str] = (),
        exclude: Iterable[str] = (),
        weights: Mapping[str, float] | None = None,
        max_bytes: int | str | None = None,
        errors: Errors = "skip",
        seed: int = 0,
        include_hidden: bool = False,
        interleave: bool = True,
        read_bytes: int | None = None,
    ) -> None:
        if errors not in ("skip", "bytes", "strict"):
            raise ValueError(f"errors must be 'skip', 'bytes' or 'strict', not {errors!r}")
        if inputs is None:
            # labelled by their place in the package, not the absolute path where it is
            # installed: a vocabulary trained on the default sample is the same file anywhere
            inputs = [Source(str(p), name=f"corpora/{p.name}") for p in default_corpus_paths()]
        elif isinstance(inputs, (str, os.PathLike, Source)):
            inputs = [inputs]
        self.sources = [Source.parse(s) for s in inputs]
        labels = {s.label for s in self.sources}
        unknown = set(weights or {}) - labels
        if unknown:
            raise CorpusError(
                f"weights for unknown sources {sorted(unknown)}; have {sorted(labels)}"
            )
        self.sources = [
            replace(s, weight=(weights or {}).get(s.label, s.weight)) for s in self.sources
        ]
        for s in self.sources:
            if not (s.weight >= 0 and math.isfinite(s.weight)):
                raise ValueError(f"{s.label}: weight must be a finite number >= 0, got {s.weight}")
        self.text_field, self.lang_field = text_field, lang_field
        self.include, self.exclude = _globs(include, "include"), _globs(exclude, "exclude")
        self.max_bytes = parse_size(max_bytes, "max_bytes")
        self.errors, self.seed = errors, seed
        self.include_hidden, self.interleave = include_hidden, interleave
        self.read_bytes = read_bytes
        self.summary = CorpusSummary()
        self._position = _ReadPosition(0)

    def __iter__(self) -> Iterator[Document]:
        self.summary = summary = CorpusSummary()
        self._position = position = _ReadPosition(len(self.sources))
        streams = [self._documents(s, summary, position, i) for i, s in enumerate(self.sources)]
        budget = self.max_bytes
        try:
            for label, doc in interleave(streams, enabled=self.interleave):
                size = len(doc.text.encode() if isinstance(doc.text, str) else doc.text)
                if budget is not None and summary.bytes + size > budget:
                    text, size = cut_text(doc.text, budget - summary.bytes)
                    doc = replace(doc, text=text, continued=False)  # (the last one read)
                    summary.budget_reached = True
                    summary.skip(label, "truncated-by-budget")
                    if size:
                        summary.record(label, doc.lang, size)
                        yield doc
                    return
                summary.record(label, doc.lang, size)
                yield doc
                doc = None  # (not held while the next one is read)
                if budget is not None and summary.bytes >= budget:
                    summary.budget_reached = True
                    return
        finally:
            for stream in streams:
                stream.close()

    def texts(self) -> Iterator[str | bytes]:
        """Just the texts, e.g. for ``tokenizers``' ``train_from_iterator``."""
        for doc in self:
            text = doc.text
            doc = None
            yield text
            text = None  # (not held while the next one is read)

    def read_fraction(self) -> float | None:
        """How far the latest (or current) pass has read its inputs, in [0, 1]: the input bytes
        consumed (compressed bytes for ``.gz`` files; file bytes for JSONL and Parquet; for
        ``hf-disk:``, its Arrow files' bytes times the share of its rows read) over the total
        size of the inputs, or the share of ``max_bytes`` read when that is larger. It is
        1.0 once a pass has read everything (or reached ``max_bytes``).

        ``None`` while a source's size is unknown: standard input, ``hf:`` datasets and
        dataset objects always, and each source until its reading has started
        (with ``interleave``, all start with the first document).

        >>> corpus = Corpus(max_bytes="10k")
        >>> corpus.read_fraction() is None, [_ for _ in corpus] != [], corpus.read_fraction()
        (True, True, 1.0)
        """
        pos = self._position
        if pos.unknown or pos.started < len(self.sources) or not pos.total:
            return None
        frac = sum(pos.read) / pos.total
        if self.max_bytes:
            frac = max(frac, self.summary.bytes / self.max_bytes)
        return min(frac, 1.0)

    def _documents(self, src: Source, summary: CorpusSummary, position: _ReadPosition, slot: int):
        """(label, Document, progress in [0, 1] or -1 when unknown) for one source; its input
        bytes consumed go to ``position.read[slot]`` as they are read."""
        label, whole, frac = src.label, int(src.weight), src.weight - int(src.weight)
        unknown: dict[str, int] = {}
        records, total = source_records(
            src,
            text_field=self.text_field,
            lang_field=self.lang_field,
            include=self.include,
            exclude=self.exclude,
            include_hidden=self.include_hidden,
            read_bytes=self.read_bytes,
            unknown=unknown,
            skipped=lambda reason, path: summary.skip(label, reason, path),
        )
        summary.skip_unknown(unknown)
        text_field = src.text_field or self.text_field
        # a byte size: files, and hf-disk: (its Arrow files; dataset objects count millionths
        # of their rows)
        sized = total > 0 and src.data is None and not src.spec.startswith("hf:")
        position.start(total if sized else None)
        read = position.read  # (one store a record: summed only when a progress line is drawn)
        for raw in records:
            read[slot] = raw.consumed
            text = decode_record(raw, self.errors, text_field)
            if text is None and raw.chunked and self.errors == "skip":
                text, dropped = valid_lines(raw.text)  # only the bad lines of a long stream
                if text is not None:
                    summary.skip(label, "invalid-utf8-line", raw.source, count=dropped)
            if text is None:
                reason = "null-text" if raw.text is None else "invalid-utf8"
                summary.skip(label, reason, raw.source)
                continue
            if not text:
                summary.skip(label, "empty", raw.source)
                continue
            if raw.replaced:  # (reported as train() reports a str it is given)
                summary.replace("lone-surrogates", raw.source)
            copies = whole + (frac > 0 and unit(f"{self.seed}\0{raw.source}") < frac)
            if copies == 0:
                summary.skip(label, "sampled-out-by-weight")
            progress = raw.consumed / total if total and raw.consumed >= 0 else -1.0
            for _ in range(copies):
                doc = Document(text, raw.lang, raw.source, raw.continued)
                yield label, doc, min(progress, 1.0)
                doc = None
            raw = text = None  # (not held while the next record is read)
        if sized:  # read to its end (its last files may have given no records: empty, skipped)
            read[slot] = total


class _ReadPosition:
    """Input bytes consumed by a pass, per source (``read``), the total size of the sources
    started so far, and whether one of them has an unknown size (``Corpus.read_fraction``)."""

    __slots__ = ("read", "total", "started", "unknown")

    def __init__(self, sources: int) -> None:
        self.read = [0] * sources
        self.total = self.started = 0
        self.unknown = False

    def start(self, size: int | None) -> None:
        """A source starts: its input size in bytes, or ``None`` when unknown."""
        self.started += 1
        if size is None:
            self.unknown = True
        else:
            self.total += size


def iter_documents(inputs: SourceLike | Iterable[SourceLike] | None = None, **options):
    """Iterate documents once; ``options`` are those of ``Corpus``.

    >>> next(iter_documents(max_bytes=100)).lang in {"c", "cpp", "go", "java", "python"}
    True
    """
    return iter(Corpus(inputs, **options))


def describe(inputs: SourceLike | Iterable[SourceLike] | None = None, **options) -> str:
    """Read ``inputs`` (default: the shipped sample) and return its ``summary_table``.

    >>> "python" in describe()
    True
    """
    corpus = Corpus(inputs, **options)
    for _ in corpus:
        pass
    return summary_table(corpus.summary)


def _globs(value: Iterable[str] | str, name: str) -> tuple[str, ...]:
    """``include`` / ``exclude`` as a tuple of glob patterns: a single str is one pattern (it was
    iterated into its characters, so ``exclude="node_modules"`` excluded nothing and
    ``include="*.go"`` included every file through its ``*``).

    >>> _globs("*.py", "include"), _globs(["a", "b"], "exclude")
    (('*.py',), ('a', 'b'))
    """
    if isinstance(value, (str, os.PathLike)):
        return (os.fspath(value),)
    if isinstance(value, bytes):
        raise TypeError(f"{name}: glob patterns are str, not bytes")
    patterns = tuple(value)
    for p in patterns:
        if not isinstance(p, str):
            raise TypeError(f"{name}: glob patterns are str, not {type(p).__name__} ({p!r})")
    return patterns


if __name__ == "__main__":
    split = "all" if "--all" in sys.argv else "train"
    args = [a for a in sys.argv[1:] if a != "--all"] or [
        str(p) for p in default_corpus_paths(split=split)
    ]
    print(describe(args), end="")
