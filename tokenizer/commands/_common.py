"""Shared by the subcommands: standard streams that were closed, output names, outputs that would
overwrite an input, and the final status line.

Stage: interface (CLI). No tokenizer logic lives here.

>>> same_file(__file__, __file__), same_file(__file__, "/no/such/file")
(True, False)
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
from collections.abc import Iterable
from typing import Any

__all__ = [
    "ClosedStream",
    "ClosedStreamError",
    "check_output_name",
    "check_sidecar_pattern",
    "refuse_overwrite",
    "refuse_stdout_input",
    "require_stdout",
    "same_file",
    "status",
]


class ClosedStreamError(OSError):
    """A standard stream that the command needs was closed (``>&-``, ``<&-``)."""


class ClosedStream:
    """Stands in for a standard stream that was closed when the process started (Python has
    ``None`` there): any use is a :class:`ClosedStreamError`, which the CLI reports in one line,
    not an ``AttributeError`` traceback. ``print(file=None)`` would say nothing and succeed."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        raise ClosedStreamError(errno.EBADF, f"standard {self._name} is closed")

    def __repr__(self) -> str:
        return f"<closed standard {self._name}>"


def require_stdout() -> None:
    """Raise :class:`ClosedStreamError` when standard output was closed: for commands whose
    result goes there, checked before the work rather than after it."""
    if sys.stdout is None or isinstance(sys.stdout, ClosedStream):
        raise ClosedStreamError(errno.EBADF, "standard output is closed")


def status(text: str) -> None:
    """Print a final status line (``wrote ...``) on standard output. The work is done and its
    files are written, so failing to say so (stdout closed, full, or a reader gone) is not an
    error: the line is dropped, and what is still buffered goes to /dev/null."""
    try:
        print(text, file=sys.stdout)
        sys.stdout.flush()
    except (OSError, ValueError, AttributeError):
        stdout_to_devnull()


def stdout_to_devnull() -> None:
    """Point file descriptor 1 (what ``sys.stdout`` writes to) at /dev/null, so that what is
    still buffered does not fail again at exit; best effort."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        fd = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(fd, sys.stdout.fileno())
        finally:
            os.close(fd)


def check_output_name(name: str, option: str, *, kind: str = "file", stdout: bool = False) -> None:
    """``ValueError`` for an empty output name (``--numpy ''`` wrote the ids as text to stdout;
    ``export -o ''`` wrote into the current folder), and for ``-`` unless ``stdout`` (``-`` is
    standard output everywhere; a file named ``-`` is never written). ``kind``: what the
    option names, for the message (file, folder)."""
    if not name:
        raise ValueError(f"{option}: the output {kind} name is empty")
    if name == "-" and not stdout:
        raise ValueError(
            f"{option} -: this output cannot be standard output; give a {kind} name "
            "(./- for one named '-')"
        )


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """Whether ``a`` and ``b`` are the same existing file (links and relative paths resolved)."""
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):  # (a missing file; a NUL in a name)
        return False


def refuse_overwrite(
    outputs: Iterable[tuple[str, str | os.PathLike[str]]],
    inputs: Iterable[tuple[str, str | os.PathLike[str]]],
) -> None:
    """``ValueError`` when an output file is one of the inputs: writing it would destroy what the
    command reads (``export -t v.json -o v.json``). ``outputs`` and ``inputs``: ``(what, path)``,
    ``what`` naming the option for the message."""
    inputs = list(inputs)
    for what, out in outputs:
        for source, path in inputs:
            if same_file(out, path):
                same = "" if os.fspath(out) == os.fspath(path) else f" ({os.fspath(path)})"
                raise ValueError(
                    f"{what} {os.fspath(out)} is {source}{same}: writing it would destroy it; "
                    "choose another output name"
                )


def refuse_stdout_input(inputs: Iterable[tuple[str, str]]) -> None:
    """``ValueError`` when standard output is a regular file that is one of the inputs
    (``codebpe encode f >> f``, ``codebpe decode - < ids >> ids``): a command that streams its
    input would read back what it wrote and never end (a 5 MB file grew to 134 MB in 8 s), and
    with ``>`` it read an emptied file. ``cat`` refuses the same. ``inputs``: ``(what, path)``,
    ``-`` for standard input."""
    try:
        out = os.fstat(sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # (closed: require_stdout says so)
        return
    if not stat.S_ISREG(out.st_mode):
        return
    for what, path in inputs:
        try:
            st = os.fstat(sys.stdin.fileno()) if path == "-" else os.stat(path)
        except (OSError, ValueError, AttributeError):
            continue
        if (st.st_dev, st.st_ino) == (out.st_dev, out.st_ino):
            name = "standard input" if path == "-" else path
            raise ValueError(
                f"standard output is {what} ({name}): the command would read back what it "
                "writes; write to another file"
            )


def check_sidecar_pattern(spec: str, pattern: str | None = None) -> None:
    """``ValueError`` when a pattern given for a ``.tiktoken`` file (``--pattern``, or ``spec``
    written ``PATH.tiktoken:PATTERN``) is another split than the one that the file's codebpe
    sidecar records: the ids were made with that one, and another would silently give other
    ids (``Tokenizer.from_tiktoken(pattern=...)`` lets it win, on purpose; the command line
    says --pattern is for a file without a sidecar). The same pattern, by any name, is fine.
    ``--pattern`` for a spec that is no ``.tiktoken`` file is refused too: the others record
    their pattern (encode refused it, bench ignored it)."""
    from pathlib import Path

    from .._loaders import tiktoken_spec
    from ..interop import _read_sidecar, _sidecar_pattern
    from ..patterns import get_pattern

    path, tail = tiktoken_spec(spec)
    if tail is not None:
        spec, given, how = path, tail, f"{path}:{tail}"
    else:
        given, how = pattern, f"--pattern {pattern}"
    if given is None:
        return
    if not spec.endswith((".tiktoken", ".tiktoken.gz")):
        raise ValueError(
            f"--pattern is only for .tiktoken files (the others record their pattern): {spec}"
        )
    side = _read_sidecar(Path(spec))
    if side is None:
        return
    recorded = _sidecar_pattern(side)
    if get_pattern(given).regexes != recorded.regexes:
        raise ValueError(
            f"{how}: {side[0]} records the pattern {recorded.name!r}, which "
            f"{Path(spec).name}'s ids were made with; leave the pattern out (it is for a "
            ".tiktoken file without a codebpe sidecar)"
        )
