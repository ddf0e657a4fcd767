"""Read a Hugging Face byte-level BPE ``tokenizer.json`` into what the C++ encoder needs.

Stage: import of existing vocabularies (runtime side). It understands the byte-level BPE family:
a ``BPE`` model (no dropout, no unknown token, no subword prefix/suffix, no byte fallback), no
normalizer or ``NFC`` (Qwen: the tokenizer applies it, see ``HFModel.nfc``), and a pre-tokenizer
that is ``ByteLevel`` (``use_regex`` true: the GPT-2 pattern) or a ``Sequence`` of isolated
``Split`` regexes, ``Digits`` and a final ``ByteLevel(use_regex=False)``. ``Split`` regexes are
read as Oniguruma reads them (``tokenizer.regex_port.onig_to_regex``), ``Digits`` as
``tokenizers``' own digits. Anything else, a regex construct that reading does not carry
exactly included, is a ``ValueError`` naming the unsupported part: silently different ids would
be worse. It does not encode (``tokenizer.encoding`` does) and it ignores the post-processor and
decoder (ids are produced as with ``add_special_tokens=False``).

>>> bytes_of_hf_token("Ġhello")
b' hello'
"""

from __future__ import annotations

import difflib
import functools
import json
import operator
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import accumulate, chain
from pathlib import Path
from typing import Any, Union, overload

import regex

from ._unicode_pinned import hf_digits_class
from .interop import HF_UNUSED_PREFIX, MAX_ID_HOLES, read_hf_tokenizer_bytes, unicode_to_bytes
from .patterns import PATTERNS, Pattern
from .vocab import VocabularyError

__all__ = [
    "HFModel",
    "Pairs",
    "ScannedVocab",
    "parse_hf_tokenizer",
    "scan_hf_file",
    "bytes_of_hf_token",
]


@functools.lru_cache(maxsize=1)
def _byte_level_translation() -> dict[int, str]:
    """``str.translate`` table: each byte-level stand-in -> the character U+0000-U+00FF of its
    byte, and every other character of that range -> U+FFFF, so that the translated token encodes
    as Latin-1 exactly when all its characters are stand-ins."""
    table = {ord(c): chr(b) for c, b in unicode_to_bytes().items()}
    for c in range(256):
        table.setdefault(c, "\uffff")
    return table


def bytes_of_hf_token(token: str) -> bytes:
    """The bytes a byte-level token string stands for.

    Raises:
        ValueError: a character is not one of the 256 byte-level stand-ins.
    """
    try:  # (C loops: ~2.5x faster than the generator below on a 150k vocabulary)
        return token.translate(_byte_level_translation()).encode("latin-1")
    except UnicodeEncodeError:
        pass  # not byte-level: the loop below names the character
    table = unicode_to_bytes()
    try:
        return bytes(table[c] for c in token)
    except KeyError as e:
        raise ValueError(f"token {token!r} is not byte-level (character {e.args[0]!r})") from None


