"""Readers for the corpus stage: files and folders, JSONL and Parquet; the corpus input errors.

Each reader streams ``RawRecord`` tuples (text as found, language, source label, input bytes
consumed so far) with bounded memory, plain text in chunks (``tokenizer._text_chunks``); Hugging
Face datasets are read by ``tokenizer._corpus_hf``.
Decoding policy, weights and budgets live in ``tokenizer.corpus``; these readers do not decode,
sample or count.
"""

from __future__ import annotations

import codecs
import fnmatch
import gzip
import json
import os
import re
import stat
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from tokenizer._text_chunks import iter_chunks

#: Compressed bytes the gzip layer may take per read. Progress through a ``.gz`` source is the
#: compressed file's position, and Python 3.12+ reads 128 KiB at a time (3.11: 8 KiB): a step
#: of 7-18% of a shipped file, so ``interleave`` drained one source before the next started.
GZIP_READ_BYTES = 8192


class _ShortReads:
    """``raw`` with reads of at most ``GZIP_READ_BYTES`` (gzip takes short reads), so that
    ``raw.tell()`` runs at most that far ahead of what was decompressed."""

    def __init__(self, raw: Any) -> None:
        self._raw = raw

    def read(self, size: int = -1) -> bytes:
        return self._raw.read(GZIP_READ_BYTES if size < 0 else min(size, GZIP_READ_BYTES))

    def __getattr__(self, name: str) -> Any:  # mode, name, seek, tell, ...: the file's own
        return getattr(self._raw, name)


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
    # more source and config languages (text a folder walk should not skip)
    ".cts": "typescript",
    ".mts": "typescript",
    ".vue": "vue",
    ".svelte": "svelte",
    ".dart": "dart",
    ".hs": "haskell",
    ".ex": "elixir",
    ".exs": "elixir",
    ".erl": "erlang",
    ".hrl": "erlang",
    ".jl": "julia",
    ".zig": "zig",
    ".nim": "nim",
    ".ml": "ocaml",
    ".mli": "ocaml",
    ".fs": "fsharp",
    ".fsx": "fsharp",
    ".clj": "clojure",
    ".cljs": "clojure",
    ".cljc": "clojure",
    ".elm": "elm",
    ".groovy": "groovy",
    ".gradle": "groovy",
    ".kts": "kotlin",
    ".cu": "cuda",
    ".cuh": "cuda",
    ".mm": "objc",
    ".inl": "cpp",
    ".f90": "fortran",
    ".f95": "fortran",
    ".jsonc": "json",
    ".pm": "perl",
    ".ps1": "powershell",
    ".psm1": "powershell",
    ".bat": "batch",
    ".cmd": "batch",
    ".fish": "shell",
    ".awk": "awk",
    ".proto": "protobuf",
    ".thrift": "thrift",
    ".graphql": "graphql",
    ".gql": "graphql",
    ".sol": "solidity",
    ".tf": "terraform",
    ".tfvars": "terraform",
    ".hcl": "hcl",
    ".nix": "nix",
    ".bzl": "bazel",
    ".mk": "make",
    ".scss": "scss",
    ".sass": "sass",
    ".less": "less",
    ".htm": "html",
    ".xhtml": "html",
    ".xsd": "xml",
    ".xsl": "xml",
    ".cfg": "ini",
    ".ini": "ini",
    ".properties": "properties",
    ".adoc": "asciidoc",
    ".mdx": "markdown",
    ".pyx": "cython",
    ".pxd": "cython",
    ".rake": "ruby",
    ".gemspec": "ruby",
    ".vb": "visualbasic",
    ".pas": "pascal",
    ".asm": "assembly",
    ".s": "assembly",
    ".vhd": "vhdl",
    ".vhdl": "vhdl",
    ".sv": "systemverilog",
}
# Whole file names with a language but no telling extension.
FILENAME_LANGS: dict[str, str] = {
    "Makefile": "make",
    "CMakeLists.txt": "cmake",
    "Dockerfile": "dockerfile",
    "BUILD": "bazel",
    "BUILD.bazel": "bazel",
    "WORKSPACE": "bazel",
    "GNUmakefile": "make",
    "makefile": "make",
    "Containerfile": "dockerfile",
    "Jenkinsfile": "groovy",
    "Gemfile": "ruby",
    "Rakefile": "ruby",
    "Vagrantfile": "ruby",
}
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")
#: JSON Lines or one JSON document, told apart by the content (``json_format``).
JSON_SUFFIXES = (".json", ".json.gz")
PARQUET_SUFFIXES = (".parquet",)
#: Bytes pyarrow reads from a Parquet file at a time (see ``read_parquet``).
PARQUET_BUFFER = 1 << 20
#: Text bytes a Parquet or saved-dataset (``hf-disk:``) reader turns into ``str`` at a time,
#: unless told fewer (``codebpe train --max-memory``: ``_train_options.read_bytes``).
READ_BYTES = 4 << 20
#: The most rows of a Parquet batch, whatever their size.
MAX_BATCH_ROWS = 1 << 16
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
#: How far into a ``.json`` file its first line is looked for (a JSON Lines record can be long).
SNIFF_BYTES = 16 << 20
# The first bytes of the files codebpe writes that a folder walk must not train on: a codebpe
# vocabulary (``Vocabulary.save``, e.g. a previous ``train -o`` into the walked folder) and a
# Hugging Face ``tokenizer.json`` (``codebpe export --format hf``, ``tokenizers``' own files).
_TOKENIZER_HEAD = re.compile(
    rb'\A\s*\{\s*(?:"format"\s*:\s*"codebpe\.vocab"|"version"\s*:\s*"1\.0"\s*,\s*"truncation"\s*:)'
)


