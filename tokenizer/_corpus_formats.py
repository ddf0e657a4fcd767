"""Readers for the corpus stage: files and folders, JSONL and Parquet; the corpus input errors.

Each reader streams ``RawRecord`` tuples (text as found, language, source label, input bytes
consumed so far) with bounded memory, plain text in chunks (``tokenizer._text_chunks``); Hugging
Face datasets are read by ``tokenizer._corpus_hf``.
Decoding policy, weights and budgets live in ``tokenizer.corpus``; these readers do not decode,
sample or count.
"""

from __future__ import annotations

import fnmatch
import gzip
import json
import os
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from tokenizer._text_chunks import iter_chunks

# Extension -> language, for documents read from plain files (lower-cased suffix).
EXTENSION_LANGS: dict[str, str] = {
    ".py": "python",
    ".pyi": "python",
    ".c": "c",
    ".h": "c",
    ".cc": "cpp",
    ".cpp": "cpp",
    ".cxx": "cpp",
    ".hpp": "cpp",
    ".hh": "cpp",
    ".hxx": "cpp",
    ".java": "java",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "javascript",
    ".ts": "typescript",
    ".tsx": "typescript",
    ".go": "go",
    ".rs": "rust",
    ".sh": "shell",
    ".bash": "shell",
    ".zsh": "shell",
    ".sql": "sql",
    ".rb": "ruby",
    ".php": "php",
    ".cs": "csharp",
    ".kt": "kotlin",
    ".swift": "swift",
    ".scala": "scala",
    ".lua": "lua",
    ".pl": "perl",
    ".r": "r",
    ".m": "objc",
    ".html": "html",
    ".css": "css",
    ".json": "json",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".toml": "toml",
    ".xml": "xml",
    ".md": "markdown",
    ".rst": "rst",
    ".txt": "text",
    ".tex": "latex",
    ".cmake": "cmake",
}
# Whole file names with a language but no telling extension.
FILENAME_LANGS: dict[str, str] = {
    "Makefile": "make",
    "CMakeLists.txt": "cmake",
    "Dockerfile": "dockerfile",
    "BUILD": "bazel",
}
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz", ".json.gz")
PARQUET_SUFFIXES = (".parquet",)
UNSUPPORTED_SUFFIXES = (
    ".zst",
    ".bz2",
    ".xz",
    ".zip",
    ".tar",
    ".tar.gz",
    ".tgz",
    ".7z",
    ".arrow",
    ".csv",
)
FORMATS = ("auto", "text", "jsonl", "parquet")


class CorpusError(ValueError):
    """Base class of every corpus input error."""


class CorpusPathError(CorpusError):
    """An input path (or glob) that does not exist."""


class CorpusReadError(CorpusError):
    """A file that exists but cannot be read (permissions, corrupt gzip or Parquet)."""


class CorpusFormatError(CorpusError):
    """An input whose format is unknown or unsupported."""


class CorpusJSONError(CorpusError):
    """A JSONL line that is not a JSON object; ``path`` and 1-based ``line`` say where."""

    def __init__(self, message: str, *, path: str, line: int) -> None:
        super().__init__(message)
        self.path, self.line = path, line


class CorpusFieldError(CorpusError):
    """A record without the requested text field; ``available`` lists the keys it has."""

    def __init__(self, message: str, *, field: str, available: Sequence[str]) -> None:
        super().__init__(message)
        self.field, self.available = field, list(available)


def no_text(where: str, field: str, available: list[str], *, column: bool) -> CorpusFieldError:
    """The error for a record (``column=False``: its keys) or a table lacking the text field."""
    what, listed = ("column", "columns") if column else ("field", "keys")
    return CorpusFieldError(
        f"{where}: no text {what} {field!r}; {listed}: {available}",
        field=field,
        available=available,
    )


class CorpusEncodingError(CorpusError):
    """Invalid UTF-8 met with ``errors="strict"``."""


class RawRecord(NamedTuple):
    text: Any  # str, bytes, or None as found in the input
    lang: str | None
    source: str
    consumed: int  # input bytes consumed so far in this source (for progress)


def language_of(path: str | os.PathLike[str]) -> str | None:
    """The language of a file from its name, per ``EXTENSION_LANGS`` / ``FILENAME_LANGS``.

    >>> language_of("src/main.rs"), language_of("a/Makefile"), language_of("x.unknown")
    ('rust', 'make', None)
    """
    name = Path(path).name
    return FILENAME_LANGS.get(name) or EXTENSION_LANGS.get(Path(name).suffix.lower())


def detect_format(path: Path, fmt: str = "auto") -> str:
    """ "text", "jsonl" or "parquet" for ``path`` (by suffix unless ``fmt`` forces one)."""
    if fmt not in FORMATS:
        raise CorpusFormatError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if fmt != "auto":
        return fmt
    name = path.name.lower()
    if name.endswith(JSONL_SUFFIXES):
        return "jsonl"
    if name.endswith(PARQUET_SUFFIXES):
        return "parquet"
    if name.endswith(UNSUPPORTED_SUFFIXES):
        suffix = next(s for s in UNSUPPORTED_SUFFIXES if name.endswith(s))
        raise CorpusFormatError(
            f"{path}: unsupported format {suffix!r}; decompress it, or use .jsonl, "
            f".jsonl.gz, .parquet, or plain text files (.gz too)"
        )
    return "text"


