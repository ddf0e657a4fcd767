"""Training: count pre-tokenized pieces, merge them into a BPE vocabulary (the fast path).

Stage: train. ``Trainer`` drives the C++ core: documents are streamed in batches to
``_core.PieceCounter`` (pre-tokenize + count, parallel threads, GIL released, bounded memory),
then ``_core.train_bpe`` runs the merge loop under the rules of ``tokenizer._reference``. The
result is a :class:`~tokenizer.vocab.Vocabulary` with reserved code tokens right after the bytes
and special tokens at the top of the id space. Option checks live in ``tokenizer._train_options``,
the batched counting loop in ``tokenizer._train_stream``. This module does not read corpora
itself (``tokenizer.corpus`` does) and does not encode.

>>> vocab = train(iter(["def f(x):\\n    return x\\n"] * 50), vocab_size=400, progress=False)
>>> vocab.n_vocab, vocab.tokens[256]
(400, b'  ')
"""

from __future__ import annotations

import importlib
import os
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ._native import core
from ._progress import Progress, ProgressCallback, human  # noqa: F401 - human: re-exported
from ._train_counts import read_header, save_table, writable_target
from ._train_inputs import add_summary, open_documents, reader_imports
from ._train_options import (  # noqa: F401 - the constants are re-exported, as before the split
    BATCH_CHARS,
    MERGE_PER_BYTE,
    MERGE_PER_PIECE,
    MERGE_TO_TABLE,
    READER_BUFFERS,
    check_merge_options,
    merge_budget,
    merge_need,
    process_floor,
    read_bytes,
    table_capacity,
)
from ._train_report import empty_corpus_message
from ._train_split import python_counts, resolve_pattern, use_native  # noqa: F401 - re-exported
from ._train_stream import count_stream
from ._train_system import (  # noqa: F401 - current_rss: re-exported
    current_rss,
    default_threads,
    fix_mmap_threshold,
    parse_memory,
    peak_rss,
)
from .patterns import DEFAULT_SPECIAL_TOKENS, Pattern
from .reserved import (
    DEFAULT_MAX_TOKEN_LENGTH,
    DEFAULT_SPARE_SPECIAL,
    MAX_VOCAB_SIZE,
    VocabLayout,
    special_block,
    vocab_layout,
)
from .vocab import MAX_UNUSED_IDS, Vocabulary, VocabularyError

__all__ = [
    "Trainer",
    "train",
    "DEFAULT_MAX_TOKEN_LENGTH",
    "DEFAULT_SPARE_SPECIAL",
    "MAX_THREADS",
    "MAX_VOCAB_SIZE",
    "parse_memory",
]

#: A piece table up to this size (``PieceCounter.memory``) is kept through the merge loop of a
#: ``train(consume=True)`` until the vocabulary has passed its checks (unused ids), so that a
#: refused ``vocab_size`` can be retried without counting again. A larger table is released
#: while the merge structures are built, as before (they peak at 3-7x its size).
KEEP_TABLE_BYTES = 16 << 20


