"""The runtime tokenizer: text <-> ids with a codebpe, tiktoken or Hugging Face byte-level vocab.

Stage: encode / decode. :class:`Tokenizer` wraps the C++ ``Encoder`` (``tokenizer._core``): special
tokens with tiktoken's semantics, the native pre-tokenizer when the pattern has one
(``Tokenizer.native_split``) or the ``regex`` path otherwise, whole-piece lookup, a piece cache and
BPE in C++, batches on a C++ thread pool with the GIL released, NumPy output. Constructors and
the ``load_tokenizer`` spec resolver live in ``tokenizer._loaders``, the special-token policy and
the ``regex`` path in ``tokenizer._encoding_special``, batches in ``tokenizer._encoding_batch``.
This module does not train.

>>> tok = Tokenizer(Vocabulary.bytes_only(pattern="gpt2"))
>>> tok.encode("hi"), tok.decode([104, 105])
([104, 105], 'hi')
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._encoding_batch import encode_many
from ._encoding_compat import TiktokenCompat
from ._encoding_special import (
    check_unknown_disallowed,
    encode_regex,
    replace_lone_surrogates,
    resolved_specials,
    special_key,
    special_policy,
    special_sets,
)
from ._native import core
from ._nfc import is_nfc
from ._split import RegexSplitter, native_available
from .patterns import Pattern
from .stream import StreamDecoder
from .vocab import Vocabulary

if TYPE_CHECKING:
    import numpy as np

__all__ = ["Tokenizer", "load_tokenizer", "StreamDecoder", "InvalidTokenId", "TokenIdOverflow"]

#: Raised for a token id that is not in the vocabulary: an ``IndexError`` and also a ``KeyError``
#: (what tiktoken raises), so code written for either catches it.
InvalidTokenId = core.InvalidTokenId
#: The InvalidTokenId of a value that cannot be an id at all (negative, >= 2**32): also an
#: OverflowError, as tiktoken raises there.
TokenIdOverflow = core.TokenIdOverflow

SpecialSet = "Literal['all'] | Collection[str]"
_NONE: frozenset[str] = frozenset()  # encode()'s default allowed_special


def _tiktoken_keywords(**aliases: str) -> Callable[[Any], Any]:
    """Also take tiktoken's keyword for a parameter (``decode(tokens=ids)``,
    ``encode_batch(text=texts)``): code written for ``tiktoken.Encoding`` passes them by name.
    The signature shown (``inspect``, ``help``) stays codebpe's; positional calls and the fast
    paths never reach the wrapper's frame."""

    def wrap(fn: Any) -> Any:
        @functools.wraps(fn)
        def method(self: Any, *args: Any, **kwargs: Any) -> Any:
            for alias, name in aliases.items():
                if alias in kwargs:
                    if name in kwargs:
                        raise TypeError(
                            f"{fn.__name__}() got {alias!r} and {name!r}, which are the same "
                            f"argument ({alias!r} is tiktoken's name for it)"
                        )
                    kwargs[name] = kwargs.pop(alias)
            return fn(self, *args, **kwargs)

        # (functools.wraps: __wrapped__ is fn, so inspect shows fn's signature; a bound
        # FastMethod has a __signature__ of its own, self dropped, which Python 3.9's inspect
        # needs, and a __signature__ here would be copied by functools.wraps(tok.decode) onto a
        # wrapper, self and all)
        return method

    return wrap


def _not_handled(text: Any) -> Any:
    """The fast-call stand-in of tokenizers without one: the general path handles every text."""
    return NotImplemented


_MAX_FAST = 64  # fast functions cached per tokenizer (one per distinct argument pair)


def _not_text(text: Any) -> str:
    hint = "; for bytes use encode_bytes" if isinstance(text, (bytes, bytearray)) else ""
    return f"text must be str, not {type(text).__name__}{hint}"


_EOT_NAMES = ("<|endoftext|>", "<｜end▁of▁sentence｜>", "</s>", "<|end_of_text|>")


