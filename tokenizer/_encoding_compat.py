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

from ._encoding_batch import check_num_threads
from ._loaders import Once

if TYPE_CHECKING:
    from .encoding import Tokenizer
    from .patterns import Pattern

__all__ = ["TiktokenCompat"]


class TiktokenCompat:
    """Mixin: the parts of ``tiktoken.Encoding``'s API that Tokenizer's core methods lack."""

    _special_map: dict[str, int]
    n_vocab: int
    name: str
    pattern: Pattern
    native_split: bool
    _args: tuple[Any, ...]  # Tokenizer._setup's (tokens, merges, specials, whole_piece, nfc, ...)

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
        keys = ("_source", "_hf_origin") if hasattr(self, "_source") else ("_vocab",)
        extra = {k: getattr(self, k) for k in keys if hasattr(self, k)}
        return _rebuild, (type(self), self._args, self.pattern, self.name, self.native_split, extra)

    def __deepcopy__(self, memo: dict[int, Any]) -> Tokenizer:
        # A new tokenizer, as copy() makes (the encoder is immutable and shared), with its own
        # special-token table; not the process-wide one that unpickling a named tokenizer gives.
        new = self.__copy__()
        new._special_map = dict(self._special_map)
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
        return dict(self._special_map)

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
        return set(self._special_map)

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
            ids = self._special_ids = frozenset(self._special_map.values())
        return token in ids

    def encode_single_token(self, text_or_bytes: str | bytes) -> int:
        """The id of one whole token, special tokens included (``KeyError`` if it is none).

        >>> Tokenizer.from_tiktoken("cl100k_base").encode_single_token("hello")  # doctest: +SKIP
        15339
        """
        if isinstance(text_or_bytes, str):
            text_or_bytes.encode("utf-8")  # lone surrogates: UnicodeEncodeError, as in tiktoken
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
        >>> stable, [14964] in completions  # " fantastic"  # doctest: +SKIP
        ([15339], True)
        """
        from ._encoding_unstable import encode_with_unstable

        return encode_with_unstable(self, text, allowed_special, disallowed_special)  # type: ignore[arg-type]

    def decode_batch(
        self,
        batch: Sequence[Sequence[int]],
        *,
        errors: str = "replace",
        num_threads: int | None = 8,
    ) -> list[str]:
        """:meth:`decode` of each id list (``num_threads`` is accepted for tiktoken's signature;
        decoding is a copy per id, done here in one thread)."""
        if num_threads is not None:
            check_num_threads(num_threads)
        dec = self.decode  # type: ignore[attr-defined]
        return [dec(ids, errors=errors) for ids in batch]

    def decode_bytes_batch(
        self, batch: Sequence[Sequence[int]], *, num_threads: int | None = 8
    ) -> list[bytes]:
        """:meth:`decode_bytes` of each id list."""
        if num_threads is not None:
            check_num_threads(num_threads)
        dec = self.decode_bytes  # type: ignore[attr-defined]
        return [dec(ids) for ids in batch]

    # tiktoken's private encoders, which some downstream code calls.

    def _encode_single_piece(self, text_or_bytes: str | bytes) -> list[int]:
        """BPE of the whole text or bytes as one piece, no pre-tokenizer split and no special
        tokens (tiktoken's ``_encode_single_piece``)."""
        if isinstance(text_or_bytes, str):
            text_or_bytes = text_or_bytes.encode("utf-8")
        if not isinstance(text_or_bytes, (bytes, bytearray, memoryview)):
            raise TypeError(f"expected str or bytes, not {type(text_or_bytes).__name__}")
        return list(self._enc.encode_pieces([bytes(text_or_bytes)]))  # type: ignore[attr-defined]

    def _encode_only_native_bpe(self, text: str) -> list[int]:
        """The pieces of ``self._pat_str`` found by the ``regex`` module, each BPE-encoded
        (tiktoken's ``_encode_only_native_bpe``; special tokens are plain text)."""
        import regex

        from ._unicode_pinned import regex_text

        pieces = [p.encode("utf-8") for p in regex.findall(regex_text(self._pat_str), text)]
        return list(self._enc.encode_pieces(pieces))  # type: ignore[attr-defined]

    def _encode_bytes(self, text: bytes) -> list[int]:
        """tiktoken's ``_encode_bytes``, step for step: ``encode_ordinary`` of the valid UTF-8
        prefix, then the bytes from the last piece of that prefix (and the whitespace tokens
        before it) to the end as one BPE piece. :meth:`encode_bytes` is codebpe's own, which
        splits the invalid bytes as the pre-tokenizer would their characters; the two agree on
        valid UTF-8."""
        from ._encoding_unstable import unstable_tail

        if not isinstance(text, (bytes, bytearray, memoryview)):  # bytes(3) would be 3 NULs
            raise TypeError(f"_encode_bytes takes bytes, not {type(text).__name__}")
        data = bytes(text)
        try:
            return self.encode_ordinary(data.decode("utf-8"))  # type: ignore[attr-defined]
        except UnicodeDecodeError as e:
            valid = e.start
        ids = self.encode_ordinary(data[:valid].decode("utf-8"))  # type: ignore[attr-defined]
        n = unstable_tail(self, ids)  # type: ignore[arg-type]
        tail = self.decode_bytes(ids[len(ids) - n :]) if n else b""  # type: ignore[attr-defined]
        del ids[len(ids) - n :]
        tail += data[valid:]
        return ids + (self._encode_single_piece(tail) if tail else [])

    @property
    def _special_token_values(self) -> set[int]:
        """The special tokens' ids (tiktoken's private attribute)."""
        return set(self._special_map.values())


#: What unpickling a named tokenizer gives, per (class, name, split).
_UNPICKLED = Once()


def _named_tokenizer(cls: Any, name: str, native_split: bool) -> Any:
    """The tokenizer ``cls.from_tiktoken(name)`` that unpickling a named one gives, once per
    process (later unpickles share it, and with the default split it is ``load_tokenizer``'s)."""
    from . import _loaders

    def make() -> Any:
        tok = _loaders._named(cls, name)
        if tok.native_split != native_split:
            tok = cls.from_tiktoken(name, native_split=native_split)
        return tok

    return _UNPICKLED.get((cls, name, native_split), make)


def _rebuild(cls: Any, args: tuple, pattern: Pattern, name: str, native: bool, extra: dict) -> Any:
    tokens, merges, specials, whole_piece, nfc, *rest = args  # (rest: in_gaps, since 2026-11-30)
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
        in_gaps=rest[0] if rest else frozenset(),
    )
    tok._vocab = None  # (an imported tokenizer's is derived again when asked for)
    tok.__dict__.update(extra)
    if "_source" in extra:  # (pickled as a list: the view again, as when it was loaded)
        from ._loaders import view_tokens

        view_tokens(tok)
    return tok
