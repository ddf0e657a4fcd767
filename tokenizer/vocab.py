"""The vocabulary: ids <-> token bytes, merges, reserved and special tokens; versioned save/load.

Stage: the data model between training and encoding. A :class:`Vocabulary` is plain data: the
trainer produces one, ``Tokenizer`` loads one into the C++ encoder, ``interop`` converts it to and
from tiktoken and Hugging Face formats. This module does no encoding or training.

Id layout (see the README): 0-255 single bytes; reserved code tokens; learned merges; special
tokens at the top. Ordinary tokens are ``tokens[0..n)`` and an ordinary token's id is its rank.

The file is JSON with a format tag and a version on its first keys::

    {"format": "codebpe.vocab", "version": 1, "pattern": {"name": ..., "regexes": [...]},
     "tokens": ["<base64>", ...], "merges": [[left, right], ...], "reserved_ids": [first, end),
     "special_tokens": {"<|endoftext|>": id, ...}, "config": {...}, "corpus": {...}}

>>> v = Vocabulary.bytes_only(pattern="gpt2")
>>> v.n_vocab, v.tokens[65]
(256, b'A')
"""

from __future__ import annotations

import base64
import contextlib
import errno
import json
import os
import stat
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from .patterns import Pattern, compile_custom, get_pattern

FORMAT_TAG = "codebpe.vocab"
FORMAT_VERSION = 1
MAX_ID = (1 << 32) - 1  # ids are uint32 in the encoder; the top value means "no id"
#: Ids that are neither a token nor a special token (a gap below the special block) that a
#: vocabulary may declare: the encoder and the exports hold a table entry for every id up to
#: the top one, so a file declaring 10^9 ids would cost gigabytes to load.
MAX_UNUSED_IDS = 1 << 20

__all__ = [
    "Vocabulary",
    "VocabularyError",
    "FORMAT_TAG",
    "FORMAT_VERSION",
    "atomic_write",
    "atomic_write_all",
    "make_folder",
    "atomic_writer",
]


class VocabularyError(ValueError):
    """A vocabulary file or object is malformed (wrong format, version, ids or tokens)."""


def atomic_write(path: str | os.PathLike[str], data: bytes | str) -> None:
    """Write ``data`` to ``path`` atomically: a temporary file in the same folder, then rename.

    A crash or error never leaves a partial file at ``path``.

    >>> import tempfile, os; p = os.path.join(tempfile.mkdtemp(), "x.txt"); atomic_write(p, "hi")
    >>> open(p).read()
    'hi'
    """
    atomic_write_all([(path, data)])


def atomic_write_all(files: Sequence[tuple[str | os.PathLike[str], bytes | str]]) -> None:
    """Write each ``(path, data)`` of ``files`` atomically, and all of them or none: every
    temporary file is written before the first is renamed into place, so a failure (a full
    disk, a folder where a file goes) leaves every path as it was. A ``.tiktoken`` file without
    its sidecar, or a tokenizer.json next to the old tokenizer_config.json, was left behind.

    >>> import tempfile, os; d = tempfile.mkdtemp(); os.mkdir(os.path.join(d, "b"))
    >>> atomic_write_all([(os.path.join(d, "a"), "x"), (os.path.join(d, "b"), "y")])
    Traceback (most recent call last):
    ...
    IsADirectoryError: [Errno 21] Is a directory: '.../b'
    >>> os.listdir(d)
    ['b']
    """
    for path, _ in files:  # (the one failure a rename can have in a folder already written to)
        if os.fspath(path) and output_target(path)[0].is_dir():  # ('': atomic_writer says so)
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), os.fspath(path))
    with contextlib.ExitStack() as stack:
        for path, data in files:
            f = stack.enter_context(atomic_writer(path))
            f.write(data.encode("utf-8") if isinstance(data, str) else data)


def make_folder(path: str | os.PathLike[str]) -> None:
    """``mkdir -p path``, with a file in the way said as it is: mkdir's error for a file where
    the folder goes is "File exists" ("cannot write /etc/passwd: File exists" for an output
    below /etc/passwd), raised here as ``NotADirectoryError`` naming that file.

    >>> make_folder("/dev/null")
    Traceback (most recent call last):
    ...
    NotADirectoryError: [Errno 20] Not a directory: '/dev/null'
    """
    try:
        Path(path).mkdir(parents=True, exist_ok=True)
    except FileExistsError as e:
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), e.filename) from e


