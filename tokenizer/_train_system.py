"""Process facts for training: memory sizes, current and peak RSS, usable threads.

Stage: training helper. Nothing here trains or counts.

>>> default_threads() >= 1
True
"""

from __future__ import annotations

import os

__all__ = ["parse_memory", "default_threads", "current_rss", "peak_rss"]


def parse_memory(size: int | str | None) -> int | None:
    """Bytes from ``2G``, ``512M``, ``1.5GiB`` or an int (``None`` stays ``None``).

    >>> parse_memory("2G"), parse_memory("512MiB")
    (2000000000, 536870912)
    """
    if size is None or isinstance(size, int):
        return size
    from .corpus import parse_size

    return parse_size(size)


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