class Pairs(Sequence[tuple[int, int]]):
    """Merges as id pairs in priority order, held as one flat ``array("I")`` (``flat``: a0, b0,
    a1, b1, ...): 8 bytes a merge instead of a tuple and two ints (Qwen2.5's 151,387 merges took
    ~14 MB as a list of tuples, and every forked data-loader worker ends up copying such objects,
    since reference counts write to their pages). Reads as a sequence of ``(a, b)`` tuples;
    equal to any sequence of the same pairs; pickles with its array."""

    __slots__ = ("flat",)

    def __init__(self, flat: Iterable[int] = ()) -> None:
        self.flat = flat if isinstance(flat, array) and flat.typecode == "I" else array("I", flat)
        if len(self.flat) % 2:
            raise ValueError("Pairs: an odd number of ids")

    @classmethod
    def of(cls, pairs: Iterable[tuple[int, int]]) -> Pairs:
        return cls(array("I", chain.from_iterable(pairs)))

    def __len__(self) -> int:
        return len(self.flat) // 2

    @overload
    def __getitem__(self, i: int) -> tuple[int, int]: ...
    @overload
    def __getitem__(self, i: slice) -> list[tuple[int, int]]: ...
    def __getitem__(self, i: int | slice) -> tuple[int, int] | list[tuple[int, int]]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        n = len(self)
        if not -n <= i < n:
            raise IndexError("merge index out of range")
        k = 2 * (i % n)
        return (self.flat[k], self.flat[k + 1])

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return zip(self.flat[0::2], self.flat[1::2])

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Pairs):
            return self.flat == other.flat
        if not isinstance(other, Sequence) or isinstance(other, (str, bytes)):
            return NotImplemented
        return len(other) == len(self) and all(map(operator.eq, self, map(tuple, other)))

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:
        return Pairs, (self.flat,)

    def __repr__(self) -> str:
        return f"<Pairs: {len(self)} merges>"


class ScannedVocab:
    """``model.vocab`` and ``model.merges`` of a ``tokenizer.json`` as the C++ reader read them
    (``core.scan_hf_model``, csrc/hf_json.cc), for :func:`parse_hf_tokenizer`: the few things it
    asks of the vocabulary dict (its length, its ids, ``content in vocab``, ``vocab[content]``)
    and the merges as ids, without a Python str, int and list per entry (json.loads of Qwen2.5's
    vocabulary and merges took +53 MB of RSS and ~110 ms, reading them as ids ~160 ms more).

    Attributes:
        merges: the merges as id pairs in file order (repeats kept, as ``_merge_pairs`` gives).
        odd: the keys that are not byte-level (an added token listed in the vocabulary too) and
            their ids, in file order; every other key is the byte-level form of its bytes.
    """

    __slots__ = ("_scan", "_ids", "merges", "odd")

    def __init__(self, scan: Any, odd: dict[str, int]) -> None:
        self._scan = scan
        self._ids = array("I", scan.ids)
        self.merges = Pairs(array("I", scan.merges))
        self.odd = odd

    def __len__(self) -> int:
        return len(self._ids)

    def values(self) -> array:
        """Every key's id, in file order."""
        return self._ids

    def tokens(self, size: int) -> list[bytes]:
        """``tokens[id]`` = the bytes of each byte-level key (``b""`` for every other id)."""
        return self._scan.tokens(size)

    def get(self, content: str) -> int | None:
        try:  # (decoding stand-ins is one-to-one: the key is the byte-level form of its bytes)
            token = bytes_of_hf_token(content)
        except ValueError:
            return self.odd.get(content)
        return self._scan.lookup(token)

    def __contains__(self, content: object) -> bool:
        return isinstance(content, str) and self.get(content) is not None

    def __getitem__(self, content: str) -> int:
        i = self.get(content)
        if i is None:
            raise KeyError(content)
        return i


#: What parse_hf_tokenizer reads model.vocab as: the dict json.loads made, or the scanned form.
Vocab = Union[dict[str, int], ScannedVocab]


def scan_hf_json(data: bytes) -> tuple[dict[str, Any], ScannedVocab] | None:
    """A ``tokenizer.json``'s bytes as ``(object, vocab)`` for ``parse_hf_tokenizer(object,
    scanned=vocab)``: the object is the file with ``model.vocab`` as ``{}`` and ``model.merges``
    as ``[]``. None when the C++ reader declines the file (anything it does not read exactly as
    ``json.loads`` and this module would: see csrc/hf_json.cc); then read it with ``json.loads``,
    which gives the result, or the error, the file always gave."""
    try:
        from ._native import core
    except ImportError:  # (no compiled core: the Python path works without it)
        return None
    scan = core.scan_hf_model(data)
    if scan is None:
        return None
    try:
        obj = json.loads(scan.remainder)
        odd_keys = [(json.loads(literal), i) for literal, i in scan.odd_keys]
    except (ValueError, RecursionError):
        return None  # (json.loads of the whole file says where)
    odd = dict(odd_keys)
    if len(odd) != len(odd_keys):
        return None  # one key twice (json.loads keeps the last id, at the first one's place)
    return obj, ScannedVocab(scan, odd)


