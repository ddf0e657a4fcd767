"""tiktoken's ``encode_with_unstable``: the stable tokens of a text and every token sequence that
may continue it (for completion APIs that must not cut a token in two).

Stage: encode (a helper of ``tokenizer._encoding_compat``). The algorithm is tiktoken's own
(``CoreBPE::_encode_unstable_native``, as of tiktoken 0.14), step for step, so the results are
the same sets; only the order of the completions differs (tiktoken returns a hash set's order,
this the order in which they were found). It is a brute-force search over the tokens that start
with the text's unstable tail, as in tiktoken: for one prompt at a time, not for bulk encoding.

>>> from tokenizer.encoding import Tokenizer
>>> from tokenizer.vocab import Vocabulary
>>> tok = Tokenizer(Vocabulary.bytes_only(pattern="gpt2"))
>>> tok.encode_with_unstable("ab")  # "ab" is one piece: all of it may still change
([], [[97, 98]])
"""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING, Any

from ._split import piece_ends

if TYPE_CHECKING:
    from .encoding import Tokenizer

__all__ = ["encode_with_unstable", "sorted_token_bytes", "unstable_tail"]

# Rust's char::is_whitespace (the Unicode White_Space property), which tiktoken's last check uses;
# str.isspace differs (it takes U+001C-U+001F).
_WHITE_SPACE = frozenset(
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def sorted_token_bytes(tok: Tokenizer) -> list[bytes]:
    """The bytes of every ordinary token, sorted (tiktoken's ``token_byte_values``): a new list
    each call, from one sorted once per tokenizer."""
    return list(_sorted(tok))


def _sorted(tok: Tokenizer) -> list[bytes]:
    found = tok.__dict__.get("_sorted_token_bytes")
    if found is None:
        found = sorted(t for t in tok._args[0] if t)
        tok.__dict__["_sorted_token_bytes"] = found
    return found


def _last_piece_token_len(tok: Tokenizer, ids: list[int]) -> int:
    """How many of ``ids`` encode the text's last pre-tokenizer piece (tiktoken's
    ``last_piece_token_len``): 0 when the text is empty or ends with a special token."""
    if not ids or tok.is_special_token(ids[-1]):
        return 0
    start = len(ids)
    while start and not tok.is_special_token(ids[start - 1]):
        start -= 1
    ends = piece_ends(tok, tok.decode_bytes(ids[start:]))  # the text after the last special
    last = int(ends[-1]) - (int(ends[-2]) if len(ends) > 1 else 0)
    # Pieces are encoded one by one, so the last piece's tokens are the ids that cover its bytes.
    lens = _token_lens(tok)
    n, covered = 0, 0
    while covered < last and n < len(ids) - start:
        n += 1
        covered += lens[ids[-n]]
    return n


def _all_space(tok: Tokenizer, token: int) -> bool:
    """An ordinary token of spaces, newlines and tabs only (tiktoken's ``token_is_all_space``,
    whose decoder has no special tokens)."""
    if tok.is_special_token(token):
        return False
    return all(b in b" \n\t" for b in tok.decode_single_token_bytes(token))


def _last_char(data: bytes) -> tuple[str | None, int]:
    """bstr's ``decode_last_utf8``: the last character of ``data`` and its length in bytes, or
    (None, 1) when the bytes there are not one valid character."""
    start = len(data) - 1
    limit = max(len(data) - 4, 0)
    while start > limit and data[start] & 0xC0 == 0x80:
        start -= 1
    try:
        return data[start:].decode("utf-8"), len(data) - start
    except UnicodeDecodeError:
        return None, 1


def _token_lens(tok: Tokenizer) -> list[int]:
    """The byte length of each ordinary token id (cached)."""
    found = tok.__dict__.get("_token_lens")
    if found is None:
        found = tok.__dict__["_token_lens"] = [len(t) for t in tok._args[0]]
    return found


def _head(ids: list[int], n: int, lens: list[int]) -> tuple[int, ...]:
    """The first ids of ``ids`` whose bytes reach ``n`` bytes (all of them if they do not)."""
    covered = 0
    for k, token in enumerate(ids):
        covered += lens[token]
        if covered >= n:
            return tuple(ids[: k + 1])
    return tuple(ids)


def unstable_tail(tok: Tokenizer, ids: list[int]) -> int:
    """How many of the last ``ids`` may encode differently once more text follows: the last
    piece's tokens and, when they start with an all-whitespace token, the whitespace tokens
    before them (cl100k's \\s*[\\r\\n]+ can merge them into a longer one). tiktoken's
    ``last_piece_token_len`` after ``_increase_last_piece_token_len``."""
    n = _last_piece_token_len(tok, ids)
    if n and _all_space(tok, ids[-n]):
        while n < len(ids) and _all_space(tok, ids[-n - 1]):
            n += 1
    return n


def encode_with_unstable(
    tok: Tokenizer, text: str, allowed_special: Any, disallowed_special: Any
) -> tuple[list[int], list[list[int]]]:
    """See ``Tokenizer.encode_with_unstable``."""
    ids = tok.encode(text, allowed_special=allowed_special, disallowed_special=disallowed_special)
    n = unstable_tail(tok, ids)
    if n == 0:
        return ids, []
    unstable = tok.decode_bytes(ids[-n:])
    stable = ids[:-n]
    tokens = _sorted(tok)
    token_to_id = tok._lookup
    lens = _token_lens(tok)
    # A dict as an ordered set: the completions in the order found (tiktoken's come in a hash
    # set's order).
    completions: dict[tuple[int, ...], None] = {}

    def starting_with(prefix: bytes) -> list[bytes]:
        i = bisect.bisect_left(tokens, prefix)
        j = i
        while j < len(tokens) and tokens[j].startswith(prefix):
            j += 1
        return tokens[i:j]

    # Every single token that starts with the unstable bytes.
    completions.update(((token_to_id(t),), None) for t in starting_with(unstable))
    # A token that straddles the end at every other position: the unstable bytes' prefix plus a
    # token that starts with the rest, re-encoded; its first tokens up to the unstable length.
    # (UTF-8 ones through the pre-tokenizer, as a possibility can gain a split; the others
    # through plain BPE, as tiktoken does.)
    texts: list[str] = []
    for i in range(1, len(unstable)):
        prefix, suffix = unstable[:i], unstable[i:]
        for t in starting_with(suffix):
            possibility = prefix + t
            try:
                texts.append(possibility.decode("utf-8"))
            except UnicodeDecodeError:
                completions[_head(tok._enc.bpe(possibility), len(unstable), lens)] = None
    for encoded in tok.encode_ordinary_batch(texts) if texts else ():
        completions[_head(encoded, len(unstable), lens)] = None
    # Whitespace at the end may gain a split (gpt2's \s+(?!\S)): the last character on its own.
    if len(unstable) > 1:
        char, size = _last_char(unstable)
        if len(unstable) - size > 0 and char is not None and char in _WHITE_SPACE:
            reencoded = tok._enc.bpe(unstable[:-size]) + tok._enc.bpe(unstable[-size:])
            completions[tuple(reencoded)] = None
    return stable, [list(c) for c in completions]
