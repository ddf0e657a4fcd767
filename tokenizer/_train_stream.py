"""Counting a stream of documents: batches to the C++ counter, reading overlapped with counting.

Stage: training helper (count). Texts are gathered into batches of ``BATCH_CHARS`` per thread
(under a cap, ``CAPPED_BATCH_CHARS`` whatever the thread count: the table may be pruned after
each batch, and that must happen at the same documents for any thread count); with a native
splitter each batch is counted by ``_core.PieceCounter.count`` in a worker thread
(GIL released) while the next one is read, otherwise it is split with Python ``regex`` here and
added as ``{piece: count}``. Special tokens (``trainer.boundaries``) are cut out of the texts
either way (boundaries, not text). It updates the trainer's document, byte and time totals. It
does not open inputs (``tokenizer._train_inputs``) and does not merge.

>>> from tokenizer.train import Trainer
>>> t = Trainer(progress=False)
>>> count_stream(t, ["a b", "a"]); t.documents, t.bytes
(2, 4)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING

from ._progress import Progress
from ._train_options import BATCH_CHARS, CAPPED_BATCH_CHARS
from ._train_split import python_counts

if TYPE_CHECKING:
    from .train import Trainer

__all__ = ["count_stream"]


def count_stream(
    trainer: Trainer,
    texts: Iterable[str | bytes],
    fraction: Callable[[], float | None] | None = None,
) -> None:
    """Count every text of ``texts`` into ``trainer.counter`` (``str`` or UTF-8 ``bytes``).

    ``fraction``: how far the inputs behind ``texts`` have been read (``None`` when unknown),
    for the progress line's percentage and ETA; without it, only the bytes counted are shown.
    """
    start = time.perf_counter()
    bar = Progress(
        "count",
        total=None,
        unit="B",
        enabled=trainer.progress is True,
        callback=trainer.progress if callable(trainer.progress) else None,
        fraction=fraction,
    )
    limit = BATCH_CHARS * trainer.threads
    if trainer.max_memory is not None:  # (pruning then falls at the same documents)
        limit = CAPPED_BATCH_CHARS
    name = trainer.pattern.name
    pending: Future[int] | None = None
    done = 0
    with ThreadPoolExecutor(1) as pool:

        def flush(batch: list[str | bytes]) -> None:
            nonlocal pending, done
            if pending is not None:
                done += pending.result()
                bar.update(done)
                pending = None
            if not batch:
                return
            trainer.documents += len(batch)
            if trainer.native:  # counted in a worker thread while the next batch is read
                pending = pool.submit(trainer.counter.count, name, batch, trainer.boundaries)
            else:
                counts, nbytes, cuts = python_counts(batch, trainer.pattern, trainer.boundaries)
                trainer.counter.add_counts(counts)
                trainer.counter.add_special_cuts(cuts)
                done += nbytes
                bar.update(done)

        batch: list[str | bytes] = []
        size = largest = 0
        for text in texts:
            batch.append(text)
            size += len(text)
            largest = max(largest, len(text))
            if size >= limit:
                flush(batch)
                if 2 * largest >= limit:
                    # subtle: a document of megabytes is held several times over while it is
                    # read (the line, its decoded str, the parsed one); reading the next while
                    # this one is counted would hold both. Counted first, then read on.
                    flush([])
                batch, size, largest = [], 0, 0
            text = None  # (not held while the next one is read)
        flush(batch)
        flush([])
    bar.close()
    trainer.bytes += done
    trainer.count_seconds += time.perf_counter() - start
