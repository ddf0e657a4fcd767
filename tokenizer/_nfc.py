"""NFC exactly as Hugging Face ``tokenizers`` applies it, at the speed of ``unicodedata``.

Stage: encoding (the ``NFC`` normalizer of imported ``tokenizer.json`` files, e.g. Qwen's). Python's
``unicodedata`` (Unicode 14 in Python 3.11) and the normalizer of ``tokenizers`` 0.23 (an older
Unicode) do not always agree. ``tokenizers`` does not decompose U+11938 DIVES AKURU VOWEL SIGN O,
so it leaves U+11935 U+11930 apart where ``unicodedata`` composes them; and it takes combining
marks it does not know (U+0D3B, U+10F4E, U+11D97, ... 101 code points in all here) for starters,
so it neither reorders nor composes across them. ``tokenizers``' own NFC is exact but ~50x
slower, so it runs only on text that holds one of those code points; other text goes through
``unicodedata``, which then gives the same result. This module does not split or encode.

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
def _disagreeing() -> tuple[str, ...]:
    """Code points ``unicodedata`` and ``tokenizers`` normalize differently, with the parts of
    their decompositions. Both follow Unicode's stability rules (an assigned character's
    decomposition and combining class never change), so they differ only on characters one of
    them does not know: characters one decomposes and the other does not (every canonical
    decomposition and every code point ``unicodedata`` does not know, planes 0-3, compared by
    NFD), and combining marks one of them does not know (a mark against U+0334, class 1, and
    U+0345, class 240: NFD reorders one of the two pairs for any class above 0).
    """
    _, hf_nfd = _normalizers()
    singles, marks = [], []
    for cp in range(0x40000):
        if 0xD800 <= cp < 0xE000:
            continue
        c = chr(cp)
        d = unicodedata.decomposition(c)
        unknown = unicodedata.category(c) == "Cn"
        if (d and not d.startswith("<")) or unknown:
            singles.append(c)
        if (unicodedata.combining(c) or unknown) and cp < 0x20000:
            marks += [c, "a" + c + "\u0334", "a\u0345" + c]
    out: set[str] = set()
    probes = singles + marks[1::3] + marks[2::3]
    owners = singles + marks[0::3] + marks[0::3]
    theirs = hf_nfd.normalize_str("\x00".join(probes)).split("\x00")
    for c, probe, t in zip(owners, probes, theirs):
        ours = unicodedata.normalize("NFD", probe)
        if ours != t:
            out.update(c + unicodedata.normalize("NFD", c) + hf_nfd.normalize_str(c))
    return tuple(sorted(out))


def _needs_hf(text: str) -> bool:
    return not text.isascii() and not _disagreeing_set().isdisjoint(text)


@cache
def _disagreeing_set() -> frozenset[str]:
    return frozenset(_disagreeing())


def nfc(text: str) -> str:
    """``text`` in NFC as ``tokenizers``' ``NFC`` normalizer gives it."""
    if _needs_hf(text):
        return _normalizers()[0].normalize_str(text)
    return unicodedata.normalize("NFC", text)


def is_nfc(text: str) -> bool:
    """True when :func:`nfc` leaves ``text`` unchanged."""
    if _needs_hf(text):
        return _normalizers()[0].normalize_str(text) == text
    return unicodedata.is_normalized("NFC", text)