def is_tokenizer_head(head: bytes) -> bool:
    """Whether ``head``, the first bytes of a file, start a codebpe vocabulary or a Hugging Face
    ``tokenizer.json`` (a UTF-8 byte order mark before them too).

    >>> is_tokenizer_head(b'{\\n  "format": "codebpe.vocab",'), is_tokenizer_head(b'{"text": ""}')
    (True, False)
    """
    return _TOKENIZER_HEAD.match(bytes(head[:4096]).removeprefix(codecs.BOM_UTF8)) is not None


# The first bytes of the files ``codebpe report`` writes (report.json, report.md, report.html;
# ``tokenizer.report.write_report``): a report written into a folder that is measured (``report
# --text .`` with the default ``--out ./report``) was measured by the next run, its plots' base64
# as 500 kB of "html".
_REPORT_HEAD = re.compile(
    rb'\A(?:\s*\{\s*"format"\s*:\s*"codebpe\.report"|# codebpe compression report\n'
    rb'|<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>codebpe compression report<)'
)


def is_report_head(head: bytes) -> bool:
    """Whether ``head``, the first bytes of a file, start a file that ``codebpe report`` wrote.

    >>> is_report_head(b'{\\n "format": "codebpe.report",'), is_report_head(b"# codebpe\\n")
    (True, False)
    """
    return _REPORT_HEAD.match(bytes(head[:4096])) is not None


class CorpusError(ValueError):
    """Base class of every corpus input error."""


class CorpusPathError(CorpusError):
    """An input path (or glob) that does not exist."""


#: Longer than any path the OS takes (Linux's PATH_MAX): such a "path" is a text given by mistake.
MAX_PATH_CHARS = 4096


#: Specs up to this long (and printable) are quoted whole in messages; longer ones are cut.
MAX_SHOWN_CHARS = 300


def short_spec(spec: str, limit: int = 60) -> str:
    """``spec`` for a one-line message: whole, or when it has line breaks or is longer than
    ``MAX_SHOWN_CHARS``, its first ``limit`` characters quoted, with its length.

    >>> short_spec("data/a.jsonl"), short_spec("xy" * 200, 8)
    ('data/a.jsonl', "'xyxyxyxy'... (400 characters)")
    >>> print(short_spec("def f(x):\\n    return x", 12))
    'def f(x):\\n  '... (22 characters)
    """
    if len(spec) <= MAX_SHOWN_CHARS and spec.isprintable():
        return spec
    return f"{spec[:limit]!r}... ({len(spec):,} characters)" if len(spec) > limit else repr(spec)


