"""Which splitter the trainer uses: the native C++ matcher, or Python ``regex`` for custom patterns.

Stage: pre-tokenization glue for training. A built-in pattern is split natively only when
``_core`` has a matcher for it *and* that matcher reproduces ``reference_split`` on a probe text
(so a placeholder or stale build never trains a wrong vocabulary); anything else is split here
with the reference regexes and fed to the C++ counter as ``{piece: count}``.

>>> resolve_pattern(r"\\w+|\\s+|.").name
'custom'
"""

from __future__ import annotations

from collections import Counter
from functools import cache

import regex

from ._native import core
from .patterns import ALIASES, PATTERNS, Pattern, compile_custom, get_pattern, reference_split

__all__ = ["resolve_pattern", "use_native", "python_counts", "PROBE_TEXT"]

#: Text exercising every alternative of the built-in patterns (code, prose, CJK, whitespace).
PROBE_TEXT = (
    "def load(path: str) -> dict[str, int]:\n    if not x:\n\t\treturn {k: v}  # it's fine\r\n"
    "  x  =  1_000_000 + 12345;  y != z && a->b::c  \n\n\nThe quick brown fox. Don't PANIC!!! "
    "I'LL we've 3.14159\n机器学习是人工智能的一个分支。日本語のテキスト、한국어 문장。"
    "混合 Python 3.11 的 asyncio; ¥1,280.00 🚀🔥 naïve café\u00a0nbsp\u3000x   \n  trailing   "
)


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


@cache
def _native_matches(name: str) -> bool:
    if not core.has_pattern(name):
        return False
    raw = PROBE_TEXT.encode("utf-8")
    ends = [int(e) for e in core.split_offsets(name, raw)]
    pieces = [raw[a:b] for a, b in zip([0, *ends], ends)]
    return pieces == [p.encode("utf-8") for p in reference_split(PROBE_TEXT, name)]


def use_native(pattern: Pattern) -> bool:
    """Whether ``pattern`` can be split by a verified native matcher.

    >>> use_native(Pattern("custom", (r"\\w+",)))
    False
    """
    builtin = PATTERNS.get(pattern.name)
    return (
        builtin is not None and builtin.regexes == pattern.regexes and _native_matches(pattern.name)
    )


def python_counts(texts: list[str | bytes], pattern: Pattern) -> tuple[dict[bytes, int], int]:
    """``({piece bytes: count}, bytes read)`` for ``texts`` split with the reference regexes.

    >>> python_counts(["a a"], get_pattern("gpt2"))
    ({b'a': 1, b' a': 1}, 3)
    """
    single = regex.compile(pattern.regexes[0]) if len(pattern.regexes) == 1 else None
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
