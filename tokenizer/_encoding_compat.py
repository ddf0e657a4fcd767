"""tiktoken-compatible extras of the runtime tokenizer, so code written for ``tiktoken.Encoding``
runs unchanged: pickling and copies, ``special_tokens_set``, ``max_token_value``,
``is_special_token``, ``encode_single_token``, ``decode_tokens_bytes``, ``decode_with_offsets``,
``decode_batch``, ``decode_bytes_batch``, ``token_byte_values``, ``encode_with_unstable``, and
the private ``_mergeable_ranks``, ``_pat_str``, ``_special_tokens`` that conversion code reads.

Stage: encode / decode (a mixin of ``tokenizer.encoding.Tokenizer``). Each is a few lines over the
Tokenizer's own methods; nothing here touches the native core directly
(``encode_with_unstable``'s search is in ``tokenizer._encoding_unstable``).

>>> from tokenizer.encoding import Tokenizer
>>> from tokenizer.vocab import Vocabulary
>>> tok = Tokenizer(Vocabulary.bytes_only(pattern="gpt2"))
>>> tok.decode_tokens_bytes([104, 105]), tok.max_token_value
([b'h', b'i'], 255)
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .encoding import Tokenizer
    from .patterns import Pattern

__all__ = ["TiktokenCompat"]


class TiktokenCompat:
    """Mixin: the parts of ``tiktoken.Encoding``'s API that Tokenizer's core methods lack."""

    special_tokens: dict[str, int]
    n_vocab: int
    name: str
    pattern: Pattern
    native_split: bool
    _args: tuple[Any, ...]  # Tokenizer._setup's: (tokens, merges, specials, whole_piece, nfc)

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # cl100k_base / o200k_base as loaded by name pickle as that name (a few bytes, not 1.7 MB
        # of tables; what tiktoken does for its registered encodings), and unpickle to one
        # tokenizer per process, so Pool.map(tok.encode, chunks) rebuilds it once per worker.
        named = self.__dict__.get("_pickle_name")
        if named is not None:
            return _named_tokenizer, (type(self), *named)
        # Others pickle like a tiktoken Encoding: the tables, rebuilt.
        # An imported tokenizer's Vocabulary is derived from _source when asked for: left out, so
        # that the pickle (and a datasets fingerprint) does not change once .vocab was read.
        keys = ("_source",) if hasattr(self, "_source") else ("_vocab",)
        extra = {k: getattr(self, k) for k in keys if hasattr(self, k)}
        return _rebuild, (type(self), self._args, self.pattern, self.name, self.native_split, extra)

    def __deepcopy__(self, memo: dict[int, Any]) -> Tokenizer:
        # A new tokenizer, as copy() makes (the encoder is immutable and shared), with its own
        # special-token table; not the process-wide one that unpickling a named tokenizer gives.
        new = self.__copy__()
        new.special_tokens = dict(self.special_tokens)
        return new

    def __copy__(self) -> Tokenizer:
        new = type(self).__new__(type(self))  # shares the immutable encoder
        new.__dict__.update(self.__dict__)
        new._bind_fast_methods()  # bound to the copy, not to self
        return new

    # tiktoken's private attributes, which conversion code (transformers' TikTokenConverter,
    # scripts that build a tokenizer.json from an Encoding) reads. A tokenizer without a rank
    # form (loaded from a tokenizer.json) or a single-regex pattern has none: AttributeError.

    @property
    def _special_tokens(self) -> dict[str, int]:
        return dict(self.special_tokens)

    @functools.cached_property
    def _mergeable_ranks(self) -> dict[bytes, int]:
        from .export_tiktoken import ExportError, export_table

        try:
            tokens = export_table(self).tokens
        except ExportError as e:
            raise AttributeError(f"_mergeable_ranks: {e}") from None
        return {t: i for i, t in enumerate(tokens) if t}

    @functools.cached_property
    def _pat_str(self) -> str:
        from .export_tiktoken import ExportError, tiktoken_pat_str

        try:
            return tiktoken_pat_str(self.pattern)
        except ExportError as e:
            raise AttributeError(f"_pat_str: {e}") from None

    @property
    def special_tokens_set(self) -> set[str]:
        """The special tokens' texts (tiktoken's name)."""
        return set(self.special_tokens)

    @property
    def max_token_value(self) -> int:
        """The largest id (``n_vocab - 1``)."""
        return self.n_vocab - 1

    def is_special_token(self, token: int) -> bool:
        """Whether ``token`` is the id of a special token.

        >>> from tokenizer.encoding import Tokenizer  # doctest: +SKIP
        >>> Tokenizer.from_tiktoken("cl100k_base").is_special_token(100257)  # doctest: +SKIP
        True
        """
        ids = getattr(self, "_special_ids", None)
        if ids is None:
            ids = self._special_ids = frozenset(self.special_tokens.values())
        return token in ids

    def encode_single_token(self, text_or_bytes: str | bytes) -> int:
        """The id of one whole token, special tokens included (``KeyError`` if it is none).

        >>> Tokenizer.from_tiktoken("cl100k_base").encode_single_token("hello")  # doctest: +SKIP
        15339
        """
        return self.token_to_id(text_or_bytes)  # type: ignore[attr-defined]

    def decode_tokens_bytes(self, tokens: Sequence[int]) -> list[bytes]:
        """The bytes of each id.

        >>> tok = Tokenizer.from_tiktoken("cl100k_base")  # doctest: +SKIP
        >>> tok.decode_tokens_bytes([15339, 1917])  # doctest: +SKIP
        [b'hello', b' world']
        """
        one = self.decode_single_token_bytes  # type: ignore[attr-defined]
        return [one(t) for t in tokens]

    def decode_with_offsets(self, tokens: Sequence[int]) -> tuple[str, list[int]]:
        """The text (strict UTF-8) and the character offset where each token starts, as tiktoken
        computes it (a token that starts inside a character starts at that character).

        >>> tok = Tokenizer.from_tiktoken("cl100k_base")  # doctest: +SKIP
        >>> tok.decode_with_offsets([15339, 1917])  # doctest: +SKIP
        ('hello world', [0, 5])
        """
        parts = self.decode_tokens_bytes(tokens)
        text_len, offsets = 0, []
        for b in parts:
            offsets.append(max(0, text_len - (len(b) > 0 and 0x80 <= b[0] < 0xC0)))
            text_len += sum(1 for c in b if not 0x80 <= c < 0xC0)
        return b"".join(parts).decode("utf-8", errors="strict"), offsets

    def token_byte_values(self) -> list[bytes]:
        """The bytes of every ordinary token, sorted (tiktoken's ``token_byte_values``).

        >>> tok = Tokenizer.from_tiktoken("cl100k_base")  # doctest: +SKIP
        >>> len(tok.token_byte_values()), tok.token_byte_values()[:2]  # doctest: +SKIP
        (100256, [b'\\x00', b'\\x01'])
        """
        from ._encoding_unstable import sorted_token_bytes

        return sorted_token_bytes(self)  # type: ignore[arg-type]

    def encode_with_unstable(
        self, text: str, *, allowed_special: Any = frozenset(), disallowed_special: Any = "all"
    ) -> tuple[list[int], list[list[int]]]:
        """The stable tokens of ``text`` and every token sequence that may continue them, as
        tiktoken's ``encode_with_unstable`` computes them (same sets; the completions here come in
        the order found, tiktoken's in a hash set's order). The stable tokens encode a prefix of
        the text; each completion, appended to them, encodes bytes that start with the whole
        text. Special tokens as in :meth:`encode`. A brute-force search over the tokens that
        start with the unstable tail, as in tiktoken: for one prompt at a time.

        >>> tok = Tokenizer.from_tiktoken("cl100k_base")  # doctest: +SKIP
        >>> stable, completions = tok.encode_with_unstable("hello fanta")  # doctest: +SKIP
        >>> stable, [8842] in completions  # doctest: +SKIP
        ([15339], True)
        """
        from ._encoding_unstable import encode_with_unstable

        return encode_with_unstable(self, text, allowed_special, disallowed_special)  # type: ignore[arg-type]

    def decode_batch(
        self, batch: Sequence[Sequence[int]], *, errors: str = "replace", num_threads: int = 8
    ) -> list[str]:
        """:meth:`decode` of each id list (``num_threads`` is accepted for tiktoken's signature;
        decoding is a copy per id, done here in one thread)."""
        dec = self.decode  # type: ignore[attr-defined]
        return [dec(ids, errors=errors) for ids in batch]

    def decode_bytes_batch(
        self, batch: Sequence[Sequence[int]], *, num_threads: int = 8
    ) -> list[bytes]:
        """:meth:`decode_bytes` of each id list."""
        dec = self.decode_bytes  # type: ignore[attr-defined]
        return [dec(ids) for ids in batch]


_NAMED: dict[tuple[Any, str, bool], Any] = {}


def _named_tokenizer(cls: Any, name: str, native_split: bool) -> Any:
    """The tokenizer ``cls.from_tiktoken(name)`` that unpickling a named one gives, once per
    process (later unpickles share it)."""
    key = (cls, name, native_split)
    tok = _NAMED.get(key)
    if tok is None:
        tok = _NAMED[key] = cls.from_tiktoken(name, native_split=native_split)
    return tok


def _rebuild(cls: Any, args: tuple, pattern: Pattern, name: str, native: bool, extra: dict) -> Any:
    tokens, merges, specials, whole_piece, nfc = args
    tok = cls.__new__(cls)
    tok._setup(
        tokens,
        merges,
        specials,
        pattern,
        name,
        native_split=native,
        whole_piece=whole_piece,
        nfc=nfc,
    )
    tok._vocab = None  # (an imported tokenizer's is derived again when asked for)
    tok.__dict__.update(extra)
    return tok
