"""Split patterns and special tokens: the single source of truth, by name.

Stage: pre-tokenization (reference). Every built-in pattern is kept here as reference regex text for
the ``regex`` module; the C++ matchers in ``csrc/pretokenize.*`` are tested against these strings,
and a saved vocabulary records the pattern's name and text. This module does not split fast (see
``tokenizer.pretokenize``) and does not know about vocabularies.

A pattern is a sequence of one or more regexes applied as "isolated" splits, the way Hugging Face
``Split(behavior="isolated")`` pipelines work: the first regex splits the text into matches and the
gaps between them, the second splits each of those pieces again, and so on. For a single regex that
matches every character (all of tiktoken's patterns do), this equals ``regex.findall``.

>>> get_pattern("gpt2").name
'gpt2'
>>> reference_split("def f(x):\\n    return x", "cl100k")[:4]
['def', ' f', '(x', '):\\n']
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import regex

__all__ = [
    "Pattern",
    "PATTERNS",
    "DEFAULT_PATTERN",
    "get_pattern",
    "reference_split",
    "ENDOFTEXT",
    "FIM_PREFIX",
    "FIM_MIDDLE",
    "FIM_SUFFIX",
    "PAD",
    "DEFAULT_SPECIAL_TOKENS",
]


@dataclass(frozen=True)
class Pattern:
    """A named split pattern: one or more regexes applied in sequence as isolated splits.

    Attributes:
        name: the registry name (``"cl100k"``).
        regexes: regex texts for the ``regex`` module, applied in order.
        description: one line on where the pattern comes from.
    """

    name: str
    regexes: tuple[str, ...]
    description: str = ""

    @property
    def text(self) -> str:
        """The pattern text: the regex itself for a single-regex pattern (tiktoken's ``pat_str``)."""
        if len(self.regexes) == 1:
            return self.regexes[0]
        return "\n".join(self.regexes)


# GPT-2 / r50k / p50k (tiktoken's r50k_pat_str; the original GPT-2 text without possessives).
GPT2 = Pattern(
    "gpt2",
    (r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s""",),
    "GPT-2, r50k_base and p50k_base (tiktoken's r50k_pat_str)",
)

CL100K = Pattern(
    "cl100k",
    (
        r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s""",
    ),
    "cl100k_base (GPT-3.5/GPT-4), exactly as in tiktoken",
)

O200K = Pattern(
    "o200k",
    (
        "|".join(
            [
                r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
                r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
                r"""\p{N}{1,3}""",
                r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
                r"""\s*[\r\n]+""",
                r"""\s+(?!\S)""",
                r"""\s+""",
            ]
        ),
    ),
    "o200k_base (GPT-4o), exactly as in tiktoken",
)

# DeepSeek-V3's tokenizer.json pre-tokenizer: three isolated Split regexes in sequence.
DEEPSEEK_V3 = Pattern(
    "deepseek-v3",
    (
        r"""\p{N}{1,3}""",
        r"""[\u4e00-\u9fa5\u3040-\u309f\u30a0-\u30ff]+""",
        r"""[!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+""",
    ),
    "DeepSeek-V3 (Split sequence from its tokenizer.json)",
)

# codebpe-v1: the code-aware pattern. Alternatives, in order:
#   1. indentation: the run of spaces/tabs at the start of a line (after a newline or at the start
#      of the text), when followed by a non-space character: its own piece (reserved tokens);
#   2. newlines: \r\n, \n or \r, each its own piece;
#   3. contractions ('s 't ...) as in cl100k;
#   4. words: an optional single leading space or non-bracket punctuation, then Latin-ish letters
#      (CJK excluded, marks included);
#   5. CJK runs (Han, Hiragana, Katakana, Hangul), with an optional leading space;
#   6. digits in groups of at most three;
#   7. brackets, each its own piece (with an optional leading space);
#   8. operator/punctuation runs with an optional leading space (no brackets, no quotes fused
#      with letters);
#   9. other whitespace as in cl100k.
_CJK = r"\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}"
_BRACKETS = r"()\[\]{}"
CODEBPE_V1 = Pattern(
    "codebpe-v1",
    (
        "|".join(
            [
                r"""(?:^|(?<=[\r\n]))[ \t]+(?=[^\s])""",
                r"""\r\n|\n|\r""",
                r"""'(?i:[sdmt]|ll|ve|re)""",
                rf"""[^\r\n\p{{L}}\p{{N}}{_BRACKETS}{_CJK}]?(?:(?![{_CJK}])[\p{{L}}\p{{M}}])+""",
                rf""" ?[{_CJK}]+""",
                r"""\p{N}{1,3}""",
                rf""" ?[{_BRACKETS}]""",
                rf""" ?[^\s\p{{L}}\p{{N}}{_BRACKETS}]+""",
                r"""\s+(?!\S)""",
                r"""\s+""",
            ]
        ),
    ),
    "codebpe's code-aware pattern (indentation, newlines, brackets, CJK runs, operators)",
)

PATTERNS: dict[str, Pattern] = {p.name: p for p in (GPT2, CL100K, O200K, DEEPSEEK_V3, CODEBPE_V1)}
#: Aliases accepted wherever a pattern name is: tiktoken's encoding names map to their patterns.
ALIASES: dict[str, str] = {
    "r50k": "gpt2",
    "r50k_base": "gpt2",
    "p50k_base": "gpt2",
    "cl100k_base": "cl100k",
    "o200k_base": "o200k",
    "deepseek_v3": "deepseek-v3",
    "codebpe": "codebpe-v1",
}
DEFAULT_PATTERN = "codebpe-v1"


def get_pattern(name: str) -> Pattern:
    """Return the built-in pattern called ``name`` (aliases such as ``cl100k_base`` accepted).

    Raises:
        KeyError: with the list of known names, if ``name`` is not built in.

    >>> get_pattern("cl100k_base").name
    'cl100k'
    """
    key = ALIASES.get(name, name)
    try:
        return PATTERNS[key]
    except KeyError:
        known = ", ".join(sorted(PATTERNS))
        raise KeyError(f"unknown split pattern {name!r}; built-in patterns: {known}") from None


@lru_cache(maxsize=64)
def _compiled(text: str) -> regex.Pattern:
    return regex.compile(text)


def _isolated_split(piece: str, rx: regex.Pattern) -> list[str]:
    out: list[str] = []
    pos = 0
    for m in rx.finditer(piece):
        if m.start() == m.end():
            continue
        if m.start() > pos:
            out.append(piece[pos : m.start()])
        out.append(m.group())
        pos = m.end()
    if pos < len(piece):
        out.append(piece[pos:])
    return out


def reference_split(text: str, pattern: str | Pattern | tuple[str, ...] = DEFAULT_PATTERN) -> list[str]:
    """Split ``text`` with the reference regexes of ``pattern`` (slow; the test oracle).

    ``pattern`` is a built-in name, a :class:`Pattern`, or a tuple of regex texts. Nothing is
    dropped: text that no regex matches becomes a piece of its own, so ``"".join`` of the result is
    always ``text``.

    >>> reference_split("x  = 10000", "cl100k")
    ['x', ' ', ' =', ' ', '100', '00']
    """
    if isinstance(pattern, str):
        regexes = get_pattern(pattern).regexes
    elif isinstance(pattern, Pattern):
        regexes = pattern.regexes
    else:
        regexes = tuple(pattern)
    pieces = [text] if text else []
    for rx_text in regexes:
        rx = _compiled(rx_text)
        pieces = [p for piece in pieces for p in _isolated_split(piece, rx)]
    return pieces


# Special tokens: the defaults of a codebpe vocabulary (tiktoken's spellings where they exist).
ENDOFTEXT = "<|endoftext|>"
FIM_PREFIX = "<|fim_prefix|>"
FIM_MIDDLE = "<|fim_middle|>"
FIM_SUFFIX = "<|fim_suffix|>"
PAD = "<|pad|>"
DEFAULT_SPECIAL_TOKENS: tuple[str, ...] = (ENDOFTEXT, FIM_PREFIX, FIM_MIDDLE, FIM_SUFFIX, PAD)
