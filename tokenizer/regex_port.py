"""Port a split regex from the ``regex`` module to Oniguruma (HF) and fancy-regex (tiktoken).

Stage: export (helper of ``tokenizer.export``). The reference regexes in ``tokenizer.patterns`` are
written for Python's ``regex`` module; Hugging Face ``tokenizers`` runs them with Oniguruma (Ruby
syntax) and tiktoken with Rust's fancy-regex. The same text does not always mean the same thing:

* ``X{n,m}+`` is possessive in ``regex`` and fancy-regex but in Oniguruma it is ``(?:X{n,m})+``
  (cl100k's ``\\p{N}{1,3}+`` then swallows whole digit runs): rewritten as ``(?>X{n,m})``;
* ``^`` and ``$`` are line anchors in Oniguruma's Ruby syntax: rewritten as ``\\A`` and
  ``(?=\\n?\\z)`` (exactly Python's meaning of ``$`` without MULTILINE);
* Unicode classes (``\\p{L}``, ``\\s``, ``\\p{Han}``, ...) follow each engine's Unicode version
  (``regex`` is at Unicode 17, tokenizers' Oniguruma and tiktoken's fancy-regex a version behind:
  17k letters differ): every class that mentions a property or shorthand is expanded into
  explicit code point ranges of codebpe's pinned classes (``tokenizer._unicode_pinned``, the
  ones its C++ tables have), so all engines agree on every code point, and with codebpe;
* code points are written as ``\\uXXXX`` (invisible BMP characters), ``\\t \\n \\r``, or
  literally, which all three engines read the same way, so the ported text is still a valid
  ``regex``-module regex with the same meaning (an importer can run it as is). Both code point
  steps live in ``tokenizer._regex_codepoints``;
* for fancy-regex only: a negated class whose ranges end at U+D7FF and restart at U+E000
  (``[^\\S\\r\\n]`` expanded) is negated wrongly by the regex crate (it matches U+D7FF and
  U+E000), so there the two ranges are written as one across the surrogates.

Constructs whose meaning cannot be guaranteed (backreferences, ``\\b``, ``\\G``, inline flags other
than a scoped ``(?i:...)``, nested or POSIX classes) raise :class:`PatternPortError`. This module
does not split text and does not know about vocabularies.

>>> print(port_regex(r"\\p{N}{1,3}+|$", target="onig"))
(?>[0-9...]{1,3})|(?=\\n?\\z)
"""

from __future__ import annotations

import regex

from ._regex_codepoints import class_ranges, cp_text

__all__ = ["PatternPortError", "port_regex", "class_ranges"]

TARGETS = ("onig", "fancy", "python")

_SHORTHANDS = set("sSdDwW")
_CP_ESCAPES = {"t": 9, "n": 10, "r": 13, "f": 12, "v": 11, "a": 7, "e": 27}
_UNSUPPORTED = set("bBGKXRNZ0123456789kgQE")


class PatternPortError(ValueError):
    """A split regex uses a construct that cannot be carried to the target engine exactly."""