def refuse_text_spec(spec: str) -> None:
    """Raise ``CorpusPathError`` when the "path" ``spec`` is evidently a document's text.

    ``train()`` reads a list of ``str`` as paths (the documented API), so
    ``train(["def f(x): ...", ...])`` looked each text up as a file, and the error quoted it
    whole. A spec with a line break, or longer than ``MAX_PATH_CHARS``, that names nothing is
    text: say so in one short line, and how to pass texts.
    """
    if ("\n" in spec or len(spec) > MAX_PATH_CHARS) and not os.path.lexists(spec):
        raise CorpusPathError(
            f"{short_spec(spec)}: no such file or folder; this looks like a text, not a path "
            "(a list of str is read as paths): pass texts as an iterator, train(iter(texts))"
        )


class CorpusReadError(CorpusError):
    """A file that exists but cannot be read (permissions, corrupt gzip or Parquet)."""


class CorpusOpenError(CorpusReadError):
    """A file that cannot be opened (permissions, gone): a folder walk skips it and goes on."""


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


class CorpusLangError(CorpusError):
    """A record whose language field holds something other than a string or null."""

    def __init__(self, message: str, *, where: str, field: str) -> None:
        super().__init__(message)
        self.where, self.field = where, field


def lang_value(value: Any, where: str, field: str) -> str | None:
    """A record's language field: a string, or ``None`` (null, missing: no language). Anything
    else (a list, an object, a number) is a ``CorpusLangError`` naming the record, for every
    command alike (a list crashed train and report, a number only ``corpus``).

    >>> lang_value("python", "a.jsonl:1", "lang"), lang_value(None, "a.jsonl:1", "lang")
    ('python', None)
    >>> lang_value(["x"], "a.jsonl:1", "lang")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    tokenizer._corpus_formats.CorpusLangError: a.jsonl:1: the language field 'lang' must be ...
    """
    if value is None or isinstance(value, str):
        return value
    shown = repr(value)
    shown = shown if len(shown) <= 40 else shown[:37] + "..."
    raise CorpusLangError(
        f"{where}: the language field {field!r} must be a string or null, not "
        f"{type(value).__name__} ({shown})",
        where=where,
        field=field,
    )


class CorpusEncodingError(CorpusError):
    """Invalid UTF-8 met with ``errors="strict"``."""


class RawRecord(NamedTuple):
    text: Any  # str, bytes, or None as found in the input
    lang: str | None
    source: str
    consumed: int  # input bytes consumed so far in this source (for progress)
    #: a chunk of a longer text stream (a text file over ``CHUNK_BYTES``, standard input): with
    #: ``errors="skip"`` its invalid UTF-8 drops only the lines that hold it
    chunked: bool = False
    #: another chunk of the same text stream follows (a chunk cut mid-line, or after a lone
    #: ``\r``, is not the end of a line; ``codebpe report`` counts lines per stream, not per chunk)
    continued: bool = False
    #: lone surrogates of the input (JSON escapes) were replaced with U+FFFD in ``text``
    replaced: bool = False


def _without_gz(name: str) -> str:
    """``a.py.gz`` -> ``a.py`` (a compressed source file is read as its language); else ``name``."""
    return name[:-3] if name.lower().endswith(".gz") else name


def language_of(path: str | os.PathLike[str]) -> str | None:
    """The language of a file from its name, per ``EXTENSION_LANGS`` / ``FILENAME_LANGS``.

    >>> language_of("src/main.rs"), language_of("a/Makefile"), language_of("x.unknown")
    ('rust', 'make', None)
    """
    name = Path(path).name
    return FILENAME_LANGS.get(name) or EXTENSION_LANGS.get(Path(name).suffix.lower())