class Trainer:
    """Counts pieces from any number of sources, then trains vocabularies from the counts.

    Counting can be split: ``count`` several times, ``save_counts`` / ``load_counts`` to reduce
    tables made by other processes, and ``train`` again with another vocab size without
    recounting (unless a ``train(consume=True)`` released the counts: then the next ``count`` or
    ``load_counts`` starts afresh, and the totals are those of the new counts only).

    The special tokens (``special_tokens``, ``extra_special_tokens``, ``spare_special_tokens``:
    see :func:`~tokenizer.reserved.special_block`) are needed before counting: every occurrence
    in a document is a boundary, cut out and not counted, so that no merge learns their bytes.
    ``train`` uses them unless given others, which must be among them.

    >>> t = Trainer(progress=False).count_texts(["a b a b"])
    >>> t.unique_pieces
    3
    """

    def __init__(
        self,
        *,
        pattern: str | Pattern = "codebpe-v1",
        threads: int | None = None,
        max_memory: int | str | None = None,
        progress: bool | ProgressCallback = True,
        special_tokens: Sequence[str] = DEFAULT_SPECIAL_TOKENS,
        extra_special_tokens: Sequence[str] = (),
        spare_special_tokens: int = DEFAULT_SPARE_SPECIAL,
    ) -> None:
        if not isinstance(progress, bool) and not callable(progress):  # ("yes" turned it off)
            raise TypeError(f"progress must be True, False or a callable, not {progress!r}")
        self.pattern = resolve_pattern(pattern)
        self.threads = check_threads(threads)
        # read once (an iterator would be empty the second time), then used everywhere
        special_tokens = _materialized(special_tokens)
        extra_special_tokens = _materialized(extra_special_tokens)
        #: Strings cut out of the text while counting: the whole special block.
        self.boundaries: list[str] = special_block(
            special_tokens, extra_special_tokens, spare_special_tokens
        )
        self.special_options: dict[str, Any] = {
            "special_tokens": tuple(special_tokens),
            "extra_special_tokens": tuple(extra_special_tokens),
            "spare_special_tokens": spare_special_tokens,
        }
        self.max_memory = parse_memory(max_memory, "max_memory")
        self._floor = process_floor()  # (the share's and the merge budget's starting point)
        self._table_cap = table_capacity(self.max_memory, self._floor)
        if self.max_memory is not None:  # (else freed text blocks stay on the heap; after the
            fix_mmap_threshold()  # share, which the import of ctypes would change)
        self.counter = core.PieceCounter(self.threads, self._table_cap)
        self.native = use_native(self.pattern)
        self.progress = progress
        self.documents = 0
        self.bytes = 0
        self.corpus: dict[str, Any] = {}
        self.count_seconds = 0.0
        self.consumed = False  # train(consume=True) released the counts
        self._broken: str | None = None  # why the table cannot be trusted (_check_usable)
        # train() trains once and drops the trainer: nothing to retry, so the table is never
        # kept through the merge loop and refusals come from the exact check after it
        self._one_shot = False

    # -- counting ---------------------------------------------------------------------------

    @property
    def unique_pieces(self) -> int:
        return self.counter.unique

    def _check_usable(self) -> None:
        """``ValueError`` once a ``load_counts`` has failed part-way: the table may hold some of
        that file's pieces but not its totals (a truncated or damaged file is found out at its
        end, after its entries were added), so counting on or training from it would give a
        vocabulary of damaged counts."""
        if self._broken is not None:
            raise ValueError(
                f"this Trainer is unusable: {self._broken}; its table may hold part of that file, "
                "so start a new Trainer"
            )

    def _start_over_if_consumed(self) -> None:
        """After a ``train(consume=True)``: a fresh table and totals for the counts to come (the
        released table still held the special-token cuts and pruning figures of the old pass)."""
        if not self.consumed:
            return
        self.counter = core.PieceCounter(self.threads, self._table_cap)
        self.documents = self.bytes = 0
        self.corpus = {}
        self.count_seconds = 0.0
        self.consumed = False

    def most_ordinary(self, base: int) -> int | None:
        """An upper bound on the ordinary tokens the counts can give, ``base`` (bytes and
        reserved tokens) included; ``None`` when the byte total is unknown.

        Every merge shortens at least one unique piece by a symbol, so there are at most
        ``sum(len(piece) - 1)`` of them, and the pieces' bytes are at most the bytes counted.

        >>> Trainer(progress=False).count_texts(["ab ab"]).most_ordinary(256)
        259
        """
        if self.bytes < self.counter.total:  # (a count file without its byte total)
            return None
        return base + max(0, self.bytes - self.counter.unique)

    def count(
        self,
        inputs: Any = None,
        *,
        text_field: str = "text",
        lang_field: str | None = "lang",
        include: Iterable[str] = (),
        exclude: Iterable[str] = (),
        max_bytes: int | str | None = None,
    ) -> Trainer:
        """Count the documents of ``inputs``: paths/specs, ``None`` (shipped corpora) or texts.

        Under ``max_memory``, the modules the readers will import (pyarrow, for Parquet files and
        ``hf-disk:`` datasets) are imported first and, when nothing has been counted yet, the
        piece table's share is worked out again from the process's new size (``ValueError``
        when the cap no longer leaves enough)."""
        self._check_usable()
        self._start_over_if_consumed()
        if self.max_memory is not None:
            self._import_readers(
                reader_imports(inputs, include=include, exclude=exclude, loaded=())
            )
        texts, summary, fraction = open_documents(
            inputs,
            text_field=text_field,
            lang_field=lang_field,
            include=include,
            exclude=exclude,
            max_bytes=parse_memory(max_bytes, "max_bytes"),
            read_bytes=read_bytes(self.max_memory),
        )
        count_stream(self, texts, fraction)
        add_summary(self.corpus, summary())
        return self

    def _import_readers(self, modules: list[str]) -> None:
        """Import ``modules`` (see :func:`count`); a missing one is left to its reader. Before
        anything is counted, the share leaves room for the readers' buffers as well
        (``READER_BUFFERS``)."""
        imported = False
        for name in modules:
            if name in sys.modules:
                continue
            try:
                importlib.import_module(name)
                imported = True
            except ImportError:
                continue
        readers = sum(READER_BUFFERS.get(name, 0) for name in modules if name in sys.modules)
        if (imported or readers) and self.counter.unique == 0 and not self.documents:
            try:
                self._floor = process_floor()
                self._table_cap = table_capacity(self.max_memory, self._floor, readers)
            except ValueError as exc:
                raise ValueError(
                    f"{exc} (reading the inputs needs {', '.join(modules)}, imported)"
                ) from None
            self.counter = core.PieceCounter(self.threads, self._table_cap)

    def count_texts(self, texts: Iterable[str | bytes]) -> Trainer:
        """Count plain texts (``str`` or UTF-8 ``bytes``)."""
        return self.count(iter(texts))

    # -- count files --------------------------------------------------------------------------

    def save_counts(self, path: str | os.PathLike[str]) -> None:
        """Write the piece-count table (binary, versioned; see docs/training.md) atomically.

        ``ValueError`` after a ``train(consume=True)``: the table was released, and the file
        would hold no pieces under the old document and byte totals (training from it then
        failed with "the corpus is empty")."""
        self._check_usable()
        if self.consumed:
            raise ValueError(
                "the counts were consumed by train(consume=True): nothing to save; call "
                "save_counts before a consuming train (or count again)"
            )
        pattern = {"name": self.pattern.name, "regexes": list(self.pattern.regexes)}
        meta = {"pattern": pattern, "documents": self.documents, "bytes": self.bytes}
        cuts = {"special_tokens": self.boundaries, "special_cuts": self.counter.special_cuts}
        save_table(self.counter, path, {**meta, **cuts, "corpus": self.corpus})

    def load_counts(self, path: str | os.PathLike[str]) -> Trainer:
        """Add a saved table's counts (its pattern must be this trainer's). The time it takes is
        added to ``count_seconds`` (``vocab.stats``; the summary's "count")."""
        self._check_usable()
        start = time.perf_counter()
        meta = read_header(path)
        self._start_over_if_consumed()
        regexes = tuple(meta.get("pattern", {}).get("regexes", ()))
        if regexes != self.pattern.regexes:
            raise ValueError(
                f"{os.fspath(path)}: counted with pattern "
                f"{meta.get('pattern', {}).get('name')!r}, not {self.pattern.name!r}"
            )
        missing = [s for s in self.boundaries if s not in set(meta.get("special_tokens", ()))]
        if missing:
            raise ValueError(
                f"{os.fspath(path)}: counted without cutting out the special token "
                f"{missing[0]!r}{'' if 'special_tokens' in meta else ' (an older count file)'}"
                "; count again with the same special tokens"
            )
        try:
            self.counter.load(os.fspath(path))
        except BaseException as e:  # (Ctrl-C too: the entries read so far stay in the table)
            self._broken = f"loading {os.fspath(path)} failed part-way ({e or type(e).__name__})"
            raise
        self.counter.add_special_cuts(int(meta.get("special_cuts", 0)))
        self.documents += int(meta.get("documents", 0))
        self.bytes += int(meta.get("bytes", 0))
        add_summary(self.corpus, meta.get("corpus", {}))
        self.count_seconds += time.perf_counter() - start
        return self

    # -- merging ------------------------------------------------------------------------------

    def layout(self, **options: Any) -> VocabLayout:
        """The id layout for ``options`` (see :func:`vocab_layout`); checks ``vocab_size``.

        The special-token options default to the trainer's."""
        return vocab_layout(self.pattern, **{**self.special_options, **options})

    def train(
        self,
        *,
        vocab_size: int = 32768,
        reserved: str | None | Sequence[bytes | str] = "default",
        special_tokens: Sequence[str] | None = None,
        spare_special_tokens: int | None = None,
        min_frequency: int = 2,
        max_token_length: int | None = DEFAULT_MAX_TOKEN_LENGTH,
        consume: bool = False,
        extra_special_tokens: Sequence[str] | None = None,
        allow_unused: bool = False,
    ) -> Vocabulary:
        """Merge the counted pieces into a vocabulary of ``vocab_size`` ids in total.

        Special-token options left ``None`` are the trainer's. ``ValueError`` when the corpus
        supports so few merges that more than half of the ids would be unused (the message says
        the ``vocab_size`` that fits), unless ``allow_unused`` (see :func:`check_unused`); with
        it, ``VocabularyError`` for more than ``vocab.MAX_UNUSED_IDS`` unused ids, before the
        merge loop when the counts' byte total already shows it (:meth:`most_ordinary`).

        ``consume=True`` releases the counts (a later ``count`` starts afresh). A table of at
        most ``KEEP_TABLE_BYTES`` is released only once the vocabulary passed those checks, so a
        refused ``vocab_size`` can be retried; a larger one before the merge loop, as memory
        matters more there (sizes that the byte bound already rules out are refused first): a
        refusal then says that the counts are gone. (:func:`train` trains once: it releases the
        table before the merge loop whatever its size.)
        """
        self._check_usable()
        if self.consumed:
            raise ValueError(
                "the counts were consumed by the previous train(consume=True); count again "
                "(or load a saved count file) before training another vocabulary"
            )
        given = {
            "special_tokens": _materialized(special_tokens),
            "extra_special_tokens": _materialized(extra_special_tokens),
            "spare_special_tokens": spare_special_tokens,
        }
        options = {**self.special_options, **{k: v for k, v in given.items() if v is not None}}
        specials, reserved_tokens, tokens, forced = self.layout(
            vocab_size=vocab_size, reserved=reserved, **options
        )
        self._check_boundaries(specials)
        if self.counter.total == 0:
            raise ValueError(empty_corpus_message(self.corpus))
        check_merge_options(min_frequency=min_frequency, max_token_length=max_token_length)
        ordinary = vocab_size - len(specials)
        n_special, base = len(specials), len(tokens)
        gap = vocab_size - base - n_special  # the most ids that can stay unused
        could_fail = gap > MAX_UNUSED_IDS or (not allow_unused and 2 * gap > vocab_size)
        small = self.counter.memory <= KEEP_TABLE_BYTES
        keep = consume and could_fail and small and not self._one_shot
        release_early = consume and not keep
        if self.max_memory is not None:
            self._fit_merge(ordinary - len(tokens), table_kept=not release_early)
        most = self.most_ordinary(base)
        if most is not None:  # what the counts cannot possibly fill: refused before merging
            if not allow_unused and release_early and not self._one_shot:  # (else: exact, below)
                check_unused(vocab_size, most, n_special, min_frequency, at_most=True)
            if allow_unused:  # (without it, the check above, or the exact one below, is first)
                check_unused_ids(vocab_size, most, n_special, at_least=True)
        stats = (
            self.counter.unique,
            self.counter.total,
            self.counter.pruned_unique,
            self.counter.pruned_mass,
            self.counter.special_cuts,
        )
        start = time.perf_counter()
        bar = Progress(
            "merge",
            total=ordinary - len(tokens),
            unit="merges",
            enabled=self.progress is True,
            callback=self.progress if callable(self.progress) else None,
        )
        try:
            result = core.train_bpe(
                self.counter,
                forced,
                ordinary,
                min_frequency,
                max_token_length or 0,
                release_early,
                lambda d, _t: bar.update(d),
            )
        finally:
            bar.close()
            if release_early and self.counter.total == 0:
                self.consumed = True
        try:
            if not allow_unused:
                check_unused(vocab_size, len(result["tokens"]), n_special, min_frequency)
            check_unused_ids(vocab_size, len(result["tokens"]), n_special)
        except ValueError as exc:
            if self.consumed and not self._one_shot:
                raise type(exc)(
                    f"{exc}; the counts were released (consume=True): count again"
                ) from None
            raise
        if consume:
            self.counter.clear()
            self.consumed = True
        # Only what the corpus and the options decide: a file is the same byte for byte
        # whatever the thread count, the machine or the time (run figures go to `stats`).
        config = {
            "vocab_size": vocab_size,
            "pattern": self.pattern.name,
            "min_frequency": min_frequency,
            "max_token_length": max_token_length,
            "max_memory": self.max_memory,
            "splitter": "native" if self.native else "python-regex",
            "reserved": [t.decode("utf-8", "backslashreplace") for t in reserved_tokens],
            "special_tokens": list(options["special_tokens"]),
            "extra_special_tokens": list(options["extra_special_tokens"]),
            "spare_special_tokens": options["spare_special_tokens"],
            "learned": len(result["tokens"]) - len(tokens),
            "learned_target": ordinary - len(tokens),
            "unique_pieces": stats[0],
            "counted_pieces": stats[1],
            "pruned_unique_pieces": stats[2],
            "pruned_count_mass": stats[3],
            "special_token_cuts": stats[4],
            "words": result["words"],
        }
        corpus = _sorted_tables(self.corpus) or {"documents": self.documents, "bytes": self.bytes}
        vocab = Vocabulary(
            tokens=list(result["tokens"]),
            pattern=self.pattern,
            merges=[(int(a), int(b)) for a, b in result["merges"]],
            special_tokens={name: ordinary + i for i, name in enumerate(specials)},
            reserved_ids=(256, len(tokens)),
            config=config,
            corpus=corpus,
        )
        vocab.stats = {
            "threads": self.threads,
            "merge_peak_bytes": result["peak_bytes"],
            "count_seconds": round(self.count_seconds, 3),
            "merge_seconds": round(time.perf_counter() - start, 3),
        }
        return vocab

    def _fit_merge(self, merges: int, *, table_kept: bool) -> None:
        """Under ``max_memory``: prune the table to what its merge of ``merges`` merges fits in
        (``merge_budget``, ``merge_need``), keeping the most frequent pieces: every piece
        counted more than ``c`` times for the least ``c`` that fits, and of those counted
        ``c`` times, the ones of the lowest hash buckets that still fit (the top 16 bits of the
        hash of their bytes). The table's content decides, so the same vocabulary for any
        ``threads``. ``table_kept``: the table stays through the merge (its memory too).

        Counting gives the table half of the room (``table_capacity``): the merge's own need is
        only known from the table it gets, a few times the table's memory (3-7x, measured). A
        cut by count alone moved in coarse steps (count <= 1 was three quarters of the pieces
        of the corpora measured), so a larger cap could keep fewer pieces than a smaller one.
        """
        assert self.max_memory is not None
        budget = merge_budget(self.max_memory, self._floor)
        if table_kept:
            budget -= self.counter.memory

        def need(threshold: int) -> int:
            pieces, piece_bytes = self.counter.content(threshold)
            return merge_need(pieces=pieces, piece_bytes=piece_bytes, merges=merges)

        if need(0) <= budget:
            return
        merges_alone = merge_need(pieces=0, piece_bytes=0, merges=merges)
        if merges_alone > budget:  # (a huge vocab_size)
            least = self.max_memory - budget + merges_alone
            raise ValueError(
                f"max_memory {human(self.max_memory)} is too small to learn {merges:,} "
                f"merges: allow at least {human(least)} (or a smaller vocab_size)"
            )
        lo, hi = 0, 1  # need(lo) > budget >= need(hi): the least such hi, by doubling, halving
        while need(hi) > budget:
            lo, hi = hi, hi * 2
        while hi - lo > 1:
            mid = (lo + hi) // 2
            lo, hi = (mid, hi) if need(mid) > budget else (lo, mid)
        # keeping the pieces counted more than hi times fits, and all of those counted hi times
        # besides does not: of these, the lowest hash buckets that fit
        room = budget - need(hi)
        costs = self.counter.class_costs(hi, MERGE_PER_PIECE, MERGE_PER_BYTE)
        bucket, used = -1, 0
        while bucket + 1 < len(costs) and used + costs[bucket + 1] <= room:
            bucket += 1
            used += costs[bucket]
        self.counter.prune(hi - 1, bucket)

    def _check_boundaries(self, specials: Sequence[str]) -> None:
        """A special token that was not cut out while counting may have been counted as text."""
        cut = set(self.boundaries)  # (once: built per token, 100,000 spare ids took 9 minutes)
        missing = [s for s in specials if s not in cut]
        if missing:
            raise ValueError(
                f"special token {missing[0]!r} was not cut out of the text while counting; "
                "give it to Trainer(special_tokens=... / extra_special_tokens=...)"
            )