def output_target(path: str | os.PathLike[str]) -> tuple[Path, bool]:
    """Where to write ``path``, and whether to write it in place rather than through a temporary
    file and a rename: a symbolic link is followed (its target is replaced, the link stays), and
    a device, FIFO or socket (``/dev/null``, a named pipe) is written in place; a rename would
    put a regular file where it was (as root, over ``/dev/null``).

    >>> output_target("/dev/null")
    (PosixPath('/dev/null'), True)
    """
    p = Path(path)
    if p.is_symlink():
        p = Path(os.path.realpath(p))
    special = p.exists() and not p.is_file() and not p.is_dir()
    return p, special


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """A binary file (readable and seekable) that replaces ``path`` when the block ends without
    an error, and is removed otherwise: what :func:`atomic_write` writes through, for output
    written piece by piece.

    >>> import tempfile, os; p = os.path.join(tempfile.mkdtemp(), "x.bin")
    >>> with atomic_writer(p) as f:
    ...     _ = f.write(b"ab")
    >>> open(p, "rb").read()
    b'ab'

    A symbolic link at ``path`` is followed, and a device or FIFO is written in place
    (:func:`output_target`).
    """
    if not os.fspath(path):  # (as open('') says; it was Path('') = '.': "Device or resource busy")
        raise FileNotFoundError(errno.ENOENT, "the output file name is empty", "")
    path, in_place = output_target(path)
    if in_place:
        with _naming(path), open(path, "w+b" if path.is_char_device() else "wb") as f:
            yield f
        return
    tmp = None
    try:
        try:  # (inside the outer try: a Ctrl-C right after it still removes the file)
            fd, tmp = tempfile.mkstemp(
                prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or "."
            )
        except OSError as e:  # name the file asked for, not the temporary one (missing folder)
            raise type(e)(e.errno, e.strerror, str(path)) from e
        with _naming(path), os.fdopen(fd, "w+b") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        # mkstemp creates 0600; give the file the permissions an ordinary open() would: an
        # existing file's own (a private 0600 output stayed private when overwritten in place,
        # and must not become world-readable by being replaced), else 0666 less the umask.
        try:
            mode = stat.S_IMODE(os.stat(path).st_mode)
        except OSError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        try:
            os.replace(tmp, path)
        except OSError as e:  # e.g. path is a folder: name it, not the temporary file
            raise type(e)(e.errno, e.strerror, str(path)) from e
    except BaseException:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        raise


@contextlib.contextmanager
def _naming(path: Path) -> Iterator[None]:
    """An OS error writing the output that names no file (a full disk: "[Errno 28] No space
    left on device") names ``path``, the file asked for."""
    try:
        yield
    except OSError as e:
        # (only what writing fails with: an input's read error in the same block is not this
        # file's)
        if e.filename is not None or e.errno not in _WRITE_ERRNOS:
            raise
        raise type(e)(e.errno, e.strerror, str(path)) from e


_WRITE_ERRNOS = frozenset(
    getattr(errno, name) for name in ("ENOSPC", "EDQUOT", "EFBIG") if hasattr(errno, name)
)


def _pattern_from_json(obj: Any) -> Pattern:
    if isinstance(obj, str):
        return get_pattern(obj)
    if not isinstance(obj, Mapping) or "regexes" not in obj:
        raise VocabularyError("'pattern' must be a name or an object with 'name' and 'regexes'")
    regexes = obj["regexes"]
    # (a str was taken as its characters, each a regex; a bad regex failed later, in the
    # Tokenizer, without the file's name)
    if not isinstance(regexes, list) or not regexes:
        raise VocabularyError("'pattern' 'regexes' must be a non-empty list of regexes")
    for rx in regexes:
        if not isinstance(rx, str) or not rx:
            raise VocabularyError(f"'pattern' 'regexes': {rx!r} is not a regex (a non-empty str)")
        try:
            compile_custom(rx)
        except ValueError as e:
            raise VocabularyError(f"'pattern' 'regexes': {rx!r} does not compile ({e})") from e
    return Pattern(str(obj.get("name", "custom")), tuple(regexes), obj.get("description", ""))


def _specials_from_json(obj: Any) -> dict[str, int]:
    """The ``special_tokens`` object: non-empty names that UTF-8 can carry, int ids (a float id
    was truncated; a lone surrogate failed in the encoder with a UnicodeEncodeError)."""
    from ._corpus_formats import has_surrogate  # (not at import: the corpus readers' module)

    if not isinstance(obj, Mapping):
        raise VocabularyError("'special_tokens' must be an object of name: id")
    out = {}
    for name, i in obj.items():
        if not isinstance(name, str) or not name or has_surrogate(name):
            raise VocabularyError(f"special token name {name!r} is not a non-empty UTF-8 str")
        if isinstance(i, bool) or not isinstance(i, int):
            raise VocabularyError(f"special token {name!r} has id {i!r}, not an int")
        out[name] = i
    return out


