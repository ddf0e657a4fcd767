"""Bookkeeping for the corpus stage: what a pass read and skipped, sizes, and a text table.

Pure data helpers for ``tokenizer.corpus``; they read no input themselves.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

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
    #: files a folder walk left out for an unknown extension: extension -> files
    unknown_extensions: dict[str, int] = field(default_factory=dict)
    #: the first few skipped documents (their ``source``), as ``skipped``: source -> reason -> list
    skipped_examples: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    #: documents kept but changed (lone surrogates of a JSON escape -> U+FFFD): reason -> count,
    #: and the first few sources (as train() reports them for texts it is given)
    replaced: dict[str, int] = field(default_factory=dict)
    replaced_examples: dict[str, list[str]] = field(default_factory=dict)

    def record(self, source: str, lang: str | None, size: int) -> None:
        self.documents += 1
        self.bytes += size
        for table, key in ((self.by_source, source), (self.by_lang, lang or "unknown")):
            counts = table.setdefault(key, [0, 0])
            counts[0] += 1
            counts[1] += size

    def skip(self, source: str, reason: str, example: str | None = None, count: int = 1) -> None:
        reasons = self.skipped.setdefault(source, {})
        reasons[reason] = reasons.get(reason, 0) + count
        if example is not None:
            _example(self.skipped_examples.setdefault(source, {}), reason, example)

    def replace(self, reason: str, example: str) -> None:
        self.replaced[reason] = self.replaced.get(reason, 0) + 1
        _example(self.replaced_examples, reason, example)

    def skip_unknown(self, counts: dict[str, int]) -> None:
        """Add a walk's files skipped for an unknown extension (extension -> files)."""
        for ext, n in counts.items():
            self.unknown_extensions[ext] = self.unknown_extensions.get(ext, 0) + n

    def to_dict(self) -> dict:
        return {
            "documents": self.documents,
            "bytes": self.bytes,
            "by_source": self.by_source,
            "by_lang": self.by_lang,
            "skipped": self.skipped,
            "budget_reached": self.budget_reached,
            "unknown_extensions": self.unknown_extensions,
            "skipped_examples": self.skipped_examples,
            # (only when there are some: a vocabulary's corpus record is otherwise as it was)
            **(
                {"replaced": self.replaced, "replaced_examples": self.replaced_examples}
                if self.replaced
                else {}
            ),
        }


#: Skipped documents kept as examples, per source and reason.
MAX_EXAMPLES = 3


def _example(examples: dict[str, list[str]], reason: str, example: str) -> None:
    """Keep ``example`` under ``reason`` while there are fewer than ``MAX_EXAMPLES``."""
    kept = examples.setdefault(reason, [])
    if len(kept) < MAX_EXAMPLES:
        kept.append(example)


#: Extensions listed by name in ``skip_notes`` (the most frequent first).
MAX_EXTENSIONS = 10
_REASONS = {  # reason -> (phrase, what is counted)
    "invalid-utf8": ("{n} {what} with invalid UTF-8", "document"),
    "invalid-utf8-line": ("{n} {what} with invalid UTF-8", "line"),
    "null-text": ("{n} {what} with a null text", "document"),
    "empty": ("{n} empty {what}", "document"),
    "sampled-out-by-weight": ("{n} {what} sampled out by weight", "document"),
    # files and folders that folder walks (and globs) left out, and went on
    "broken-symlink": ("{n} broken {what}", "symlink"),
    "not-a-regular-file": ("{n} special {what} (FIFO, socket, device)", "file"),
    "unreadable": ("{n} unreadable {what}", "file"),
    "unreadable-folder": ("{n} unreadable {what}", "folder"),
    "symlinked-folder": ("{n} symlinked {what} (not followed)", "folder"),
    "tokenizer-file": (
        "{n} tokenizer {what} (codebpe vocabulary, count table, tokenizer.json)",
        "file",
    ),
    "report-file": ("{n} codebpe report {what}", "file"),
    "excluded": ("{n} {what} left out by --exclude", "file"),
    "excluded-folder": ("{n} {what} left out by --exclude, not walked", "folder"),
}
#: Not a skip: the document that crossed the byte budget was cut, and its start was read.
_NOT_SKIPPED = ("truncated-by-budget",)


def _plural(n: int, word: str) -> str:
    return word if n == 1 else word + "s"


def unknown_extensions_note(counts: Mapping[str, int]) -> str:
    """``"3 files with an unknown extension (.vue 2, .dart 1)"``; ``""`` when there are none.

    >>> unknown_extensions_note({".dart": 1, ".vue": 2})
    '3 files with an unknown extension (.vue 2, .dart 1)'
    """
    total = sum(counts.values())
    if not total:
        return ""
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    listed = ", ".join(f"{ext} {n:,}" for ext, n in ranked[:MAX_EXTENSIONS])
    if len(ranked) > MAX_EXTENSIONS:
        listed += f", {len(ranked) - MAX_EXTENSIONS} more"
    return f"{total:,} {_plural(total, 'file')} with an unknown extension ({listed})"


