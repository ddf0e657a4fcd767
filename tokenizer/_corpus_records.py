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
import os
import re
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from tokenizer._corpus_formats import (
    CorpusFormatError,
    CorpusPathError,
    CorpusReadError,
    RawRecord,
    detect_format,
    read_jsonl,
    read_parquet,
    read_text_file,
    walk,
)
from tokenizer._corpus_hf import read_hf
from tokenizer._text_chunks import iter_chunks

if TYPE_CHECKING:
    from tokenizer.corpus import Source

__all__ = ["source_records", "source_files"]

#: Nominal input size of an ``hf-disk:`` dataset (its readers report progress in millionths).
HF_DISK_SIZE = 1_000_000


def source_records(
    src: Source,
    *,
    text_field: str,
    lang_field: str | None,
    include: Sequence[str],
    exclude: Sequence[str],
    include_hidden: bool,
    unknown: dict[str, int] | None = None,
) -> tuple[Iterator[RawRecord], int]:
    """The raw records of ``src`` and its total input size (0 when unknown).

    ``src``'s own fields (``text_field``, ``include``...) win over the arguments, which are the
    ``Corpus`` defaults (an empty ``src.lang_field`` means none). Files that folder walks left
    out for an unknown extension are counted in ``unknown`` (see ``walk``).
    """
    text_field = src.text_field or text_field
    lang_field = lang_field if src.lang_field is None else (src.lang_field or None)
    if src.spec.startswith(("hf:", "hf-disk:")):
        return read_hf(
            src.spec, text_field=text_field, lang_field=lang_field, lang=src.lang
        ), HF_DISK_SIZE if src.spec.startswith("hf-disk:") else 0
    if src.spec == "-":
        return _stdin_records(src.lang), 0
    if re.match(r"^[a-z][a-z0-9+.-]*://", src.spec):
        raise CorpusFormatError(
            f"{src.spec}: unsupported scheme; use a local path, hf: or hf-disk:"
        )
    files = source_files(
        src, include=include, exclude=exclude, include_hidden=include_hidden, unknown=unknown
    )
    sizes = [f.stat().st_size for f in files]

    def records() -> Iterator[RawRecord]:
        base = 0
        for path, size in zip(files, sizes):
            fmt = detect_format(path, src.format)
            if fmt == "jsonl":
                yield from read_jsonl(
                    path, text_field=text_field, lang_field=lang_field, lang=src.lang, base=base
                )
            elif fmt == "parquet":
                yield from read_parquet(
                    path, text_field=text_field, lang_field=lang_field, lang=src.lang, base=base
                )
            else:
                yield from read_text_file(path, src.lang, base)
            base += size

    return records(), sum(sizes)


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
    for offset, chunk, _ in iter_chunks(sys.stdin.buffer):
        yield RawRecord(chunk, lang, f"<stdin>@{offset}", offset + len(chunk))


def source_files(
    src: Source,
    *,
    include: Sequence[str],
    exclude: Sequence[str],
    include_hidden: bool,
    unknown: dict[str, int] | None = None,
) -> list[Path]:
    """The files of a path or glob source, folders walked in sorted order (see ``walk``).

    A file named by the spec (or matched by its glob) is read whatever its extension; only
    folder walks filter by extension and by ``include`` / ``exclude``.
    """
    include = include if src.include is None else src.include
    exclude = exclude if src.exclude is None else src.exclude
    if glob.has_magic(src.spec):
        paths = [Path(p) for p in sorted(glob.glob(src.spec, recursive=True))]
        if not paths:
            raise CorpusPathError(_no_match_message(src.spec))
    else:
        paths = [Path(src.spec)]
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += walk(
                path,
                include=include,
                exclude=exclude,
                include_hidden=include_hidden,
                unknown=unknown,
            )
        elif path.exists():
            detect_format(path, src.format)  # fail early on unsupported formats
            files.append(path)
        else:
            raise CorpusPathError(f"{path}: no such file or folder")
    return files


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
            f"{spec}: the pattern matches no file, and {weight!r} after {head!r} is not a weight "
            "(a number >= 0: INPUT*2, INPUT*0.5)"
        )
    return f"{spec}: the pattern matches no file"