def detect_format(path: Path, fmt: str = "auto") -> str:
    """ "text", "jsonl", "parquet" or "json" for ``path`` (by suffix unless ``fmt`` forces one).

    "json" (``.json``, ``.json.gz``) is JSON Lines or one JSON document: ``json_format`` reads
    the start of the file to tell.
    """
    if fmt not in FORMATS:
        raise CorpusFormatError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if fmt != "auto":
        return fmt
    name = path.name.lower()
    if name.endswith(JSONL_SUFFIXES):
        return "jsonl"
    if name.endswith(JSON_SUFFIXES):
        return "json"
    if name.endswith(PARQUET_SUFFIXES):
        return "parquet"
    if name.endswith(UNSUPPORTED_SUFFIXES):
        suffix = next(s for s in UNSUPPORTED_SUFFIXES if name.endswith(s))
        raise CorpusFormatError(
            f"{path}: unsupported format {suffix!r}; decompress it, or use .jsonl, "
            f".jsonl.gz, .parquet, or plain text files (.gz too)"
        )
    return "text"


def json_format(path: Path, *, text_field: str, walked: bool) -> str:
    """ "jsonl", "text" or "tokenizer-file" for a ``.json`` / ``.json.gz`` file, by its start.

    ``.json`` held two things: JSON Lines (dataset dumps, The Stack, C4's ``.json.gz``) and one
    JSON document (``package.json``, pretty-printed data in a source tree). It is JSON Lines when
    its first non-blank line is a JSON object by itself; in a folder walk that object must also
    hold ``text_field`` (a minified ``package.json`` is one line too: it stays code-like text).
    A file that cannot be read is "text": its reader then says why. In a walk, a codebpe
    vocabulary or a ``tokenizer.json`` is "tokenizer-file" (left out: never train on a
    tokenizer, such as the previous ``train -o`` output in the walked folder).

    >>> import tempfile; d = Path(tempfile.mkdtemp())
    >>> _ = (d / "a.json").write_text('{"text": "x"}\\n{"text": "y"}\\n')
    >>> _ = (d / "b.json").write_text('{\\n  "name": "pkg"\\n}\\n')
    >>> [json_format(d / n, text_field="text", walked=True) for n in ("a.json", "b.json")]
    ['jsonl', 'text']
    """
    try:
        with open(path, "rb") as raw:
            stream = gzip.GzipFile(fileobj=raw) if path.name.lower().endswith(".gz") else raw
            head = stream.read(4096)
            if b"\n" not in head.lstrip():
                head += stream.readline(SNIFF_BYTES)
    except (OSError, EOFError, zlib.error):
        return "text"
    head = head.removeprefix(codecs.BOM_UTF8)  # (read_jsonl drops it too)
    if walked and is_tokenizer_head(head):
        return "tokenizer-file"
    first = head.lstrip().split(b"\n", 1)[0]
    try:
        record = json.loads(first)
    except ValueError:  # a document over several lines (or an unfinished first line)
        return "text"
    if not isinstance(record, dict) or (walked and text_field not in record):
        return "text"
    return "jsonl"


def _variants(pattern: str) -> tuple[str, ...]:
    """``pattern`` and every way of dropping some of its ``**/`` (which may match no folder)."""
    parts = pattern.split("**/")
    variants = {parts[0]}
    for part in parts[1:]:
        variants = {v + "**/" + part for v in variants} | {v + part for v in variants}
    return tuple(sorted(variants))


