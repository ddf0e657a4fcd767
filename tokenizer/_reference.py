"""A slow, readable pure-Python byte-level BPE trainer and encoder: the oracle for the fast path.

Stage: reference for training (count -> merge) and encoding (split -> rank BPE -> ids). Every rule
the C++ core implements is written here first, in the plainest form: tests compare the two. This
module is deliberately slow (it recounts all pairs after every merge) and has no options beyond
what the rules need; use ``tokenizer.train`` and ``tokenizer.Tokenizer`` for real work.

The rules:

* ids 0-255 are the single bytes; then forced merges (reserved tokens), then learned merges; the
  id of a token is its rank.
* training picks the pair with the highest count; ties go to the pair whose
  ``(left bytes, right bytes)`` is lexicographically smallest, so the result depends only on the
  corpus content, never on the order documents arrive in.
* special tokens are not text: each occurrence in a document (leftmost, then the longest
  starting there) is a boundary, and the stretches between them are split and counted on their
  own, as Hugging Face's trainer does with its added tokens.
* a pair whose merged bytes would exceed ``max_token_length``, or whose count is below
  ``min_frequency``, is never merged.
* if a pair concatenates to bytes that are already a token, the merge is applied to the words (as a
  rank-based encoder would) and recorded in ``merges``, but no new id is spent.
* encoding merges, inside each piece, the adjacent pair whose concatenation has the lowest rank
  (leftmost on ties), as tiktoken does.

>>> merges, tokens = train_bpe(["aaabdaaabac"], vocab_size=259, pattern=None)
>>> [tokens[i] for i in range(256, 259)]
[b'aa', b'ab', b'aaab']
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

from .patterns import Pattern, reference_split


def split_bytes(text: str, pattern: str | Pattern | tuple[str, ...] | None) -> list[bytes]:
    """Split ``text`` with the reference regex and return UTF-8 pieces (``None``: one piece).

    >>> split_bytes("a b", "gpt2")
    [b'a', b' b']
    """
    if pattern is None:
        return [text.encode("utf-8")] if text else []
    return [p.encode("utf-8") for p in reference_split(text, pattern)]


def cut_special(text: str, special_tokens: Sequence[str]) -> list[str]:
    """The stretches of ``text`` between occurrences of ``special_tokens`` (leftmost, then
    longest), empty ones left out.

    >>> cut_special("a<|e|>b<|e|><|e|>", ["<|e|>"])
    ['a', 'b']
    """
    if not special_tokens:
        return [text] if text else []
    # the alternatives longest first, so that at a position the longest special matches
    alts = sorted(set(special_tokens), key=len, reverse=True)
    return [part for part in re.split("|".join(map(re.escape, alts)), text) if part]


def count_pieces(
    texts: Iterable[str],
    pattern: str | Pattern | tuple[str, ...] | None,
    special_tokens: Sequence[str] = (),
) -> Counter[bytes]:
    """Count the pre-tokenized pieces of ``texts``; ``special_tokens`` are boundaries, not text.

    >>> count_pieces(["a a a"], "gpt2")[b" a"]
    2
    """
    counts: Counter[bytes] = Counter()
    for text in texts:
        for part in cut_special(text, special_tokens):
            counts.update(split_bytes(part, pattern))
    return counts


def bpe_parts(piece: bytes, ranks: dict[bytes, int]) -> list[bytes]:
    """Rank-based BPE of one piece: merge the lowest-rank adjacent pair until none is left.

    >>> bpe_parts(b"aab", {b"a": 0, b"b": 1, b"aa": 2})
    [b'aa', b'b']
    """
    parts = [piece[i : i + 1] for i in range(len(piece))]
    while len(parts) > 1:
        best = None
        for i in range(len(parts) - 1):
            rank = ranks.get(parts[i] + parts[i + 1])
            if rank is not None and (best is None or rank < best[0]):
                best = (rank, i)
        if best is None:
            break
        i = best[1]
        parts[i : i + 2] = [parts[i] + parts[i + 1]]
    return parts


def forced_merges(tokens: list[bytes], reserved: Sequence[bytes]) -> list[tuple[int, int]]:
    """Add ``reserved`` byte strings to ``tokens`` as forced merges, in order; return the merges.

    Each reserved token must come out of rank BPE as exactly one token, so that rank-based and
    merge-based encoders both produce it. If BPE leaves it in more than two parts, the leftmost
    pair is first added as an intermediate token (and so on), which keeps every token a merge of
    two earlier ones. Reserved strings already present are skipped.

    >>> toks = [bytes([i]) for i in range(256)]
    >>> forced_merges(toks, [b"    "])
    [(32, 32), (256, 256)]
    """
    ranks = {t: i for i, t in enumerate(tokens)}
    merges: list[tuple[int, int]] = []
    for target in reserved:
        if len(target) < 2:
            raise ValueError(f"reserved token {target!r} must be at least two bytes")
        while target not in ranks:
            parts = bpe_parts(target, ranks)
            left, right = parts[0], parts[1]
            merges.append((ranks[left], ranks[right]))
            ranks[left + right] = len(tokens)
            tokens.append(left + right)
    return merges


def _apply_merge(word: list[int], pair: tuple[int, int], new_id: int) -> list[int]:
    out: list[int] = []
    i = 0
    while i < len(word):
        if i + 1 < len(word) and (word[i], word[i + 1]) == pair:
            out.append(new_id)
            i += 2
        else:
            out.append(word[i])
            i += 1
    return out


def train_bpe(
    texts: Iterable[str],
    *,
    vocab_size: int,
    pattern: str | Pattern | tuple[str, ...] | None,
    reserved: Sequence[bytes] = (),
    min_frequency: int = 1,
    max_token_length: int | None = None,
    special_tokens: Sequence[str] = (),
) -> tuple[list[tuple[int, int]], list[bytes]]:
    """Train byte-level BPE until ``vocab_size`` ordinary tokens exist (or no pair qualifies).

    ``vocab_size`` here counts ordinary tokens only (bytes, reserved, learned); special tokens are
    added on top by the caller, and ``special_tokens`` only cut the texts (:func:`cut_special`).
    Returns ``(merges, tokens)``: merges as id pairs in order (forced
    first), and ``tokens[id]`` the bytes of every token.

    >>> merges, tokens = train_bpe(["ab ab ab"], vocab_size=257, pattern=None)
    >>> tokens[256]
    b'ab'
    """
    tokens = [bytes([i]) for i in range(256)]
    merges = forced_merges(tokens, reserved)
    ranks = {t: i for i, t in enumerate(tokens)}
    counts = count_pieces(texts, pattern, special_tokens)
    # Every word starts as the reserved-merge encoding of its piece (forced merges come first).
    words = {piece: [ranks[p] for p in bpe_parts(piece, ranks)] for piece in counts}

    while len(tokens) < vocab_size:
        pair_counts: Counter[tuple[int, int]] = Counter()
        for piece, word in words.items():
            for pair in zip(word, word[1:]):
                pair_counts[pair] += counts[piece]
        best = None
        for pair, n in pair_counts.items():
            merged = tokens[pair[0]] + tokens[pair[1]]
            if n < min_frequency or (max_token_length and len(merged) > max_token_length):
                continue
            key = (-n, tokens[pair[0]], tokens[pair[1]])
            if best is None or key < best[0]:
                best = (key, pair)
        if best is None:
            break
        pair = best[1]
        merged = tokens[pair[0]] + tokens[pair[1]]
        new_id = ranks.get(merged)
        if new_id is None:
            new_id = len(tokens)
            tokens.append(merged)
            ranks[merged] = new_id
        merges.append(pair)
        words = {piece: _apply_merge(word, pair, new_id) for piece, word in words.items()}
    return merges, tokens


def encode(
    text: str, ranks: dict[bytes, int], pattern: str | Pattern | tuple[str, ...] | None
) -> list[int]:
    """Encode ordinary text (no special tokens) with rank-based BPE, as tiktoken does.

    >>> encode("aab", {b"a": 0, b"b": 1, b"aa": 2}, None)
    [2, 1]
    """
    ids: list[int] = []
    for piece in split_bytes(text, pattern):
        if piece in ranks:
            ids.append(ranks[piece])
        else:
            ids.extend(ranks[p] for p in bpe_parts(piece, ranks))
    return ids


def decode_bytes(ids: Iterable[int], tokens: Sequence[bytes]) -> bytes:
    """Concatenate the bytes of ``ids``.

    >>> decode_bytes([104, 105], [bytes([i]) for i in range(256)])
    b'hi'
    """
    return b"".join(tokens[i] for i in ids)
