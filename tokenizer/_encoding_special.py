"""Special-token policy of the runtime tokenizer, and the ``regex`` encoding path.

Stage: encode (helper of ``tokenizer.encoding``). Turns tiktoken-style ``allowed_special`` /
``disallowed_special`` arguments into sets, caches the native ``SpecialPolicy`` built from them,
and encodes with Python ``regex`` splitting when a pattern has no native pre-tokenizer (special
tokens are found here, pieces go to the C++ BPE). The functions take the :class:`Tokenizer` as
their first argument; they never build one and do not decode. The native fast path stays in
``Tokenizer.encode_ordinary`` / ``encode`` / ``count``.

>>> from tokenizer.encoding import Tokenizer
>>> from tokenizer.vocab import Vocabulary
>>> tok = Tokenizer(Vocabulary.bytes_only(pattern="gpt2"))
>>> special_sets(tok, {"<|x|>"}, "all")
(frozenset({'<|x|>'}), frozenset())
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import regex

from ._native import core
from ._nfc import nfc as to_nfc

if TYPE_CHECKING:
    from .encoding import Tokenizer

__all__ = [
    "resolved_specials",
    "special_key",
    "special_sets",
    "check_unknown_disallowed",
    "special_policy",
    "special_regex",
    "special_matches",
    "encode_regex",
    "id_dtype",
]

#: At most this many distinct policies (and special-token regexes) are cached per tokenizer.
_MAX_POLICIES = 64


def special_sets(
    tok: Tokenizer, allowed_special: Any, disallowed_special: Any
) -> tuple[frozenset[str], frozenset[str]]:
    """``(allowed, disallowed)`` special-token texts; HF non-special added tokens always allowed.

    As in tiktoken, an explicitly disallowed token stays disallowed even when it is also allowed
    (``"all"``), ``disallowed_special=None`` (or ``""``, which tiktoken's truth test skips) means
    none, and a string other than ``"all"`` is a ``TypeError`` (a set of its characters is never
    what was meant).
    """
    allowed = frozenset(tok._special_map) if _is_all(allowed_special) else _names(allowed_special)
    if _is_all(disallowed_special):
        disallowed = frozenset(tok._special_map) - allowed
    else:
        none = disallowed_special is None or disallowed_special == ""
        disallowed = frozenset() if none else _names(disallowed_special)
    return (allowed - disallowed) | tok._always, disallowed - tok._always


def special_key(allowed_special: Any, disallowed_special: Any) -> tuple[Any, Any] | None:
    """A hashable key standing for these special-token arguments (a set by its frozenset), for
    the per-tokenizer caches; None for arguments that cannot key one: a mutable collection hashed
    by identity (it would leave a stale entry) or anything unhashable."""
    a = frozenset(allowed_special) if type(allowed_special) is set else allowed_special
    d = frozenset(disallowed_special) if type(disallowed_special) is set else disallowed_special
    if type(a) not in _KEYABLE or type(d) not in _KEYABLE:
        return None
    key = (a, d)
    try:
        hash(key)  # (a tuple holding a list)
    except TypeError:
        return None
    return key


_KEYABLE = (str, frozenset, tuple, type(None))  # immutable kinds only


def resolved_specials(
    tok: Tokenizer, allowed_special: Any, disallowed_special: Any
) -> tuple[frozenset[str], frozenset[str], Any]:
    """``(allowed, disallowed, policy)``: ``special_sets`` and the ``special_policy`` of the
    result, cached per argument pair on ``tok`` (the batch API and the fast calls, where
    resolving them took ~2 us a call)."""
    key = special_key(allowed_special, disallowed_special)
    hit = tok._resolved.get(key) if key is not None else None
    if hit is None:
        allowed, disallowed = special_sets(tok, allowed_special, disallowed_special)
        hit = (allowed, disallowed, special_policy(tok, allowed, disallowed))
        if key is not None and len(tok._resolved) < _MAX_POLICIES:
            tok._resolved[key] = hit
    return hit


def _is_all(arg: Any) -> bool:
    return isinstance(arg, str) and arg == "all"


def _names(arg: Any) -> frozenset[str]:
    if isinstance(arg, (str, bytes)) or arg is None:
        raise TypeError(f'special tokens must be "all" or a collection of str, not {arg!r}')
    try:
        names = arg if isinstance(arg, frozenset) else frozenset(arg)
    except TypeError:
        kind = type(arg).__name__
        msg = f'special tokens must be "all" or a collection of str, not {kind}'
        raise TypeError(msg) from None
    for name in names:
        # (an int was silently never matched; bytes b"<|endoftext|>" in allowed_special ended
        # in "disallowed special token '<|endoftext|>'"; in disallowed_special, "object of type
        # 'int' has no len()")
        if not isinstance(name, str):
            raise TypeError(f"special tokens are named by str, not {type(name).__name__}: {name!r}")
    return names


def check_unknown_disallowed(tok: Tokenizer, text: Any, disallowed: frozenset[str]) -> None:
    """Raise like tiktoken when ``text`` holds a disallowed name that is not a special token
    (the native scan only knows the tokenizer's own special tokens)."""
    extra = disallowed.difference(tok._special_map)
    if extra and isinstance(text, str):
        # all of them, not only the extra ones: the error names the leftmost, as tiktoken's
        _refuse_disallowed(tok, text, disallowed)


# What to do about it (the same words as the C++ encoder's error, csrc/encode.cc).
DISALLOWED_HINT = (
    ": pass allowed_special={...} (or 'all') to encode it as the special token, or "
    "disallowed_special=() (or use encode_ordinary) to encode it as plain text"
)


def _refuse_disallowed(tok: Tokenizer, text: str, disallowed: frozenset[str]) -> None:
    """tiktoken's ``ValueError`` for the first of ``disallowed`` found in ``text``."""
    if disallowed and (m := special_regex(tok, disallowed).search(text)):
        raise ValueError(
            f"Encountered text corresponding to disallowed special token {m.group()!r}"
            + DISALLOWED_HINT
        )


def special_policy(tok: Tokenizer, allowed: frozenset[str], disallowed: frozenset[str]) -> Any:
    """The native ``SpecialPolicy`` for these sets (cached on ``tok``)."""
    key = (allowed, disallowed)
    pol = tok._policies.get(key)
    if pol is None:
        pol = core.SpecialPolicy(
            [s in allowed for s, _, _ in tok._specials],
            [s in disallowed for s, _, _ in tok._specials],
        )
        if len(tok._policies) < _MAX_POLICIES:
            tok._policies[key] = pol
    return pol


def special_regex(tok: Tokenizer, names: frozenset[str], utf8: bool = False) -> Any:
    """A compiled alternation of ``names``, longest first (``None`` for no names; cached); with
    ``utf8``, of their UTF-8, for bytes."""
    key = (names, utf8)
    rx = tok._rx_cache.get(key)
    if rx is None:
        alts = "|".join(regex.escape(s) for s in sorted(names, key=len, reverse=True))
        rx = regex.compile(alts.encode("utf-8") if utf8 else alts) if names else None
        if len(tok._rx_cache) < _MAX_POLICIES:  # per-call sets must not grow it without bound
            tok._rx_cache[key] = rx
    return rx


def special_matches(tok: Tokenizer, text: Any, names: frozenset[str]) -> Iterator[Any]:
    """The occurrences of ``names`` in ``text`` (str, or UTF-8 bytes) as the encoder finds them,
    as ``regex`` matches in order: leftmost, then longest; those of ``tok._in_gaps`` (Hugging
    Face added tokens with ``normalized: true``) only in the text between the matches of the
    others, as Hugging Face's AddedVocabulary looks for them (csrc/encode.cc does the same)."""
    if not names:
        return iter(())
    utf8 = not isinstance(text, str)
    late = names & tok._in_gaps
    if not late or late == names:  # one kind: the whole text is one gap
        rx = special_regex(tok, names, utf8)
        return rx.finditer(text) if rx is not None else iter(())
    return _in_gaps(special_regex(tok, names - late, utf8), special_regex(tok, late, utf8), text)


def _in_gaps(first: Any, then: Any, text: Any) -> Iterator[Any]:
    pos = 0
    for m in first.finditer(text):
        yield from then.finditer(text, pos, m.start())
        yield m
        pos = m.end()
    yield from then.finditer(text, pos)


def replace_lone_surrogates(text: str) -> str:
    """``text`` with each lone surrogate as U+FFFD: what tiktoken encodes for them."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def id_dtype(n_vocab: int) -> Any:
    """The NumPy dtype of id arrays: uint16 when ``n_vocab <= 65536``, else uint32."""
    import numpy as np

    return np.uint16 if n_vocab <= 65536 else np.uint32


def encode_regex(
    tok: Tokenizer,
    text: str,
    allowed: frozenset[str],
    disallowed: frozenset[str],
    numpy: bool,
    *,
    nfc: bool = False,
) -> Any:
    """Encode with the ``regex`` splitter: specials found here, pieces BPE-encoded in C++.
    ``nfc``: each stretch between special tokens is NFC-normalized first (as Hugging Face applies
    a normalizer: special tokens are found in the raw text)."""
    _refuse_disallowed(tok, text, disallowed)

    def pieces(segment: str) -> list[str]:
        return tok._splitter.split(to_nfc(segment) if nfc else segment)

    ids: list[int] = []
    pos = 0
    for m in special_matches(tok, text, allowed & frozenset(tok._special_map)):
        ids += tok._enc.encode_pieces(pieces(text[pos : m.start()]))
        ids.append(tok._special_map[m.group()])
        pos = m.end()
    if not ids:
        return tok._enc.encode_pieces(pieces(text), numpy)
    ids += tok._enc.encode_pieces(pieces(text[pos:]))
    if numpy:
        import numpy as np

        return np.asarray(ids, dtype=id_dtype(tok.n_vocab))
    return ids
