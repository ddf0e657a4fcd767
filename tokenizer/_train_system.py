"""Process facts for training: memory sizes, current and peak RSS, usable threads, and the
C library's allocator held to its default mmap threshold under a memory cap.

Stage: training helper. Nothing here trains or counts.

>>> default_threads() >= 1
True
"""

from __future__ import annotations

import os

__all__ = ["parse_memory", "default_threads", "current_rss", "peak_rss", "fix_mmap_threshold"]

#: glibc's ``mallopt`` parameter ``M_MMAP_THRESHOLD`` and its default value.
_M_MMAP_THRESHOLD, _MMAP_THRESHOLD = -3, 128 << 10


def parse_memory(size: int | str | None, name: str = "size") -> int | None:
    """Bytes from ``2G``, ``512M``, ``1.5GiB`` or an int (``None`` stays ``None``): as
    :func:`~tokenizer.corpus.parse_size` (a negative int was taken as it was: ``max_bytes=-1``
    cut the last byte of the text). ``name``: the parameter, for the errors.

    >>> parse_memory("2G"), parse_memory("512MiB")
    (2000000000, 536870912)
    """
    from ._corpus_summary import parse_size  # (light: tokenizer.corpus imports the readers)

    return parse_size(size, name)


def current_rss() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return peak_rss()


def peak_rss() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def default_threads() -> int:
    """The CPUs this process may run on (its affinity mask, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def fix_mmap_threshold() -> bool:
    """Fix glibc's mmap threshold at its default (128 KiB); ``False`` where that cannot be done
    (another C library). Called by a ``Trainer`` with ``max_memory``; it holds for the process.

    glibc raises the threshold to the size of each large block freed (up to 32 MiB), so after
    the first 1 MiB text chunk or Parquet batch was freed, the next ones came from the heap,
    which kept what was freed: ``codebpe train`` on a folder of 1 MB text files peaked at 156 MB
    under ``--max-memory 150M``, 98 MB with the threshold fixed (the same vocabulary).
    """
    import ctypes

    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version  # noqa: B018 - glibc only (musl's mallopt does nothing)
        return bool(libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD))
    except (OSError, AttributeError):  # pragma: no cover - not glibc
        return False