def _join_surrogate_gap(ranges: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
    """``ranges`` with a range ending at U+D7FF and the next one starting at U+E000 written as one
    range across the surrogates (which no engine sees in valid text)."""
    out = list(ranges)
    for k in range(len(out) - 1):
        if out[k][1] == 0xD7FF and out[k + 1][0] == 0xE000:
            out[k : k + 2] = [(out[k][0], out[k + 1][1])]
            break
    return tuple(out)


def _render_class(ranges: tuple[tuple[int, int], ...], negate: bool, target: str) -> str:
    if negate and target == "fancy":
        # subtle: the regex crate under tiktoken 0.14's fancy-regex negates a class whose
        # ranges end at U+D7FF and restart at U+E000 wrongly: the gap between them (the
        # surrogates, empty for chars) comes out as the range D7FF-E000, so [^\uD7FF\uE000]
        # matches U+D7FF and U+E000. One range across the gap leaves no such gap to negate.
        ranges = _join_surrogate_gap(ranges)
    body = []
    for lo, hi in ranges:
        a = cp_text(lo, target, in_class=True)
        if hi == lo:
            body.append(a)
        elif hi == lo + 1:
            body.append(a + cp_text(hi, target, in_class=True))
        else:
            body.append(f"{a}-{cp_text(hi, target, in_class=True)}")
    if not body:
        raise PatternPortError("a character class that matches no code point")
    return "[" + ("^" if negate else "") + "".join(body) + "]"


class _Porter:
    def __init__(self, text: str, target: str) -> None:
        if target not in TARGETS:
            raise ValueError(f"unknown regex target {target!r}; expected one of {TARGETS}")
        self.s, self.i, self.target = text, 0, target
        self.out: list[str] = []
        self.atom_start: int | None = None  # index in out where the last quantifiable atom begins
        self.stack: list[tuple[int, bool]] = []  # (out index of the group, outer ignore_case)
        self.ignore_case = False

    def fail(self, what: str) -> PatternPortError:
        return PatternPortError(f"cannot port {what} at position {self.i} of {self.s!r}")

    def atom(self, text: str) -> None:
        self.atom_start = len(self.out)
        self.out.append(text)

    def run(self) -> str:
        s = self.s
        while self.i < len(s):
            c = s[self.i]
            if c == "\\":
                self.escape()
            elif c == "[":
                self.char_class()
            elif c == "(":
                self.open_group()
            elif c == ")":
                if not self.stack:
                    raise self.fail("an unbalanced ')'")
                start, self.ignore_case = self.stack.pop()
                self.out.append(")")
                self.atom_start = start
                self.i += 1
            elif c in "*+?" or (c == "{" and self.quantifier_end() is not None):
                self.quantifier()
            elif c == "^":
                self.atom("\\A")
                self.i += 1
            elif c == "$":
                self.atom("(?=\\n?\\z)")
                self.i += 1
            elif c == "|":
                self.out.append("|")
                self.atom_start = None
                self.i += 1
            elif c == ".":
                self.atom(".")
                self.i += 1
            else:
                literal = c in "{}" or not (c.isprintable() or c == " ")
                self.atom(cp_text(ord(c), self.target, in_class=False) if literal else c)
                self.i += 1
        if self.stack:
            raise self.fail("an unclosed '('")
        return "".join(self.out)

    def quantifier_end(self) -> int | None:
        m = regex.compile(r"\{(?:\d+(?:,\d*)?|,\d+)\}").match(self.s, self.i)
        return m.end() if m else None

    def quantifier(self) -> None:
        if self.atom_start is None:
            raise self.fail("a quantifier with nothing to repeat")
        s = self.s
        end = self.quantifier_end() if s[self.i] == "{" else self.i + 1
        q = s[self.i : end]
        self.i = end
        if self.i < len(s) and s[self.i] == "?":
            q += "?"
            self.i += 1
        elif self.i < len(s) and s[self.i] == "+":
            self.i += 1
            if q[0] == "{":
                # subtle: Oniguruma reads X{n,m}+ as (?:X{n,m})+; an atomic group is what
                # possessive means, in every engine.
                atom = self.out[self.atom_start :]
                del self.out[self.atom_start :]
                self.out += ["(?>", *atom, q, ")"]
                self.atom_start = None
                return
            q += "+"
        self.out.append(q)
        self.atom_start = None

    def escape(self) -> None:
        s, i = self.s, self.i
        if i + 1 >= len(s):
            raise self.fail("a trailing backslash")
        c = s[i + 1]
        if c in "pP" or c in _SHORTHANDS:
            end = self.property_end(i)
            inner = s[i:end].replace("\\P", "\\p") if c == "P" else s[i:end]
            if c in "SDW":
                inner = "\\" + c.lower()
            ranges = class_ranges(f"[{inner}]", self.ignore_case)
            self.atom(_render_class(ranges, c in "PSDW", self.target))
            self.i = end
        elif c in "uUx" or c in _CP_ESCAPES:
            cp, self.i = self.code_point(i)
            self.atom(cp_text(cp, self.target, in_class=False))
        elif c == "A":
            self.atom("\\A")
            self.i += 2
        elif c == "z" or c == "Z":  # Python's \Z is the very end of the string
            self.atom("\\z")
            self.i += 2
        elif c.isascii() and not c.isalnum():
            self.atom("\\" + c)
            self.i += 2
        else:
            raise self.fail(f"the escape \\{c}")

    def property_end(self, i: int) -> int:
        s = self.s
        if s[i + 1] in "pP":
            if i + 2 < len(s) and s[i + 2] == "{":
                close = s.find("}", i + 3)
                if close < 0:
                    raise self.fail("an unterminated \\p{")
                return close + 1
            return i + 3
        return i + 2

    def code_point(self, i: int) -> tuple[int, int]:
        s, c = self.s, self.s[i + 1]
        if c in _CP_ESCAPES:
            return _CP_ESCAPES[c], i + 2
        if c == "x" and i + 2 < len(s) and s[i + 2] == "{":
            close = s.find("}", i + 3)
            digits, end = s[i + 3 : close], close + 1
        else:
            width = {"x": 2, "u": 4, "U": 8}[c]
            digits, end = s[i + 2 : i + 2 + width], i + 2 + width
        try:
            return int(digits, 16), end
        except ValueError:
            raise self.fail(f"the escape {s[i:end]!r}") from None

    def char_class(self) -> None:
        s, start = self.s, self.i
        j = start + 1
        negate = j < len(s) and s[j] == "^"
        if negate:
            j += 1
        body_start = j
        items: list[str] = []
        expand = False
        top = 0  # the highest code point written in the class
        while True:
            if j >= len(s):
                raise self.fail("an unterminated '['")
            c = s[j]
            if c == "]" and j > body_start:
                break
            if c == "[":
                raise self.fail("a nested or POSIX class")
            if c == "\\":
                n = s[j + 1] if j + 1 < len(s) else ""
                if n in "pP" or n in _SHORTHANDS:
                    end = self.property_end(j)
                    expand = True
                    items.append(s[j:end])
                    j = end
                    continue
                if n in "uUx" or n in _CP_ESCAPES:
                    cp, end = self.code_point(j)
                    top = max(top, cp)
                    items.append(cp_text(cp, self.target, in_class=True))
                    j = end
                    continue
                if n.isascii() and not n.isalnum() and n:
                    items.append(s[j : j + 2])
                    j += 2
                    continue
                raise self.fail(f"the escape \\{n} in a class")
            items.append("\\" + c if c in "&~|" else c)
            top = max(top, ord(c))
            j += 1
        self.i = j + 1
        if expand:
            ranges = class_ranges("[" + s[body_start:j] + "]", self.ignore_case)
            self.atom(_render_class(ranges, negate, self.target))
        elif negate and self.target == "fancy" and top >= 0xD7FF:
            # a literal class that may reach both sides of the surrogates: see _render_class
            ranges = class_ranges("[" + s[body_start:j] + "]", self.ignore_case)
            self.atom(_render_class(ranges, negate, self.target))
        else:
            self.atom("[" + ("^" if negate else "") + "".join(items) + "]")

    def open_group(self) -> None:
        s, i = self.s, self.i
        m = regex.compile(r"\(\?(?:[:=!>]|<[=!]|P<\w+>|<\w+>|i:|#[^)]*\))|\(").match(s, i)
        head = m.group() if m else ""
        if not head or (head == "(" and s.startswith("(?", i)):
            raise self.fail(
                "an inline flag or group kind other than (?: (?= (?! (?<= (?<! (?> (?i:"
            )
        self.i = m.end()
        if head.startswith("(?#"):
            return
        if head.startswith("(?P<") or (head.startswith("(?<") and head[3] not in "=!"):
            head = "(?:"
        self.stack.append((len(self.out), self.ignore_case))
        if head == "(?i:":
            self.ignore_case = True
        self.out.append(head)
        self.atom_start = None


def port_regex(text: str, *, target: str = "onig") -> str:
    """Rewrite one ``regex``-module split regex so that ``target`` matches exactly the same pieces.

    ``target`` is ``"onig"`` (Hugging Face tokenizers), ``"fancy"`` (tiktoken) or ``"python"``
    (the ``regex`` module again, for checking the rewrite itself). The three give the same text,
    which every engine reads with the same meaning, except that ``"fancy"`` writes a negated
    class's ranges ``...-\\uD7FF\\uE000-...`` as one range across the surrogates (the regex crate
    negates the split form wrongly); ``"onig"`` and ``"python"`` always give the same text.

    Raises:
        PatternPortError: the regex uses a construct this port cannot carry exactly.

    >>> print(port_regex(r"'(?i:[sdmt])|\\s+$", target="fancy"))
    '(?i:[sdmt])|[\\t-\\r \\u0085\\u00A0\\u1680\\u2000-\\u200A...\\u3000]+(?=\\n?\\z)
    """
    return _Porter(text, target).run()
