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
    rules, no code point ``unicodedata`` knows): a decomposition, found by NFD of the code point,
    or a combining class above 0, found after "a" + U+0345 (class 240) and before U+0334 (class
    1), as NFD reorders one of the two pairs for any class above 0. Planes 0-3; ~0.3 s, once."""
    unknown = [chr(cp) for cp in range(0x40000) if unicodedata.category(chr(cp)) == "Cn"]
    probes = unknown + ["a\u0345" + c for c in unknown] + ["a" + c + "\u0334" for c in unknown]
    theirs = _normalizers()[1].normalize_str("\x00".join(probes)).split("\x00")
    return frozenset(c for c, probe, t in zip(unknown * 3, probes, theirs) if t != probe)


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
