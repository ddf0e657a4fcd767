"""Batch encoding for the runtime tokenizer: many texts at once, as lists or flat NumPy arrays.

Stage: encode (helper of ``tokenizer.encoding``). With a native pre-tokenizer the whole batch goes
to the C++ thread pool in one call (GIL released); otherwise, or when a text holds lone
surrogates, texts are encoded one at a time and packed here. Single-text encoding and the
special-token rules stay in ``tokenizer.encoding`` / ``tokenizer._encoding_special``.

>>> from tokenizer.encoding import Tokenizer
>>> from tokenizer.vocab import Vocabulary
>>> tok = Tokenizer(Vocabulary.bytes_only(pattern="gpt2"))
>>> encode_many(tok, ["a", "bc"], None, (), (), False)
[[97], [98, 99]]
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ._encoding_special import (
    check_unknown_disallowed,
    id_dtype,
    replace_lone_surrogates,
    resolved_specials,
)
from ._nfc import is_nfc

if TYPE_CHECKING:
    from .encoding import Tokenizer

__all__ = ["check_num_threads", "encode_many"]


def _utf8_ok(text: object) -> bool:
    try:
        text.encode()  # type: ignore[attr-defined]
    except (UnicodeEncodeError, AttributeError):
        return False
    return True


def check_num_threads(num_threads: Any) -> int:
    """A batch's ``num_threads`` as an int >= 1. tiktoken hands it to a thread pool, which takes
    ``2.0`` and ``True`` too: so does this; ``1.5`` and ``"2"`` are a ``TypeError``.

    >>> check_num_threads(2.0), check_num_threads(True)
    (2, 1)
    >>> check_num_threads(1.5)
    Traceback (most recent call last):
    TypeError: num_threads must be an int, not float (1.5)
    """
    try:
        if isinstance(num_threads, float) and num_threads.is_integer():
            num_threads = int(num_threads)
        num_threads = operator.index(num_threads)
    except TypeError:
        kind = type(num_threads).__name__
        raise TypeError(f"num_threads must be an int, not {kind} ({num_threads!r})") from None
    if num_threads < 1:
        raise ValueError(f"num_threads must be at least 1, got {num_threads}")
    return num_threads


def encode_many(
    tok: Tokenizer,
    texts: Sequence[str],
    num_threads: int | None,
    allowed_special: Any,
    disallowed_special: Any,
    numpy: bool,
) -> Any:
    """Ids of every text (``numpy=True``: ``(flat ids, offsets)``), with ``encode``'s semantics."""
    if isinstance(texts, (str, bytes)):  # list("abc") would encode each character on its own
        raise TypeError(f"texts must be a sequence of str, not {type(texts).__name__}")
    texts = list(texts)  # (the C++ batch checks that each is a str, as tiktoken does)
    if num_threads is not None:
        num_threads = min(check_num_threads(num_threads), max(1, len(texts)))  # (2**70: size_t)
    if tok.native_split and (not tok._nfc or all(type(t) is str and is_nfc(t) for t in texts)):
        _, disallowed, policy = resolved_specials(tok, allowed_special, disallowed_special)
        for text in texts if disallowed.difference(tok._special_map) else ():
            check_unknown_disallowed(tok, text, disallowed)
        try:
            return tok._enc.encode_batch(texts, policy, num_threads or 0, numpy)
        except UnicodeEncodeError:
            pass  # some text has lone surrogates: they become what encode makes of them
        try:
            fixed = [t if _utf8_ok(t) else replace_lone_surrogates(t) for t in texts]
            return tok._enc.encode_batch(fixed, policy, num_threads or 0, numpy)
        except (UnicodeEncodeError, TypeError):
            pass  # (not str after all, or still unencodable: one text at a time, below)
    for t in texts:  # (the message of the C++ batch's check)
        if not isinstance(t, str):
            kind = type(t).__name__
            raise TypeError(
                f"texts must be str, not {kind}" + " (bytes: encode_bytes)" * (kind == "bytes")
            )
    results = [tok._encode(t, allowed_special, disallowed_special, False) for t in texts]
    if not numpy:
        return results
    import numpy as np

    offsets = np.zeros(len(results) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(r) for r in results])
    flat = np.fromiter(
        (i for r in results for i in r), dtype=id_dtype(tok.n_vocab), count=int(offsets[-1])
    )
    return flat, offsets
