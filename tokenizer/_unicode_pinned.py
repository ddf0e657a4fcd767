"""Unicode classes pinned to the version that tiktoken and Hugging Face ``tokenizers`` use.

Stage: pre-tokenization (shared by the regex path, the reference split and the exporter). Each
regex engine carries its own Unicode tables: the ``regex`` module follows the newest Unicode
(17 and later), while tiktoken's fancy-regex and ``tokenizers``' Oniguruma are a version behind
(they agree with each other code point for code point); ~17k letters, 336 numbers and ~80 marks
differ, mostly recently encoded CJK ideographs. A split must classify every code point as the
library whose vocabulary it serves, so all of codebpe uses one pinned set of classes, measured on
those two engines by ``scripts/gen_unicode_tables.py``: the C++ matchers' tables
(``csrc/unicode_tables.h``) and the ranges in ``tokenizer/_unicode_ranges.py``, which
:func:`compile_pinned` applies to every regex the ``regex`` module runs on codebpe's behalf
(reference split, regex path, custom training patterns, the exporter's class ranges);
:func:`pin_pattern` writes them out in full. A compiled ``regex.Pattern`` that a user passes in
keeps ``regex``'s own tables.

Pinned: ``\\p{X}`` / ``\\pX`` / ``\\P{X}`` / ``\\p{^X}`` for X in L, Lu, Ll, Lt, Lm, Lo, M, N, P, S
and the scripts Han, Hiragana, Katakana, Hangul (names case-insensitive). ``\\s`` needs no pin
(all three engines agree). Other properties and spellings (``\\p{gc=L}``, ``\\w``, ``\\d``) keep
the ``regex`` module's own tables. Three classes that only ``tokenizers`` has are measured too
(:func:`hf_ranges`): Oniguruma's ``\\w`` and ``\\d`` (``tokenizer.regex_port`` writes them out when
it reads a ``tokenizer.json`` regex) and the ``Digits`` pre-tokenizer's digits
(:func:`hf_digits_class`). This module does not split text.

>>> import regex
>>> bool(regex.fullmatch(pin_pattern(r"\\p{L}"), "\\U000323b0"))  # CJK Ext. J, Unicode 17
False
>>> bool(regex.fullmatch(r"\\p{L}", "\\U000323b0"))
True
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import cache, lru_cache
from typing import Any

import regex

__all__ = [
    "PinnedRegex",
    "all_code_points",
    "compile_pinned",
    "hf_class_body",
    "hf_digits_class",
    "hf_ranges",
    "pin_pattern",
    "pin_with",
    "pinned_ranges",
    "pinned_source",
    "regex_text",
]

MAX_CP = 0x110000


@cache
def pinned_ranges() -> Mapping[str, Sequence[tuple[int, int]]]:
    """``{property: ((first, last), ...)}`` for every pinned property (surrogates excluded)."""
    from ._unicode_ranges import RANGES

    return {k: tuple(zip(v[::2], v[1::2])) for k, v in RANGES.items()}


@cache
def hf_ranges() -> Mapping[str, Sequence[tuple[int, int]]]:
    """``{name: ((first, last), ...)}`` of the classes measured on ``tokenizers`` alone: ``"w"``
    and ``"d"`` (Oniguruma's ``\\w``, ``\\d``), ``"Digits"`` (what its ``Digits`` pre-tokenizer
    takes for a digit: Rust's ``char::is_numeric``)."""
    from ._unicode_ranges import HF_RANGES

    return {k: tuple(zip(v[::2], v[1::2])) for k, v in HF_RANGES.items()}


def hf_class_body(name: str, negate: bool = False) -> str:
    """The class body (no brackets) of :func:`hf_ranges` ``[name]``, or of its complement."""
    ranges = hf_ranges()[name]
    return _body(_complement(ranges) if negate else ranges)


@cache
def hf_digits_class() -> str:
    """The regex class of ``tokenizers``' ``Digits`` pre-tokenizer: the pinned ``\\p{N}`` and the
    code points Rust's ``char::is_numeric`` adds (it follows a newer Unicode than Oniguruma: 13,
    U+11DE0..U+11DE9 and U+16FF4..U+16FF6, with tokenizers 0.23).

    >>> print(hf_digits_class())
    [\\p{N}\\U00011de0-\\U00011de9\\U00016ff4-\\U00016ff6]
    """
    digits = {c for lo, hi in hf_ranges()["Digits"] for c in range(lo, hi + 1)}
    numbers = {c for lo, hi in pinned_ranges()["N"] for c in range(lo, hi + 1)}
    if not numbers <= digits:  # (not so at tokenizers 0.23: then written out in full)
        return f"[{hf_class_body('Digits')}]"
    return f"[\\p{{N}}{_body(_ranges_of(digits - numbers))}]"


def pinned_source() -> str:
    """Which engines (and releases) the pinned classes were measured on."""
    from ._unicode_ranges import SOURCE

    return SOURCE


@cache
def _knows_lower_z() -> bool:
    try:
        regex.compile("\\z")
    except regex.error:
        return False
    return True


def regex_text(text: str) -> str:
    """``text`` as the installed ``regex`` module reads it: each ``\\z`` (the very end of the
    string, which the exporter writes for Oniguruma and fancy-regex) becomes ``\\Z`` (the same
    meaning in ``regex``) when this ``regex`` release rejects ``\\z``, as 2026.1.15 (the last
    one for Python 3.9) does. Anything else is left as written.

    >>> regex.fullmatch(regex_text(r"a\\z"), "a") is not None
    True
    """
    if "\\z" not in text or _knows_lower_z():
        return text
    out = []
    for _kind, i, end, depth in _scan(text):
        out.append("\\Z" if depth == 0 and text[i:end] == "\\z" else text[i:end])
    return "".join(out)


def _complement(ranges: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    at = 0
    for lo, hi in ranges:
        if lo > at:
            out.append((at, lo - 1))
        at = hi + 1
    if at < MAX_CP:
        out.append((at, MAX_CP - 1))
    return out


def _body(ranges: Sequence[tuple[int, int]]) -> str:
    """Class body (no brackets) listing ``ranges`` as ``\\U`` escapes."""
    parts = []
    for lo, hi in ranges:
        parts.append(f"\\U{lo:08x}" if lo == hi else f"\\U{lo:08x}-\\U{hi:08x}")
    return "".join(parts)


def _property(text: str, i: int) -> tuple[str, bool, int] | None:
    """At ``text[i] == '\\\\'`` followed by p or P: (name, negated, end index), else None."""
    if i + 2 >= len(text) or text[i + 1] not in "pP":
        return None
    neg = text[i + 1] == "P"
    if text[i + 2] == "{":
        end = text.find("}", i + 3)
        if end < 0:
            return None
        name = text[i + 3 : end]
        if name.startswith("^"):
            neg, name = not neg, name[1:]
        return name, neg, end + 1
    return text[i + 2], neg, i + 3


def _norm(name: str) -> str:
    return name.replace(" ", "").replace("_", "").lower()


def _scan(text: str) -> Iterator[tuple[str, int, int, int]]:
    """The regex ``text`` as (kind, start, end, class depth) items, kind one of "prop" (a
    property escape), "open" and "close" (a set's brackets, depth counted inside), "other"."""
    i, n = 0, len(text)
    depth = 0
    while i < n:
        c = text[i]
        if c == "\\":
            prop = _property(text, i)
            end = prop[2] if prop is not None else i + 2
            yield ("prop" if prop is not None else "other"), i, end, depth
            i = end
        elif c == "[" and depth and text.startswith("[:", i) and text.find(":]", i + 2) >= 0:
            end = text.find(":]", i + 2) + 2  # a POSIX class inside a set: one item
            yield "other", i, end, depth
            i = end
        elif c == "[":
            end = i + 1
            if text.startswith("^", end):
                end += 1
            if text.startswith("]", end):  # a ']' first in a set is a literal
                end += 1
            depth += 1
            yield "open", i, end, depth
            i = end
        elif c == "]" and depth:
            yield "close", i, i + 1, depth
            depth -= 1
            i += 1
        else:
            yield "other", i, i + 1, depth
            i += 1


def pin_with(
    text: str, ranges: Mapping[str, Sequence[tuple[int, int]]], used: set[str] | None = None
) -> str:
    """``text`` with every pinned property escape replaced by its explicit ranges.

    The names of the properties replaced are added to ``used`` when it is given.
    """
    names = {k.lower(): k for k in ranges}
    out: list[str] = []
    for kind, i, end, depth in _scan(text):
        prop = _property(text, i) if kind == "prop" else None
        key = names.get(_norm(prop[0])) if prop is not None else None
        if prop is None or key is None:
            out.append(text[i:end])
            continue
        if used is not None:
            used.add(key)
        body = _body(_complement(ranges[key]) if prop[1] else ranges[key])
        out.append(body if depth else f"[{body}]")
    return "".join(out)


def _ranges_of(cps: Iterable[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for c in sorted(cps):
        if out and out[-1][1] + 1 == c:
            out[-1] = (out[-1][0], c)
        else:
            out.append((c, c))
    return out


def _guarded(text: str, flags: int) -> tuple[str, frozenset[str]]:
    """(``text`` with each set or bare escape that holds a pinned property X rewritten as
    ``(?:(?![D])X|[X's pinned members in D])``, D) where D is the code points on which the
    ``regex`` module's tables and the pinned ones differ for the properties used.

    Exact (outside D the set as written is the pinned set) and 3-9x faster in the ``regex``
    module than the whole set written out as ranges.
    """
    ranges = pinned_ranges()
    names = {k.lower(): k for k in ranges}
    used: set[str] = set()
    spans: list[tuple[int, int]] = []
    start, pinned = 0, False
    for kind, i, end, depth in _scan(text):
        prop = _property(text, i) if kind == "prop" else None
        key = names.get(_norm(prop[0])) if prop is not None else None
        if key is not None:
            used.add(key)
        if kind == "open" and depth == 1:
            start, pinned = i, False
        elif key is not None and depth == 0:
            spans.append((i, end))
        elif key is not None:
            pinned = True
        elif kind == "close" and depth == 1 and pinned:
            spans.append((start, end))
    disagree: frozenset[str] = frozenset()
    for prop_name in sorted(used):
        disagree |= _disagreeing(prop_name)
    if not disagree:
        return text, disagree
    not_here = f"(?-i:(?![{_body(_ranges_of(map(ord, disagree)))}]))"
    out: list[str] = []
    at = 0
    for a, b in spans:
        item = text[a:b]
        written_out = regex.compile(pin_with(item, ranges), flags)
        members = _ranges_of(ord(c) for c in disagree if written_out.fullmatch(c))
        alt = f"|(?-i:[{_body(members)}])" if members else ""
        out += [text[at:a], f"(?:{not_here}{item}{alt})"]
        at = b
    out.append(text[at:])
    return "".join(out), disagree


@lru_cache(maxsize=256)
def pin_pattern(text: str) -> str:
    """``text`` (a ``regex``-module regex) with the pinned classes written out as ranges.

    A regex without a pinned property escape comes back unchanged.

    >>> pin_pattern("[a-z]+")
    '[a-z]+'
    """
    if "\\p" not in text and "\\P" not in text:
        return text
    return pin_with(text, pinned_ranges())


@cache
def all_code_points() -> str:
    """Every code point but the surrogates, in order (index i is code point i, or i + 0x800).

    The text the exporter's class ranges and the disagreeing code points are read from."""
    return "".join(map(chr, range(0xD800))) + "".join(map(chr, range(0xE000, MAX_CP)))


@cache
def _disagreeing(prop: str) -> frozenset[str]:
    """Code points (1-char strings) where ``regex``'s ``\\p{prop}`` and the pinned one differ."""
    everything = all_code_points()
    pinned = {c for lo, hi in pinned_ranges()[prop] for c in range(lo, hi + 1)}
    own: set[int] = set()
    for m in regex.finditer(rf"\p{{{prop}}}+", everything):
        own.update(x if x < 0xD800 else x + 0x800 for x in range(*m.span()))
    return frozenset(map(chr, own ^ pinned))


class PinnedRegex:
    """A ``regex``-module pattern whose classes follow the pinned tables (``compile_pinned``).

    The pattern runs as written on ASCII strings and on strings without a code point D where
    ``regex``'s tables and the pinned ones disagree for a property the pattern uses (then both
    give the same matches); otherwise each set with a pinned property is guarded against D and
    D's members added back (``_guarded``: 3-9x slower than as written, 2.5-9x faster than the
    pinned sets written out as ranges). D and the guarded text are worked out the first time a
    non-ASCII string needs them (~0.4 s for o200k's pattern).
    Has the methods the splitters use: ``findall``, ``finditer``, ``search``, ``match``,
    ``fullmatch``, ``split``, ``sub``, and the attributes ``pattern``, ``flags``, ``groups``.
    """

    __slots__ = ("pattern", "flags", "groups", "_fast", "_slow", "_pinned")

    def __init__(self, text: str, flags: int = 0) -> None:
        self._fast = regex.compile(regex_text(text) if isinstance(text, str) else text, flags)
        self.pattern, self.flags, self.groups = text, self._fast.flags, self._fast.groups
        self._slow: Any = None
        self._pinned: tuple[str, frozenset[str]] | None = None

    def __repr__(self) -> str:
        return f"PinnedRegex({self.pattern!r})"

    def disagreeing(self) -> frozenset[str]:
        """The code points on which this pattern would match differently without the pin."""
        if self._pinned is None:
            self._pinned = _guarded(self._fast.pattern, self.flags)
        return self._pinned[1]

    def _for(self, string: Any) -> Any:
        if not isinstance(string, str) or not isinstance(self.pattern, str) or string.isascii():
            return self._fast
        guard = self.disagreeing()
        if not guard or guard.isdisjoint(string):
            return self._fast
        if self._slow is None:
            assert self._pinned is not None
            self._slow = regex.compile(self._pinned[0], self.flags)
        return self._slow

    def findall(self, string: Any, *args: Any, **kwargs: Any) -> list[Any]:
        return self._for(string).findall(string, *args, **kwargs)

    def finditer(self, string: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
        return self._for(string).finditer(string, *args, **kwargs)

    def search(self, string: Any, *args: Any, **kwargs: Any) -> Any:
        return self._for(string).search(string, *args, **kwargs)

    def match(self, string: Any, *args: Any, **kwargs: Any) -> Any:
        return self._for(string).match(string, *args, **kwargs)

    def fullmatch(self, string: Any, *args: Any, **kwargs: Any) -> Any:
        return self._for(string).fullmatch(string, *args, **kwargs)

    def split(self, string: Any, *args: Any, **kwargs: Any) -> list[Any]:
        return self._for(string).split(string, *args, **kwargs)

    def sub(self, repl: Any, string: Any, *args: Any, **kwargs: Any) -> Any:
        return self._for(string).sub(repl, string, *args, **kwargs)


@lru_cache(maxsize=256)
def compile_pinned(text: str, flags: int = 0) -> PinnedRegex:
    """``regex.compile(text, flags)`` with the pinned Unicode classes; ``regex.error`` if invalid.

    >>> rx = compile_pinned(r"\\p{L}+")
    >>> rx.findall("ab\\U000323b0cd"), regex.findall(r"\\p{L}+", "ab\\U000323b0cd")
    (['ab', 'cd'], ['ab\\U000323b0cd'])
    """
    return PinnedRegex(text, flags)
