"""Reserved code tokens: indentation runs and bracket clusters with ids fixed by configuration.

Stage: training (vocabulary layout). These byte strings get the ids right after the 256 bytes, in
order, as forced merges (``tokenizer._reference.forced_merges``), whatever the corpus; the trainer
then learns ordinary merges on top. This module only chooses and checks the strings; it does not
count or merge.

The default set (see docs/training.md for why):

* runs of spaces of length 2-16, then 20, 24, 28, 32 (indentation of 2/4-space code up to eight
  levels deep, and column alignment);
* runs of tabs of length 2-8;
* bracket clusters, the 31 most frequent in code (`` {``, ``);``, ``()``, ``();``, ``});`` ...),
  kept only when the split pattern can produce them as a whole piece.

>>> [t for t in default_reserved("codebpe-v1")][:3]
[b'  ', b'   ', b'    ']
"""

from __future__ import annotations

import collections
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from .patterns import Pattern, reference_split

#: Longest token (bytes) a learned merge may create: identifiers, ~10 CJK characters, indentation.
#: (Training defaults live here, not in train.py, so the CLI can show them without the C++ core.)
DEFAULT_MAX_TOKEN_LENGTH = 32
#: Spare special ids ``<|reserved_0|>``...; with the 5 defaults the special block is 32 ids.
#: Extra special tokens (``--special-token``) take these slots, so the block does not grow.
DEFAULT_SPARE_SPECIAL = 27
#: The largest ``vocab_size``: ids must fit a signed 32-bit integer (int32 embedding indices,
#: ``torch.int32``); the encoder's own ids are uint32 with the top value meaning "no id".
MAX_VOCAB_SIZE = (1 << 31) - 1
#: The most spare special ids (``<|reserved_N|>``) a block may have: each is a special token cut
#: out of the training text, and ``Trainer(spare_special_tokens=10**9)`` made a billion names
#: (23 GB, killed) before anything could say they do not fit; a million take ~0.6 GB and 11 s.
MAX_SPARE_SPECIAL = 1 << 20

__all__ = [
    "INDENT_SPACES",
    "INDENT_TABS",
    "BRACKET_CANDIDATES",
    "default_reserved",
    "resolve_reserved",
    "check_reachable",
    "VocabLayout",
    "vocab_layout",
    "special_block",
    "check_vocab_size",
    "text_like_specials",
    "MAX_VOCAB_SIZE",
    "MAX_SPARE_SPECIAL",
]

#: Lengths of the space runs reserved by default.
INDENT_SPACES: tuple[int, ...] = (*range(2, 17), 20, 24, 28, 32)
#: Lengths of the tab runs reserved by default.
INDENT_TABS: tuple[int, ...] = tuple(range(2, 9))
#: Bracket clusters reserved when the pattern keeps them as one piece: the most frequent pieces of
#: brackets with ``;,.:`` and a leading space in the shipped code sample (codebpe-v1 pieces, by
#: count; quote combinations such as ``("`` left to training, they vary by language).
BRACKET_CANDIDATES: tuple[str, ...] = (
    " {",
    " (",
    ");",
    "()",
    "):",
    "),",
    "();",
    " }",
    "))",
    "));",
    ").",
    "().",
    "},",
    "})",
    "(),",
    " [",
    "};",
    "});",
    "());",
    " []",
    "())",
    " {}",
    "[]",
    "];",
    "((",
    " ()",
    "({",
    "){",
    "():",
    " },",
    "],",
)


def _whole_piece(text: str, pattern: str | Pattern) -> bool:
    """Whether the pattern produces ``text`` as one piece in some plain context."""
    contexts = (text, "x" + text, "x" + text + "x", "\n" + text + "x", "x" + text + "\n")
    return any(text in reference_split(ctx, pattern) for ctx in contexts)


def default_reserved(pattern: str | Pattern = "codebpe-v1") -> list[bytes]:
    """The default reserved tokens for ``pattern``: indentation runs, then usable bracket clusters.

    >>> r = default_reserved("codebpe-v1")
    >>> len(r), r[0], r[-1]
    (57, b'  ', b'],')
    """
    tokens = [b" " * n for n in INDENT_SPACES] + [b"\t" * n for n in INDENT_TABS]
    seen = set(tokens)
    for cand in BRACKET_CANDIDATES:
        raw = cand.encode()
        if raw not in seen and _whole_piece(cand, pattern):
            tokens.append(raw)
            seen.add(raw)
    return tokens


