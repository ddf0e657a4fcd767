"""Code points for the regex port: which ones a class matches, and how to write one portably.

Stage: export (helper of ``tokenizer.regex_port``). :func:`class_ranges` expands a ``regex``-module
class into explicit code point ranges computed here with the pinned classes
(``tokenizer._unicode_pinned``), so every engine agrees on every code point whatever its Unicode
version; :func:`cp_text` writes one code point so that Oniguruma,
fancy-regex and ``regex`` all read it the same way. This module does not parse whole regexes.

>>> print(cp_text(0x0A, "onig", in_class=False), cp_text(ord("-"), "onig", in_class=True))
\\n \\-
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from ._unicode_pinned import all_code_points, compile_pinned

__all__ = ["class_ranges", "cp_text"]

# Characters escaped inside a class (``regex`` set operations included).
_CLASS_META = set("\\]^-[&~|")


@lru_cache(maxsize=256)
def class_ranges(class_text: str, ignore_case: bool = False) -> tuple[tuple[int, int], ...]:
    """The code points (surrogates excluded) matched by one ``regex``-module class, as ranges.

    Pinned properties (``\\p{L}``, ``\\p{N}``, ...) have the pinned classes' code points.

    >>> class_ranges(r"[\\r\\na-c]")
    ((10, 10), (13, 13), (97, 99))
    """
    rx = compile_pinned(("(?i)" if ignore_case else "") + f"(?:{class_text})+")
    ranges: list[tuple[int, int]] = []
    for m in rx.finditer(all_code_points()):
        lo, hi = ord(m.group()[0]), ord(m.group()[-1])
        if ranges and ranges[-1][1] + 1 == lo:
            ranges[-1] = (ranges[-1][0], hi)
        elif lo <= 0xD7FF < hi:  # a run across the surrogate gap is two ranges joined
            ranges += [(lo, 0xD7FF), (0xE000, hi)]
        else:
            ranges.append((lo, hi))
    return tuple(ranges)


def cp_text(c: int, target: str, *, in_class: bool) -> str:
    ch = chr(c)
    if ch.isascii() and (ch.isalnum() or ch == "_"):
        return ch
    if ch == " ":
        return ch
    if ch.isascii() and ch.isprintable():
        return "\\" + ch if (in_class and ch in _CLASS_META) or not in_class else ch
    if not ch.isascii() and unicodedata.category(ch)[0] in "LNS":
        return ch  # readable, and a plain literal in every engine
    if c in (9, 10, 13):
        return {9: "\\t", 10: "\\n", 13: "\\r"}[c]
    # subtle: \uXXXX is the one escape that Oniguruma, fancy-regex and `regex` all read; astral
    # code points have no common escape, and a literal character works everywhere.
    return f"\\u{c:04X}" if c <= 0xFFFF else ch
