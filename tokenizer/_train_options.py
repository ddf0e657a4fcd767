"""Trainer options checked and turned into settings: batch size, piece-table cap, merge limits.

Stage: training helper, independent of the CLI (``codebpe train`` and :func:`tokenizer.train.train`
both end up here through ``Trainer``). Nothing here counts, merges or reads input.

>>> table_capacity(None)
0
>>> check_merge_options(min_frequency=2, max_token_length=None)
>>> read_bytes(150_000_000), read_bytes(None)
(292968, None)
"""

from __future__ import annotations

from ._progress import human
from ._train_system import current_rss

__all__ = [
    "BATCH_CHARS",
    "CAPPED_BATCH_CHARS",
    "MERGE_TO_TABLE",
    "table_capacity",
    "check_merge_options",
    "read_bytes",
]

#: Text (characters) per thread in one counting batch.
BATCH_CHARS = 2 << 20
#: Text (characters) in one counting batch under a cap, whatever the thread count: the table is
#: pruned only after a batch, so where that may happen must not move with ``threads`` (the
#: batches of 2 threads, as before).
CAPPED_BATCH_CHARS = 2 * BATCH_CHARS
#: Peak merge memory over piece-table memory, with a margin (see table_capacity).
MERGE_TO_TABLE = 7
#: The least memory the piece table may be given.
_MIN_SPARE = 24 << 20
#: The process's size is rounded up to a multiple of this in the share (see table_capacity).
_RSS_GRAIN = 4 << 20
#: The least text a Parquet or dataset reader decodes at a time under a cap (see read_bytes).
_MIN_READ_BYTES = 256 << 10


def table_capacity(max_memory: int | None) -> int:
    """Bytes the piece table may use under ``max_memory`` (0: no cap).

    Raises:
        ValueError: ``max_memory`` leaves too little after this process and two batches.
    """
    if max_memory is None:
        return 0
    # subtle: the merge structures (u32 symbols, postings, pair table, heap) peak at
    # ~4.7x the piece table (measured: 91 MB for a 19.5 MB table of 344 k pieces), so the
    # table gets (with a margin) a seventh of what is left after this process and two
    # batches in flight (text, UTF-8 copies and piece references: ~12 bytes per
    # character of a batch, measured). Batches under a cap have a fixed size, so the share
    # does not depend on the thread count (nor, then, does the vocabulary).
    # subtle: the process's size varies by a few hundred KB from run to run (27.24-27.72 MB
    # here in `codebpe train`, measured), and a seventh of that moved the share enough to
    # change which batch pruned: 2 runs in 34 at 104M gave another vocabulary, same input and
    # threads. Rounded up to a multiple of 4 MiB, the share moves only where the size crosses
    # one, and a cap gives the same vocabulary from run to run.
    rss = -(-current_rss() // _RSS_GRAIN) * _RSS_GRAIN
    fixed = rss + 12 * CAPPED_BATCH_CHARS
    spare = max_memory - fixed
    if spare < _MIN_SPARE:
        raise ValueError(
            f"max_memory {human(max_memory)} is too small: this process already "
            f"uses {human(current_rss())}; allow at least {human(fixed + _MIN_SPARE)}"
        )
    return spare // MERGE_TO_TABLE


def read_bytes(max_memory: int | None) -> int | None:
    """Text bytes a Parquet or saved-dataset reader turns into ``str`` at a time under
    ``max_memory``: a 512th of it, at least 256 KiB and at most the readers' own default
    (``_corpus_formats.READ_BYTES``, 4 MiB); ``None`` (no cap): that default.

    The readers' memory is not in the piece table's share (see table_capacity): it lives in
    the room kept for the merge, so it is kept small next to the cap.
    """
    if max_memory is None:
        return None
    from ._corpus_formats import READ_BYTES

    return max(_MIN_READ_BYTES, min(READ_BYTES, max_memory // 512))


def check_merge_options(*, min_frequency: int, max_token_length: int | None) -> None:
    """Raise ``ValueError`` for a ``min_frequency`` below 1 or a ``max_token_length`` below 2."""
    if min_frequency < 1:
        raise ValueError(f"min_frequency must be >= 1, got {min_frequency}")
    if max_token_length is not None and max_token_length < 2:
        raise ValueError(f"max_token_length must be >= 2 (or None), got {max_token_length}")
