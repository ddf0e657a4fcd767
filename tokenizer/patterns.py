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

import regex

from ._unicode_pinned import PinnedRegex, compile_pinned

__all__ = [
    "Pattern",
    "PATTERNS",
    "DEFAULT_PATTERN",
    "get_pattern",
    "UnknownPatternError",
    "compile_custom",
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
        """The pattern text: the regex itself for a single-regex pattern (tiktoken ``pat_str``)."""
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
        r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s""",  # noqa: E501
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

# Qwen2/2.5/3's tokenizer.json pre-tokenizer (also Qwen2.5-Coder, JT, the DeepSeek-R1 Qwen
# distills): tiktoken's earlier cl100k regex with single digits. The text is exactly the file's,
# so Tokenizer.from_hf resolves it to this pattern and its native matcher.
QWEN2 = Pattern(
    "qwen2",
    (
        r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+""",  # noqa: E501
    ),
    "Qwen2/2.5/3 (the Split regex of their tokenizer.json)",
)

# Llama 3's (and GLM-4's) tokenizer.json pre-tokenizer: tiktoken's earlier cl100k regex (before
# its possessive rewrite), as the file has it.
LLAMA3 = Pattern(
    "llama3",
    (
        r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+""",  # noqa: E501
    ),
    "Llama 3 and GLM-4 (the Split regex of their tokenizer.json)",
)

# DeepSeek-V3's tokenizer.json pre-tokenizer: three isolated Split regexes in sequence.
DEEPSEEK_V3 = Pattern(
    "deepseek-v3",
    (
        r"""\p{N}{1,3}""",
        r"""[\u4e00-\u9fa5\u3040-\u309f\u30a0-\u30ff]+""",
        r"""[!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+""",  # noqa: E501
    ),
    "DeepSeek-V3 (Split sequence from its tokenizer.json)",
)

# DeepSeek-Coder's tokenizer.json pre-tokenizer (33b-base and 6.7b): four isolated Split regexes
# and Digits(individual_digits=True), a digit as an isolated split. The texts are exactly what
# tokenizer._hf_import reads from the file, so Tokenizer.from_hf("deepseek-coder") resolves to
# this pattern: the first is a plain string (the file stores the CR and LF characters themselves);
# the \uXXXX escapes of the fourth are compared decoded; the fifth is what Digits takes for a digit
# (Rust's char::is_numeric: \p{N} and 13 code points of a newer Unicode, measured on tokenizers,
# _unicode_pinned.hf_digits_class; until 2026-11-30 \p{N}, which left those 13 in their gap).
DEEPSEEK_CODER = Pattern(
    "deepseek-coder",
    (
        "[\r\n]",
        r"""\s?\p{L}+""",
        r"""\s?\p{P}+""",
        r"""[\u4e00-\u9fa5\u0800-\u4e00\uac00-\ud7ff]+""",
        r"""[\p{N}\U00011de0-\U00011de9\U00016ff4-\U00016ff6]""",
    ),
    "DeepSeek-Coder (Split sequence and individual Digits from its tokenizer.json)",
)

# codebpe-v1: the code-aware pattern, settled by measurement (docs/patterns.md has the tables and
# scripts/compare_patterns.py reproduces them: 32k byte-level BPE vocabularies trained on the same
# text with each pattern, held-out code, English and Chinese). Alternatives, in order:
#   1. indentation: the run of spaces/tabs at the start of a line (after \r or \n, or at the start
#      of the text), whole, whatever follows (a whitespace-only line's run too). It maps onto the
#      reserved indentation tokens, so the first word of a line has no leading space ('return').
#      Leaving the run's last space to the word (cl100k-like '   ' + ' return') measured neutral
#      (code -0.2%, English +0.2%) and would split the reserved runs; rejected.
#   2. newlines: a run of \r and \n, one piece ('\n\n', '\r\n') unless it follows an operator
#      run (6). A piece never continues past a newline run, so every line START is a token
#      boundary (a prompt or FIM span that begins at a line start is token-aligned). One piece
#      per newline cost 1.5% on code, 2.9% on English and 7.9% on Chinese (paragraph breaks);
#      rejected. Trailing spaces fused into the newline: no measurable gain; rejected.
#   3. words: an optional first character that is not a letter, digit, newline, ASCII bracket or
#      CJK ('.append', '_foo', '$var', '@decorator', ' return', "'t"), then letters and marks,
#      CJK excluded. A space-only prefix cost 4.5% on code (9.9% on English); a prefix set of
#      ' ._$@#' 0.6%; an o200k-like camelCase split 0.6%; '_' inside words is mixed by language
#      (-3.6% shell .. +1.3% SQL, +0.1% overall), so snake_case splits as 'foo' '_bar'. No
#      contraction alternative: the prefix already gives "'t", "'s", and cl100k's 's alternative
#      would cut code strings ("'self'" -> "'s" "elf").
#   4. CJK runs (Han, Hiragana, Katakana, Hangul, and the prolonged sound mark U+30FC/U+FF70,
#      which is Script=Common) with the same optional first character as words ('。中文',
#      ' 中文'): separate from Latin letters. The punctuation prefix gained 1.9% on Chinese over
#      ' ?'.
#   5. digits in groups of at most three, with an optional leading space (' 1', ' 100' '0'):
#      -0.6% tokens on code; groups of at most two cost 1.1% on SQL, neutral elsewhere.
#   6. operator/punctuation runs, brackets included, with an optional leading space ('==', ' ->',
#      '::', ' +=', '</', '());', ']});'), then any newlines that follow (cl100k's '):\n').
#      Brackets never fuse with letters or digits (the word prefix excludes them) but do join
#      operator runs: one piece per bracket cost 5.1% on code. Keeping the newline out of the
#      run (the first settled version) cost 7.0% on code: most code lines end in punctuation.
#   7. other horizontal whitespace as in cl100k (a run leaves its last space to what follows);
#      never crosses a newline.
# Every character is matched by exactly one alternative (lossless). With 6 taking the newlines that
# end a line of code, codebpe-v1 is at parity with the cl100k pattern on code at 32k (measured in
# docs/patterns.md); the line END is then inside a token after punctuation, the line START never.
_CJK = r"\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}\u30fc\uff70"
_BRACKETS = r"()\[\]{}"
_PREFIX = rf"[^\r\n\p{{L}}\p{{N}}{_BRACKETS}{_CJK}]?"  # optional first char of a word
CODEBPE_V1 = Pattern(
    "codebpe-v1",
    (
        "|".join(
            [
                r"""(?:^|(?<=[\r\n]))[ \t]+""",
                r"""[\r\n]+""",
                rf"""{_PREFIX}(?:(?![{_CJK}])[\p{{L}}\p{{M}}])+""",
                rf"""[^\r\n\p{{L}}\p{{N}}{_BRACKETS}]?[{_CJK}]+""",
                r""" ?\p{N}{1,3}""",
                r""" ?[^\s\p{L}\p{N}]+[\r\n]*""",
                r"""[^\S\r\n]+(?!\S)""",
                r"""[^\S\r\n]+""",
            ]
        ),
    ),
    "codebpe's code-aware pattern (indentation, newline runs, CJK runs, operators; measured)",
)

PATTERNS: dict[str, Pattern] = {
    p.name: p for p in (GPT2, CL100K, O200K, QWEN2, LLAMA3, DEEPSEEK_V3, DEEPSEEK_CODER, CODEBPE_V1)
}
#: Aliases accepted wherever a pattern name is: tiktoken's encoding names map to their patterns.
ALIASES: dict[str, str] = {
    "r50k": "gpt2",
    "r50k_base": "gpt2",
    "p50k_base": "gpt2",
    "cl100k_base": "cl100k",
    "o200k_base": "o200k",
    "deepseek_v3": "deepseek-v3",
    "deepseek_coder": "deepseek-coder",
    "codebpe": "codebpe-v1",
    "qwen": "qwen2",
    "llama-3": "llama3",
}
DEFAULT_PATTERN = "codebpe-v1"


def get_pattern(name: str) -> Pattern:
    """Return the built-in pattern called ``name`` (aliases such as ``cl100k_base`` accepted).

    Raises:
        UnknownPatternError: (a ``KeyError`` and a ``ValueError``) with the list of known
            names, if ``name`` is not built in.

    >>> get_pattern("cl100k_base").name
    'cl100k'
    """
    key = ALIASES.get(name, name)
    try:
        return PATTERNS[key]
    except KeyError:
        known = ", ".join(sorted(PATTERNS))
        raise UnknownPatternError(
            f"unknown split pattern {name!r}{_did_you_mean(name)}; built-in patterns: {known}"
        ) from None


class UnknownPatternError(KeyError, ValueError):
    """A pattern name that is not built in: a ``KeyError`` (a name looked up) and a
    ``ValueError`` (a bad argument value, as ``Tokenizer.from_tiktoken(pattern=...)`` takes it),
    whose message is not quoted as a ``KeyError``'s key is."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def _did_you_mean(text: str) -> str:
    """``"; did you mean 'cl100k'?"`` for a name close to a built-in pattern's, else ``""``."""
    import difflib

    close = difflib.get_close_matches(str(text), sorted({*PATTERNS, *ALIASES}), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def compile_custom(text: str) -> PinnedRegex:
    """Compile a custom split regex given where a built-in pattern name was expected.

    Raises:
        ValueError: naming the built-in patterns, if ``text`` is not a valid regex either.

    A plain name that is not built in (``cl100k_bse``) is refused rather than taken as a regex
    that matches only that word (which would split almost nothing); write ``(?:word)`` to mean
    the literal.

    >>> compile_custom("[a-z]+|[0-9]+").pattern
    '[a-z]+|[0-9]+'

    An empty text is refused too (``--pattern "$UNSET"``): it split nothing, so every document
    was one piece.
    """
    if not text:
        raise ValueError("the split pattern is empty: give a built-in pattern name or a regex")
    if regex.fullmatch(r"[A-Za-z][A-Za-z0-9_.-]*", text):
        known = ", ".join(sorted(PATTERNS))
        raise ValueError(
            f"unknown split pattern {text!r}{_did_you_mean(text)} (built-in: {known}; "
            f"a custom regex that is one plain word is refused: write (?:{text}) for that)"
        )
    try:
        return compile_pinned(text)
    except regex.error as e:
        known = ", ".join(sorted(PATTERNS))
        raise ValueError(
            f"pattern {text!r} is neither a built-in pattern ({known}) nor a valid regex: {e}"
        ) from None


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


def reference_split(
    text: str, pattern: str | Pattern | tuple[str, ...] = DEFAULT_PATTERN
) -> list[str]:
    """Split ``text`` with the reference regexes of ``pattern`` (slow; the test oracle).

    ``pattern`` is a built-in name, a :class:`Pattern`, or a tuple of regex texts (or compiled
    ``regex`` patterns). Nothing is
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
        rx = compile_pinned(rx_text) if isinstance(rx_text, str) else rx_text
        pieces = [p for piece in pieces for p in _isolated_split(piece, rx)]
    return pieces


# Special tokens: the defaults of a codebpe vocabulary (tiktoken's spellings where they exist).
ENDOFTEXT = "<|endoftext|>"
FIM_PREFIX = "<|fim_prefix|>"
FIM_MIDDLE = "<|fim_middle|>"
FIM_SUFFIX = "<|fim_suffix|>"
PAD = "<|pad|>"
DEFAULT_SPECIAL_TOKENS: tuple[str, ...] = (ENDOFTEXT, FIM_PREFIX, FIM_MIDDLE, FIM_SUFFIX, PAD)