def scan_hf_file(path: Path) -> tuple[dict[str, Any], ScannedVocab] | None:
    """:func:`scan_hf_json` of a ``tokenizer.json`` file (or ``.zip``); None when it declines or
    the file cannot be read (``interop.load_hf_tokenizer_json`` then reads it, or says why not)."""
    try:
        data = read_hf_tokenizer_bytes(Path(path))
    except Exception:  # noqa: BLE001 - the Python path reads it again and raises its own error
        return None
    return scan_hf_json(data)


@dataclass
class HFModel:
    """A parsed byte-level BPE ``tokenizer.json``.

    Attributes:
        tokens: ``tokens[id]`` = bytes of every model vocabulary id (``b""`` for holes); a
            loaded tokenizer's is a view of its encoder's bytes (``_loaders.EncoderTokens``).
        merges: the merge list as id pairs, in priority order.
        added: ``(content, id, special)`` for every added token.
        pattern: the pre-tokenizer as a sequence of isolated-split regexes (a built-in
            :class:`Pattern` when it is one, or its port as ``tokenizer.export`` writes it, so
            the native matcher can run).
        ignore_merges: the model's ``ignore_merges`` (a piece that is a token is that token).
        nfc: the normalizer is Unicode NFC (applied to the text between added tokens).
        normalized: the added tokens with ``normalized: true``, which Hugging Face looks for
            only in the text between the matches of the others (``AddedVocabulary``).
    """

    tokens: Sequence[bytes]
    merges: Pairs
    added: list[tuple[str, int, bool]] = field(default_factory=list)
    pattern: Pattern = PATTERNS["gpt2"]
    ignore_merges: bool = False
    nfc: bool = False
    normalized: frozenset[str] = frozenset()


def _split_regex(step: dict[str, Any]) -> tuple[str, bool]:
    """A Split step's pattern: (text, whether it is a regex rather than a plain string)."""
    pat = step.get("pattern")
    if not isinstance(pat, dict):
        raise VocabularyError(f"Split pre-tokenizer without a pattern object: {step}")
    behavior = str(step.get("behavior", "Isolated")).lower()
    invert = bool(step.get("invert", False))
    # subtle: Removed + invert keeps the matches and drops what lies between them, which is the
    # same as Isolated when the regex matches every character (MiniMax's, o200k's regex): only
    # for such built-in regexes, checked by name, not in general.
    total = "Regex" in pat and str(pat["Regex"]) in _TOTAL_REGEXES
    if not (behavior == "isolated" and not invert) and not (
        behavior == "removed" and invert and total
    ):
        raise ValueError(
            f"unsupported Split pre-tokenizer {step} (only behavior=Isolated, invert=false; "
            "or Removed with invert=true for a built-in regex that matches every character)"
        )
    if "Regex" in pat:
        return str(pat["Regex"]), True
    if "String" in pat:
        return str(pat["String"]), False
    raise ValueError(f"unsupported Split pattern {pat}")


# Built-in single regexes whose alternatives match every character (letters, digits, whitespace
# and everything else each have one): no gap between matches.
_TOTAL_REGEXES = frozenset(
    PATTERNS[name].regexes[0] for name in ("gpt2", "cl100k", "o200k", "qwen2")
)

_ESCAPES = {"r": "\r", "n": "\n", "t": "\t"}


