"""Fill-in-the-middle (FIM) training examples for code models.

Stage: data preparation on top of a trained vocabulary (after export, before model training). A
document is cut at two points into ``prefix | middle | suffix`` and rearranged so that a
left-to-right model learns to write the middle after seeing both sides (Bavarian et al. 2022,
"Efficient Training of Language Models to Fill in the Middle"). Two orders are produced, exactly as
BigCode's Megatron-LM does for SantaCoder/StarCoder (there marked "SPM (variant 2 from FIM paper)"):

* ``psm``: ``<|fim_prefix|>`` prefix ``<|fim_suffix|>`` suffix ``<|fim_middle|>`` middle
* ``spm``: ``<|fim_prefix|><|fim_suffix|>`` suffix ``<|fim_middle|>`` prefix middle

In both, everything after ``<|fim_middle|>`` is the document text that follows the context, so the
model continues naturally; an ``<|endoftext|>`` may be appended (``eot=True``). Each part is encoded
on its own with ``encode_ordinary`` and the special tokens are inserted as ids, so text that merely
looks like a special token can never become one. Cut points are drawn uniformly by character
(``unit="char"``) or at the starts of non-blank lines (``unit="line"``: the middle is whole
lines), from a seedable RNG.
This module does not tokenize by itself and does not decide how often to apply FIM
(:func:`fim_documents` takes a rate).

>>> ex = FimExample("def f(x):\\n", "    return x\\n", "print(f(1))\\n")
>>> ex.text("psm")
'<|fim_prefix|>def f(x):\\n<|fim_suffix|>print(f(1))\\n<|fim_middle|>    return x\\n'
>>> ex.text("spm")
'<|fim_prefix|><|fim_suffix|>print(f(1))\\n<|fim_middle|>def f(x):\\n    return x\\n'
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from .patterns import ENDOFTEXT, FIM_MIDDLE, FIM_PREFIX, FIM_SUFFIX

__all__ = ["FimExample", "FimTokens", "split_document", "make_example", "fim_documents", "MODES"]

MODES = ("psm", "spm")
UNITS = ("char", "line")


class _Encoder(Protocol):
    def encode_ordinary(self, text: str) -> list[int]: ...


@dataclass(frozen=True)
class FimTokens:
    """The special token strings used for FIM (codebpe's defaults; StarCoder spells them
    ``<fim_prefix>`` etc. and can pass its own)."""

    prefix: str = FIM_PREFIX
    middle: str = FIM_MIDDLE
    suffix: str = FIM_SUFFIX
    eot: str = ENDOFTEXT


def _special_id(tokenizer: Any, name: str) -> int:
    specials = getattr(tokenizer, "special_tokens", None)
    if isinstance(specials, Mapping) and name in specials:
        return int(specials[name])
    if hasattr(tokenizer, "encode_single_token"):  # tiktoken.Encoding
        try:
            return int(tokenizer.encode_single_token(name))
        except KeyError:
            pass
    raise KeyError(f"the tokenizer has no special token {name!r} (needed for FIM)")


@dataclass(frozen=True)
class FimExample:
    """One document cut into ``prefix + middle + suffix`` (their concatenation is the document)."""

    prefix: str
    middle: str
    suffix: str

    def text(self, mode: str = "psm", *, tokens: FimTokens = FimTokens(), eot: bool = False) -> str:
        """The example as text with the special token strings inline (for inspection and for
        tokenizers that match special tokens in text; prefer :meth:`ids` for training data).

        >>> FimExample("a", "b", "c").text("spm", eot=True)
        '<|fim_prefix|><|fim_suffix|>c<|fim_middle|>ab<|endoftext|>'
        """
        return "".join(self._layout(mode, tokens, eot, lambda s: s, lambda s: s))

    def ids(
        self,
        tokenizer: _Encoder,
        mode: str = "psm",
        *,
        tokens: FimTokens = FimTokens(),
        eot: bool = False,
    ) -> list[int]:
        """The example as ids: parts via ``tokenizer.encode_ordinary``, special tokens by id.

        ``tokenizer`` is a codebpe ``Tokenizer``, a ``tiktoken.Encoding``, or anything with
        ``encode_ordinary`` and a ``special_tokens`` mapping. Prefix and middle are encoded
        separately in both modes (as in BigCode's character-level FIM), so the prefix ends on a
        token boundary exactly as it does at inference time, when only the prefix is known.

        Raises:
            KeyError: a FIM special token is not in the tokenizer.
        """
        parts = self._layout(
            mode, tokens, eot, lambda s: [_special_id(tokenizer, s)], tokenizer.encode_ordinary
        )
        return [i for part in parts for i in part]

    def _layout(self, mode: str, t: FimTokens, eot: bool, special: Any, plain: Any) -> list[Any]:
        if mode == "psm":
            out = [special(t.prefix), plain(self.prefix), special(t.suffix), plain(self.suffix)]
            out += [special(t.middle), plain(self.middle)]
        elif mode == "spm":
            out = [special(t.prefix), special(t.suffix), plain(self.suffix), special(t.middle)]
            out += [plain(self.prefix), plain(self.middle)]
        else:
            raise ValueError(f"unknown FIM mode {mode!r}; expected one of {MODES}")
        return out + [special(t.eot)] if eot else out


def _rng(seed: int | random.Random | None) -> random.Random:
    return seed if isinstance(seed, random.Random) else random.Random(seed)


def split_document(
    document: str, *, unit: str = "char", rng: int | random.Random | None = None
) -> FimExample:
    """Cut ``document`` at two points drawn uniformly (sorted; parts may be empty).

    ``unit="char"``: any two positions in ``0..len(document)``. ``unit="line"``: positions at the
    starts of the lines that are not blank (and the start and end), so prefix, middle and suffix
    are whole lines, and each cut is a piece boundary of ``codebpe-v1`` (a run of line ends is
    one piece, so a blank line's start lies inside it: a cut there was not token-aligned).

    >>> split_document("a\\nb\\nc\\n", unit="line", rng=4)
    FimExample(prefix='a\\n', middle='b\\n', suffix='c\\n')
    >>> ex = [split_document("a\\n\\nb\\n", unit="line", rng=s) for s in range(20)]
    >>> sorted({len(e.prefix) for e in ex} | {len(e.prefix + e.middle) for e in ex})
    [0, 3, 5]
    """
    if not isinstance(document, str):  # (bytes found no line start: one cut at 0, one at the end)
        raise TypeError(f"a document is a str, not {type(document).__name__}")
    r = _rng(rng)
    if unit == "char":
        cuts = [r.randint(0, len(document)) for _ in range(2)]
    elif unit == "line":
        n = len(document)
        starts = [0] + [
            i + 1
            for i, c in enumerate(document)
            if c in "\n\r" and i + 1 < n and document[i + 1] not in "\n\r"
        ]
        starts.append(n)
        cuts = [r.choice(starts) for _ in range(2)]
    else:
        raise ValueError(f"unknown FIM unit {unit!r}; expected one of {UNITS}")
    a, b = sorted(cuts)
    return FimExample(document[:a], document[a:b], document[b:])


def make_example(
    document: str,
    *,
    rng: int | random.Random | None = None,
    unit: str = "char",
    spm_rate: float = 0.5,
) -> tuple[FimExample, str]:
    """Cut ``document`` and pick the order (``spm`` with probability ``spm_rate``).

    >>> ex, mode = make_example("x = 1\\ny = 2\\n", rng=0, unit="line", spm_rate=0.0)
    >>> mode, ex.prefix + ex.middle + ex.suffix
    ('psm', 'x = 1\\ny = 2\\n')
    """
    if not 0.0 <= spm_rate <= 1.0:  # (5.0 was taken: always spm)
        raise ValueError(f"spm_rate must be between 0 and 1, not {spm_rate!r}")
    r = _rng(rng)
    example = split_document(document, unit=unit, rng=r)
    return example, ("spm" if r.random() < spm_rate else "psm")


def fim_documents(
    documents: Iterable[str],
    *,
    tokenizer: _Encoder | None = None,
    fim_rate: float = 0.5,
    spm_rate: float = 0.5,
    unit: str = "char",
    seed: int | None = 0,
    tokens: FimTokens = FimTokens(),
    eot: bool = True,
) -> Iterator[Any]:
    """Turn a stream of documents into training examples: FIM with probability ``fim_rate``.

    Yields ids when ``tokenizer`` is given (plain documents as ``encode_ordinary`` + end of text),
    else text. The same ``seed`` gives the same cuts and orders.

    >>> list(fim_documents(["abc"], fim_rate=0.0, eot=False))
    ['abc']
    """
    if not 0.0 <= fim_rate <= 1.0 or not 0.0 <= spm_rate <= 1.0:
        raise ValueError("fim_rate and spm_rate must be between 0 and 1")
    if isinstance(documents, (str, bytes)):  # (a str was read as one document per character)
        raise TypeError("documents is an iterable of documents, not one str: pass [text]")
    r = random.Random(seed)
    for doc in documents:
        if r.random() < fim_rate:
            example, mode = make_example(doc, rng=r, unit=unit, spm_rate=spm_rate)
            if tokenizer is None:
                yield example.text(mode, tokens=tokens, eot=eot)
            else:
                yield example.ids(tokenizer, mode, tokens=tokens, eot=eot)
        elif tokenizer is None:
            yield doc + (tokens.eot if eot else "")
        else:
            yield tokenizer.encode_ordinary(doc) + (
                [_special_id(tokenizer, tokens.eot)] if eot else []
            )
