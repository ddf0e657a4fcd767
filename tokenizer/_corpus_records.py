"""Corpus stage: from one ``Source`` to its stream of raw records and its total input size.

Expands a source's spec (a file, a folder walked with include/exclude globs, a glob, or an
``hf:`` / ``hf-disk:`` dataset) and dispatches each file to its format reader in
``tokenizer._corpus_formats``. It does not decode text, apply weights or budgets, or keep a
summary (``tokenizer.corpus`` and ``tokenizer._corpus_mix`` do).

>>> from tokenizer.corpus import Source
>>> records, total = source_records(Source("no/such/dir"), text_field="text", lang_field=None,
...                                 include=(), exclude=(), include_hidden=False)
Traceback (most recent call last):
tokenizer._corpus_formats.CorpusPathError: no/such/dir: no such file or folder
"""

from __future__ import annotations

import glob
import itertools
import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from tokenizer._corpus_formats import (
    CorpusFormatError,
    CorpusOpenError,
    CorpusPathError,
    CorpusReadError,
    PathPattern,
    RawRecord,
    detect_format,
    is_report_head,
    is_tokenizer_head,
    json_format,
    not_a_readable_file,
    read_jsonl,
    read_parquet,
    read_text_file,
    refuse_text_spec,
    short_spec,
    walk,
)
from tokenizer._corpus_hf import read_dataset, read_hf, saved_size
from tokenizer._text_chunks import iter_chunks
from tokenizer._train_counts import COUNTS_MAGIC

if TYPE_CHECKING:
    from tokenizer.corpus import Source

__all__ = ["source_records", "source_files", "expand_glob"]

#: Nominal input size of an ``hf-disk:`` dataset (its readers report progress in millionths).
HF_DISK_SIZE = 1_000_000