def _matches(rel: str, patterns: Sequence[str]) -> bool:
    base = rel.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatchcase(rel, p) or fnmatch.fnmatchcase(base, p) for p in patterns)


def walk(
    root: Path, *, include: Sequence[str], exclude: Sequence[str], include_hidden: bool
) -> list[Path]:
    """Files under ``root`` in sorted order, filtered by glob patterns.

    A pattern matches the path relative to ``root`` (``*`` also crosses ``/``) or the base name.
    Without ``include``, only files with a known language or a data format are taken. Hidden
    files and folders (``.git``, ``.venv``...) are skipped unless ``include_hidden``.
    """
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        if not include_hidden:
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        dirnames.sort()
        for name in sorted(filenames):
            if name.startswith(".") and not include_hidden:
                continue
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            if exclude and _matches(rel, exclude):
                continue
            if include:
                if not _matches(rel, include):
                    continue
            elif language_of(name) is None and not name.lower().endswith(
                JSONL_SUFFIXES + PARQUET_SUFFIXES
            ):
                continue
            found.append(path)
    return found


def read_text_file(path: Path, lang: str | None, base: int) -> Iterator[RawRecord]:
    """Stream a plain-text file (``.gz``: decompressed) in chunks of at most ``CHUNK_BYTES``.

    A file of at most ``CHUNK_BYTES`` (after decompression) is one record, the whole file, with
    its path as source. A larger one gives one record per chunk, cut at line ends (see
    ``tokenizer._text_chunks``), with ``PATH@OFFSET`` (the chunk's first byte) as source, so
    reading stops at a byte budget and memory does not grow with the file.
    """
    gz = path.name.lower().endswith(".gz")
    lang = lang or language_of(path.name[:-3] if gz else path)
    try:
        raw = open(path, "rb")  # noqa: SIM115 - closed below; the gzip layer shares it
    except OSError as exc:
        raise CorpusReadError(f"{path}: cannot read: {exc}") from exc
    with raw:
        stream = gzip.GzipFile(fileobj=raw) if gz else raw
        try:
            for offset, chunk, last in iter_chunks(stream):
                source = str(path) if offset == 0 and last else f"{path}@{offset}"
                consumed = raw.tell() if gz else offset + len(chunk)
                yield RawRecord(chunk, lang, source, base + consumed)
        except (OSError, EOFError, zlib.error) as exc:  # unreadable, or a corrupt or cut gzip
            raise CorpusReadError(f"{path}: cannot read: {exc}") from exc


def read_jsonl(
    path: Path, *, text_field: str, lang_field: str | None, lang: str | None, base: int
) -> Iterator[RawRecord]:
    """Stream a JSONL file (optionally gzip-compressed), one record per non-blank line."""
    try:
        raw = open(path, "rb")  # noqa: SIM115 - closed below; the gzip layer shares it
    except OSError as exc:
        raise CorpusReadError(f"{path}: cannot read: {exc}") from exc
    with raw:
        stream = gzip.GzipFile(fileobj=raw) if path.name.lower().endswith(".gz") else raw
        lineno = 0
        try:
            for lineno, line in enumerate(stream, 1):  # noqa: B007 - used after the loop
                if not line.strip():
                    continue
                try:
                    record = json.loads(line.decode("utf-8", "surrogateescape"))
                except ValueError as exc:
                    raise CorpusJSONError(
                        f"{path}:{lineno}: not valid JSON: {exc}", path=str(path), line=lineno
                    ) from None
                if not isinstance(record, dict):
                    raise CorpusJSONError(
                        f"{path}:{lineno}: expected a JSON object, got {type(record).__name__}",
                        path=str(path),
                        line=lineno,
                    )
                if text_field not in record:
                    raise no_text(f"{path}:{lineno}", text_field, sorted(record), column=False)
                doc_lang = record.get(lang_field) if lang_field else None
                label = record.get("source")
                label = f"{path}:{lineno}" if not isinstance(label, str) else label
                yield RawRecord(record[text_field], lang or doc_lang, label, base + raw.tell())
        except (OSError, EOFError) as exc:  # corrupt or truncated gzip
            raise CorpusReadError(f"{path}: cannot read after line {lineno}: {exc}") from exc


def read_parquet(
    path: Path, *, text_field: str, lang_field: str | None, lang: str | None, base: int
) -> Iterator[RawRecord]:
    """Stream a Parquet file in record batches, reading only the needed columns."""
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid / OSError for bad files
        raise CorpusReadError(f"{path}: cannot read as Parquet: {exc}") from exc
    names = pf.schema_arrow.names
    if text_field not in names:
        raise no_text(str(path), text_field, names, column=True)
    columns = [text_field] + ([lang_field] if lang_field and lang_field in names else [])
    size, total, done = path.stat().st_size, max(1, pf.metadata.num_rows), 0
    for batch in pf.iter_batches(batch_size=1024, columns=columns):
        texts = batch.column(0).to_pylist()
        langs = batch.column(1).to_pylist() if len(columns) > 1 else [None] * len(texts)
        for text, doc_lang in zip(texts, langs):
            done += 1
            yield RawRecord(
                text, lang or doc_lang, f"{path}#{done - 1}", base + size * done // total
            )