def resolve_reserved(
    reserved: str | None | Iterable[bytes | str], pattern: str | Pattern
) -> list[bytes]:
    """Turn the ``reserved`` option into a checked list of byte strings.

    ``"default"`` -> :func:`default_reserved`; ``None`` or empty -> none; otherwise each item
    (``bytes``, or ``str`` as UTF-8) must be at least two bytes; duplicates are an error.

    >>> resolve_reserved([b"  ", "->"], "gpt2")
    [b'  ', b'->']
    """
    if reserved is None:
        return []
    if isinstance(reserved, str):
        if reserved != "default":
            raise ValueError(
                f"reserved must be 'default', None or a list of tokens, not {reserved!r}"
            )
        return default_reserved(pattern)
    out: list[bytes] = []
    for item in reserved:
        if not isinstance(item, (str, bytes, bytearray, memoryview)):
            # (bytes(1) is b"\x00": an int read as "must be at least two bytes", of b'\x00')
            kind = type(item).__name__
            raise TypeError(f"reserved tokens are bytes or str, not {kind} ({item!r})")
        raw = item.encode("utf-8") if isinstance(item, str) else bytes(item)
        if len(raw) < 2:
            raise ValueError(f"reserved token {raw!r} must be at least two bytes")
        if raw in out:
            raise ValueError(f"reserved token {raw!r} is listed twice")
        out.append(raw)
    return out


def check_reachable(tokens: Sequence[bytes], pattern: str | Pattern) -> list[bytes]:
    """The reserved tokens that the pattern can never produce as a whole piece (for a warning).

    >>> check_reachable([b"()", b"a(", b"    "], "codebpe-v1")  # a letter never joins a bracket
    [b'a(']
    """
    bad = []
    for t in tokens:
        try:
            text = t.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if not _whole_piece(text, pattern):
            bad.append(t)
    return bad


class VocabLayout(NamedTuple):
    """Where ids go: special token names (top of the id space), reserved tokens, the initial
    tokens (bytes + reserved + any intermediates) and the forced merges that build them."""

    specials: list[str]
    reserved: list[bytes]
    tokens: list[bytes]
    forced: list[tuple[int, int]]


def vocab_layout(
    pattern: str | Pattern,
    *,
    vocab_size: int,
    reserved: str | None | Iterable[bytes | str],
    special_tokens: Sequence[str],
    spare_special_tokens: int,
    extra_special_tokens: Sequence[str] = (),
) -> VocabLayout:
    """The layout of a vocabulary of ``vocab_size`` ids; ``ValueError`` if it cannot fit.

    The special block (:func:`special_block`) takes the top ids; ``TypeError`` for a
    ``vocab_size`` that is not an ``int``, ``ValueError`` above :data:`MAX_VOCAB_SIZE`.

    >>> layout = vocab_layout("gpt2", vocab_size=300, reserved=None, special_tokens=["<|e|>"],
    ...                       spare_special_tokens=1)
    >>> layout.specials, len(layout.tokens)
    (['<|e|>', '<|reserved_0|>'], 256)
    """
    from ._reference import forced_merges

    check_vocab_size(vocab_size)
    reserved_tokens = resolve_reserved(reserved, pattern)
    tokens = [bytes([i]) for i in range(256)]
    forced = forced_merges(tokens, reserved_tokens)
    spare = spare_special_tokens
    if isinstance(spare, int) and not isinstance(spare, bool) and spare > vocab_size - len(tokens):
        # said before the spare names are made (--spare-special 999999999 made a billion)
        raise _too_small(vocab_size, tokens, len(special_block(special_tokens, (), 0)) + spare)
    specials = special_block(special_tokens, extra_special_tokens, spare_special_tokens)
    ordinary = {t: i for i, t in enumerate(tokens)}
    for special in specials:
        i = ordinary.get(special.encode("utf-8"))
        if i is not None:  # (a learned token never is one: special text is cut from training)
            what = "byte" if i < 256 else "reserved token"
            raise ValueError(
                f"special token {special!r} is the {what} with id {i}: a special token must be "
                "text that no ordinary token is (a tokenizer.json cannot hold both, and "
                "tokenizers would give other ids); choose another name"
            )
    if vocab_size - len(specials) < len(tokens):
        raise _too_small(vocab_size, tokens, len(specials))
    return VocabLayout(specials, reserved_tokens, tokens, forced)


def _too_small(vocab_size: int, tokens: Sequence[bytes], specials: int) -> ValueError:
    """The error for a ``vocab_size`` below the bytes, reserved and ``specials`` special tokens."""
    return ValueError(
        f"vocab_size {vocab_size} is too small: 256 bytes + {len(tokens) - 256} reserved + "
        f"{specials} special tokens need at least {len(tokens) + specials}"
    )