class Tokenizer(TiktokenCompat):
    """Encode and decode with one vocabulary. Immutable, so one instance is safe across threads.
    Pickles; has ``tiktoken.Encoding``'s methods too (``tokenizer._encoding_compat``).

    Args:
        vocab: a :class:`~tokenizer.vocab.Vocabulary` (ids are ranks: rank-based BPE, tiktoken's
            semantics).
        name: shown in reports; defaults to the pattern's name.
        native_split: ``None`` (default) uses the C++ pre-tokenizer when it exists for the pattern;
            ``False`` forces the ``regex`` path; ``True`` requires the native one.

    >>> tok = Tokenizer(Vocabulary.bytes_only(pattern="gpt2"), name="bytes")
    >>> tok.n_vocab, tok.name
    (256, 'bytes')
    """

    # The fast functions of the methods in _FAST_METHODS, read by their FastDescriptors at a
    # fixed offset (a slot, not the __dict__: nothing in the instance refers back to it, so a
    # dropped tokenizer is freed at once, not by the cyclic garbage collector).
    __slots__ = ("_fast",)

    def __init__(
        self, vocab: Vocabulary, *, name: str | None = None, native_split: bool | None = None
    ) -> None:
        if not isinstance(vocab, Vocabulary):
            raise TypeError(
                f"Tokenizer() takes a Vocabulary, not {type(vocab).__name__}; for a name or a "
                "file use load_tokenizer(spec) or Tokenizer.load / from_tiktoken / from_hf"
            )
        specials = [(s, i, False) for s, i in vocab.special_tokens.items()]
        self._setup(
            list(vocab.tokens),
            [],
            specials,
            vocab.pattern,
            name or vocab.pattern.name,
            native_split=native_split,
            whole_piece=True,
        )
        self._vocab: Vocabulary | None = vocab

    # -- construction ---------------------------------------------------------------------------

    def _setup(
        self,
        tokens: list[bytes],
        merges: list[tuple[int, int]],
        specials: list[tuple[str, int, bool]],
        pattern: Pattern,
        name: str,
        *,
        native_split: bool | None,
        whole_piece: bool,
        nfc: bool = False,
        in_gaps: frozenset[str] = frozenset(),
    ) -> None:
        self.name = name
        self.pattern = pattern
        # to rebuild (pickle, copy)
        self._args = (tokens, merges, specials, whole_piece, nfc, in_gaps)
        # Unicode NFC before encoding (Hugging Face files with an NFC normalizer), applied to the
        # text between special tokens, as Hugging Face does; text already in NFC (nearly all:
        # a quick check) is encoded as it is.
        self._nfc = nfc
        native = native_available(pattern)
        if native_split and not native:
            raise ValueError(f"no native pre-tokenizer for pattern {pattern.name!r}")
        self.native_split: bool = native if native_split is None else bool(native_split)
        self._specials = specials  # (text, id, always): always = HF non-special added token
        self._special_map: dict[str, int] = {s: i for s, i, _ in specials}
        self._always = frozenset(s for s, _, a in specials if a)
        # HF added tokens with normalized: true, looked for only between the others' matches
        self._in_gaps = in_gaps
        self._enc = core.Encoder(
            tokens,
            getattr(merges, "flat", merges),  # (_hf_import.Pairs: its flat array, no tuples)
            [(s.encode("utf-8"), i, a, s in in_gaps) for s, i, a in specials],
            pattern.name if self.native_split else None,
            whole_piece,
        )
        self.n_vocab: int = self._enc.n_ids
        self.eot_token: int | None = next(
            (self._special_map[n] for n in _EOT_NAMES if n in self._special_map), None
        )
        self._splitter = RegexSplitter(pattern)
        self._policies: dict[tuple[frozenset[str], frozenset[str]], Any] = {}
        self._rx_cache: dict[frozenset[str], Any] = {}
        self._ordinary_policy = special_policy(self, *special_sets(self, (), ()))
        self._default_policy = special_policy(self, *special_sets(self, _NONE, "all"))
        # C functions for the common calls (one str, default arguments), without pybind11's
        # per-call dispatch; each returns NotImplemented for what it does not handle (not an
        # exact str, not valid UTF-8), and the methods below then take their general path.
        # NFC vocabularies and the regex split always take the general path.
        # encode() and encode_to_numpy() find theirs by their special-token arguments
        # (_fast_with); the defaults' are there from the start.
        self._fast_by_args: dict[tuple[Any, Any, str], Any] = {}
        self._resolved: dict[tuple[Any, Any], Any] = {}  # _encoding_special.resolved_specials
        if self.native_split and not nfc:
            self._fast_ordinary = self._enc.fast(self._ordinary_policy)
            self._fast_count = self._enc.fast(self._ordinary_policy, output="count")
            for output in ("list", "numpy"):
                self._fast_by_args[_NONE, "all", output] = self._enc.fast(
                    self._default_policy, output=output
                )
        else:
            self._fast_ordinary = self._fast_count = _not_handled
        self._fast_decode = self._enc.fast_decode()  # (ids[, errors]) -> str, a list or tuple
        self._fast_decode_bytes = self._enc.fast_decode(as_bytes=True)
        self._token_bytes = self._enc.fast_token_bytes()  # = self._enc.token_bytes, faster
        self._lookup = self._enc.fast_lookup()  # = self._enc.lookup, faster
        self._bind_fast_methods()

    def _bind_fast_methods(self) -> None:
        """The fast functions of this instance's ``FastDescriptor`` methods, in the order of
        ``_FAST_METHODS`` (None: the method always runs in Python). The common calls then skip
        the method's Python frame (~45 ns less per call, a third of ``encode_ordinary("hello")``);
        results and errors stay the method's (``FastDescriptor`` in csrc/bindings.cc)."""
        fast_of = {
            "encode_ordinary": self._fast_ordinary,
            "count": self._fast_count,
            "encode": self._fast_by_args.get((_NONE, "all", "list")),
            "encode_to_numpy": self._fast_by_args.get((_NONE, "all", "numpy")),
            "decode": self._fast_decode,  # (ids[, errors])
            "decode_bytes": self._fast_decode_bytes,
            "decode_single_token_bytes": self._token_bytes,
        }
        self._fast = core.fast_table(
            [None if f is None or f is _not_handled else f for f in map(fast_of.get, _FAST_METHODS)]
        )

    @classmethod
    def load(cls, path: str, *, native_split: bool | None = None) -> Tokenizer:
        """Load a codebpe vocabulary file (``Vocabulary.save``)."""
        p = Path(path)
        if p.is_dir() or not p.exists():
            what = "a folder" if p.is_dir() else "not a file"
            error = IsADirectoryError if p.is_dir() else FileNotFoundError
            raise error(
                f"{path}: {what}; Tokenizer.load reads a codebpe vocabulary file. For a "
                "tokenizer.json (or its folder) use Tokenizer.from_hf, for cl100k_base, "
                "o200k_base or a .tiktoken file Tokenizer.from_tiktoken, or "
                "load_tokenizer(spec) for any of them"
            )
        vocab = Vocabulary.load(path)
        return cls(vocab, name=_loaders().stem(path), native_split=native_split)

    @classmethod
    def from_tiktoken(
        cls,
        name_or_path: str,
        *,
        pattern: str | Pattern | None = None,
        special_tokens: dict[str, int] | None = None,
        native_split: bool | None = None,
    ) -> Tokenizer:
        """``cl100k_base`` / ``o200k_base`` (from disk, see ``tokenizer.interop``), or any
        ``.tiktoken`` file: its pattern and special tokens come from its codebpe sidecar
        (``<path>.json``, written by ``codebpe export --format tiktoken``) when there is one,
        else pass ``pattern`` (a built-in pattern name or a Pattern).

        ``special_tokens`` (text -> id, as for ``tiktoken.Encoding``) replaces the encoding's or
        the sidecar's own; an id that is already an ordinary token is a ``ValueError``. A
        malformed sidecar is an ``ExportError`` naming it.

        >>> Tokenizer.from_tiktoken("cl100k_base").encode("hello world")  # doctest: +SKIP
        [15339, 1917]
        """
        return _loaders().from_tiktoken(
            cls,
            name_or_path,
            pattern=pattern,
            special_tokens=special_tokens,
            native_split=native_split,
        )

    @classmethod
    def from_hf(cls, path_or_name: str, *, native_split: bool | None = None) -> Tokenizer:
        """A byte-level BPE ``tokenizer.json`` (path, folder, or a short name such as
        ``deepseek-coder``). Added tokens become special tokens; non-special added tokens are
        always split out, as Hugging Face does. Ids equal ``tokenizers``' with
        ``add_special_tokens=False`` (use ``allowed_special="all"`` for added special tokens).
        An NFC normalizer (Qwen) is applied to the text between special tokens.
        """
        return _loaders().from_hf(cls, path_or_name, native_split=native_split)

    @property
    def vocab(self) -> Vocabulary:
        """The :class:`Vocabulary` (for Hugging Face imports: re-laid-out, ids may differ)."""
        if self._vocab is None:
            self._vocab = _loaders().vocabulary_of(self)
        return self._vocab

    @property
    def special_tokens(self) -> dict[str, int]:
        """The special tokens, text -> id: a copy (changing it cannot put the tokenizer's
        lookups and its encoder out of step)."""
        return dict(self._special_map)

    def __repr__(self) -> str:
        split = "native" if self.native_split else "regex"
        return f"<Tokenizer {self.name!r} n_vocab={self.n_vocab} split={split}>"

    # -- encoding (special-token policy: tokenizer._encoding_special) --------------------------

    def _encode(self, text: str, allowed_special: Any, disallowed_special: Any, numpy: bool) -> Any:
        if not isinstance(text, str):  # the fast paths below only take exact str
            raise TypeError(_not_text(text))
        allowed, disallowed = special_sets(self, allowed_special, disallowed_special)
        try:
            if self._nfc and not is_nfc(text):
                return encode_regex(self, text, allowed, disallowed, numpy, nfc=True)
            if self.native_split:
                check_unknown_disallowed(self, text, disallowed)
                return self._enc.encode(text, special_policy(self, allowed, disallowed), numpy)
            return encode_regex(self, text, allowed, disallowed, numpy)
        except UnicodeEncodeError:
            # Lone surrogates: like tiktoken, replace them with U+FFFD and encode again.
            text = replace_lone_surrogates(text)
            return self._encode(text, allowed_special, disallowed_special, numpy)

    def encode(
        self, text: str, *, allowed_special: Any = _NONE, disallowed_special: Any = "all"
    ) -> list[int]:
        """Encode ``text`` with tiktoken's special-token semantics.

        A special token found in the text raises ``ValueError`` unless it is in ``allowed_special``
        (then it becomes its id) or excluded from ``disallowed_special`` (then it is plain text).

        >>> tok = Tokenizer(Vocabulary.bytes_only(pattern="gpt2"))
        >>> tok.encode("ab")
        [97, 98]
        """
        fast = self._fast_with(allowed_special, disallowed_special, "list")
        if fast and (ids := fast(text)) is not NotImplemented:
            return ids
        return self._encode(text, allowed_special, disallowed_special, False)

    def _fast_with(self, allowed_special: Any, disallowed_special: Any, output: str) -> Any:
        """The fast function for these special-token arguments (made once, cached), or None
        when only the general path can take them: an NFC vocabulary or the regex split,
        disallowed names that are not special tokens (the text is searched for them in Python),
        or arguments that are not a str, None, a tuple, a set or a frozenset (a mutable
        collection hashed by identity would leave a stale entry). The argument errors
        (TypeError) are those of the general path."""
        if type(allowed_special) is not set:  # (unhashable: special_key keys it)
            try:  # the arguments themselves as the key first: str, tuple, None, frozenset
                fast = self._fast_by_args.get((allowed_special, disallowed_special, output))
            except TypeError:  # unhashable
                fast = None
            if fast is not None:
                return fast or None
        key = special_key(allowed_special, disallowed_special)
        if key is None or not self.native_split or self._nfc:
            return None
        fast = self._fast_by_args.get((*key, output))
        if fast is None:
            _, disallowed, policy = resolved_specials(self, allowed_special, disallowed_special)
            fast = False
            if not disallowed.difference(self._special_map):
                fast = self._enc.fast(policy, output=output)
            if len(self._fast_by_args) < _MAX_FAST:
                self._fast_by_args[(*key, output)] = fast
        return fast or None

    def encode_ordinary(self, text: str) -> list[int]:
        """Encode ``text`` treating special tokens as plain text (never raises for them)."""
        ids = self._fast_ordinary(text)
        if ids is NotImplemented:
            ids = self._native(self._enc.encode, text, self._ordinary_policy)
        return ids if ids is not NotImplemented else self._encode(text, (), (), False)

    def _native(self, call: Any, text: Any, policy: Any) -> Any:
        """``call(text, policy)`` on the native path when the fast function declined ``text``
        (an NFC vocabulary); NotImplemented when only the general path can take it."""
        if self.native_split and type(text) is str and (not self._nfc or is_nfc(text)):
            try:
                return call(text, policy)
            except UnicodeEncodeError:  # lone surrogates
                pass
        return NotImplemented

    def encode_to_numpy(
        self, text: str, *, allowed_special: Any = frozenset(), disallowed_special: Any = "all"
    ) -> np.ndarray:
        """Like :meth:`encode`, as a NumPy array (uint16 when ``n_vocab <= 65536``, else uint32)."""
        fast = self._fast_with(allowed_special, disallowed_special, "numpy")
        if fast and (ids := fast(text)) is not NotImplemented:
            return ids
        return self._encode(text, allowed_special, disallowed_special, True)

    def encode_bytes(self, data: bytes) -> list[int]:
        """Encode arbitrary bytes (valid UTF-8 or not) as ordinary text, losslessly when the
        vocabulary has a token for every byte (byte-level vocabularies do; a few, such as
        deepseek-coder's, lack some bytes that UTF-8 never uses, and raise ``ValueError`` on them).
        """
        if isinstance(data, str):
            raise TypeError("encode_bytes takes bytes; for a str use encode or encode_ordinary")
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"encode_bytes takes bytes, not {type(data).__name__}")
        data = bytes(data)
        if self.native_split:
            return self._enc.encode(data, special_policy(self, frozenset(), frozenset()))
        return self._enc.encode_pieces(self._splitter.split_bytes(data))

    def count(self, text: str) -> int:
        """Number of tokens of ``text`` encoded as ordinary text."""
        n = self._fast_count(text)
        if n is NotImplemented:
            n = self._native(self._enc.count, text, self._ordinary_policy)
        return n if n is not NotImplemented else len(self.encode_ordinary(text))

    @_tiktoken_keywords(text="texts")
    def encode_batch(
        self,
        texts: Sequence[str],
        *,
        num_threads: int | None = None,
        allowed_special: Any = frozenset(),
        disallowed_special: Any = "all",
    ) -> list[list[int]]:
        """Encode many texts on a C++ thread pool, with the GIL released: ``num_threads``
        threads, at most (and by default) the CPUs this process may use (its affinity mask)."""
        return encode_many(self, texts, num_threads, allowed_special, disallowed_special, False)

    @_tiktoken_keywords(text="texts")
    def encode_ordinary_batch(
        self, texts: Sequence[str], *, num_threads: int | None = None
    ) -> list[list[int]]:
        """:meth:`encode_ordinary` over many texts, in parallel."""
        return encode_many(self, texts, num_threads, (), (), False)

    def encode_batch_to_numpy(
        self,
        texts: Sequence[str],
        *,
        num_threads: int | None = None,
        allowed_special: Any = frozenset(),
        disallowed_special: Any = "all",
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(flat ids, offsets)``: text ``i`` is ``flat[offsets[i]:offsets[i + 1]]``."""
        return encode_many(self, texts, num_threads, allowed_special, disallowed_special, True)

    def encode_stream(
        self,
        source: Any,
        *,
        allowed_special: Any = frozenset(),
        block_size: int | None = None,
        num_threads: int | None = 1,
    ) -> Iterator[np.ndarray]:
        """Encode a file object, binary or text (or an iterable of ``bytes`` or ``str`` chunks),
        of any size in bounded memory, as NumPy arrays of ids, one per block read.

        Their concatenation is ``encode(text, allowed_special=allowed_special,
        disallowed_special=())`` of the whole text (special tokens not allowed are plain text;
        bytes that are not UTF-8 are encoded losslessly, as by :meth:`encode_bytes`, where no
        special token and no NFC normalizer needs the text). The stream is cut only at piece
        boundaries of the pre-tokenizer (``tokenizer._encoding_stream``); ``block_size``: bytes
        read per step (default 4 MiB); ``num_threads``: blocks encoded at once on the C++ thread
        pool (with the native split; one array per group of blocks; at most the CPUs this
        process may use, which ``None`` asks for). Memory is about ``num_threads`` blocks of text
        and their ids.

        >>> import io
        >>> tok = Tokenizer(Vocabulary.bytes_only(pattern="gpt2"))
        >>> [a.tolist() for a in tok.encode_stream(io.BytesIO(b"ab"))]
        [[97, 98]]
        """
        from ._encoding_stream import encode_stream

        return encode_stream(self, source, allowed_special, block_size, num_threads)

    # -- decoding and lookups -------------------------------------------------------------------

    @_tiktoken_keywords(tokens="ids")
    def decode_bytes(self, ids: Sequence[int] | np.ndarray) -> bytes:
        """The bytes of ``ids`` (:data:`InvalidTokenId`, an ``IndexError`` and ``KeyError``, for an
        id outside the vocabulary)."""
        data = self._fast_decode_bytes(ids)
        if data is not NotImplemented:
            return data
        return self._enc.decode(ids)

    @_tiktoken_keywords(tokens="ids")
    def decode(self, ids: Sequence[int] | np.ndarray, errors: str = "replace") -> str:
        """Decode ``ids`` to text; invalid UTF-8 is replaced (``errors="strict"``: raise)."""
        text = self._fast_decode(ids, errors)
        if text is not NotImplemented:
            return text
        return self._enc.decode(ids).decode("utf-8", errors)

    @_tiktoken_keywords(token="token_id")
    def decode_single_token_bytes(self, token_id: int) -> bytes:
        """The bytes of one id (:data:`InvalidTokenId` if it is not in the vocabulary)."""
        return self._token_bytes(token_id)

    def id_to_token(self, token_id: int) -> bytes:
        """Alias of :meth:`decode_single_token_bytes`."""
        return self._token_bytes(token_id)

    def token_to_id(self, token: bytes | str) -> int:
        """Id of a token given by its bytes (or text), special tokens included.

        Raises ``KeyError`` if there is none, ``TypeError`` for anything but ``bytes`` / ``str``.
        """
        if isinstance(token, str):
            found = self._special_map.get(token)
            if found is not None:
                return found
            b = token.encode("utf-8", "surrogatepass")
        elif isinstance(token, (bytes, bytearray, memoryview)):
            b = bytes(token)  # (bytes(5) would be five zero bytes: ints are refused)
        else:
            raise TypeError(f"token must be bytes or str, not {type(token).__name__}")
        found = self._lookup(b)
        if found is None and (s := b.decode("utf-8", "replace")) in self._special_map:
            return self._special_map[s]  # a special token by its bytes, as tiktoken allows
        if found is None:
            raise KeyError(f"{token!r} is not a token of {self.name}")
        return int(found)

    def stream_decoder(self, *, errors: str = "replace") -> StreamDecoder:
        """A :class:`StreamDecoder` for ids that arrive one at a time."""
        return StreamDecoder(self._token_bytes, errors=errors, decode_bytes=self.decode_bytes)

    # -- export (tokenizer.export) --------------------------------------------------------------

    def save_hf(self, path: str, **kw: Any) -> Any:
        """Write a Hugging Face ``tokenizer.json`` with this tokenizer's ids
        (``tokenizer.export.save_hf``; one loaded from a tokenizer.json writes that file's
        content again)."""
        from . import export

        return export.save_hf(self, path, **kw)

    def to_tiktoken(self, **kw: Any) -> Any:
        """A ``tiktoken.Encoding`` with this tokenizer's ids (``tokenizer.export.to_tiktoken``)."""
        from . import export

        return export.to_tiktoken(self, **kw)

    def save_tiktoken(self, path: str, **kw: Any) -> Any:
        """Write a ``.tiktoken`` rank file and its sidecar, with this tokenizer's ids
        (``tokenizer.export.save_tiktoken``)."""
        from . import export

        return export.save_tiktoken(self, path, **kw)


def _loaders() -> Any:
    from . import _loaders as mod

    return mod


# The methods whose class attribute is a FastDescriptor (``_core.fast_method``): a call with plain
# positional arguments runs the instance's fast function (item i of its ``_fast`` slot) and no
# Python frame; anything else calls the function below. ``Tokenizer.encode`` is the function.
_FAST_METHODS = (
    "encode_ordinary",
    "count",
    "encode",
    "encode_to_numpy",
    "decode",
    "decode_bytes",
    "decode_single_token_bytes",
)
for _i, _name in enumerate(_FAST_METHODS):
    setattr(
        Tokenizer,
        _name,
        core.fast_method(
            Tokenizer.__dict__[_name],
            Tokenizer,
            Tokenizer.__dict__["_fast"],
            _i,
            2 if _name == "decode" else 1,  # decode(ids[, errors])
        ),
    )
del _i, _name


def load_tokenizer(spec: str | Tokenizer, **kw: Any) -> Tokenizer:
    """Resolve ``spec``: a codebpe vocabulary file, a tiktoken name or file (``x.tiktoken``: the
    pattern from its codebpe sidecar or ``pattern=``; ``x.tiktoken:o200k`` names it), a
    ``tokenizer.json`` path or folder, or a short name such as ``deepseek-coder``.

    >>> load_tokenizer("cl100k_base").n_vocab  # doctest: +SKIP
    100277
    """
    return _loaders().load_tokenizer(Tokenizer, spec, **kw)
