"""Which splitter the trainer uses: the native C++ matcher, or Python ``regex`` for custom patterns.

Stage: pre-tokenization glue for training. A built-in pattern is split natively only when
``_split.native_available`` says its C++ matcher reproduces ``reference_split`` (so a placeholder
or stale build never trains a wrong vocabulary); anything else is split here
with the reference regexes and fed to the C++ counter as ``{piece: count}``.

>>> resolve_pattern(r"\\w+|\\s+|.").name
'custom'
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable, Sequence

from ._split import native_available
from ._unicode_pinned import compile_pinned
from .patterns import ALIASES, PATTERNS, Pattern, compile_custom, get_pattern, reference_split

__all__ = ["resolve_pattern", "use_native", "python_counts", "special_cutter"]


def resolve_pattern(pattern: str | Pattern) -> Pattern:
    """A built-in pattern by name (or alias), a :class:`Pattern`, or a custom regex text.

    Raises:
        ValueError: ``pattern`` is neither a known name nor a valid regex.
    """
    if isinstance(pattern, Pattern):
        return pattern
    if pattern in PATTERNS or pattern in ALIASES:
        return get_pattern(pattern)
    compile_custom(pattern)
    return Pattern("custom", (pattern,), "custom regex")


def use_native(pattern: Pattern) -> bool:
    """Whether ``pattern`` can be split by a verified native matcher (``_split.native_available``).

    >>> use_native(Pattern("custom", (r"\\w+",)))
    False
    """
    return native_available(pattern)


def special_cutter(specials: Sequence[str]) -> Callable[[str], list[str]]:
    """A function that cuts a text at the special tokens, as ``_reference.cut_special`` and the
    C++ counter do (leftmost, then longest; empty stretches dropped), and counts the cuts in its
    ``cuts`` attribute. A text without the specials' common prefix is not searched.

    >>> cut = special_cutter(["<|a|>", "<|ab|>"]); cut("x<|ab|>y"), cut.cuts
    (['x', 'y'], 1)
    """
    alts = sorted({s for s in specials if s}, key=len, reverse=True)
    prefix = os.path.commonprefix(alts) if alts else ""
    regex = re.compile("|".join(map(re.escape, alts))) if alts else None

    def cut(text: str) -> list[str]:
        if regex is None or (prefix and prefix not in text):
            return [text] if text else []
        parts = regex.split(text)
        cut.cuts += len(parts) - 1  # type: ignore[attr-defined]
        return [p for p in parts if p]

    cut.cuts = 0  # type: ignore[attr-defined]
    return cut


def python_counts(
    texts: list[str | bytes], pattern: Pattern, specials: Sequence[str] = ()
) -> tuple[dict[bytes, int], int, int]:
    """``({piece bytes: count}, bytes read, special tokens cut)`` for ``texts`` split with the
    reference regexes; ``specials`` are boundaries, not text (see :func:`special_cutter`).

    >>> python_counts(["a a"], get_pattern("gpt2"))
    ({b'a': 1, b' a': 1}, 3, 0)
    """
    single = compile_pinned(pattern.regexes[0]) if len(pattern.regexes) == 1 else None
    if single is not None and single.groups:
        single = None  # findall would return groups
    cut = special_cutter(specials)
    counts: Counter[str] = Counter()
    raw_counts: Counter[bytes] = Counter()
    nbytes = 0
    for text in texts:
        if isinstance(text, bytes):
            nbytes += len(text)
            s = text.decode("utf-8", "surrogateescape")
            for part in cut(s):
                raw_counts.update(
                    p.encode("utf-8", "surrogateescape") for p in reference_split(part, pattern)
                )
            continue
        nbytes += len(text.encode("utf-8", "surrogatepass"))
        for part in cut(text):
            pieces = single.findall(part) if single is not None else None
            if pieces is None or sum(map(len, pieces)) != len(part):
                pieces = reference_split(part, pattern)  # gaps between matches become pieces
            counts.update(pieces)
    out = {p.encode("utf-8", "surrogatepass"): n for p, n in counts.items()}
    for p, n in raw_counts.items():
        out[p] = out.get(p, 0) + n
    return out, nbytes, cut.cuts  # type: ignore[attr-defined]