def _in_bytes(rows: Iterator[RawRecord], size: int) -> Iterator[RawRecord]:
    """``rows`` with progress in millionths of the rows turned into bytes of ``size``."""
    for raw in rows:
        yield raw if raw.consumed < 0 else raw._replace(consumed=raw.consumed * size // 1_000_000)
        raw = None  # (not held while the next row is read, as in the other layers)


def source_records(
    src: Source,
    *,
    text_field: str,
    lang_field: str | None,
    include: Sequence[str],
    exclude: Sequence[str],
    include_hidden: bool,
    unknown: dict[str, int] | None = None,
    skipped: Callable[[str, str], None] | None = None,
    read_bytes: int | None = None,
) -> tuple[Iterator[RawRecord], int]:
    """The raw records of ``src`` and its total input size (0 when unknown).

    ``src``'s own fields (``text_field``, ``include``...) win over the arguments, which are the
    ``Corpus`` defaults (an empty ``src.lang_field`` means none). Files that folder walks left
    out for an unknown extension are counted in ``unknown`` (see ``walk``); files and folders
    that walks and globs left out (broken symlinks, FIFOs, unreadable...) or that could not be
    opened when their turn came are reported as ``skipped(reason, path)``. ``read_bytes``:
    the text a Parquet or ``hf-disk:`` reader turns into ``str`` at a time (``None``: theirs).
    """
    text_field = src.text_field or text_field
    lang_field = lang_field if src.lang_field is None else (src.lang_field or None)
    if src.data is not None:  # a dataset object given to train() / Corpus
        rows = read_dataset(
            src.data, src.spec, text_field=text_field, lang_field=lang_field, lang=src.lang
        )
        return rows, HF_DISK_SIZE
    if src.spec.startswith(("hf:", "hf-disk:")):
        rows = read_hf(
            src.spec,
            text_field=text_field,
            lang_field=lang_field,
            lang=src.lang,
            read_bytes=read_bytes,
        )
        if not src.spec.startswith("hf-disk:"):
            return rows, 0
        size = saved_size(src.spec)  # (its readers count millionths of the rows)
        return (_in_bytes(rows, size), size) if size else (rows, HF_DISK_SIZE)
    if src.spec == "-":
        return _stdin_records(src.lang), 0
    if re.match(r"^[a-z][a-z0-9+.-]*://", src.spec):
        raise CorpusFormatError(
            f"{src.spec}: unsupported scheme; use a local path, hf: or hf-disk:"
        )
    left_out: list[tuple[str, str]] = []
    files = source_files(
        src,
        include=include,
        exclude=exclude,
        include_hidden=include_hidden,
        unknown=unknown,
        skipped=left_out,
    )
    report = skipped or (lambda reason, path: None)
    for reason, path in left_out:
        report(reason, path)
    sizes = [_size(f.path) for f in files]

    def read(file: InputFile, base: int) -> Iterator[RawRecord]:
        path = file.path
        fmt = detect_format(path, src.format)
        if fmt == "json":
            fmt = json_format(path, text_field=text_field, walked=not file.named)
        if fmt == "tokenizer-file":
            report(fmt, str(path))
            return iter(())
        if fmt == "jsonl":
            return read_jsonl(
                path, text_field=text_field, lang_field=lang_field, lang=src.lang, base=base
            )
        if fmt == "parquet":
            return read_parquet(
                path,
                text_field=text_field,
                lang_field=lang_field,
                lang=src.lang,
                base=base,
                read_bytes=read_bytes,
            )
        records = read_text_file(path, src.lang, base)
        return records if file.named else _unless_counts(records, path, report)

    def records() -> Iterator[RawRecord]:
        base = 0
        for file, size in zip(files, sizes):
            try:
                yield from read(file, base)
            except CorpusOpenError:
                if file.named:  # a file the user named: say so
                    raise
                report("unreadable", str(file.path))  # one of a folder's files: go on
            base += size

    return records(), sum(sizes)


def _unless_counts(
    records: Iterator[RawRecord], path: Path, report: Callable[[str, str], None]
) -> Iterator[RawRecord]:
    """A walked text file's records, or none when it is a tokenizer file: a codebpe count table
    (``train --save-counts`` may write one into the walked folder, under any name), vocabulary
    or a ``tokenizer.json``, or a file ``codebpe report`` wrote ("report-file"), recognized by the
    first bytes of its first chunk."""
    first = next(records, None)
    if first is not None and (
        bytes(first.text[: len(COUNTS_MAGIC)]) == COUNTS_MAGIC or is_tokenizer_head(first.text)
    ):
        records.close()
        report("tokenizer-file", str(path))
        return
    if first is not None and is_report_head(first.text):  # (report --text . --out ./report)
        records.close()
        report("report-file", str(path))
        return
    if first is not None:
        yield first
        first = None  # (a record of megabytes is not kept while the rest of the file is read)
        yield from records


def _size(path: Path) -> int:
    """The size of ``path`` for progress; 0 when it cannot be read (its reader says why)."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


_stdin_read = False


def _stdin_records(lang: str | None) -> Iterator[RawRecord]:
    """Standard input (the spec ``-``) as plain text, in bounded chunks like a text file. It can
    be read once: a second pass (a corpus iterated again) is an error, not an empty source."""
    global _stdin_read
    if _stdin_read:
        raise CorpusReadError(
            "-: standard input was read already; save it to a file to read it twice"
        )
    _stdin_read = True
    for offset, chunk, last in iter_chunks(sys.stdin.buffer):
        source, end = f"<stdin>@{offset}", offset + len(chunk)
        yield RawRecord(chunk, lang, source, end, chunked=True, continued=not last)


class InputFile(NamedTuple):
    path: Path
    named: bool  # named by the spec itself (errors stop the run), not found by a walk or glob


def source_files(
    src: Source,
    *,
    include: Sequence[str],
    exclude: Sequence[str],
    include_hidden: bool,
    unknown: dict[str, int] | None = None,
    skipped: list[tuple[str, str]] | None = None,
) -> list[InputFile]:
    """The files of a path or glob source, folders walked in sorted order (see ``walk``).

    A file named by the spec (or matched by its glob) is read whatever its extension; only
    folder walks filter by extension and by ``include`` / ``exclude``. A file named by the spec
    must be readable; the files of walks and globs that are broken symlinks, not regular files
    (FIFOs...) or unreadable are left out and listed in ``skipped`` as ``(reason, path)``, as
    are those that ``exclude`` leaves out (``"excluded"``, ``"excluded-folder"``). A
    glob's matches are otherwise handled as a walk's files (see ``source_records``): symlinked
    folders below its fixed part are not followed (``expand_glob``), and each file is read once
    (``'src/**'`` matches ``src/`` and ``src/a/``, both walked).
    """
    include = include if src.include is None else src.include
    exclude = exclude if src.exclude is None else src.exclude
    log = skipped if skipped is not None else []
    start = len(log)
    if glob.has_magic(src.spec):
        paths = expand_glob(src.spec, log)
        if not paths and not log:
            raise CorpusPathError(_no_match_message(src.spec))
    else:
        paths = [Path(src.spec)]
    named = not glob.has_magic(src.spec)
    files: list[InputFile] = []
    for path in paths:
        refuse_text_spec(str(path))
        if os.path.isdir(path):  # (False, not OSError, for a name too long)
            if named and _saved_dataset(path):
                # (walked, it gave the dataset's two metadata files and left out its .arrow)
                raise CorpusPathError(
                    f"{short_spec(str(path))} is a datasets save_to_disk folder: give it as "
                    f"hf-disk:{path} (its rows, by --text-field)"
                )
            found = walk(
                path,
                include=include,
                exclude=exclude,
                include_hidden=include_hidden,
                unknown=unknown,
                skipped=log,
            )
            files += [InputFile(f, False) for f in found]
        elif named:
            if not os.path.exists(path):
                raise CorpusPathError(f"{short_spec(str(path))}: no such file or folder")
            detect_format(path, src.format)  # fail early on unsupported formats
            files.append(InputFile(path, True))
        elif _left_out(path, log) is None:
            if _excluded(path, src.spec, exclude):
                log.append(("excluded", str(path)))
                continue
            detect_format(path, src.format)
            files.append(InputFile(path, False))
    if not named:  # a glob's matched folders overlap (``src/**``): each file (and skip) once
        once: dict[Path, InputFile] = {}
        for f in files:
            once.setdefault(f.path, f)
        files = list(once.values())
        log[start:] = dict.fromkeys(log[start:])
    return files


def expand_glob(spec: str, skipped: list[tuple[str, str]]) -> list[Path]:
    """The matches of the glob ``spec``, sorted, as a walk would reach them: no match through a
    symlinked folder below the spec's fixed part (the components before the first one with a
    wildcard), and no symlinked folder as a match; each such folder is listed once in
    ``skipped`` as ``("symlinked-folder", path)``.

    Python's ``glob`` follows symlinked folders for ``**``: a loop was read about 40 levels
    deep, once per level, and two loops never ended (each level doubles the paths). ``**`` is
    expanded here by ``os.walk``, which does not follow them; hidden folders are skipped as
    ``glob`` skips them.

    >>> import tempfile; root = Path(tempfile.mkdtemp()); (root / "a").mkdir()
    >>> _ = (root / "a" / "x.py").write_text("x = 1\\n"); (root / "a" / "up").symlink_to(root)
    >>> log = []; [p.relative_to(root).as_posix() for p in expand_glob(f"{root}/**/*.py", log)]
    ['a/x.py']
    >>> [(reason, Path(p).relative_to(root).as_posix()) for reason, p in log]
    [('symlinked-folder', 'a/up')]
    """
    fixed = next((i for i, p in enumerate(spec.split("/")) if glob.has_magic(p)), 0)
    links: set[str] = set()
    found: set[str] = set()
    for match in _iglob_unfollowed(spec, links):
        link = _symlinked_folder_on(match, fixed)
        if link is None:
            found.add(match)
        else:
            links.add(link)
    skipped += [("symlinked-folder", link) for link in sorted(links)]
    return list(dict.fromkeys(Path(match) for match in sorted(found)))  # ('a/' and 'a': once)


def _join(head: str, tail: str) -> str:
    return tail if head == "" else head + tail if head.endswith("/") else f"{head}/{tail}"


def _iglob_unfollowed(pattern: str, links: set[str]) -> Iterator[str]:
    """``glob.iglob(pattern, recursive=True)``, except that ``**`` does not enter symlinked
    folders (added to ``links``); without ``**`` the depth is the pattern's, so ``glob`` is used.
    """
    parts = pattern.split("/")
    if "**" not in parts:
        yield from glob.iglob(pattern)
        return
    i = parts.index("**")
    before, after = "/".join(parts[:i]) or ("/" if i else ""), parts[i + 1 :]
    if glob.has_magic(before):
        bases = sorted(glob.glob(before))
    else:
        bases = [before] if before == "" or os.path.isdir(before) else []
    for base in bases:
        if base and after == []:
            yield _join(base, "")  # ``**`` matches no folder too: the base itself
        for dirpath, dirnames, filenames in os.walk(base or "."):
            here = "" if base == "" and dirpath == "." else dirpath
            if base == "" and here.startswith("./"):
                here = here[2:]
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for d in dirnames:
                if os.path.islink(os.path.join(dirpath, d)):
                    links.add(_join(here, d))  # listed by os.walk, never entered
            if after == []:  # ``dir/**``: every file and folder below
                names = dirnames + [f for f in filenames if not f.startswith(".")]
                yield from (_join(here, n) for n in sorted(names))
            elif after == [""]:  # ``dir/**/``: the folders
                yield _join(here, "")
            else:
                yield from _iglob_unfollowed(_join(glob.escape(here), "/".join(after)), links)


def _symlinked_folder_on(match: str, fixed: int) -> str | None:
    """The first symlinked folder on ``match``'s path at or after component ``fixed`` (the glob's
    fixed part may hold symlinks: the user named them), ``match`` itself included; or None."""
    parts = match.rstrip("/").split("/")
    for i in range(fixed, len(parts)):
        path = "/".join(parts[: i + 1])
        if path and os.path.islink(path) and (i < len(parts) - 1 or os.path.isdir(path)):
            return path
    return None


def _left_out(path: Path, log: list[tuple[str, str]]) -> str | None:
    """Why a glob's match is left out (logged), as a walk would leave it out; None to read it."""
    reason = not_a_readable_file(path)
    if reason:
        log.append((reason, str(path)))
    return reason