def _sorted_tables(corpus: dict[str, Any]) -> dict[str, Any]:
    """The corpus record with its tables (``by_source``, ``by_lang``, ``skipped``, ...) in
    sorted key order at every depth, so that the vocabulary file depends on which sources were
    read, not on their order: tables were in the order their keys were first met, and shards
    loaded in another order (``--load-counts b --load-counts a``) wrote another file.

    >>> _sorted_tables({"documents": 2, "by_lang": {"zh": [1, 3], "go": [1, 2]}})
    {'documents': 2, 'by_lang': {'go': [1, 2], 'zh': [1, 3]}}
    """

    def deep(x: Any) -> Any:
        return {k: deep(x[k]) for k in sorted(x, key=str)} if isinstance(x, dict) else x

    return {k: deep(v) for k, v in corpus.items()}


def _materialized(tokens: Any) -> Any:
    """``tokens`` (special-token strings) as a tuple, read once: an iterator given for them was
    exhausted by the first reader, and the special block was then built without them. A single
    string, ``None`` or a non-iterable is returned as is, for ``special_block`` to refuse (or, for
    ``None``, to mean "the trainer's").

    >>> _materialized(iter(["<|a|>"])), _materialized("<|a|>")
    (('<|a|>',), '<|a|>')
    """
    if tokens is None or isinstance(tokens, (str, bytes)):
        return tokens
    try:
        return tuple(tokens)
    except TypeError:
        return tokens


