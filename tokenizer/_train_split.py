"""Which splitter the trainer uses: the native C++ matcher, or Python ``regex`` for custom patterns.

Stage: pre-tokenization glue for training. A built-in pattern is split natively only when
``_split.native_available`` says its C++ matcher reproduces ``reference_split`` (so a placeholder
or stale build never trains a wrong vocabulary); anything else is split here
with the reference regexes and fed to the C++ counter as ``{piece: count}``.

>>> resolve_pattern(r"\\w+|\\s+|.").name
'custom'
"""

from __future__ import annotations

from collections import Counter

from ._split import native_available
from ._unicode_pinned import compile_pinned
from .patterns import ALIASES, PATTERNS, Pattern, compile_custom, get_pattern, reference_split

__all__ = ["resolve_pattern", "use_native", "python_counts"]


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


def python_counts(texts: list[str | bytes], pattern: Pattern) -> tuple[dict[bytes, int], int]:
    """``({piece bytes: count}, bytes read)`` for ``texts`` split with the reference regexes.

    >>> python_counts(["a a"], get_pattern("gpt2"))
    ({b'a': 1, b' a': 1}, 3)
    """
    single = compile_pinned(pattern.regexes[0]) if len(pattern.regexes) == 1 else None
    if single is not None and single.groups:
        single = None  # findall would return groups
    counts: Counter[str] = Counter()
    raw_counts: Counter[bytes] = Counter()
    nbytes = 0
    for text in texts:
        if isinstance(text, bytes):
            nbytes += len(text)
            s = text.decode("utf-8", "surrogateescape")
            raw_counts.update(
                p.encode("utf-8", "surrogateescape") for p in reference_split(s, pattern)
            )
            continue
        nbytes += len(text.encode("utf-8", "surrogatepass"))
        pieces = single.findall(text) if single is not None else None
        if pieces is None or sum(map(len, pieces)) != len(text):
            pieces = reference_split(text, pattern)  # gaps between matches become pieces
        counts.update(pieces)
    out = {p.encode("utf-8", "surrogatepass"): n for p, n in counts.items()}
    for p, n in raw_counts.items():
        out[p] = out.get(p, 0) + n
    return out, nbytes