def _unescape(rx: str) -> str:
    """``\\uXXXX``, ``\\r``, ``\\n``, ``\\t`` escapes as the characters (tokenizer.json stores
    them decoded); other escapes, ``\\\\`` included, are kept as they are."""

    def one(m: regex.Match[str]) -> str:
        e = m.group(1)
        if e[0] == "u" and len(e) == 5:
            return chr(int(e[1:], 16))
        return _ESCAPES.get(e, m.group(0))

    return regex.sub(r"\\(u[0-9a-fA-F]{4}|.)", one, rx, flags=regex.DOTALL)


def _pattern_of(pre: dict[str, Any] | None, name: str) -> Pattern:
    if pre is None:
        raise ValueError("a tokenizer.json without pre-tokenizer is not byte-level BPE")
    if not isinstance(pre, dict):
        raise VocabularyError(f"pre_tokenizer must be an object, not {type(pre).__name__}")
    steps = pre.get("pretokenizers") if pre.get("type") == "Sequence" else [pre]
    if not isinstance(steps, list) or not all(isinstance(step, dict) for step in steps):
        raise VocabularyError("pre_tokenizer Sequence needs a list of pretokenizers")
    regexes: list[str] = []  # for the regex module
    written: list[str | None] = []  # the Split regexes as the file has them
    saw_bytelevel = False
    for i, step in enumerate(steps):
        kind = step.get("type")
        if saw_bytelevel:
            raise ValueError(f"unsupported pre-tokenizer step {kind} after ByteLevel")
        if kind == "Split":
            text, is_regex = _split_regex(step)
            written.append(text if is_regex else None)
            regexes.append(_read_onig(text) if is_regex else regex.escape(text))
        elif kind == "Digits":
            # what tokenizers takes for a digit (Rust's char::is_numeric), not quite \p{N}
            written.append(None)
            regexes.append(hf_digits_class() + ("" if step.get("individual_digits") else "+"))
        elif kind == "ByteLevel":
            saw_bytelevel = True
            if step.get("add_prefix_space"):
                raise ValueError("ByteLevel(add_prefix_space=True) is not supported")
            if step.get("use_regex", True):
                written.append(None)
                regexes.extend(PATTERNS["gpt2"].regexes)
        else:
            raise ValueError(f"unsupported pre-tokenizer step {kind!r} (step {i})")
    if not saw_bytelevel:
        raise ValueError("the pre-tokenizer has no ByteLevel step: not a byte-level BPE tokenizer")
    # subtle: a built-in pattern is recognised by the regex module's reading of the file, which
    # keeps what Oniguruma and the regex module read alike as written: Qwen's or DeepSeek's text
    # is theirs, while tiktoken's cl100k text (\p{N}{1,3}+: whole digit runs to Oniguruma) is not
    # cl100k. A codebpe export, whose regexes are the port of a built-in, is recognised as written.
    plain = tuple(map(_unescape, regexes))
    for p in PATTERNS.values():
        if _plain_regexes(p) == plain:
            return p
    exported = None
    if None not in written:
        exported = _exported_builtin(tuple(t for t in written if t is not None))
    return exported or Pattern(name, tuple(regexes), "imported from a tokenizer.json pre-tokenizer")


def _read_onig(text: str) -> str:
    from .regex_port import PatternPortError, onig_to_regex

    try:
        return onig_to_regex(text)
    except PatternPortError as e:
        raise ValueError(
            f"unsupported Split regex {text!r}: Hugging Face runs it with Oniguruma, and {e}"
        ) from None


@functools.lru_cache(maxsize=32)
def _plain_regexes(pattern: Pattern) -> tuple[str, ...]:
    return tuple(map(_unescape, pattern.regexes))


@functools.lru_cache(maxsize=32)
def _exported_regexes(pattern: Pattern) -> tuple[str, ...] | None:
    """The Split regexes codebpe's exporter writes for ``pattern`` (``hf_pre_tokenizer``), or
    None when it cannot be exported. Porting takes 0.3-0.8 s per pattern: cached."""
    from .export import hf_pre_tokenizer
    from .regex_port import PatternPortError

    try:
        steps = hf_pre_tokenizer(pattern)["pretokenizers"]
    except PatternPortError:
        return None
    return tuple(s["pattern"]["Regex"] for s in steps if s["type"] == "Split")