#: The most counting threads: each holds its own shard and batch share, so ``--threads 99999``
#: grew past 23 GB on a 52 MB file and was killed (2048 threads: 420 MB).
MAX_THREADS = 1024


def check_threads(threads: object) -> int:
    """``threads`` as a count: ``None`` for all usable cores, else an ``int`` from 1 to
    :data:`MAX_THREADS` (as the CLI's ``--threads``; 0 used to mean "all cores" here only).

    >>> check_threads(0)
    Traceback (most recent call last):
    ...
    ValueError: threads must be >= 1 (or None for all cores), got 0
    """
    if threads is None:
        return default_threads()
    if isinstance(threads, bool) or not isinstance(threads, int):
        raise TypeError(f"threads must be an int or None, not {type(threads).__name__}")
    if threads < 1:
        raise ValueError(f"threads must be >= 1 (or None for all cores), got {threads}")
    if threads > MAX_THREADS:
        raise ValueError(f"threads must be at most {MAX_THREADS}, got {threads}")
    return threads


def check_unused(
    vocab_size: int, ordinary: int, n_special: int, min_frequency: int, *, at_most: bool = False
) -> None:
    """``ValueError`` when more than half of the ``vocab_size`` ids would be unused: the corpus
    supports too few merges for the size asked (a typo, or the wrong corpus). Special ids are
    fixed at the top, so a smaller gap is kept (the summary notes it): the model's embedding
    size stays what was asked. ``allow_unused`` (``--allow-unused``) keeps any gap up to
    ``vocab.MAX_UNUSED_IDS`` ids (the encoder holds a table entry per id), see
    :func:`check_unused_ids`. ``at_most``: ``ordinary`` is an upper bound (before merging).

    >>> check_unused(1000, 300, 32, 2)
    Traceback (most recent call last):
    ...
    ValueError: the corpus supports only 300 ordinary tokens (min_frequency=2): 668 of ...
    """
    unused = vocab_size - ordinary - n_special
    if 2 * unused > vocab_size:
        raise ValueError(
            f"the corpus supports {'at most' if at_most else 'only'} {ordinary} ordinary tokens "
            f"(min_frequency={min_frequency}): {'at least ' if at_most else ''}{unused} of the "
            f"{vocab_size} ids would be unused; use a vocab_size of at most "
            f"{ordinary + n_special} (or a larger corpus)"
        )


