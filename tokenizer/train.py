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

import os
import time
from collections.abc import Iterable, Sequence
from typing import Any

from ._native import core
from ._progress import Progress, ProgressCallback, human  # noqa: F401 - human: re-exported
from ._train_counts import read_header, save_table
from ._train_inputs import add_summary, open_documents
from ._train_options import (  # noqa: F401 - the constants are re-exported, as before the split
    BATCH_CHARS,
    MERGE_TO_TABLE,
    check_merge_options,
    table_capacity,
)
from ._train_report import empty_corpus_message
from ._train_split import python_counts, resolve_pattern, use_native  # noqa: F401 - re-exported
from ._train_stream import count_stream
from ._train_system import current_rss, default_threads, parse_memory, peak_rss  # noqa: F401
from .patterns import DEFAULT_SPECIAL_TOKENS, Pattern
from .reserved import DEFAULT_MAX_TOKEN_LENGTH, DEFAULT_SPARE_SPECIAL, VocabLayout, vocab_layout
from .vocab import Vocabulary

__all__ = [
    "Trainer",
    "train",
    "DEFAULT_MAX_TOKEN_LENGTH",
    "DEFAULT_SPARE_SPECIAL",
    "parse_memory",
]


class Trainer:
    """Counts pieces from any number of sources, then trains vocabularies from the counts.

    Counting can be split: ``count`` several times, ``save_counts`` / ``load_counts`` to reduce
    tables made by other processes, and ``train`` again with another vocab size without
    recounting.

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
    ) -> None:
        self.pattern = resolve_pattern(pattern)
        self.threads = threads or default_threads()
        if self.threads < 1:
            raise ValueError(f"threads must be >= 1, got {self.threads}")
        self.max_memory = parse_memory(max_memory)
        table_cap = table_capacity(self.max_memory, threads=self.threads)
        self.counter = core.PieceCounter(self.threads, table_cap)
        self.native = use_native(self.pattern)
        self.progress = progress
        self.documents = 0
        self.bytes = 0
        self.corpus: dict[str, Any] = {}
        self.count_seconds = 0.0

    # -- counting ---------------------------------------------------------------------------

    @property
    def unique_pieces(self) -> int:
        return self.counter.unique

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
        """Count the documents of ``inputs``: paths/specs, ``None`` (shipped corpora) or texts."""
        texts, summary = open_documents(
            inputs,
            text_field=text_field,
            lang_field=lang_field,
            include=include,
            exclude=exclude,
            max_bytes=parse_memory(max_bytes),
        )
        count_stream(self, texts)
        add_summary(self.corpus, summary())
        return self

    def count_texts(self, texts: Iterable[str | bytes]) -> Trainer:
        """Count plain texts (``str`` or UTF-8 ``bytes``)."""
        return self.count(iter(texts))

    # -- count files --------------------------------------------------------------------------

    def save_counts(self, path: str | os.PathLike[str]) -> None:
        """Write the piece-count table (binary, versioned; see docs/training.md) atomically."""
        pattern = {"name": self.pattern.name, "regexes": list(self.pattern.regexes)}
        meta = {"pattern": pattern, "documents": self.documents, "bytes": self.bytes}
        save_table(self.counter, path, {**meta, "corpus": self.corpus})

    def load_counts(self, path: str | os.PathLike[str]) -> Trainer:
        """Add a saved table's counts (its pattern must be this trainer's)."""
        meta = read_header(path)
        regexes = tuple(meta.get("pattern", {}).get("regexes", ()))
        if regexes != self.pattern.regexes:
            raise ValueError(
                f"{os.fspath(path)}: counted with pattern "
                f"{meta.get('pattern', {}).get('name')!r}, not {self.pattern.name!r}"
            )
        self.counter.load(os.fspath(path))
        self.documents += int(meta.get("documents", 0))
        self.bytes += int(meta.get("bytes", 0))
        add_summary(self.corpus, meta.get("corpus", {}))
        return self

    # -- merging ------------------------------------------------------------------------------

    def layout(self, **options: Any) -> VocabLayout:
        """The id layout for ``options`` (see :func:`vocab_layout`); checks ``vocab_size``."""
        return vocab_layout(self.pattern, **options)

    def train(
        self,
        *,
        vocab_size: int = 32768,
        reserved: str | None | Sequence[bytes | str] = "default",
        special_tokens: Sequence[str] = DEFAULT_SPECIAL_TOKENS,
        spare_special_tokens: int = DEFAULT_SPARE_SPECIAL,
        min_frequency: int = 2,
        max_token_length: int | None = DEFAULT_MAX_TOKEN_LENGTH,
        consume: bool = False,
    ) -> Vocabulary:
        """Merge the counted pieces into a vocabulary of ``vocab_size`` ids in total."""
        if self.counter.total == 0:
            raise ValueError(empty_corpus_message(self.corpus))
        check_merge_options(min_frequency=min_frequency, max_token_length=max_token_length)
        specials, reserved_tokens, tokens, forced = self.layout(
            vocab_size=vocab_size,
            reserved=reserved,
            special_tokens=special_tokens,
            spare_special_tokens=spare_special_tokens,
        )
        ordinary = vocab_size - len(specials)
        stats = (
            self.counter.unique,
            self.counter.total,
            self.counter.pruned_unique,
            self.counter.pruned_mass,
        )
        start = time.perf_counter()
        bar = Progress(
            "merge",
            total=ordinary - len(tokens),
            unit="merges",
            enabled=self.progress is True,
            callback=self.progress if callable(self.progress) else None,
        )
        result = core.train_bpe(
            self.counter,
            forced,
            ordinary,
            min_frequency,
            max_token_length or 0,
            consume,
            lambda d, _t: bar.update(d),
        )
        bar.close()
        config = {
            "vocab_size": vocab_size,
            "pattern": self.pattern.name,
            "min_frequency": min_frequency,
            "max_token_length": max_token_length,
            "threads": self.threads,
            "max_memory": self.max_memory,
            "splitter": "native" if self.native else "python-regex",
            "reserved": [t.decode("utf-8", "backslashreplace") for t in reserved_tokens],
            "special_tokens": list(special_tokens),
            "spare_special_tokens": spare_special_tokens,
            "learned": len(result["tokens"]) - len(tokens),
            "learned_target": ordinary - len(tokens),
            "unique_pieces": stats[0],
            "counted_pieces": stats[1],
            "pruned_unique_pieces": stats[2],
            "pruned_count_mass": stats[3],
            "words": result["words"],
            "merge_peak_bytes": result["peak_bytes"],
            "count_seconds": round(self.count_seconds, 3),
            "merge_seconds": round(time.perf_counter() - start, 3),
        }
        corpus = dict(self.corpus) or {"documents": self.documents, "bytes": self.bytes}
        return Vocabulary(
            tokens=list(result["tokens"]),
            pattern=self.pattern,
            merges=[(int(a), int(b)) for a, b in result["merges"]],
            special_tokens={name: ordinary + i for i, name in enumerate(specials)},
            reserved_ids=(256, len(tokens)),
            config=config,
            corpus=corpus,
        )


def train(
    inputs: Any = None,
    *,
    vocab_size: int = 32768,
    pattern: str | Pattern = "codebpe-v1",
    reserved: str | None | Sequence[bytes | str] = "default",
    special_tokens: Sequence[str] = DEFAULT_SPECIAL_TOKENS,
    spare_special_tokens: int = DEFAULT_SPARE_SPECIAL,
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

    >>> v = train(iter(["ab ab ab"] * 10), vocab_size=300, reserved=None, progress=False)
    >>> v.tokens[256], v.special_tokens["<|endoftext|>"]
    (b'ab', 268)
    """
    from ._train_report import print_config, print_summary

    wall = time.perf_counter()
    trainer = Trainer(pattern=pattern, threads=threads, max_memory=max_memory, progress=progress)
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
    trainer.layout(
        vocab_size=vocab_size,
        reserved=reserved,
        special_tokens=special_tokens,
        spare_special_tokens=spare_special_tokens,
    )  # fail before the long work
    if progress is True:
        print_config(options, inputs, load_counts)
    for path in load_counts:
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
    vocab = trainer.train(
        vocab_size=vocab_size,
        reserved=reserved,
        special_tokens=special_tokens,
        spare_special_tokens=spare_special_tokens,
        min_frequency=min_frequency,
        max_token_length=max_token_length,
        consume=True,
    )
    vocab.config["seconds"] = round(time.perf_counter() - wall, 3)
    vocab.config["peak_rss"] = peak_rss()
    if progress is True:
        print_summary(vocab)
    return vocab