class PathPattern:
    """One ``include`` / ``exclude`` glob, matched against paths relative to the walked folder.

    Gitignore-like: a pattern without a ``/`` matches a file's name or the name of any folder on
    its path (``node_modules``, ``*_test.go``, ``build``); a pattern with a ``/`` matches the
    relative path of the file or of a folder above it, or any tail of that path that starts at a
    folder (``node_modules/*`` also matches ``app/node_modules/x.js``); a leading ``/`` anchors it
    to the walked folder (``/build`` is only the top-level ``build``), a trailing ``/`` matches
    folders only. ``*`` and ``?`` match any characters, ``/`` included (as before); ``**/`` also
    matches no folder at all (``**/python/**`` matches ``python/a.py``). Case-sensitive.

    >>> [PathPattern(p).matches_file("app/node_modules/lib/x.js")
    ...  for p in ("node_modules", "node_modules/*", "*.js", "/lib", "**/lib/**", "*.py")]
    [True, True, True, False, True, False]
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.anchored = text.startswith("/")
        self.folders_only = text.endswith("/") and text.strip("/") != ""
        self.body = text.strip("/")
        self.by_name = "/" not in self.body and not self.anchored
        self.variants = _variants(self.body)

    def matches(self, rel: str, *, is_dir: bool) -> bool:
        """Whether the file or folder at ``rel`` (relative, ``/``-separated) matches by itself."""
        if self.folders_only and not is_dir:
            return False
        if self.by_name:
            name = rel.rsplit("/", 1)[-1]
            # the whole relative path too, as before (``*`` crosses ``/``), for files only
            return fnmatch.fnmatchcase(name, self.body) or (
                not is_dir and fnmatch.fnmatchcase(rel, self.body)
            )
        tails = [rel]
        if not self.anchored:
            tails += [rel[i + 1 :] for i, c in enumerate(rel) if c == "/"]
        return any(fnmatch.fnmatchcase(t, v) for t in tails for v in self.variants)

    def matches_file(self, rel: str) -> bool:
        """Whether the file at ``rel`` matches, by itself or through a folder above it."""
        parts = rel.split("/")
        return self.matches(rel, is_dir=False) or any(
            self.matches("/".join(parts[:k]), is_dir=True) for k in range(1, len(parts))
        )


def _any(patterns: Sequence[PathPattern], rel: str, *, is_dir: bool) -> bool:
    return any(p.matches(rel, is_dir=is_dir) for p in patterns)


#: The key of files without an extension in ``walk``'s ``unknown`` counts.
NO_EXTENSION = "(no extension)"


def walk(
    root: Path,
    *,
    include: Sequence[str],
    exclude: Sequence[str],
    include_hidden: bool,
    unknown: dict[str, int] | None = None,
    skipped: list[tuple[str, str]] | None = None,
) -> list[Path]:
    """Files under ``root`` in sorted order, filtered by glob patterns (see ``PathPattern``).

    Paths are matched relative to ``root``. A folder that matches an ``exclude`` pattern is not
    walked into; with ``include``, a file is taken when it or a folder above it matches. Without
    ``include``, only files with a known language (``language_of``) or a data format (JSONL,
    Parquet) are taken, and the others are counted in ``unknown`` (lower-cased extension ->
    files; ``NO_EXTENSION`` for none) when given. Hidden files and folders (``.git``,
    ``.venv``...) are skipped unless ``include_hidden``.

    One bad entry never stops the walk: broken symlinks, entries that are not regular files
    (a FIFO would block the reader forever; sockets, devices), folders that cannot be listed and
    symlinked folders (not followed: they may loop, or lead out of the tree) are left out and
    listed in ``skipped`` as ``(reason, path)`` when given, and so are the files and folders
    that ``exclude`` left out (``"excluded"``, ``"excluded-folder"``: not walked into, so the
    files below are not counted). ``root`` itself must be readable.
    """
    includes = [PathPattern(p) for p in include]
    excludes = [PathPattern(p) for p in exclude]
    included: dict[str, bool] = {}  # folder -> whether it or a folder above it matches include
    found = []
    log = skipped if skipped is not None else []

    def unlistable(exc: OSError) -> None:
        if exc.filename == os.fspath(root):  # the folder the user named: an error, not a skip
            raise CorpusReadError(f"{root}: cannot read folder: {exc.strerror or exc}") from exc
        log.append(("unreadable-folder", str(exc.filename)))

    for dirpath, dirnames, filenames in os.walk(root, onerror=unlistable):
        here = Path(dirpath).relative_to(root).as_posix()
        prefix = "" if here == "." else here + "/"
        dirnames.sort()  # (first: the folders left out are logged in a stable order)
        if not include_hidden:
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for d in [d for d in dirnames if excludes and _any(excludes, prefix + d, is_dir=True)]:
            log.append(("excluded-folder", os.path.join(dirpath, d)))
            dirnames.remove(d)  # not walked into
        for d in [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            log.append(("symlinked-folder", os.path.join(dirpath, d)))
            dirnames.remove(d)  # (os.walk would not follow it either; now it is counted)
        inside = included.get(here, False)
        for d in dirnames:
            included[prefix + d] = inside or _any(includes, prefix + d, is_dir=True)
        for name in sorted(filenames):
            if name.startswith(".") and not include_hidden:
                continue
            rel = prefix + name
            if excludes and _any(excludes, rel, is_dir=False):
                log.append(("excluded", os.path.join(dirpath, name)))
                continue
            if includes:
                if not (inside or _any(includes, rel, is_dir=False)):
                    continue
            elif language_of(_without_gz(name)) is None and not name.lower().endswith(
                JSONL_SUFFIXES + JSON_SUFFIXES + PARQUET_SUFFIXES
            ):
                if unknown is not None:
                    key = Path(name).suffix.lower() or NO_EXTENSION
                    unknown[key] = unknown.get(key, 0) + 1
                continue
            path = Path(dirpath) / name
            reason = not_a_readable_file(path)
            if reason:
                log.append((reason, str(path)))
                continue
            found.append(path)
    return found


def not_a_readable_file(path: Path) -> str | None:
    """Why a folder walk leaves ``path`` out (a ``skipped`` reason), or None to read it."""
    try:
        mode = os.stat(path).st_mode  # (follows a symlink: a symlinked file is read)
    except OSError:
        return "broken-symlink" if os.path.islink(path) else "unreadable"
    return None if stat.S_ISREG(mode) else "not-a-regular-file"


def read_text_file(path: Path, lang: str | None, base: int) -> Iterator[RawRecord]:
    """Stream a plain-text file (``.gz``: decompressed) in chunks of at most ``CHUNK_BYTES``.

    A file of at most ``CHUNK_BYTES`` (after decompression) is one record, the whole file, with
    its path as source. A larger one gives one record per chunk, cut at line ends (see
    ``tokenizer._text_chunks``), with ``PATH@OFFSET`` (the chunk's first byte) as source, so
    reading stops at a byte budget and memory does not grow with the file. Chunks are marked
    ``chunked``: invalid UTF-8 in them costs its lines, not the chunk (``Corpus``). A UTF-8 byte
    order mark at the start of the file (Windows editors write one) is dropped, as ``read_jsonl``
    drops it: it is no text of the file, and it was learned (as U+FEFF) from the files that have
    one.
    """
    gz = path.name.lower().endswith(".gz")
    lang = lang or language_of(path.name[:-3] if gz else path)
    try:
        raw = open(path, "rb")  # noqa: SIM115 - closed below; the gzip layer shares it
    except OSError as exc:
        raise CorpusOpenError(f"{path}: cannot read: {exc}") from exc
    with raw:
        stream = gzip.GzipFile(fileobj=_ShortReads(raw)) if gz else raw
        try:
            for offset, chunk, last in iter_chunks(stream):
                whole = offset == 0 and last
                source = str(path) if whole else f"{path}@{offset}"
                consumed = raw.tell() if gz else offset + len(chunk)
                if offset == 0:
                    chunk = chunk.removeprefix(codecs.BOM_UTF8)
                yield RawRecord(
                    chunk, lang, source, base + consumed, chunked=not whole, continued=not last
                )
        except (OSError, EOFError, zlib.error) as exc:  # unreadable, or a corrupt or cut gzip
            raise CorpusReadError(f"{path}: cannot read: {exc}") from exc


def read_jsonl(
    path: Path, *, text_field: str, lang_field: str | None, lang: str | None, base: int
) -> Iterator[RawRecord]:
    """Stream a JSONL file (optionally gzip-compressed), one record per non-blank line.

    A UTF-8 byte order mark at the start of the file (Windows tools write one) is dropped, as
    ``json_format`` drops it when it tells JSON Lines from one document; elsewhere it is an error.
    """
    try:
        raw = open(path, "rb")  # noqa: SIM115 - closed below; the gzip layer shares it
    except OSError as exc:
        raise CorpusOpenError(f"{path}: cannot read: {exc}") from exc
    with raw:
        gz = path.name.lower().endswith(".gz")
        stream = gzip.GzipFile(fileobj=_ShortReads(raw)) if gz else raw
        lineno = 0
        try:
            for line in stream:  # (not enumerate: its result tuple would keep the line)
                lineno += 1
                if lineno == 1:
                    line = line.removeprefix(codecs.BOM_UTF8)
                if not line.strip():
                    continue
                try:
                    try:
                        text = line.decode("utf-8")
                        escaped = False
                    except UnicodeDecodeError:  # invalid UTF-8: its bytes as U+DC80..U+DCFF
                        text = line.decode("utf-8", "surrogateescape")
                        escaped = True
                    record = json.loads(text)
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
                doc_lang = None
                if lang_field and not lang:
                    doc_lang = lang_value(record.get(lang_field), f"{path}:{lineno}", lang_field)
                label = record.get("source")
                label = f"{path}:{lineno}" if not isinstance(label, str) else label
                value = record[text_field]
                replaced = False
                if (
                    not escaped
                    and isinstance(value, str)
                    and _SURROGATE_ESCAPE.search(line)
                    and has_surrogate(value)
                ):
                    # A lone surrogate written as a JSON escape ("\ud800") in valid UTF-8: U+FFFD,
                    # as for a str given to train(), not a document dropped as invalid UTF-8.
                    # (The escape alone does not tell: "\\ud83d" in code, or a pair, which
                    # json.loads joins; re-encoding a 15 MB record took 120 MB for nothing.)
                    value = value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
                    replaced = True
                # subtle: the line, its decoded str and the record would stay referenced here
                # while the consumer holds the text and reads the next line: a record of 15 MB
                # of mixed text (4 bytes a character as str) held 75 MB more that way.
                del line, text, record
                at = base + raw.tell()
                yield RawRecord(value, lang or doc_lang, label, at, replaced=replaced)
                del value
        except (OSError, EOFError) as exc:  # corrupt or truncated gzip
            where = f"after line {lineno}" if lineno else "its start"  # ("after line 0")
            raise CorpusReadError(f"{path}: cannot read {where}: {exc}") from exc


#: A JSON escape of a surrogate (a pair's halves too: json.loads joins those).
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def has_surrogate(text: str) -> bool:
    """Whether ``text`` holds a surrogate code point (what ``text.encode()`` refuses), found
    without encoding it: a record of 15 MB is 60 MB as ``str``, and its UTF-8 another 15.

    >>> has_surrogate("ab"), has_surrogate("\U0001f600"), has_surrogate("a" + chr(0xD800))
    (False, False, True)
    """
    return not text.isascii() and _SURROGATE.search(text) is not None


def escape_surrogates(obj: Any) -> Any:
    r"""``obj`` (JSON-like: dicts, lists, strs) with each lone surrogate in a str, key or value,
    written as a backslash escape: a file name that is not UTF-8 comes from the command line as
    a str with ``surrogateescape``'s U+DC80..U+DCFF (the name ``b"\xfe.txt"`` is ``"\udcfe.txt"``),
    which UTF-8 cannot carry, so saving a vocabulary whose corpus record named it failed after
    the whole training. Such a character becomes its byte's escape (``\xfe``), any other
    surrogate ``\udxxx``. Objects without one come back as they are.

    >>> escape_surrogates({"by_source": {chr(0xDCFE) + ".txt": [1, 20]}, "x": "a" + chr(0xD800)})
    {'by_source': {'\\xfe.txt': [1, 20]}, 'x': 'a\\ud800'}
    """
    if isinstance(obj, str):
        if not has_surrogate(obj):
            return obj
        return _SURROGATE.sub(
            lambda m: (
                f"\\x{ord(m.group()) - 0xDC00:02x}"
                if 0xDC80 <= ord(m.group()) <= 0xDCFF
                else f"\\u{ord(m.group()):04x}"
            ),
            obj,
        )
    if isinstance(obj, dict):
        return {escape_surrogates(k): escape_surrogates(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [escape_surrogates(v) for v in obj]
    return obj


def parquet_batch_rows(metadata: Any, column: str, read_bytes: int) -> int:
    """Rows per batch so that a batch holds about ``read_bytes`` of ``column``, by its average
    row size (uncompressed, from the file's ``metadata``); 1 to ``MAX_BATCH_ROWS``.

    >>> import pyarrow as pa, pyarrow.parquet as pq, tempfile
    >>> path = tempfile.mktemp(suffix=".parquet")
    >>> rows = [f"{i:04d}" * 250 for i in range(100)]  # 1,000 bytes each
    >>> pq.write_table(pa.table({"text": rows}), path, use_dictionary=False)
    >>> parquet_batch_rows(pq.ParquetFile(path).metadata, "text", 10_000)
    9
    """
    size = rows = 0
    for i in range(metadata.num_row_groups):
        group = metadata.row_group(i)
        rows += group.num_rows
        for j in range(group.num_columns):
            if group.column(j).path_in_schema == column:
                size += group.column(j).total_uncompressed_size
    return max(1, min(MAX_BATCH_ROWS, read_bytes * rows // max(1, size)))


def read_parquet(
    path: Path,
    *,
    text_field: str,
    lang_field: str | None,
    lang: str | None,
    base: int,
    read_bytes: int | None = None,
) -> Iterator[RawRecord]:
    """Stream a Parquet file in record batches, reading only the needed columns.

    Page by page: pyarrow's defaults fetch a whole row group's column chunks at once
    (``pre_buffer``) and decode with a thread pool, so the reader held several row groups of
    text; a 128 MB file of 4,096-row groups peaked at 278 MB to read (143 MB now, 72 MB of it
    the interpreter and pyarrow), and ``codebpe train --max-memory 150M`` at 345 MB. A batch
    holds about ``read_bytes`` of text (``READ_BYTES`` by default; see
    :func:`parquet_batch_rows`), and pyarrow's memory pool gives back what it freed after
    each one (mimalloc kept it: reading a 113 MB file peaked at 139 MB, 123 MB releasing).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path, pre_buffer=False, buffer_size=PARQUET_BUFFER)
    except (PermissionError, FileNotFoundError) as exc:
        raise CorpusOpenError(f"{path}: cannot read: {exc}") from exc
    except Exception as exc:  # pyarrow raises ArrowInvalid / OSError for bad files
        raise CorpusReadError(f"{path}: cannot read as Parquet: {exc}") from exc
    names = pf.schema_arrow.names
    if text_field not in names:
        raise no_text(str(path), text_field, names, column=True)
    columns = [text_field] + ([lang_field] if lang_field and lang_field in names else [])
    size, total, done = path.stat().st_size, max(1, pf.metadata.num_rows), 0
    rows = parquet_batch_rows(pf.metadata, text_field, read_bytes or READ_BYTES)
    pool = pa.default_memory_pool()
    for batch in pf.iter_batches(batch_size=rows, columns=columns, use_threads=False):
        texts = batch.column(0).to_pylist()
        langs = batch.column(1).to_pylist() if len(columns) > 1 else [None] * len(texts)
        del batch
        pool.release_unused()
        for text, doc_lang in zip(texts, langs):
            done += 1
            if not lang:
                doc_lang = lang_value(doc_lang, f"{path}#{done - 1}", str(lang_field))
            yield RawRecord(
                text, lang or doc_lang, f"{path}#{done - 1}", base + size * done // total
            )
