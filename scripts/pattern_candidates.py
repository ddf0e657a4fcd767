"""Candidate variants of the codebpe-v1 split pattern, built from named choices (measurement only).

Stage: pattern design. ``build(**choices)`` writes one regex for the ``regex`` module from the
choices measured in docs/patterns.md; ``CANDIDATES`` names the variants that
``scripts/compare_patterns.py`` can train and compare. The settled pattern lives in
``tokenizer/patterns.py`` (the single source of truth); this file only records the alternatives.

>>> import regex
>>> regex.findall(build(), "    return x\\n")
['    ', 'return', ' x', '\\n']
"""

from __future__ import annotations

CJK = r"\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}"
# U+30FC (prolonged sound mark) and U+FF70 (its half-width form) have Script=Common: without them
# 'コーヒー' would break into four pieces.
CJK_SETTLED = CJK + r"\u30fc\uff70"
BR = r"()\[\]{}"
LINE_START = r"(?:^|(?<=[\r\n]))"


def build(
    *,
    indent: str = "isolated",  # "isolated" | "line-start" | "last-space" ('   ' + ' return')
    newlines: str = "single",  # "single" | "runs" | "class" ([\r\n]+, the same pieces as "runs")
    cjk_kana_marks: bool = False,  # add U+30FC and U+FF70 to the CJK class
    trailing: bool = False,  # fuse trailing spaces/tabs into the newline piece
    contractions: bool = True,  # leading alternative '(?i:[sdmt]|ll|ve|re) as in cl100k
    prefix: str = "punct",  # "punct" (one non-bracket char) | "space" | "set" (space . _ $ @ #)
    camel: bool = False,  # o200k-like case split: 'getHTTPResponse' -> 'get' 'HTTPResponse'
    underscore: bool = False,  # '_' is a word character (snake_case stays one piece)
    cjk_prefix: str = "space",  # a CJK run's optional first char: "space" | "none" | "punct"
    nl_indent: bool = False,  # informative: newline + following indentation as one piece
    ops_newline: bool = False,  # informative: operator run swallows following newlines (cl100k)
    digits: str = "1,3",
    bracket_space: bool = True,  # brackets take an optional leading space
    brackets: str = "alone",  # "alone": each bracket its own piece | "ops": part of operator runs
    digit_space: bool = False,  # a digit group may take one leading space (' 1')
) -> str:
    """Return the regex text for the given choices (defaults: the first draft of codebpe-v1)."""
    cjk = CJK_SETTLED if cjk_kana_marks else CJK
    nl = {"single": r"\r\n|\n|\r", "runs": r"(?:\r\n|\n|\r)+", "class": r"[\r\n]+"}[newlines]
    if trailing:
        nl = r"[^\S\r\n]*(?:" + nl + ")"
    if indent == "isolated":
        ind = [LINE_START + r"[ \t]+(?=\S)"]
    elif indent == "line-start":  # the whole run, also on a whitespace-only line
        ind = [LINE_START + r"[ \t]+"]
    else:  # leave the last space to what follows, like cl100k's \s+(?!\S)
        ind = [
            LINE_START + r"[ \t]*[ \t](?= [^\s\p{N}])",
            LINE_START + r"[ \t]*\t(?=\S)",
            LINE_START + r"[ \t]+(?=\p{N})",
        ]
    if nl_indent:
        nl = "(?:" + nl + r")[ \t]*"
    cjk_pre = {"space": " ?", "none": "", "punct": rf"[^\r\n\p{{L}}\p{{N}}{BR}]?"}[cjk_prefix]
    letters = r"\p{L}\p{M}_" if underscore else r"\p{L}\p{M}"
    if prefix == "punct":
        pre = rf"[^\r\n\p{{L}}\p{{N}}{BR}{cjk}{'_' if underscore else ''}]?"
    elif prefix == "space":
        pre = r"[^\S\r\n]?"
    else:
        pre = r"[ ._$@#]?" if not underscore else r"[ .$@#]?"
    notcjk = rf"(?![{cjk}])"
    if camel:
        up = rf"(?:{notcjk}[\p{{Lu}}\p{{Lt}}\p{{Lm}}\p{{Lo}}\p{{M}}{'_' if underscore else ''}])"
        lo = rf"(?:{notcjk}[\p{{Ll}}\p{{Lm}}\p{{Lo}}\p{{M}}{'_' if underscore else ''}])"
        words = [rf"{pre}{up}*{lo}+", rf"{pre}{up}+{lo}*"]
    else:
        words = [rf"{pre}(?:{notcjk}[{letters}])+"]
    ws = [r"[^\S\r\n]+(?!\S)", r"[^\S\r\n]+"]
    alts = [
        *ind,
        nl,
        *([r"'(?i:[sdmt]|ll|ve|re)"] if contractions else []),
        *words,
        rf"{cjk_pre}[{cjk}]+",
        rf"{' ?' if digit_space else ''}\p{{N}}{{{digits}}}",
        *([rf"{' ?' if bracket_space else ''}[{BR}]"] if brackets == "alone" else []),
        rf" ?[^\s\p{{L}}\p{{N}}{BR if brackets == 'alone' else ''}]+"
        + (r"[\r\n]*" if ops_newline else ""),
        *ws,
    ]
    return "|".join(alts)


