"""Bookkeeping for the corpus stage: what a pass read and skipped, sizes, and a text table.

Pure data helpers for ``tokenizer.corpus``; they read no input themselves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_UNITS = {
    "": 1,
    "k": 10**3,
    "m": 10**6,
    "g": 10**9,
    "t": 10**12,
    "ki": 2**10,
    "mi": 2**20,
    "gi": 2**30,
    "ti": 2**40,
}


@dataclass
class CorpusSummary:
    """What one pass read and skipped; ``by_source`` / ``by_lang`` map to [documents, bytes]."""

    documents: int = 0
    bytes: int = 0
    by_source: dict[str, list[int]] = field(default_factory=dict)
    by_lang: dict[str, list[int]] = field(default_factory=dict)
    skipped: dict[str, dict[str, int]] = field(default_factory=dict)
    budget_reached: bool = False

    def record(self, source: str, lang: str | None, size: int) -> None:
        self.documents += 1
        self.bytes += size
        for table, key in ((self.by_source, source), (self.by_lang, lang or "unknown")):
            counts = table.setdefault(key, [0, 0])
            counts[0] += 1
            counts[1] += size

    def skip(self, source: str, reason: str) -> None:
        reasons = self.skipped.setdefault(source, {})
        reasons[reason] = reasons.get(reason, 0) + 1

    def to_dict(self) -> dict:
        return {
            "documents": self.documents,
            "bytes": self.bytes,
            "by_source": self.by_source,
            "by_lang": self.by_lang,
            "skipped": self.skipped,
            "budget_reached": self.budget_reached,
        }


def parse_size(size: int | str | None) -> int | None:
    """Bytes from an int or a human size: decimal ``k M G T``, binary ``KiB MiB GiB``.

    >>> parse_size("500M"), parse_size("10k"), parse_size("2GiB"), parse_size(None)
    (500000000, 10000, 2147483648, None)
    """
    if size is None or isinstance(size, int):
        if isinstance(size, int) and size < 0:
            raise ValueError(f"size must be >= 0, got {size}")
        return size
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]i?)?b?\s*", size.lower())
    if not match:
        raise ValueError(f"cannot parse size {size!r}; use e.g. 10k, 500M, 2G, 1.5GiB")
    return int(float(match[1]) * _UNITS[match[2] or ""])


def summary_table(summary: CorpusSummary) -> str:
    """A plain-text table of bytes and documents per language and per source, then skips.

    >>> print(summary_table(CorpusSummary()).splitlines()[0])
    language          documents         bytes  share
    """
    lines = []
    for title, table in (("language", summary.by_lang), ("source", summary.by_source)):
        width = max([16, *map(len, table)])
        lines.append(f"{title:<{width}} {'documents':>10} {'bytes':>13}  share")
        for key, (docs, size) in sorted(table.items(), key=lambda kv: (-kv[1][1], kv[0])):
            share = size / summary.bytes if summary.bytes else 0.0
            lines.append(f"{key:<{width}} {docs:>10,} {size:>13,} {share:6.1%}")
        lines.append(f"{'total':<{width}} {summary.documents:>10,} {summary.bytes:>13,}")
        lines.append("")
    for source, reasons in sorted(summary.skipped.items()):
        detail = ", ".join(f"{reason}: {n:,}" for reason, n in sorted(reasons.items()))
        lines.append(f"skipped in {source}: {detail}")
    return "\n".join(lines).rstrip() + "\n"