def check_vocab_size(vocab_size: object) -> None:
    """``TypeError`` unless ``vocab_size`` is an ``int``; ``ValueError`` above
    :data:`MAX_VOCAB_SIZE` (checked before any counting: a size that cannot work fails at once).

    >>> check_vocab_size(1 << 40)
    Traceback (most recent call last):
    ...
    ValueError: vocab_size 1099511627776 is too large: at most 2147483647 (ids are int32)
    """
    if isinstance(vocab_size, bool) or not isinstance(vocab_size, int):
        raise TypeError(f"vocab_size must be an int, not {type(vocab_size).__name__}")
    if vocab_size > MAX_VOCAB_SIZE:
        raise ValueError(
            f"vocab_size {vocab_size} is too large: at most {MAX_VOCAB_SIZE} (ids are int32)"
        )


def _string_list(value: object, name: str) -> list[str]:
    """``value`` as a list of non-empty strings: a single ``str`` is a ``TypeError`` (it would
    otherwise be taken character by character); a string that is not valid Unicode text (a lone
    surrogate, which has no UTF-8 form) or that is listed twice is a ``ValueError`` naming it
    (a repeated token was merged silently: the special block was one id smaller than the
    tokens given, and every special id moved).

    >>> _string_list(["<|a|>", "<|\\ud800|>"], "special_tokens")
    Traceback (most recent call last):
    ...
    ValueError: special_tokens: '<|\\ud800|>' holds a lone surrogate (U+D800), which has no ...
    """
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be a list of strings, not a single string: [{value!r}]?")
    try:
        items = list(value)  # type: ignore[call-overload]
    except TypeError:
        raise TypeError(f"{name} must be a list of strings, not {type(value).__name__}") from None
    for item in items:
        if not isinstance(item, str):
            raise TypeError(f"{name} must hold strings, not {type(item).__name__} ({item!r})")
        if not item:
            raise ValueError("special tokens must be non-empty strings")
        try:
            item.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValueError(
                f"{name}: {item!r} holds a lone surrogate (U+{ord(item[exc.start]):04X}), "
                "which has no UTF-8 form"
            ) from None
    seen: set[str] = set()
    for item in items:
        if item in seen:
            raise ValueError(f"{name}: {item!r} is listed twice")
        seen.add(item)
    return items


def special_block(
    special_tokens: Sequence[str],
    extra_special_tokens: Sequence[str] = (),
    spare_special_tokens: int = DEFAULT_SPARE_SPECIAL,
) -> list[str]:
    """The special tokens in id order: ``special_tokens``, then ``spare_special_tokens`` slots
    named ``<|reserved_N|>``, of which the first ones are taken by ``extra_special_tokens``.

    So adding extra tokens (chat or tool markers) changes neither the size of the block nor the
    id of any other special token: ``<|endoftext|>`` keeps its id, and the extra token ``i``
    takes the id ``<|reserved_i|>`` had. More extras than spare slots is a ``ValueError`` (raise
    ``spare_special_tokens``, which moves the whole block down). Extras already among
    ``special_tokens`` are ignored.

    >>> special_block(["<|e|>"], ["<|user|>"], 3)
    ['<|e|>', '<|user|>', '<|reserved_1|>', '<|reserved_2|>']
    """
    if isinstance(spare_special_tokens, bool) or not isinstance(spare_special_tokens, int):
        raise TypeError("spare_special_tokens must be an int")
    if spare_special_tokens < 0:
        raise ValueError("spare_special_tokens must be >= 0")
    if spare_special_tokens > MAX_SPARE_SPECIAL:  # (before a name is made)
        raise ValueError(
            f"spare_special_tokens {spare_special_tokens} is too many: at most "
            f"{MAX_SPARE_SPECIAL:,}"
        )
    base = _string_list(special_tokens, "special_tokens")
    extras = [
        t for t in _string_list(extra_special_tokens, "extra_special_tokens") if t not in base
    ]
    if len(extras) > spare_special_tokens:
        raise ValueError(
            f"{len(extras)} extra special tokens do not fit in the {spare_special_tokens} spare "
            f"special ids (<|reserved_N|>); raise spare_special_tokens (--spare-special) to at "
            f"least {len(extras)} (that moves every special id down)"
        )
    specials = base + extras
    specials += [f"<|reserved_{i}|>" for i in range(len(extras), spare_special_tokens)]
    if len(set(specials)) != len(specials):
        dup = next(t for t, n in collections.Counter(specials).items() if n > 1)
        raise ValueError(
            f"special token {dup!r} is also the name of a spare special id (<|reserved_N|> "
            f"for N from {len(extras)} to {spare_special_tokens - 1}): give it another name"
        )
    return specials


def text_like_specials(specials: Iterable[str]) -> list[str]:
    """The special tokens that look like ordinary text (letters, digits, ``_`` and spaces only,
    such as ``def``): training cuts them out of every document, and ``encode`` with
    ``allowed_special`` turns each occurrence in ordinary text into the special id.

    >>> text_like_specials(["<|endoftext|>", "def", "[CLS]"])
    ['def']
    """
    return [s for s in specials if all(c.isalnum() or c in "_ \t\n" for c in s)]