def check_unused_ids(
    vocab_size: int, ordinary: int, n_special: int, *, at_least: bool = False
) -> None:
    """``VocabularyError`` when more than ``vocab.MAX_UNUSED_IDS`` ids would be unused, which
    even ``allow_unused`` does not keep (the vocabulary would be refused when built or loaded).
    ``at_least``: ``ordinary`` is an upper bound, known after counting, before merging.

    >>> check_unused_ids(1 << 21, 300, 32, at_least=True)
    Traceback (most recent call last):
    ...
    tokenizer.vocab.VocabularyError: at least 2,096,820 of the 2,097,152 ids would be unused: ...
    """
    unused = vocab_size - ordinary - n_special
    if unused > MAX_UNUSED_IDS:
        raise VocabularyError(
            f"{'at least ' if at_least else ''}{unused:,} of the {vocab_size:,} ids would be "
            f"unused: more than {MAX_UNUSED_IDS:,}, even with allow_unused (every id costs table "
            f"memory in the encoder and exports); use a vocab_size of at most "
            f"{ordinary + n_special + MAX_UNUSED_IDS} (or a larger corpus)"
        )


def train(
    inputs: Any = None,
    *,
    vocab_size: int = 32768,
    pattern: str | Pattern = "codebpe-v1",
    reserved: str | None | Sequence[bytes | str] = "default",
    special_tokens: Sequence[str] = DEFAULT_SPECIAL_TOKENS,
    spare_special_tokens: int = DEFAULT_SPARE_SPECIAL,
    extra_special_tokens: Sequence[str] = (),
    allow_unused: bool = False,
    min_frequency: int = 2,
    max_token_length: int | None = DEFAULT_MAX_TOKEN_LENGTH,
    threads: int | None = None,
    max_memory: int | str | None = None,
    max_bytes: int | str | None = None,
    progress: bool | ProgressCallback = True,
    text_field: str = "text",
    lang_field: str | None = "lang",
    include: Iterable[str] = (),
    exclude: Iterable[str] = (),
    load_counts: Sequence[str | os.PathLike[str]] = (),
    save_counts: str | os.PathLike[str] | None = None,
) -> Vocabulary:
    """Train a byte-level BPE vocabulary of ``vocab_size`` ids (bytes+reserved+learned+special).

    ``inputs``: ``None`` (the shipped ``corpora/`` sample), paths/specs, or an iterable of texts.
    With ``load_counts`` and no ``inputs`` the saved tables alone are used. ``text_field`` /
    ``lang_field``, ``include`` / ``exclude``: as in ``tokenizer.corpus.Corpus``.
    ``extra_special_tokens`` (chat or tool markers) take spare ``<|reserved_N|>`` slots, so the
    other special ids do not move (:func:`~tokenizer.reserved.special_block`). Special tokens in
    the text are boundaries, never learned. A corpus that supports fewer merges than asked
    leaves ids unused below the special block; more than half of ``vocab_size`` unused is a
    ``ValueError`` unless ``allow_unused``. The run's figures (seconds, peak memory, threads)
    are in ``vocab.stats``, not in the saved file, which depends only on the corpus and options.

    >>> v = train(iter(["ab ab ab"] * 10), vocab_size=300, reserved=None, progress=False)
    >>> v.tokens[256], v.special_tokens["<|endoftext|>"]
    (b'ab', 268)
    """
    from ._train_report import print_config, print_notes, print_summary

    wall = time.perf_counter()
    check_merge_options(min_frequency=min_frequency, max_token_length=max_token_length)  # (first)
    if isinstance(inputs, Mapping):  # (a dict is refused: before the configuration is printed)
        from ._train_inputs import _one_split

        _one_split(inputs)
    specials = {
        "special_tokens": _materialized(special_tokens),
        "extra_special_tokens": _materialized(extra_special_tokens),
        "spare_special_tokens": spare_special_tokens,
    }
    # before the trainer's tables are allocated and its special names made
    vocab_layout(resolve_pattern(pattern), vocab_size=vocab_size, reserved=reserved, **specials)
    if save_counts is not None:
        writable_target(save_counts)  # (not after counting the whole corpus)
    trainer = Trainer(
        pattern=pattern, threads=threads, max_memory=max_memory, progress=progress, **specials
    )
    options = dict(
        vocab_size=vocab_size,
        pattern=trainer.pattern.name,
        min_frequency=min_frequency,
        max_token_length=max_token_length,
        threads=trainer.threads,
        max_memory=trainer.max_memory,
        max_bytes=max_bytes,
        splitter="native" if trainer.native else "python-regex",
    )
    trainer._one_shot = True
    layout = trainer.layout(vocab_size=vocab_size, reserved=reserved)  # fail before the long work
    budget = parse_memory(max_bytes, "max_bytes")
    if allow_unused and budget is not None and not load_counts:  # at most one merge per byte
        check_unused_ids(
            vocab_size, len(layout.tokens) + budget, len(layout.specials), at_least=True
        )
    if progress is True:
        print_config(options, inputs, load_counts)
        print_notes(layout.specials)
    seen: set[str] = set()
    for path in load_counts:
        key = os.path.realpath(path)
        if key in seen and progress is not False:
            print(f"note: {path} is loaded again: its counts are added twice", file=sys.stderr)
        seen.add(key)
        trainer.load_counts(path)
    if inputs is not None or not load_counts:
        trainer.count(
            inputs,
            text_field=text_field,
            lang_field=lang_field,
            include=include,
            exclude=exclude,
            max_bytes=max_bytes,
        )
    if save_counts is not None:
        trainer.save_counts(save_counts)
        if progress is True:
            print(f"wrote counts {save_counts}", file=sys.stderr)
    vocab = trainer.train(
        vocab_size=vocab_size,
        reserved=reserved,
        min_frequency=min_frequency,
        max_token_length=max_token_length,
        consume=True,
        allow_unused=allow_unused,
    )
    vocab.stats["seconds"] = round(time.perf_counter() - wall, 3)
    vocab.stats["peak_rss"] = peak_rss()
    if progress is True:
        print_summary(vocab)
    return vocab