# What the port expands in every regex it writes: an exported regex has none of these escapes.
_PORT_EXPANDS = frozenset("pPsSdDwW")
_ESCAPE = regex.compile(r"\\(.)", flags=regex.DOTALL)
_CLASS_OR_ESCAPE = regex.compile(r"\[(?:\\.|[^\]\\])*\]|\\[pP]\{[^}]*\}|\\.", flags=regex.DOTALL)


def _may_be_exported(rx: str) -> bool:
    """False when ``rx`` cannot be a ported regex: it has a property or shorthand escape."""
    return not any(m.group(1) in _PORT_EXPANDS for m in _ESCAPE.finditer(rx))


def _skeleton(regexes: tuple[str, ...]) -> str:
    """The regexes with each class and escape as ``C``: close for a pattern and its port."""
    return "\n".join(_CLASS_OR_ESCAPE.sub("C", rx) for rx in regexes)[:1000]


@functools.lru_cache(maxsize=32)
def _exported_builtin(regexes: tuple[str, ...]) -> Pattern | None:
    """The built-in pattern with a native matcher whose exported regexes (see
    :func:`_exported_regexes`) are exactly ``regexes``, or None.

    A ``tokenizer.json`` written by ``tokenizer.export`` holds the *ported* regexes (Unicode
    classes expanded to the pinned code-point ranges), which split exactly as the pattern's C++
    matcher does. The regexes themselves are compared, not a recorded name; the skeleton only
    orders the candidates, so that usually one pattern is ported.
    """
    if not all(map(_may_be_exported, regexes)):
        return None
    try:
        from ._native import core
    except ImportError:  # (no compiled core: no native matcher to use)
        return None
    candidates = [
        p for n, p in PATTERNS.items() if len(p.regexes) == len(regexes) and core.has_pattern(n)
    ]
    shape = _skeleton(regexes)
    candidates.sort(
        key=lambda p: -difflib.SequenceMatcher(None, shape, _skeleton(p.regexes)).ratio()
    )
    return next((p for p in candidates if _exported_regexes(p) == regexes), None)


def _check_ids(vocab: Any, added: list[tuple[str, int, bool]]) -> None:
    """Check the ids are ints in a sane range (no huge table for one stray id)."""
    if isinstance(vocab, ScannedVocab):
        pass  # (str keys and plain ids by construction)
    elif not isinstance(vocab, dict):
        raise VocabularyError(f"model.vocab must be an object, not {type(vocab).__name__}")
    elif vocab and set(map(type, vocab)) != {str}:  # (a dict given in Python, not from JSON)
        key = next(k for k in vocab if type(k) is not str)
        raise VocabularyError(f"model.vocab key {key!r} is not a string")
    # (no list of every id: 151k int objects whose memory the allocator keeps)
    ids, added_ids = vocab.values(), [i for _, i, _ in added]
    unchecked = added_ids if isinstance(ids, array) else chain(ids, added_ids)  # (array: uint32)
    bad = next((i for i in unchecked if type(i) is not int or i < 0), None)
    if bad is not None:
        raise VocabularyError(f"token id {bad!r} is not a non-negative integer")
    top, n = _top_id(vocab, added), len(vocab) + len(added)
    if top >= n + MAX_ID_HOLES:
        raise VocabularyError(f"token id {top} is far beyond the {n} tokens")


def _top_id(vocab: Vocab, added: list[tuple[str, int, bool]]) -> int:
    return max(max(vocab.values(), default=-1), max((i for _, i, _ in added), default=-1))