def _no_match_message(spec: str) -> str:
    """Why a glob matched nothing: after a real input (a file, a folder not followed by ``/``,
    ``-``), what follows the last ``*`` was meant as a weight (``a.py*-1``, ``a.py*abc``, ``-*x``)
    and is named as an invalid one.

    >>> _no_match_message("-*abc")
    "-*abc: the pattern matches no file, and 'abc' after '-' is not a weight (a number >= 0: ..."
    """
    head, star, weight = spec.rpartition("*")
    named = head == "-" or head.startswith(("hf:", "hf-disk:")) or Path(head).exists()
    if star and head and named and not head.endswith(("/", os.sep)) and "/" not in weight:
        return (
            f"{short_spec(spec)}: the pattern matches no file, and {weight!r} after {head!r} is "
            "not a weight (a number >= 0: INPUT*2, INPUT*0.5)"
        )
    return f"{short_spec(spec)}: the pattern matches no file"


def _saved_dataset(folder: Path) -> bool:
    """Whether ``folder`` is what ``datasets.Dataset.save_to_disk`` writes: ``state.json`` and
    ``dataset_info.json`` beside ``.arrow`` files (a ``DatasetDict`` has ``dataset_dict.json``)."""
    try:
        names = set(os.listdir(folder))
    except OSError:
        return False
    if "dataset_dict.json" in names:
        return True
    return {"state.json", "dataset_info.json"} <= names and any(n.endswith(".arrow") for n in names)


def glob_root(spec: str) -> str:
    """The fixed folder of the glob ``spec``, what every match lies below (``.`` if none).

    >>> glob_root("src/**/*.py"), glob_root("*.txt"), glob_root("a/b*/c")
    ('src', '.', 'a')
    """
    parts = spec.replace(os.sep, "/").split("/")
    return "/".join(itertools.takewhile(lambda p: not glob.has_magic(p), parts[:-1])) or "."


def _excluded(path: Path, spec: str, exclude: Sequence[str]) -> bool:
    """Whether a file that the glob ``spec`` matched is left out by an ``exclude`` pattern, read
    as in a walk of the glob's fixed folder (``'src/**/*.py' --exclude node_modules`` had read
    ``src/node_modules/b.py``: exclude patterns applied to folder walks only)."""
    if not exclude:
        return False
    try:
        rel = Path(path).relative_to(glob_root(spec)).as_posix()
    except ValueError:
        rel = Path(path).as_posix()
    return any(PathPattern(p).matches_file(rel) for p in exclude)