CANDIDATES: dict[str, str] = {
    "draft": build(),
    "nl-runs": build(newlines="runs"),
    "trailing": build(trailing=True),
    "indent-last-space": build(indent="last-space"),
    "no-contractions": build(contractions=False),
    "prefix-space": build(prefix="space"),
    "prefix-set": build(prefix="set"),
    "camel": build(camel=True),
    "underscore": build(underscore=True),
    "cjk-nospace": build(cjk_prefix="none"),
    "cjk-punct": build(cjk_prefix="punct"),
    "nl-indent": build(nl_indent=True),
    "ops-newline": build(ops_newline=True),
    "digits-1-2": build(digits="1,2"),
    "bracket-nospace": build(bracket_space=False),
}
_V2 = dict(newlines="runs", cjk_prefix="punct")
#: the settled choices: build(**SETTLED) is tokenizer.patterns.CODEBPE_V1's regex, exactly.
SETTLED = dict(
    indent="line-start",
    newlines="class",
    contractions=False,
    cjk_prefix="punct",
    cjk_kana_marks=True,
    brackets="ops",
    digit_space=True,
)
CANDIDATES.update(
    {
        "v2": build(**_V2),
        "v2-brops": build(**_V2, brackets="ops"),
        "v2-brops-dsp": build(**_V2, brackets="ops", digit_space=True),
        "v2-brops-nlind-opsnl": build(**_V2, brackets="ops", nl_indent=True, ops_newline=True),
        "settled": build(**SETTLED),
    }
)


def _settled(**change: object) -> str:
    return build(**{**SETTLED, **change})


#: one change at a time against the settled pattern (the ablation table in docs/patterns.md)
ABLATIONS: dict[str, str] = {
    "nl-single": _settled(newlines="single"),
    "trailing": _settled(trailing=True),
    "indent-last-space": _settled(indent="last-space"),
    "contractions": _settled(contractions=True),
    "prefix-space": _settled(prefix="space"),
    "prefix-set": _settled(prefix="set"),
    "camel": _settled(camel=True),
    "underscore": _settled(underscore=True),
    "cjk-space": _settled(cjk_prefix="space"),
    "cjk-none": _settled(cjk_prefix="none"),
    "digits-1-2": _settled(digits="1,2"),
    "digits-nospace": _settled(digit_space=False),
    "brackets-alone": _settled(brackets="alone"),
    "brackets-alone-nospace": _settled(brackets="alone", bracket_space=False),
    "nl-indent": _settled(nl_indent=True),
    "ops-newline": _settled(ops_newline=True),
    "nl-indent+ops-newline": _settled(nl_indent=True, ops_newline=True),
}
CANDIDATES.update({f"settled/{k}": v for k, v in ABLATIONS.items()})