def _added(obj: dict[str, Any], nfc: bool = False) -> tuple[list[tuple[str, int, bool]], set[str]]:
    """``(content, id, special)`` of the added tokens, and the contents of those with
    ``normalized: true``."""
    entries = obj.get("added_tokens") or []
    if not isinstance(entries, list) or not all(isinstance(t, dict) for t in entries):
        raise VocabularyError("added_tokens must be a list of objects")
    out: list[tuple[str, int, bool]] = []
    normalized: dict[str, bool] = {}
    for t in entries:
        if "content" not in t or "id" not in t:
            raise VocabularyError(f"added token {t} has no content or id")
        # subtle: these change where an added token matches (HF strips the spaces around it or
        # matches whole words only); the encoder matches the content exactly, so the ids would
        # silently differ.
        for key in ("lstrip", "rstrip", "single_word"):
            if t.get(key):
                raise ValueError(f"unsupported added token option {key}=true ({t['content']!r})")
        if t.get("normalized") and nfc:
            # Hugging Face matches it in the NFC text, this encoder in the raw text (they differ
            # where a combining mark follows the token: ">" + U+0338 is "≯")
            raise ValueError(f"unsupported added token with normalized=true ({t['content']!r})")
        content, norm = str(t["content"]), bool(t.get("normalized"))
        try:
            content.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate ("\ud800" in the JSON): tokenizers refuses
            raise VocabularyError(  # the file; the encoder matches UTF-8 bytes
                f"added token {content!r} is not valid Unicode (a lone surrogate)"
            ) from None
        if normalized.setdefault(content, norm) != norm:
            # (which listing tokenizers follows then depends on the special flags and the order)
            raise ValueError(f"added token {content!r} is listed with normalized true and false")
        out.append((content, t["id"], bool(t.get("special"))))
    return out, {c for c, norm in normalized.items() if norm}


def _ids_as_tokenizers_assigns(
    added: list[tuple[str, int, bool]], vocab: Vocab
) -> list[tuple[str, int, bool]]:
    """Added tokens with the ids ``tokenizers`` gives them when it loads the file.

    subtle: it does not trust the ``id`` fields (it only logs a warning when one differs): a token
    in the model vocabulary keeps the model's id, a repeated content its first id, and any other
    gets the next id from ``len(vocab)`` up (``AddedVocabulary::add_tokens``). Files written by
    ``tokenizers`` agree with this; hand-edited ones with gaps or clashes would otherwise give
    other ids than Hugging Face does.
    """
    n = len(vocab)
    assigned: dict[str, int] = {}
    out: list[tuple[str, int, bool]] = []
    for content, _, special in added:
        if content in assigned:
            continue
        if content in vocab:
            i = vocab[content]
        else:
            top = max(assigned.values(), default=None)
            i = n if top is None else (top + 1 if top >= n or n == 0 else n)
        assigned[content] = i
        out.append((content, i, special))
    return out


