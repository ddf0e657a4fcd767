"""NFC exactly as Hugging Face ``tokenizers`` applies it, at the speed of ``unicodedata``.

Stage: encoding (the ``NFC`` normalizer of imported ``tokenizer.json`` files, e.g. Qwen's). Python's
``unicodedata`` (Unicode 14 in Python 3.11) and the normalizer of ``tokenizers`` 0.23 (an older
Unicode) do not always agree. ``tokenizers`` does not decompose U+11938 DIVES AKURU VOWEL SIGN O,
so it leaves U+11935 U+11930 apart where ``unicodedata`` composes them; and it takes combining
marks it does not know (U+0D3B, U+10F4E, U+11D97, ...) for starters, so it neither reorders nor
composes across them.

Both follow Unicode's stability rules (an assigned character's decomposition and combining class
never change), so one of them only ever knows *less* about a code point than the other. Where
``tokenizers`` knows less, it changes a subset of what ``unicodedata`` changes: text that
``unicodedata`` finds in NFC (nearly all text; a quick check) is NFC to ``tokenizers`` too, and
only other text goes through ``tokenizers``' own NFC (~50x slower than ``unicodedata``). Code
points where ``tokenizers`` knows more (none with these versions) are found once and send text
holding them the slow way as well. This module does not split or encode.

>>> nfc("e\\u0301"), is_nfc("\\u00e9"), is_nfc("e\\u0301")
('é', True, False)
>>> [hex(ord(c)) for c in nfc("\\U00011935\\U00011930")]  # as tokenizers does
['0x11935', '0x11930']
>>> [hex(ord(c)) for c in nfc("a\\u0301\\u0d3b")]  # U+0D3B (class 9) not moved first
['0xe1', '0xd3b']
"""

from __future__ import annotations

import unicodedata
from functools import cache
from typing import Any

__all__ = ["nfc", "is_nfc"]


@cache
def _normalizers() -> tuple[Any, Any]:
    from tokenizers import normalizers

    return normalizers.NFC(), normalizers.NFD()


@cache
def _hf_knows_more() -> frozenset[str]:
    """Code points ``tokenizers`` normalizes and ``unicodedata`` does not know (by the stability
    rules, no code point ``unicodedata`` knows): :func:`_hf_changes` of every code point that
    ``unicodedata`` leaves unassigned, planes 0-3. ~0.1 s, once (the first text not ASCII)."""
    unknown = [chr(cp) for cp in range(0x40000) if unicodedata.category(chr(cp)) == "Cn"]
    return frozenset(_hf_changes(unknown))


def _hf_changes(chars: list[str]) -> list[str]:
    """The characters ``c`` of ``chars`` for which ``tokenizers``' NFD changes "a" U+0345 ``c``
    U+0334: those it decomposes (their NFD is in the result), and those of a combining class
    above 0, which NFD moves U+0334 (class 1) in front of (U+0345 is class 240: it sorts the run
    240, k, 1 for any k > 0). A character of class 0 without a decomposition leaves the probe as
    it is. One probe a character (it was three, 0.28 s for planes 0-3)."""
    probes = "\x00".join(f"a\u0345{c}\u0334" for c in chars)
    theirs = _normalizers()[1].normalize_str(probes).split("\x00")
    return [c for c, t in zip(chars, theirs) if t != f"a\u0345{c}\u0334"]


def _unchanged(text: str) -> bool:
    """True when ``text`` is NFC to ``unicodedata`` and therefore to ``tokenizers``."""
    if not unicodedata.is_normalized("NFC", text):
        return False
    return text.isascii() or not _hf_knows_more() or _hf_knows_more().isdisjoint(text)


def _hf_nfc(text: str) -> str:
    """``tokenizers``' NFC of ``text``; lone surrogates (which it cannot take) first become
    U+FFFD, as the encoder replaces them."""
    try:
        return _normalizers()[0].normalize_str(text)
    except UnicodeEncodeError:
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        return _normalizers()[0].normalize_str(text)


def nfc(text: str) -> str:
    """``text`` in NFC as ``tokenizers``' ``NFC`` normalizer gives it (lone surrogates as
    U+FFFD where the text is not already NFC).

    >>> nfc("e\\u0301\\ud800")
    'é\\ufffd'
    """
    return text if _unchanged(text) else _hf_nfc(text)


def is_nfc(text: str) -> bool:
    """True when :func:`nfc` leaves ``text`` unchanged."""
    return _unchanged(text) or _hf_nfc(text) == text
