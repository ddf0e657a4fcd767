"""Trainer options checked and turned into settings: batch size, piece-table cap, merge limits,
the memory the merge will need.

Stage: training helper, independent of the CLI (``codebpe train`` and :func:`tokenizer.train.train`
both end up here through ``Trainer``). Nothing here counts, merges or reads input.

>>> table_capacity(None)
0
>>> merge_need(pieces=100_000, piece_bytes=1_000_000, merges=32_000) // 1_000_000
64
>>> check_merge_options(min_frequency=2, max_token_length=None)
>>> read_bytes(150_000_000), read_bytes(None)
(292968, None)
"""

from __future__ import annotations

import operator

from ._progress import human
from ._train_system import current_rss

__all__ = [
    "BATCH_CHARS",
    "CAPPED_BATCH_CHARS",
    "MERGE_TO_TABLE",
    "COUNT_SHARE",
    "process_floor",
    "table_capacity",
    "merge_budget",
    "merge_need",
    "check_merge_options",
    "read_bytes",
]

#: Text (characters) per thread in one counting batch.
BATCH_CHARS = 2 << 20
#: Text (characters) in one counting batch under a cap, whatever the thread count: the table is
#: pruned only after a batch, so where that may happen must not move with ``threads`` (the
#: batches of 2 threads, as before).
CAPPED_BATCH_CHARS = 2 * BATCH_CHARS
#: The piece table's share while counting: this part of what is left after the process and two
#: batches (see table_capacity).
COUNT_SHARE = 2
#: The least share, as before 2026-12 (a seventh), kept for Parquet near the smallest caps (see
#: table_capacity).
MERGE_TO_TABLE = 7
#: Under a cap, memory that a reader holds while counting outside the batches, by the module the
#: reader imports: pyarrow's Parquet page buffers (a data page and the column's dictionary page,
#: about 20 MB on a file written with pyarrow's defaults, measured).
READER_BUFFERS = {"pyarrow.parquet": 24 << 20}
#: The merge's need (merge_need): bytes per unique piece, per byte of the pieces, per merge to
#: learn, and a fixed part (what counting left on the C library's heap that the merge does not
#: reuse, and the vocabulary built at the end). Measured 2026-12 on 3 corpora, 9 tables (see
#: docs/training.md, "Memory cap"): the merge peaked at 0.38-0.85 of this.
MERGE_PER_PIECE = 100
MERGE_PER_BYTE = 30
MERGE_PER_MERGE = 100
MERGE_FIXED = 20 << 20
#: The least memory the piece table may be given.
_MIN_SPARE = 24 << 20
#: The process's size is rounded up to a multiple of this in the share (see table_capacity).
_RSS_GRAIN = 4 << 20
#: The least text a Parquet or dataset reader decodes at a time under a cap (see read_bytes).
_MIN_READ_BYTES = 256 << 10


def process_floor() -> int:
    """This process's size rounded up to a multiple of 4 MiB: what the share and the merge's
    budget start from.

    subtle: the size varies by a few hundred KB from run to run (27.24-27.72 MB here in
    `codebpe train`, measured), and a seventh of that moved the share enough to change which
    batch pruned: 2 runs in 34 at 104M gave another vocabulary, same input and threads. Rounded
    up, it moves only where the size crosses a multiple, and a cap gives the same vocabulary
    from run to run.
    """
    return -(-current_rss() // _RSS_GRAIN) * _RSS_GRAIN


def table_capacity(max_memory: int | None, floor: int | None = None, readers: int = 0) -> int:
    """Bytes the piece table may use while counting under ``max_memory`` (0: no cap), from the
    process's size ``floor`` (default: :func:`process_floor`) and the memory ``readers`` hold
    outside the batches (``READER_BUFFERS``).

    The table gets half of what is left after the process, two batches in flight (text, UTF-8
    copies and piece references: ~12 bytes per character of a batch, measured) and the readers'
    buffers, and never less than a seventh of what is left after the process and the batches
    (the share before 2026-12, which Parquet near the smallest caps still gets). Batches under a
    cap have a fixed size, so the share does not depend on the thread count (nor, then, does the
    vocabulary). The merge needs no room here: before it starts, the table is pruned again to
    what its merge needs (merge_budget, merge_need; ``Trainer.train``).

    Raises:
        ValueError: ``max_memory`` leaves too little after this process and two batches.
    """
    if max_memory is None:
        return 0
    rss = process_floor() if floor is None else floor
    fixed = rss + 12 * CAPPED_BATCH_CHARS
    spare = max_memory - fixed
    if spare < _MIN_SPARE:
        raise ValueError(
            f"max_memory {human(max_memory)} is too small: this process already "
            f"uses {human(current_rss())}; allow at least {human(fixed + _MIN_SPARE)}"
        )
    return max(spare // MERGE_TO_TABLE, (spare - readers) // COUNT_SHARE)


def merge_budget(max_memory: int, floor: int) -> int:
    """Bytes the merge may use under ``max_memory`` in a process of size ``floor`` (see
    process_floor): the batches are gone by then, so all of the rest."""
    return max_memory - floor


def merge_need(*, pieces: int, piece_bytes: int, merges: int) -> int:
    """What the merge of ``pieces`` unique pieces of ``piece_bytes`` bytes in all will use (an
    upper bound, measured): symbols and word arrays, the pair table, postings and heap, which
    grow with the ``merges`` learned (see the ``MERGE_`` constants)."""
    return (
        MERGE_FIXED
        + MERGE_PER_PIECE * pieces
        + MERGE_PER_BYTE * piece_bytes
        + MERGE_PER_MERGE * merges
    )


def read_bytes(max_memory: int | None) -> int | None:
    """Text bytes a Parquet or saved-dataset reader turns into ``str`` at a time under
    ``max_memory``: a 512th of it, at least 256 KiB and at most the readers' own default
    (``_corpus_formats.READ_BYTES``, 4 MiB); ``None`` (no cap): that default.

    The readers' memory is not in the piece table's share (see table_capacity) but in the room
    left beside it, so it is kept small next to the cap.
    """
    if max_memory is None:
        return None
    from ._corpus_formats import READ_BYTES

    return max(_MIN_READ_BYTES, min(READ_BYTES, max_memory // 512))


def check_merge_options(*, min_frequency: int, max_token_length: int | None) -> None:
    """Raise ``ValueError`` for a ``min_frequency`` below 1 or a ``max_token_length`` below 2 (or
    either beyond 64 bits), ``TypeError`` for one that is not an int (a float or a str reached
    the C++ call, whose error printed its whole signature; ``True`` was taken as 1).

    >>> check_merge_options(min_frequency=2.5, max_token_length=None)
    Traceback (most recent call last):
    ...
    TypeError: min_frequency must be an int, not float (2.5)
    """
    for name, value in (("min_frequency", min_frequency), ("max_token_length", max_token_length)):
        if value is None and name == "max_token_length":
            continue
        try:
            if isinstance(value, bool):
                raise TypeError
            value = operator.index(value)
        except TypeError:
            kind = type(value).__name__
            raise TypeError(f"{name} must be an int, not {kind} ({value!r})") from None
        if value >= 1 << 64:
            raise ValueError(f"{name} must be below 2**64, got {value}")
    if min_frequency < 1:
        raise ValueError(f"min_frequency must be >= 1, got {min_frequency}")
    if max_token_length is not None and max_token_length < 2:
        raise ValueError(f"max_token_length must be >= 2 (or None), got {max_token_length}")
