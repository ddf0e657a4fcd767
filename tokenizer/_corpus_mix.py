"""Corpus stage, mixing side: decode raw records, sample by weight, interleave sources, cut.

Pure per-document policies used by ``tokenizer.corpus.Corpus``: the record-to-text decoding
(``errors="skip" | "bytes" | "strict"``), the stable hash behind fractional weights, the
progress-ordered interleaving of several sources, and the cut of the document that crosses the
byte budget. Nothing here opens an input (``tokenizer._corpus_records`` does) or keeps a summary.

>>> cut_text("héllo", 2)
('h', 1)
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Iterator
from typing import Any, Literal

from tokenizer._corpus_formats import (
    CorpusEncodingError,
    CorpusFieldError,
    RawRecord,
    has_surrogate,
)

__all__ = ["Errors", "decode_record", "valid_lines", "unit", "interleave", "cut_text"]

Errors = Literal["skip", "bytes", "strict"]


def decode_record(raw: RawRecord, errors: Errors, text_field: str) -> str | bytes | None:
    """The record's text as ``str`` (or ``bytes`` for invalid UTF-8 with ``errors="bytes"``).

    subtle: JSONL lines are decoded with ``surrogateescape``, so invalid bytes arrive here as lone
    surrogates U+DC80..U+DCFF and are turned back into the original bytes. Lone surrogates from
    ``\\uD800``-style JSON escapes are kept as their (invalid) UTF-8 encoding instead.

    >>> decode_record(RawRecord(b"\\xff", None, "x", 1), "bytes", "text")
    b'\\xff'
    """
    value = raw.text
    if value is None:
        return None
    if isinstance(value, str):
        if not has_surrogate(value):  # (not value.encode(): 15 MB more for a 15 MB record)
            return value
        # lone surrogates: invalid bytes or a bad \u escape in JSON
        value = value.encode("utf-8", "surrogateescape" if _escapable(value) else "surrogatepass")
    if not isinstance(value, (bytes, bytearray, memoryview)):
        raise CorpusFieldError(
            f"{raw.source}: the field {text_field!r} holds {type(value).__name__}, not a string",
            field=text_field,
            available=[],
        )
    try:
        return bytes(value).decode("utf-8")
    except UnicodeDecodeError as exc:
        if errors == "strict":
            raise CorpusEncodingError(f"{raw.source}: invalid UTF-8: {exc}") from None
        return bytes(value) if errors == "bytes" else None


#: The most of a chunk's bytes that its invalid lines may hold for the rest to be kept: more is a
#: binary or wrongly encoded text, whose "valid" lines are noise (the chunk is skipped whole).
MAX_INVALID_SHARE = 0.1


def valid_lines(data: bytes) -> tuple[str | None, int]:
    """``data`` without its lines that are not valid UTF-8, and how many lines were dropped.

    For chunks of long text streams (``RawRecord.chunked``): one bad byte in a 3 MB stream cost
    a whole 1 MiB chunk. ``None`` when the invalid lines hold more than ``MAX_INVALID_SHARE`` of
    the bytes. A line keeps its line end (``\\n``, ``\\r\\n`` or ``\\r``); a dropped line takes
    its line end with it.

    >>> valid_lines(b"ok\\nbad \\xff\\n" + b"fine\\n" * 20)[1]
    1
    >>> valid_lines(b"\\xff\\xfe\\nab\\n")
    (None, 1)
    """
    kept, dropped, dropped_bytes = [], 0, 0
    for line in data.splitlines(keepends=True):
        try:
            kept.append(line.decode("utf-8"))
        except UnicodeDecodeError:
            dropped += 1
            dropped_bytes += len(line)
    if dropped_bytes > MAX_INVALID_SHARE * len(data):
        return None, dropped
    return "".join(kept), dropped


def _escapable(text: str) -> bool:
    return all(not 0xD800 <= ord(c) < 0xDC80 for c in text if 0xD800 <= ord(c) < 0xE000)


def unit(key: str) -> float:
    """A stable pseudo-random number in [0, 1) for ``key``."""
    return (
        int.from_bytes(
            hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "big"
        )
        / 2**64
    )


def interleave(
    streams: list[Iterator[tuple[str, Any, float]]], *, enabled: bool
) -> Iterator[tuple[str, Any]]:
    """``(label, document)`` from ``(label, document, progress)`` streams.

    Enabled: always from the stream that has progressed least (ties: the earlier stream); streams
    of unknown progress (``< 0``) come after the others. Disabled: the streams one after another.
    """
    # subtle: each ``doc = None`` drops this generator's reference to the document it handed out
    # before the next one is read (a document of megabytes is not held twice).
    if not enabled:
        for stream in streams:
            for label, doc, _ in stream:
                yield label, doc
                doc = None
        return
    heap: list[tuple[bool, float, int, str, Any]] = []
    for order, stream in enumerate(streams):
        for label, doc, progress in stream:
            heapq.heappush(heap, (progress < 0, progress, order, label, doc))
            break
    while heap:
        _, _, order, label, doc = heapq.heappop(heap)
        yield label, doc
        doc = None
        for label, doc, progress in streams[order]:
            heapq.heappush(heap, (progress < 0, progress, order, label, doc))
            break


def cut_text(text: str | bytes, limit: int) -> tuple[str | bytes, int]:
    """At most ``limit`` UTF-8 bytes of ``text`` (``str``: whole characters), and their size."""
    if isinstance(text, bytes):
        return text[:limit], len(text[:limit])
    text = text.encode()[:limit].decode("utf-8", "ignore")
    return text, len(text.encode())
