"""Pre-tokenization for the encoder: native C++ matcher when one exists, else the ``regex`` path.

Stage: pre-tokenization (runtime side). :func:`native_available` decides, once per pattern, whether
the hand-written C++ matcher can be used: the pattern must be a built-in one (same regexes), the
core must have a matcher for it, and that matcher must reproduce the reference split on a probe
text (a guard against a placeholder or stale build). Otherwise :class:`RegexSplitter` runs the
pattern's regexes with the ``regex`` module (user-defined patterns, ``tokenizer.json``
pre-tokenizers without a matcher). This module does not do BPE.

>>> RegexSplitter(get_pattern("cl100k")).split("x  = 1")
['x', ' ', ' =', ' ', '1']
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

import regex

from ._native import core
from ._unicode_pinned import compile_pinned
from .patterns import PATTERNS, Pattern, get_pattern, reference_split

if TYPE_CHECKING:
    from .encoding import Tokenizer

__all__ = ["native_available", "RegexSplitter", "get_pattern", "piece_ends"]

_PROBE = (
    "def f(x):\n    return x**2  # naïve café\r\n\tif a<=b: print('It''s 12345')\n"
    "机器学习是人工智能的一个分支。日本語のテキスト "
    "한국어 🚀🔥 ＡＢＣ１２３\u3000 \u00a0x  \n\n  end "
    "DON'T we'll I'M <|endoftext|> ABCdef Ǆǅ ǈǉ x̃ṽ 1_000 ¥1,280.00 ____ ... -> ::\r\r\n"
    "def load(path: str) -> dict[str, int]:\n    if not x:\n\t\treturn {k: v}  # it's fine\r\n"
    "  x  =  1_000_000 + 12345;  y != z && a->b::c  \n\n\nThe quick brown fox. Don't PANIC!!! "
    "I'LL we've 3.14159\n混合 Python 3.11 的 asyncio; naïve café\u00a0nbsp\u3000x   \n  trailing   "
    " “quoted” — ok… ½٣Ⅷ①² \u3000中文 가각\ud7a3 \u0800\u4dff\u9fa6 $+^` \xa0é\u0301\n"
)


@cache
def native_available(pattern: Pattern) -> bool:
    """True when the C++ matcher for ``pattern`` exists and matches the reference on a probe.

    The one guard shared by the encoder and the trainer: a placeholder or stale build can never
    encode or train with a wrong split.
    """
    builtin = PATTERNS.get(pattern.name)
    if builtin is None or builtin.regexes != pattern.regexes or not core.has_pattern(pattern.name):
        return False
    pieces = core.split_pieces(pattern.name, _PROBE)  # (a list: no NumPy import at every load)
    # The regexes as written: the probe has no code point where the pinned classes and the
    # `regex` module's differ (tests/test_unicode_pinned.py), so this is the pinned split, without
    # working out that set of code points at every tokenizer load.
    return pieces == reference_split(_PROBE, tuple(regex.compile(r) for r in pattern.regexes))


class RegexSplitter:
    """Split with a pattern's regexes (isolated splits in sequence), like ``reference_split``."""

    def __init__(self, pattern: Pattern) -> None:
        self.pattern = pattern
        try:
            self._regexes = [compile_pinned(r) for r in pattern.regexes]
        except (regex.error, TypeError) as e:  # a hand-edited vocabulary or tokenizer.json
            raise ValueError(f"pattern {pattern.name!r} has an invalid regex ({e})") from e

    def split(self, text: str) -> list[str]:
        """Pieces of ``text``; ``"".join(pieces) == text``."""
        if len(self._regexes) == 1 and self._regexes[0].groups == 0:
            rx = self._regexes[0]
            pieces = rx.findall(text)
            if sum(map(len, pieces)) == len(text):
                return pieces
        return reference_split(text, self.pattern)

    def split_bytes(self, data: bytes) -> list[bytes]:
        """Pieces of arbitrary bytes, losslessly.

        Invalid UTF-8 rides along as surrogate escapes.
        """
        text = data.decode("utf-8", "surrogateescape")
        return [p.encode("utf-8", "surrogateescape") for p in self.split(text)]


def piece_ends(tok: Tokenizer, data: bytes) -> Any:
    """End offsets of the pieces of ``data`` by ``tok``'s own split (its native matcher or its
    ``regex`` splitter), as a NumPy array."""
    import numpy as np

    if tok.native_split:
        return core.split_offsets(tok.pattern.name, data)
    lengths = [len(piece) for piece in tok._splitter.split_bytes(data)]
    return np.cumsum(np.asarray(lengths, dtype=np.int64))
