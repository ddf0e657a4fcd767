"""Pre-tokenization: split text into pieces, fast for built-in patterns, by regex for any other.

Stage: pre-tokenization. Built-in patterns (``tokenizer.patterns``: ``codebpe-v1``, ``cl100k``,
``o200k``, ``gpt2``, ``llama3``, ``qwen2``, ``deepseek-v3``, ``deepseek-coder``, by name, alias or
exact regex text) run on the hand-written C++ matchers of ``tokenizer._core``, which give
exactly the pieces of ``tokenizer.patterns.reference_split``. Any other regex (text or a
compiled ``regex``/``re`` pattern) runs on the ``regex`` module with the same isolated-split
rule. This module does not count pieces, apply BPE or handle special tokens.

Rules worth knowing:

* ``bytes`` in, ``list[bytes]`` out; ``str`` in, ``list[str]`` out. ``b"".join(pieces)`` (or
  ``"".join``) is always the input.
* Bytes that are not valid UTF-8 are split losslessly: each invalid byte is one character of
  its own, the lone surrogate ``U+DC00 + byte`` (Python's ``surrogateescape``), which no letter,
  digit, mark, punctuation, symbol or space class contains. The reference for bytes is therefore
  ``reference_split_bytes`` below.
* A ``str`` with lone surrogates cannot be UTF-8 encoded: ``split`` raises ``ValueError`` (pass
  ``text.encode("utf-8", "surrogateescape")`` instead, or replace them first, as tiktoken does
  with U+FFFD).
"""

from __future__ import annotations

import re
from typing import Literal, Union, overload

import regex

from .patterns import ALIASES, DEFAULT_PATTERN, PATTERNS, Pattern, compile_custom, reference_split

__all__ = ["Splitter", "split", "split_path", "reference_split_bytes"]

PatternLike = Union[str, Pattern, regex.Pattern, re.Pattern]
_BY_TEXT: dict[tuple[str, ...], str] = {p.regexes: name for name, p in PATTERNS.items()}


def _resolve(pattern: PatternLike) -> tuple[str | None, tuple[object, ...], str]:
    """(built-in name or None, regexes for the regex path, display name)."""
    if isinstance(pattern, Pattern):
        name = _BY_TEXT.get(pattern.regexes)
        return name, pattern.regexes, pattern.name
    if isinstance(pattern, (regex.Pattern, re.Pattern)):
        text = pattern.pattern
        if (
            isinstance(pattern, regex.Pattern)
            and (text,) in _BY_TEXT
            and pattern.flags == regex.compile(text).flags
        ):
            return _BY_TEXT[(text,)], (text,), _BY_TEXT[(text,)]
        return None, (pattern,), str(text)
    if isinstance(pattern, str):
        key = ALIASES.get(pattern, pattern)
        if key in PATTERNS:
            return key, PATTERNS[key].regexes, key
        if (pattern,) in _BY_TEXT:
            return _BY_TEXT[(pattern,)], (pattern,), _BY_TEXT[(pattern,)]
        return None, (compile_custom(pattern),), pattern
    raise TypeError(f"pattern must be a name, regex text or compiled regex, not {type(pattern)}")