def skip_notes(summary: Mapping[str, Any]) -> list[str]:
    """What a pass skipped, one phrase per kind, from a summary dict (``CorpusSummary.to_dict``).

    Files left out of folder walks for an unknown extension first, then skipped documents by
    reason over all sources (not the document cut at the byte budget), each with up to
    ``MAX_EXAMPLES`` of their sources. Also takes the ``{reason: count}`` table of documents
    given as texts.

    >>> skip_notes({"skipped": {"a/": {"invalid-utf8": 2}},
    ...             "skipped_examples": {"a/": {"invalid-utf8": ["a/x.bin", "a/y.bin"]}}})
    ['2 documents with invalid UTF-8 (a/x.bin, a/y.bin)']
    """
    notes = []
    unknown = unknown_extensions_note(summary.get("unknown_extensions") or {})
    if unknown:
        notes.append(unknown)
    counts: dict[str, int] = {}
    examples: dict[str, list[str]] = {}
    for source, reasons in (summary.get("skipped") or {}).items():
        if isinstance(reasons, int):  # documents given as texts: {reason: count}
            counts[source] = counts.get(source, 0) + reasons
            continue
        for reason, n in reasons.items():
            counts[reason] = counts.get(reason, 0) + n
    for reasons in (summary.get("skipped_examples") or {}).values():
        for reason, found in reasons.items():
            examples.setdefault(reason, []).extend(found)
    for reason, n in sorted(counts.items()):
        if reason in _NOT_SKIPPED:
            continue
        phrase, what = _REASONS.get(reason, ("{n} {what} " + reason, "document"))
        text = phrase.format(n=f"{n:,}", what=_plural(n, what))
        notes.append(text + _examples(examples.get(reason, []), n))
    return notes


def skip_lines(summary: Mapping[str, Any]) -> list[str]:
    """What a pass left out, one line each, worded alike by ``codebpe corpus`` (its table) and
    ``codebpe train`` (its summary): ``skipped: NOTE`` per :func:`skip_notes`, then whether the
    byte budget stopped the reading.

    >>> for line in skip_lines({"skipped": {"d": {"excluded": 1, "invalid-utf8": 1}},
    ...                         "skipped_examples": {"d": {"excluded": ["d/b.py"]}},
    ...                         "budget_reached": True}):
    ...     print(line)
    skipped: 1 file left out by --exclude (d/b.py)
    skipped: 1 document with invalid UTF-8
    stopped at the --max-bytes budget: the rest of the input was not read
    """
    lines = [f"skipped: {note}" for note in skip_notes(summary)]
    if summary.get("budget_reached"):
        lines.append("stopped at the --max-bytes budget: the rest of the input was not read")
    return lines


#: Documents kept with some text replaced: reason -> phrase (texts given to ``train()``).
_REPLACED = {"lone-surrogates": "lone surrogates replaced with U+FFFD in {n} {documents}"}


def replaced_notes(summary: Mapping[str, Any]) -> list[str]:
    """What a pass kept but changed, one phrase per kind (``summary["replaced"]``).

    >>> replaced_notes({"replaced": {"lone-surrogates": 1},
    ...                 "replaced_examples": {"lone-surrogates": ["#4"]}})
    ['lone surrogates replaced with U+FFFD in 1 document (#4)']
    """
    examples = summary.get("replaced_examples") or {}
    return [
        _REPLACED.get(reason, "{n} {documents} " + reason).format(
            n=f"{n:,}", documents=_plural(n, "document")
        )
        + _examples(examples.get(reason, []), n)
        for reason, n in sorted((summary.get("replaced") or {}).items())
    ]


def _examples(sources: list[str], n: int) -> str:
    """`` (a, b, ...)``: up to ``MAX_EXAMPLES`` sources of ``n`` skipped documents, or ``""``."""
    shown = sources[:MAX_EXAMPLES]
    if not shown:
        return ""
    return f" ({', '.join(shown)}{', ...' if n > len(shown) else ''})"


def parse_size(size: int | float | str | None, name: str = "size") -> int | None:
    """Bytes from an int, a float (rounded down) or a human size: decimal ``k M G T``, binary
    ``KiB MiB GiB``. ``name``: the parameter, for the errors (``max_bytes must be >= 0``).

    >>> parse_size("500M"), parse_size("10k"), parse_size("2GiB"), parse_size(None)
    (500000000, 10000, 2147483648, None)
    >>> parse_size(1.5e8), parse_size(True)
    Traceback (most recent call last):
    ...
    TypeError: size must be an int, a float or a str such as '500M', not bool (True)
    """
    if size is None:
        return None
    if isinstance(size, bool) or not isinstance(size, (int, float, str)):
        kind = type(size).__name__
        raise TypeError(
            f"{name} must be an int, a float or a str such as '500M', not {kind} ({size!r})"
        )
    if isinstance(size, float):
        if not math.isfinite(size):  # (a float was "no attribute 'lower'")
            raise ValueError(f"{name} must be a finite number of bytes, got {size}")
        size = math.floor(size)
    if isinstance(size, int):
        if size < 0:
            raise ValueError(f"{name} must be >= 0, got {size}")
        return size
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]i?)?b?\s*", size.lower())
    if not match:
        raise ValueError(f"cannot parse {name} {size!r}; use e.g. 10k, 500M, 2G, 1.5GiB")
    return int(float(match[1]) * _UNITS[match[2] or ""])


def summary_table(summary: CorpusSummary) -> str:
    """A plain-text table of bytes and documents per language and per source, then what was
    left out (:func:`skip_lines`, as ``codebpe train`` says it).

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
    lines += skip_lines(summary.to_dict())
    lines += [f"replaced: {note}" for note in replaced_notes(summary.to_dict())]
    return "\n".join(lines).rstrip() + "\n"