def parse_hf_tokenizer(
    obj: dict[str, Any], *, name: str = "hf", scanned: ScannedVocab | None = None
) -> HFModel:
    """Parse a ``tokenizer.json`` object (see the module docstring for what is supported).

    ``scanned``: ``model.vocab`` and ``model.merges`` as :func:`scan_hf_json` read them (``obj``
    is then its object, where both are empty); read from ``obj`` when None.

    Raises:
        VocabularyError: the object is malformed (missing keys, bad ids or merges).
        ValueError: it uses a feature outside byte-level BPE (names the feature).
    """
    if not isinstance(obj, dict) or not isinstance(obj.get("model"), dict):
        raise VocabularyError("not a tokenizer.json: no 'model' object")
    model = obj["model"]
    if model.get("type", "BPE") != "BPE":
        raise ValueError(f"unsupported model type {model.get('type')!r} (only byte-level BPE)")
    for key in ("dropout", "unk_token", "continuing_subword_prefix", "end_of_word_suffix"):
        if model.get(key):
            raise ValueError(f"unsupported BPE option {key}={model[key]!r}")
    if model.get("byte_fallback"):
        raise ValueError("unsupported BPE option byte_fallback=True")
    nfc = _nfc_normalizer(obj.get("normalizer"))
    # The pre-tokenizer first: a BPE without ByteLevel is reported as such, not as a bad token.
    pattern = _pattern_of(obj.get("pre_tokenizer"), name)
    if "vocab" not in model:
        raise VocabularyError("model has no 'vocab'")
    vocab: Vocab = model["vocab"] if scanned is None else scanned
    added, normalized = _added(obj, nfc)
    _check_ids(vocab, added)
    added = _ids_as_tokenizers_assigns(added, vocab)
    size = _top_id(vocab, added) + 1
    added_ids = {i for _, i, _ in added}
    if scanned is None and len(set(vocab.values())) != len(vocab):  # (scanned: never)
        _refuse_shared_ids(vocab)
    tokens = _tokens_by_id(vocab, size, added_ids)
    _check_added_bytes(added, tokens)
    merge_list = model.get("merges") or []
    if not isinstance(merge_list, list):
        raise VocabularyError("model.merges must be a list")
    merges = _merge_pairs(merge_list, vocab) if scanned is None else scanned.merges
    if not merges and any(len(t) > 1 for i, t in enumerate(tokens) if i not in added_ids):
        # subtle: the encoder takes no merges to mean rank BPE (tiktoken's: ids as ranks), which
        # would merge "h"+"el"+"lo" where Hugging Face, with no merges, keeps the bytes.
        raise ValueError(
            "unsupported tokenizer.json: model.merges is empty but the vocabulary has tokens "
            "longer than one byte (Hugging Face never reaches them; this encoder would)"
        )
    if _has_repeats(merges):
        # subtle: a pair listed twice takes the rank of its LAST listing in tokenizers (its merge
        # map is filled in list order, a later entry replacing the earlier one).
        last = {pair: k for k, pair in enumerate(merges)}
        merges = Pairs.of(pair for k, pair in enumerate(merges) if last[pair] == k)
    return HFModel(
        tokens=tokens,
        merges=merges,
        added=added,
        pattern=pattern,
        ignore_merges=bool(model.get("ignore_merges", False)),
        nfc=nfc,
        normalized=frozenset(normalized),
    )


def _has_repeats(merges: Pairs) -> bool:
    """Is a pair listed twice? (sorted in C++: a Python set of the pairs took ~20 ms and ~13 MB
    for Qwen2.5's 151k merges, NumPy ~80 ms to import)"""
    try:
        from ._native import core
    except ImportError:  # (no compiled core) each pair's two uint32 ids read as one uint64
        return len(set(memoryview(merges.flat).cast("B").cast("Q"))) != len(merges)
    return bool(core.has_repeated_pairs(merges.flat))


def _refuse_shared_ids(vocab: dict[str, int]) -> None:
    first: dict[int, str] = {}
    for tok, i in vocab.items():
        if i in first:
            raise VocabularyError(
                f"model.vocab gives the id {i} to two tokens, {first[i]!r} and {tok!r} (an id "
                "must stand for one token)"
            )
        first[i] = tok


def _check_added_bytes(added: list[tuple[str, int, bool]], tokens: list[bytes]) -> None:
    """Refuse an added token whose id is a vocabulary token of other bytes.

    That is an added token whose content is a vocabulary entry as written in the file, in its
    byte-level form ("Ġthe"): tokenizers then matches the literal text "Ġthe" to the id of the
    bytes " the", and one id would stand for two byte strings, which this encoder cannot hold.
    """
    for content, i, special in added:
        if i < len(tokens) and tokens[i] and tokens[i] != content.encode("utf-8"):
            kind = "special token" if special else "added token"
            raise ValueError(
                f"unsupported {kind} {content!r}: that is how the vocabulary writes id {i} (the "
                f"bytes {tokens[i]!r}), so Hugging Face matches the literal text {content!r} to "
                f"that id, and an id here stands for one byte string; remove the entry from "
                f"added_tokens (id {i} is in the vocabulary anyway), or write its content as "
                "the text it should match"
            )


