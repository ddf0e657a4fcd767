"""What ``train`` prints on stderr: the configuration first, a summary last.

Stage: interface helper for ``tokenizer.train``; it only formats. No progress bars here (see
``tokenizer._progress``).

>>> print_config({"vocab_size": 300}, None, (), stream=__import__("io").StringIO())
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any, TextIO

from ._progress import human
from .vocab import Vocabulary

__all__ = [
    "print_config",
    "print_notes",
    "print_summary",
    "skip_notes",
    "skip_lines",
    "replaced_notes",
    "empty_corpus_message",
]


def _corpus_notes(name: str, corpus: dict[str, Any]) -> list[str]:
    """``tokenizer._corpus_summary.<name>(corpus)``; none when the corpus stage is not
    installed."""
    try:
        from . import _corpus_summary
    except ImportError:
        return []
    return getattr(_corpus_summary, name)(corpus)


def skip_notes(corpus: dict[str, Any]) -> list[str]:
    """What the corpus stage skipped (see ``tokenizer._corpus_summary.skip_notes``)."""
    return _corpus_notes("skip_notes", corpus)


def skip_lines(corpus: dict[str, Any]) -> list[str]:
    """What was left out, as ``codebpe corpus`` says it (``_corpus_summary.skip_lines``)."""
    return _corpus_notes("skip_lines", corpus)


def replaced_notes(corpus: dict[str, Any]) -> list[str]:
    """What was kept but changed (see ``tokenizer._corpus_summary.replaced_notes``)."""
    return _corpus_notes("replaced_notes", corpus)


def empty_corpus_message(corpus: dict[str, Any]) -> str:
    """The error for a corpus with no text, saying what was skipped.

    >>> empty_corpus_message({"skipped": {"a.bin": {"invalid-utf8": 1}},
    ...                       "skipped_examples": {"a.bin": {"invalid-utf8": ["a.bin"]}}})
    'the corpus is empty: no text was counted; skipped 1 document with invalid UTF-8 (a.bin)'
    """
    notes = skip_notes(corpus)
    return "the corpus is empty: no text was counted" + "".join(
        f"; skipped {note}" for note in notes
    )


def print_config(
    options: dict[str, Any],
    inputs: Any,
    load_counts: Sequence[Any],
    *,
    stream: TextIO | None = None,
) -> None:
    """One block: inputs and every training option."""
    from ._train_inputs import path_set

    out = stream or sys.stderr
    inputs = path_set(inputs)
    if inputs is None and not load_counts:
        source = "shipped corpora/ sample"
    elif isinstance(inputs, (str, list, tuple)) or hasattr(inputs, "__fspath__"):
        items = inputs if isinstance(inputs, (list, tuple)) else [inputs]
        source = ", ".join(_shown(x) for x in items)
    elif inputs is None:
        source = "saved counts only"
    else:
        source = f"documents from {type(inputs).__name__}"
    print(f"codebpe train: {source}", file=out)
    if load_counts:
        print(f"  load counts: {', '.join(map(str, load_counts))}", file=out)
    for key, value in options.items():
        if key in ("max_memory", "max_bytes") and isinstance(value, int):
            value = human(value)
        print(f"  {key}: {value}", file=out)
    out.flush()


def _shown(item: Any) -> str:
    """An input as the header shows it: a text given where a path goes (4,600 characters with
    line breaks, which the corpus stage then refuses) was printed whole, ~400 lines."""
    text = str(item)
    if len(text) > 120 or "\n" in text:
        return f"{text[:60]!r}... ({len(text):,} characters)"
    return text


def print_notes(specials: Sequence[str], *, stream: TextIO | None = None) -> None:
    """A note per special token that looks like ordinary text (``def``).

    >>> print_notes(["<|endoftext|>", "def"], stream=sys.stdout)  # doctest: +ELLIPSIS
    note: special token 'def' looks like ordinary text: training cuts every 'def' out of ...
    """
    from .reserved import text_like_specials

    out = stream or sys.stderr
    for s in text_like_specials(specials):
        print(
            f"note: special token {s!r} looks like ordinary text: training cuts every {s!r} "
            "out of the documents, and encode() with it allowed turns each one in text into "
            "the special id",
            file=out,
        )
    out.flush()


def print_summary(vocab: Vocabulary, *, stream: TextIO | None = None) -> None:
    """Time, peak memory (``vocab.stats``: not saved), pieces, pruning, and the id layout."""
    out = stream or sys.stderr
    c, st = vocab.config, vocab.stats
    lo, hi = vocab.reserved_ids
    print(
        f"done in {st.get('seconds', 0):.1f}s (count {st.get('count_seconds', 0):.1f}s, merge "
        f"{st.get('merge_seconds', 0):.1f}s), peak memory {human(st.get('peak_rss', 0))}",
        file=out,
    )
    print(
        f"  corpus: {vocab.corpus.get('documents', 0):,} documents, "
        f"{human(vocab.corpus.get('bytes', 0))}; {c['counted_pieces']:,} pieces, "
        f"{c['unique_pieces']:,} unique",
        file=out,
    )
    for line in skip_lines(vocab.corpus):
        print(f"  {line}", file=out)
    for note in replaced_notes(vocab.corpus):
        print(f"  replaced: {note}", file=out)
    if c.get("special_token_cuts"):
        print(
            f"  special tokens: {c['special_token_cuts']:,} in the text, cut out as boundaries "
            "(not counted)",
            file=out,
        )
    if c["pruned_unique_pieces"]:
        share = c["pruned_count_mass"] / max(1, c["counted_pieces"])
        print(
            f"  memory cap: pruned {c['pruned_unique_pieces']:,} rare unique pieces "
            f"({c['pruned_count_mass']:,} occurrences, {share:.2%} of all pieces)",
            file=out,
        )
    print(
        f"  vocabulary: {vocab.n_vocab:,} ids = 256 bytes + {hi - lo} reserved + "
        f"{c['learned']:,} learned + {len(vocab.special_tokens)} special",
        file=out,
    )
    if c["learned"] < c["learned_target"]:
        print(
            f"  note: only {c['learned']:,} of {c['learned_target']:,} merges qualified "
            f"(min_frequency={c['min_frequency']}); ids {len(vocab.tokens)}.."
            f"{min(vocab.special_tokens.values(), default=len(vocab.tokens)) - 1} are unused",
            file=out,
        )
    out.flush()