@dataclass
class Vocabulary:
    """A byte-level BPE vocabulary.

    Invariants: ``tokens[i] == bytes([i])`` for ``i < 256``; ordinary token bytes are unique; the
    special tokens' ids are ``>= len(tokens)`` and unique; every merge ``(a, b)`` refers to ids
    below the id of ``tokens[a] + tokens[b]``.
    """

    tokens: list[bytes]
    pattern: Pattern
    merges: list[tuple[int, int]] = field(default_factory=list)
    special_tokens: dict[str, int] = field(default_factory=dict)
    reserved_ids: tuple[int, int] = (256, 256)
    config: dict[str, Any] = field(default_factory=dict)
    corpus: dict[str, Any] = field(default_factory=dict)
    #: Figures of the run that made it (seconds, peak memory, threads): never saved, so that a
    #: file depends only on the corpus and the options (users hash vocabulary files).
    stats: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if isinstance(self.pattern, str):
            self.pattern = get_pattern(self.pattern)
        self.validate()

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def bytes_only(cls, *, pattern: str | Pattern = "codebpe-v1") -> Vocabulary:
        """The 256-token vocabulary of single bytes (every byte string is encodable)."""
        return cls(tokens=[bytes([i]) for i in range(256)], pattern=pattern)

    @classmethod
    def from_ranks(
        cls,
        ranks: Mapping[bytes, int],
        *,
        pattern: str | Pattern,
        special_tokens: Mapping[str, int] | None = None,
        merges: list[tuple[int, int]] | None = None,
    ) -> Vocabulary:
        """Build from tiktoken-style ``{token bytes: rank}`` with ranks ``0..n-1``.

        Merges are derived when not given (rank BPE of each token over lower ranks).
        """
        n = len(ranks)
        tokens: list[bytes | None] = [None] * n
        for tok, rank in ranks.items():
            if not 0 <= rank < n or tokens[rank] is not None:
                raise VocabularyError(f"ranks must be a permutation of 0..{n - 1} (bad {rank})")
            tokens[rank] = bytes(tok)
        if merges is None:
            merges = derive_merges(tokens)  # type: ignore[arg-type]
        return cls(
            tokens=tokens,  # type: ignore[arg-type]
            pattern=pattern,  # type: ignore[arg-type]
            merges=merges,
            special_tokens=dict(special_tokens or {}),
        )

    # -- queries ------------------------------------------------------------------------------

    @property
    def n_vocab(self) -> int:
        """Total ids: ordinary tokens plus special tokens (``max id + 1``)."""
        top = max(self.special_tokens.values(), default=-1)
        return max(len(self.tokens), top + 1)

    def ranks(self) -> dict[bytes, int]:
        """``{token bytes: id}`` for the ordinary tokens (tiktoken's ``mergeable_ranks``)."""
        return {t: i for i, t in enumerate(self.tokens)}

    def validate(self) -> None:
        """Check the invariants; raise :class:`VocabularyError` naming the first violation."""
        if len(self.tokens) < 256 or any(self.tokens[i] != bytes([i]) for i in range(256)):
            raise VocabularyError("ids 0-255 must be the 256 single bytes, in order")
        if len(set(self.tokens)) != len(self.tokens):
            raise VocabularyError("ordinary token bytes must be unique")
        ids = list(self.special_tokens.values())
        if len(set(ids)) != len(ids) or any(i < len(self.tokens) for i in ids):
            raise VocabularyError("special token ids must be unique and above the ordinary tokens")
        if any(i >= MAX_ID for i in ids):
            raise VocabularyError(f"special token ids must be below {MAX_ID} (32-bit ids)")
        unused = self.n_vocab - len(self.tokens) - len(set(ids))
        if unused > MAX_UNUSED_IDS:
            raise VocabularyError(
                f"the vocabulary declares {self.n_vocab:,} ids but only "
                f"{self.n_vocab - unused:,} are tokens: {unused:,} unused ids (at most "
                f"{MAX_UNUSED_IDS:,}; every id costs table memory in the encoder and exports)"
            )
        lo, hi = self.reserved_ids
        if not 256 <= lo <= hi <= len(self.tokens):
            raise VocabularyError(f"reserved_ids {self.reserved_ids} out of range")
        n = len(self.tokens)
        for a, b in self.merges:
            if not (0 <= a < n and 0 <= b < n):
                raise VocabularyError(f"merge ({a}, {b}) refers to an unknown id")

    # -- files --------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """The JSON object written by :meth:`save`."""
        from ._corpus_formats import escape_surrogates  # (not at import, as has_surrogate)

        return {
            "format": FORMAT_TAG,
            "version": FORMAT_VERSION,
            "pattern": {
                "name": self.pattern.name,
                "regexes": list(self.pattern.regexes),
                "description": self.pattern.description,
            },
            "n_vocab": self.n_vocab,
            "tokens": [base64.b64encode(t).decode("ascii") for t in self.tokens],
            "merges": [list(m) for m in self.merges],
            "reserved_ids": list(self.reserved_ids),
            "special_tokens": dict(self.special_tokens),
            # (a file name that is not UTF-8, as a source or an input: escaped, see
            # escape_surrogates; the file is UTF-8 and could not be written)
            "config": escape_surrogates(self.config),
            "corpus": escape_surrogates(self.corpus),
        }

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> Vocabulary:
        """Parse the object written by :meth:`to_json`.

        Raises :class:`VocabularyError` if it is malformed.
        """
        if obj.get("format") != FORMAT_TAG:
            hint = "; a tokenizer.json? use Tokenizer.from_hf" if "model" in obj else ""
            raise VocabularyError(
                f"not a codebpe vocabulary (format tag {obj.get('format')!r}){hint}"
            )
        if obj.get("version") != FORMAT_VERSION:
            raise VocabularyError(
                f"unsupported vocabulary version {obj.get('version')!r} (this build reads "
                f"{FORMAT_VERSION}); upgrade codebpe"
            )
        try:
            tokens = [base64.b64decode(t, validate=True) for t in obj["tokens"]]
            return cls(
                tokens=tokens,
                pattern=_pattern_from_json(obj["pattern"]),
                merges=[(int(a), int(b)) for a, b in obj.get("merges", [])],
                special_tokens=_specials_from_json(obj.get("special_tokens", {})),
                reserved_ids=tuple(obj.get("reserved_ids", (256, 256))),  # type: ignore[arg-type]
                config=dict(obj.get("config", {})),
                corpus=dict(obj.get("corpus", {})),
            )
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as e:
            # (OverflowError: an id of Infinity, which json reads as a float)
            if isinstance(e, VocabularyError):
                raise
            if isinstance(e, KeyError) and e.args and e.args[0] in ("tokens", "pattern"):
                raise VocabularyError(f"malformed vocabulary: no {e.args[0]!r} key") from e
            raise VocabularyError(f"malformed vocabulary: {e}") from e

    def dumps(self) -> str:
        """The text of the file that :meth:`save` writes (versioned JSON)."""
        return json.dumps(self.to_json(), ensure_ascii=False, indent=1) + "\n"

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the vocabulary as versioned JSON, atomically."""
        atomic_write(path, self.dumps())

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Vocabulary:
        """Read a file written by :meth:`save`."""
        try:
            with open(path, encoding="utf-8") as f:
                obj = json.load(f)
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as e:
            raise VocabularyError(f"{path}: not valid JSON ({e})") from e
        if not isinstance(obj, dict):
            raise VocabularyError(f"{path}: not a codebpe vocabulary")
        try:
            return cls.from_json(obj)
        except VocabularyError as e:
            raise VocabularyError(f"{os.fspath(path)}: {e}") from e


def derive_merges(tokens: list[bytes], *, strict: bool = True) -> list[tuple[int, int]]:
    """Merges for a rank-ordered token list.

    Each token is the rank-BPE of its bytes over lower ranks; this is how tiktoken vocabularies
    become Hugging Face merges. A token that lower ranks cannot build as exactly two parts raises
    :class:`VocabularyError`, or with ``strict=False`` gets no merge.

    >>> derive_merges([bytes([i]) for i in range(256)] + [b"ab", b"abc"])
    [(97, 98), (256, 99)]
    """
    from ._reference import bpe_parts

    ranks: dict[bytes, int] = {}
    merges: list[tuple[int, int]] = []
    for rank, tok in enumerate(tokens):
        if len(tok) > 1:
            parts = bpe_parts(tok, ranks)
            if len(parts) == 2:
                merges.append((ranks[parts[0]], ranks[parts[1]]))
            elif strict:
                raise VocabularyError(f"token {rank} ({tok!r}) is not a merge of two lower ranks")
        ranks[tok] = rank
    return merges
