"""NFC exactly as Hugging Face ``tokenizers`` applies it, at the speed of ``unicodedata``.

Stage: encoding (the ``NFC`` normalizer of imported ``tokenizer.json`` files, e.g. Qwen's). Python's
``unicodedata`` (Unicode 14 in Python 3.11) and the normalizer of ``tokenizers`` (Rust
``unicode-normalization``) do not always agree: ``tokenizers`` 0.23 does not decompose U+11938
DIVES AKURU VOWEL SIGN O, so it leaves U+11935 U+11930 apart where ``unicodedata`` composes them,
and a newer or older Python differs on other code points. ``tokenizers``' own NFC is exact but
~50x slower, so it runs only on text that holds a code point whose canonical decomposition the two
disagree on (or a part of one); other text goes through ``unicodedata``. This module does not
split or encode.

>>> nfc("e\\u0301"), is_nfc("\\u00e9"), is_nfc("e\\u0301")
('é', True, False)
>>> [hex(ord(c)) for c in nfc("\\U00011935\\U00011930")]  # as tokenizers does
['0x11935', '0x11930']
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
    """Code points whose NFD differs between ``unicodedata`` and ``tokenizers``, with every code
    point of both decompositions. Candidates: what ``unicodedata`` decomposes canonically, and
    what it does not know (planes 0-3; ``tokenizers`` may be at a newer Unicode)."""
    _, hf_nfd = _normalizers()
    cands = []
    for cp in range(0x40000):
        if 0xD800 <= cp < 0xE000:
            continue
        c = chr(cp)
        d = unicodedata.decomposition(c)
        if (d and not d.startswith("<")) or unicodedata.category(c) == "Cn":
            cands.append(c)
    theirs = hf_nfd.normalize_str("\x00".join(cands)).split("\x00")
    out: set[str] = set()
    for c, t in zip(cands, theirs):
        ours = unicodedata.normalize("NFD", c)
        if ours != t:
            out.update(c + ours + t)
    return tuple(sorted(out))


def _needs_hf(text: str) -> bool:
    return not text.isascii() and any(c in text for c in _disagreeing())


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
