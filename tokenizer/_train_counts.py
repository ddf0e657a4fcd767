"""Count files: the piece-count table on disk (write atomically, read the header).

Stage: training helper. The table itself is written and read by ``_core.PieceCounter.save`` /
``load`` (binary, little-endian: ``"CBPECNT\\0"``, u32 version, u32 metadata length, metadata
JSON, u64 total, u64 pruned unique, u64 pruned mass, u64 entries, then per entry a varint length,
the bytes and a varint count). This module adds the atomic rename and reads the metadata without
loading the table, so a table counted with another pattern is refused before any work.
"""

from __future__ import annotations

import json
import os
import struct
from typing import Any

__all__ = ["COUNTS_MAGIC", "save_table", "read_header", "check_writable", "writable_target"]

COUNTS_MAGIC = b"CBPECNT\0"


def check_writable(path: str | os.PathLike[str], what: str = "") -> None:
    """``OSError`` naming ``path`` when a file cannot be written there: an empty name, a folder,
    or a folder that is missing or not writable. ``what`` names the file in the messages (an
    option: ``--save-counts``). ``train(save_counts=...)`` checks this before counting: the
    write failed after the whole corpus had been counted, naming the temporary file
    (``ValueError: cannot write /no/such/c.counts.tmp25196``).

    >>> check_writable("/no/such/folder/c.counts")
    Traceback (most recent call last):
    ...
    FileNotFoundError: /no/such/folder/c.counts: the folder /no/such/folder does not exist
    """
    name = os.fspath(path)
    if not name:
        raise FileNotFoundError(f"{what or 'the'} file name is empty")
    named = f"{what} {name}" if what else name
    if os.path.isdir(name):
        raise IsADirectoryError(f"{named} is a folder")
    folder = os.path.dirname(name) or "."
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"{named}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise PermissionError(f"{named}: the folder {folder} is not writable")


def writable_target(path: str | os.PathLike[str]) -> tuple[Any, bool]:
    """``vocab.output_target(path)`` (the file a write goes to, and whether in place), checked
    with :func:`check_writable` unless written in place (a device or FIFO)."""
    from .vocab import output_target

    target, in_place = output_target(path)
    if not in_place:
        check_writable(target)
    return target, in_place


def save_table(counter: Any, path: str | os.PathLike[str], meta: dict[str, Any]) -> None:
    """Write ``counter`` with ``meta`` to ``path`` through a temporary file and a rename (a link:
    its target; a device or FIFO: in place, see ``vocab.output_target``)."""
    target, in_place = writable_target(path)
    if in_place:
        _save(counter, os.fspath(target), os.fspath(path), meta)
        return
    path = os.fspath(target)
    tmp = f"{path}.tmp{os.getpid()}"
    try:
        _save(counter, tmp, path, meta)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def read_header(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The metadata of a count file; ``ValueError`` if it is not one.

    >>> import tempfile; p = tempfile.mktemp(); open(p, "wb").write(b"nope")
    4
    >>> read_header(p)
    Traceback (most recent call last):
    ...
    ValueError: ... not a codebpe count file
    """
    with open(path, "rb") as f:
        head = f.read(16)
        if len(head) < 16 or head[:8] != COUNTS_MAGIC:
            raise ValueError(f"{os.fspath(path)}: not a codebpe count file")
        raw = f.read(struct.unpack("<I", head[12:16])[0])
    try:
        meta = json.loads(raw or b"{}")
    except ValueError as e:
        raise ValueError(
            f"{os.fspath(path)}: count file metadata is not valid JSON ({e})"
        ) from None
    if not isinstance(meta, dict):
        raise ValueError(f"{os.fspath(path)}: count file metadata is not an object")
    return meta


def _save(counter: Any, file: str, name: str, meta: dict[str, Any]) -> None:
    """``counter.save(file, ...)``, a failed write named by ``name`` (the table asked for, not
    its temporary file): "write failed (disk full?)" named no file."""
    try:
        counter.save(file, json.dumps(meta))
    except ValueError as e:
        if not str(e).startswith("write failed: "):
            raise
        raise OSError(f"cannot write {name}: {str(e).removeprefix('write failed: ')}") from None