def _tokens_by_id(vocab: Vocab, size: int, added_ids: set[int]) -> list[bytes]:
    """``tokens[id]`` = the bytes of each vocabulary token (``b""`` for ids without one)."""
    if isinstance(vocab, ScannedVocab):  # (the byte-level keys read; the others decided below)
        tokens, rest = vocab.tokens(size), vocab.odd.items()
    else:
        tokens, rest = [b""] * size, vocab.items()
        keys = list(vocab)
        try:  # all at once (one translate and encode of every token joined: ~6x the loop below)
            blob = "".join(keys).translate(_byte_level_translation()).encode("latin-1")
        except UnicodeEncodeError:
            pass  # a token that is not byte-level: the loop decides
        else:  # (each character is one byte: token k is blob[ends[k-1]:ends[k]])
            ends = list(accumulate(map(len, keys)))
            for t, i in zip(map(blob.__getitem__, map(slice, [0, *ends], ends)), vocab.values()):
                tokens[i] = t
            return tokens
    for tok, i in rest:
        try:
            tokens[i] = bytes_of_hf_token(tok)
        except ValueError:
            if tok.startswith(HF_UNUSED_PREFIX):
                continue  # an unused id of a codebpe export
            if i not in added_ids:  # an added token listed in the model vocabulary too: it decodes
                raise  # as its content, so it needs no byte-level form
    return tokens


def _merge_pairs(merge_list: list[Any], vocab: dict[str, int]) -> Pairs:
    """The merges (``"a b"`` strings, older files, or ``[a, b]`` lists) as id pairs."""
    n = len(merge_list)
    kinds = set(map(type, merge_list))
    names: Iterable[Any] | None = None
    if kinds == {list} and set(map(len, merge_list)) == {2}:
        names = chain.from_iterable(merge_list)
    elif kinds == {str} and set(map(str.count, merge_list, [" "] * n)) == {1}:
        names = " ".join(merge_list).split(" ")  # (one space in each: 2 names each, in order)
    if names is not None:
        try:
            return Pairs(array("I", map(vocab.__getitem__, names)))
        except (KeyError, TypeError):
            pass  # a name missing from the vocabulary (or not a str): the loop names the merge
    return Pairs.of(_merge_ids_checked(merge_list, vocab))  # (raises, naming the merge)


def _merge_ids_checked(merge_list: list[Any], vocab: dict[str, int]) -> list[tuple[int, int]]:
    merges: list[tuple[int, int]] = []
    for m in merge_list:
        parts = m.split(" ") if isinstance(m, str) else m
        if not isinstance(parts, list) or len(parts) != 2:
            raise VocabularyError(f"merge {m!r} is not a pair of tokens")
        try:
            merges.append((vocab[parts[0]], vocab[parts[1]]))
        except (KeyError, TypeError) as e:
            raise VocabularyError(f"merge {m!r} uses a token missing from the vocabulary") from e
    return merges


def _nfc_normalizer(norm: Any) -> bool:
    """True for an NFC normalizer (also as the only step of a ``Sequence``), False for none;
    anything else is a ``ValueError``."""
    steps = [norm] if norm is not None else []
    if isinstance(norm, dict) and norm.get("type") == "Sequence":
        steps = norm.get("normalizers") or []
    if not isinstance(steps, list):
        raise ValueError(f"unsupported normalizer {norm!r} (only none or NFC)")
    for step in steps:
        if not (isinstance(step, dict) and step.get("type") == "NFC"):
            kind = step.get("type") if isinstance(step, dict) else step
            raise ValueError(f"unsupported normalizer {kind!r} (only none or NFC)")
    return bool(steps)