class Splitter:
    """A pattern ready to split text; ``native`` says whether the C++ matcher is used.

    Attributes:
        name: the built-in name, or the regex text for a user pattern.
        native: True for a built-in pattern (hand-written C++ matcher), False for the regex path.

    >>> Splitter("cl100k").split("x  = 10000")
    ['x', ' ', ' =', ' ', '100', '00']
    """

    def __init__(self, pattern: PatternLike = DEFAULT_PATTERN) -> None:
        builtin, self._regexes, self.name = _resolve(pattern)
        self._builtin = builtin
        self.native: bool = builtin is not None
        if builtin is not None:
            from ._native import core

            self._core = core
            self.name = builtin

    def __repr__(self) -> str:
        return f"Splitter({self.name!r}, native={self.native})"

    def split_offsets(self, data: bytes) -> list[int]:
        """End offsets (bytes, exclusive) of the pieces of ``data``.

        >>> Splitter("gpt2").split_offsets(b"a b")
        [1, 3]
        """
        if self._builtin is not None:
            return self._core.split_offsets(self._builtin, data).tolist()
        ends, pos = [], 0
        for piece in self._split_regex(data):
            pos += len(piece)
            ends.append(pos)
        return ends

    @overload
    def split(self, text: str) -> list[str]: ...
    @overload
    def split(self, text: bytes) -> list[bytes]: ...

    def split(self, text: str | bytes) -> list[str] | list[bytes]:
        """Split ``text`` into pieces whose concatenation is ``text``.

        >>> Splitter("codebpe-v1").split(b"if (x):")
        [b'if', b' (', b'x', b'):']
        """
        if isinstance(text, (bytes, bytearray, memoryview)):
            data = bytes(text)
            if self._builtin is None:
                return self._split_regex(data)
            return self._core.split_pieces(self._builtin, data)
        if not isinstance(text, str):
            raise TypeError(f"text must be str or bytes, not {type(text).__name__}")
        if self._builtin is None:
            return self._split_regex(text)
        try:
            return self._core.split_pieces(self._builtin, text)
        except UnicodeEncodeError:
            _encode_strict(text)  # raises the clear ValueError
            raise

    def _split_regex(self, text: str | bytes) -> list:
        if isinstance(text, bytes):
            if any(
                isinstance(r, (regex.Pattern, re.Pattern)) and isinstance(r.pattern, bytes)
                for r in self._regexes
            ):
                return _isolated(text, self._regexes)
            pieces = _isolated(text.decode("utf-8", "surrogateescape"), self._regexes)
            return [p.encode("utf-8", "surrogateescape") for p in pieces]
        return _isolated(text, self._regexes)


def _isolated(text, regexes: tuple[object, ...]) -> list:
    """reference_split's isolated-split rule for regex texts or compiled patterns."""
    return reference_split(text, tuple(regexes))  # type: ignore[arg-type]


def _encode_strict(text: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as e:
        raise ValueError(
            f"text has a lone surrogate {text[e.start]!r} at index {e.start}, which is not valid "
            "UTF-8; pass bytes (text.encode('utf-8', 'surrogateescape')) or replace it first"
        ) from None


_SPLITTERS: dict[object, Splitter] = {}


def _splitter(pattern: PatternLike) -> Splitter:
    key = (type(pattern), pattern if not isinstance(pattern, Pattern) else pattern.regexes)
    try:
        return _SPLITTERS[key]
    except (KeyError, TypeError):
        s = Splitter(pattern)
        if len(_SPLITTERS) < 256:
            try:
                _SPLITTERS[key] = s
            except TypeError:
                pass
        return s


@overload
def split(text: str, pattern: PatternLike = ...) -> list[str]: ...
@overload
def split(text: bytes, pattern: PatternLike = ...) -> list[bytes]: ...


def split(text: str | bytes, pattern: PatternLike = DEFAULT_PATTERN) -> list[str] | list[bytes]:
    """Split ``text`` with a built-in pattern (C++) or any regex (the ``regex`` module).

    Args:
        text: ``str`` (pieces are ``str``) or ``bytes`` (pieces are ``bytes``; any bytes).
        pattern: a built-in name or alias, a :class:`~tokenizer.patterns.Pattern`, regex text,
            or a compiled ``regex``/``re`` pattern.

    Raises:
        ValueError: a ``str`` with lone surrogates, or a pattern that is neither built in nor a
            valid regex.

    >>> split("def f(x):\\n    return x", "cl100k")
    ['def', ' f', '(x', '):\\n', '   ', ' return', ' x']
    """
    return _splitter(pattern).split(text)


def split_path(pattern: PatternLike = DEFAULT_PATTERN) -> Literal["native", "regex"]:
    """Which engine ``split`` uses for ``pattern``: the C++ matcher or the ``regex`` module.

    >>> split_path("o200k_base"), split_path(r"\\w+|\\W")
    ('native', 'regex')
    """
    return "native" if _splitter(pattern).native else "regex"


def reference_split_bytes(data: bytes, pattern: str | Pattern = DEFAULT_PATTERN) -> list[bytes]:
    """The reference split of arbitrary bytes: what the native matchers must return for ``data``.

    Invalid UTF-8 bytes become lone surrogates (``surrogateescape``) for the reference regexes.

    >>> reference_split_bytes(b"ab\\xff!", "cl100k")
    [b'ab', b'\\xff!']
    """
    text = data.decode("utf-8", "surrogateescape")
    return [p.encode("utf-8", "surrogateescape") for p in reference_split(text, pattern)]
