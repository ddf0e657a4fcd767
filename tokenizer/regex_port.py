"""Port a split regex from the ``regex`` module to Oniguruma (HF) and fancy-regex (tiktoken); read
an Oniguruma one (a ``tokenizer.json`` ``Split``) for the ``regex`` module (:func:`onig_to_regex`).

Stage: export (helper of ``tokenizer.export``) and import (``tokenizer._hf_import`` reads
``tokenizer.json`` regexes with :func:`onig_to_regex`). The reference regexes in
``tokenizer.patterns`` are written for Python's ``regex`` module; Hugging Face ``tokenizers`` runs
them with Oniguruma (Ruby syntax) and tiktoken with Rust's fancy-regex. The same text does not
always mean the same thing:

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
than a scoped ``(?i:...)``, nested or POSIX classes) raise :class:`PatternPortError`, in both
directions. This module does not split text and does not know about vocabularies.

>>> print(port_regex(r"\\p{N}{1,3}+|$", target="onig"))
(?>[0-9...]{1,3})|(?=\\n?\\z)
"""

from __future__ import annotations

import functools
from typing import Any

import regex

from ._regex_codepoints import class_ranges, cp_text
from ._unicode_pinned import hf_class_body, pinned_ranges

__all__ = ["PatternPortError", "port_regex", "onig_to_regex", "class_ranges"]

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


# --- the other way: a tokenizer.json regex (Oniguruma) as a regex-module regex -------------------

_ONIG_ZERO = {"A": "\\A", "z": "\\Z", "Z": "(?=\\n?\\Z)"}
# escapes of one character: (the character, how the regex module is given it)
_ONIG_CP = {
    "t": ("\t", "\\t"),
    "n": ("\n", "\\n"),
    "r": ("\r", "\\r"),
    "f": ("\f", "\\f"),
    "v": ("\v", "\\x0b"),
    "a": ("\a", "\\x07"),
    "e": ("\x1b", "\\x1b"),
}
# Oniguruma's ^: the start, or after a \n, but not at the very end (after a final \n), where the
# regex module's (?m:^) also matches.
_ONIG_LINE_START = "(?:\\A|(?<=\\n)(?!\\Z))"
_INTERVAL = regex.compile(r"\{(?:(\d+)(,(\d*))?|,(\d+))\}")  # {n} {n,} {n,m} {,m}; else literal
_ONIG_MAX_REPEAT = 100_000
_GROUP = regex.compile(
    r"\(\?(?:(?P<keep>[:>=!]|<=|<!)|(?P<name><\w+>|'\w+')|(?P<comment>#[^)]*\))"
    r"|(?P<on>[imx]*)(?:-(?P<off>[imx]*))?(?P<end>[:)]))"
)


def _onig_fold() -> dict[str, set[str]]:
    """Oniguruma's case folding of the ASCII letters in tokenizers 0.23: the other case, and
    U+212A KELVIN SIGN for k, U+017F LONG S for s (the regex module also folds U+0130 to i and
    U+0131 to I; Oniguruma does not)."""
    fold = {c: {c, c.swapcase()} for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"}
    for c, extra in (("k", "\u212a"), ("s", "\u017f")):
        fold[c].add(extra)
        fold[c.upper()].add(extra)
    return fold


_ONIG_FOLD = _onig_fold()


def _class_cp(c: int) -> str:
    ch = chr(c)
    if ch.isascii() and ch.isalnum():
        return ch
    return f"\\u{c:04x}" if c <= 0xFFFF else f"\\U{c:08x}"


class _OnigReader:
    """Reads a regex as Oniguruma does in ``tokenizers`` (Ruby syntax) and writes the ``regex``
    module's text of the same meaning: what both read alike is copied as written (so a file's
    text that is a built-in pattern's stays that text), the rest rewritten or refused.

    Each construct was checked against ``tokenizers`` itself (tests/test_hf_regex.py).
    """

    def __init__(self, text: str) -> None:
        self.s, self.i = text, 0
        self.out: list[str] = []
        self.ignore_case = False
        # one frame per open group: out index of its head, the ignore_case outside it, whether it
        # is a look-around, whether an alternative so far can match empty, and the nullability of
        # each item of the current alternative
        self.frames: list[dict[str, Any]] = [self._frame(0, False, False)]
        self.last: int | None = None  # out index of the last quantifiable item
        self.quantified = False  # the last item already has a quantifier

    @staticmethod
    def _frame(start: int, outer_ic: bool, zero: bool) -> dict[str, Any]:
        return {"start": start, "ic": outer_ic, "zero": zero, "alt": False, "seq": []}

    def fail(self, what: str) -> PatternPortError:
        return PatternPortError(f"cannot read {what} at position {self.i} of {self.s!r}")

    def item(self, text: str, nullable: bool, quantifiable: bool = True) -> None:
        self.frames[-1]["seq"].append(nullable)
        self.last = len(self.out) if quantifiable else None
        self.quantified = False
        self.out.append(text)

    def run(self) -> str:
        s = self.s
        while self.i < len(s):
            c = s[self.i]
            if c == "\\":
                self.escape()
            elif c == "[":
                self.item(self.char_class(), False)
            elif c == "(":
                self.open_group()
            elif c == ")":
                self.close_group()
            elif c in "*+?" or (c == "{" and _INTERVAL.match(s, self.i)):
                self.quantifier()
            elif c == "|":
                frame = self.frames[-1]
                frame["alt"] = frame["alt"] or all(frame["seq"])
                frame["seq"] = []
                self.last = None
                self.out.append("|")
                self.i += 1
            else:
                self.i += 1
                if c == "^":
                    self.item(_ONIG_LINE_START, True, False)
                elif c == "$":
                    self.item("(?m:$)", True, False)
                elif c == ".":
                    self.item(".", False)
                elif c in "{}":
                    self.item("\\" + c, False)
                else:
                    self.literal(ord(c), c)
        if len(self.frames) > 1:
            raise self.fail("an unclosed '('")
        frame = self.frames[0]
        if frame["alt"] or all(frame["seq"]):
            raise self.fail(
                "a regex that can match the empty string (tokenizers splits the text at every "
                "empty match; this splitter does not)"
            )
        return "".join(self.out)

    def literal(self, cp: int, text: str) -> None:
        if self.ignore_case:
            ch = chr(cp)
            if not ch.isascii():
                raise self.fail(f"the non-ASCII character {ch!r} under (?i)")
            if ch in "iI":  # (the regex module also matches U+0130 / U+0131: not Oniguruma)
                text = "(?-i:[Ii])"
        self.item(text, False)

    def quantifier(self) -> None:
        s, start = self.s, self.i
        if self.last is None:
            raise self.fail("a quantifier with nothing to repeat (or after an anchor)")
        if self.quantified:
            raise self.fail("a quantifier after a quantifier")
        m = _INTERVAL.match(s, start) if s[start] == "{" else None
        if m is not None:
            least = int(m.group(1) or 0)
            most = int(m.group(3) or m.group(4) or 0)
            if max(least, most) > _ONIG_MAX_REPEAT or (m.group(3) and least > most):
                raise self.fail(f"the interval {m.group()!r}")
            end, fixed = m.end(), m.group(1) is not None and m.group(2) is None
        else:
            least = 1 if s[start] == "+" else 0
            end, fixed = start + 1, False
        mod = s[end] if end < len(s) and s[end] in "?+" else ""
        q = s[start:end]
        seq = self.frames[-1]["seq"]
        if (m is not None and mod == "+") or (fixed and mod == "?"):
            # subtle: Oniguruma reads X{n,m}+ (and X{n}+, X{n,}+, X{,m}+) as (?:X{n,m})+, not as a
            # possessive, and X{n}? as (?:X{n})?, not as a lazy X{n}
            atom = self.out[self.last :]
            del self.out[self.last :]
            self.out += ["(?:", *atom, q, ")", mod]
            seq[-1] = (seq[-1] or least == 0) if mod == "+" else True
        else:
            self.out.append(q + mod)
            seq[-1] = seq[-1] or least == 0
        self.i = end + len(mod)
        self.quantified = True

    def escape(self) -> None:
        s, i = self.s, self.i
        if i + 1 >= len(s):
            raise self.fail("a trailing backslash")
        c = s[i + 1]
        if c in _ONIG_ZERO or c in "bB":
            self.i = i + 2
            self.item(_ONIG_ZERO[c] if c in _ONIG_ZERO else _word_boundary(c == "B"), True, False)
            return
        if c in "sSwWdDhHpP":
            text, self.i = self.class_escape(i)
            if self.ignore_case:
                raise self.fail(f"the class {s[i : self.i]!r} under (?i)")
            self.item(f"[{text}]" if c in "wWdDhH" else text, False)
            return
        cp, text, self.i = self.code_point(i)
        self.literal(cp, text)

    def class_escape(self, i: int, in_class: bool = False) -> tuple[str, int]:
        """``\\s \\w \\d \\h \\p{..}`` (and the negations) at ``i``: (text for inside a class, end):
        an escape for ``\\s`` and ``\\p``, which both engines read alike, else a class body (with a
        leading ``^`` for the negations)."""
        s, c = self.s, self.s[i + 1]
        if c in "sS":
            return s[i : i + 2], i + 2
        if c in "wWdD":
            # subtle: to Oniguruma a \w in a class lacks the six Latin-1 numbers (²³¹¼½¾) that a
            # bare \w has (its \W, in a class or not, is the complement of the same \w)
            name = "w_in_class" if c in "wW" and in_class else c.lower()
            return ("^" if c.isupper() else "") + hf_class_body(name), i + 2
        if c in "hH":
            return ("^" if c == "H" else "") + "0-9A-Fa-f", i + 2
        if i + 2 >= len(s) or s[i + 2] != "{":
            # (Oniguruma reads \pL as the letter p and L; the regex module as a property)
            raise self.fail(f"\\{c} without braces")
        close = s.find("}", i + 3)
        if close < 0:
            raise self.fail("an unterminated \\p{")
        name, negate = s[i + 3 : close], c == "P"
        if name.startswith("^"):
            name, negate = name[1:], not negate
        canon = _pinned_names().get(name.replace(" ", "").replace("_", "").lower())
        if canon is None:
            known = ", ".join(_pinned_names().values())
            raise self.fail(f"the property {s[i : close + 1]!r} (read exactly: {known})")
        return f"\\{'P' if negate else 'p'}{{{canon}}}", close + 1

    def code_point(self, i: int) -> tuple[int, str, int]:
        """A literal escape at ``i``: (code point, text, end)."""
        s, c = self.s, self.s[i + 1]
        if c in _ONIG_CP:
            return ord(_ONIG_CP[c][0]), _ONIG_CP[c][1], i + 2
        if c == "x" and i + 2 < len(s) and s[i + 2] == "{":
            close = s.find("}", i + 3)
            digits, end = (s[i + 3 : close], close + 1) if close > 0 else ("", i + 3)
        elif c == "x":
            digits, end = s[i + 2 : i + 4], i + 4
            if not regex.fullmatch(r"[0-9a-fA-F]{2}", digits):
                raise self.fail(f"the escape {s[i:end]!r} (write two hex digits)")
            if int(digits, 16) >= 0x80:
                raise self.fail(f"{s[i:end]!r} (a byte of UTF-8 to Oniguruma, not a character)")
        elif c == "u":
            digits, end = s[i + 2 : i + 6], i + 6
            if not regex.fullmatch(r"[0-9a-fA-F]{4}", digits):
                raise self.fail(f"the escape {s[i:end]!r}")
            return int(digits, 16), s[i:end], end
        elif c.isascii() and (c == " " or (c.isprintable() and not c.isalnum())):
            return ord(c), s[i : i + 2], i + 2
        else:
            raise self.fail(f"the escape \\{c}")
        if not regex.fullmatch(r"[0-9a-fA-F]{1,8}", digits) or int(digits, 16) > 0x10FFFF:
            raise self.fail(f"the escape {s[i:end]!r}")
        cp = int(digits, 16)
        return cp, (f"\\x{cp:02x}" if cp < 0x80 else _class_cp(cp)), end

    def char_class(self) -> str:
        s, start = self.s, self.i
        j = start + 1
        negate = j < len(s) and s[j] == "^"
        j += negate
        parts: list[str] = []  # the class as the regex module reads it, item by item
        members: set[int] = set()  # its code points (under (?i), where it is written out)
        first = True
        while True:
            if j >= len(s):
                self.i = start
                raise self.fail("an unterminated '['")
            c = s[j]
            if c == "]" and not first:
                break
            if c == "[" or (c == "&" and s.startswith("&&", j)):
                self.i = j
                raise self.fail("a nested class, POSIX bracket or '&&' inside [...]")
            first = False
            if c == "\\" and j + 1 < len(s) and s[j + 1] in "sSwWdDhHpP":
                self.i = j
                text, j = self.class_escape(j, in_class=True)
                if self.ignore_case:
                    raise self.fail(f"the class {s[self.i : j]!r} under (?i)")
                if text.startswith("^"):  # \W \D \H in a class: their complement, written out
                    ranges = _complement_of(text[1:])
                    text = "".join(_class_range(lo, hi) for lo, hi in ranges)
                parts.append(text)
                if j < len(s) - 1 and s[j] == "-" and s[j + 1] != "]":
                    self.i = j
                    raise self.fail("a range from a class")
                continue
            lo, text, j = self.class_char(j)
            if j < len(s) - 1 and s[j] == "-" and s[j + 1] != "]":
                self.i = j + 1
                if s[j + 1] == "\\" and j + 2 < len(s) and s[j + 2] in "sSwWdDhHpP":
                    raise self.fail("a range to a class")
                hi, hi_text, j = self.class_char(j + 1)
                if hi < lo:
                    raise self.fail("a range out of order")
                if j < len(s) - 1 and s[j] == "-" and s[j + 1] != "]":
                    self.i = j
                    raise self.fail("a '-' right after a range")
                parts.append(f"{text}-{hi_text}")
                members.update(range(lo, hi + 1))
            else:
                parts.append(text)
                members.add(lo)
        self.i = j + 1
        if not self.ignore_case:
            return "[" + ("^" if negate else "") + "".join(parts) + "]"
        if any(c >= 0x80 for c in members):
            raise self.fail("a non-ASCII character in a class under (?i)")
        folded = sorted({ord(x) for c in members for x in _ONIG_FOLD.get(chr(c), {chr(c)})})
        body = "".join(_class_cp(c) for c in folded)
        return f"(?-i:[{'^' if negate else ''}{body}])"

    def class_char(self, j: int) -> tuple[int, str, int]:
        """One character of a class at ``j``: (code point, text, end)."""
        s = self.s
        c = s[j]
        if c != "\\":
            return ord(c), ("\\]" if c == "]" else c), j + 1  # (a ']' first is a literal)
        if j + 1 < len(s) and s[j + 1] == "b":  # backspace, inside a class
            return 8, "\\x08", j + 2
        self.i = j
        return self.code_point(j)

    def open_group(self) -> None:
        s, i = self.s, self.i
        ignore_case, zero = self.ignore_case, False
        if not s.startswith("(?", i):
            head, end = "(?:", i + 1  # (capturing or not: a split uses the whole match)
        else:
            m = _GROUP.match(s, i)
            if m is None:
                raise self.fail(
                    "a group kind other than (?: (?= (?! (?<= (?<! (?> (?<name> (?i: (?m: (?#"
                )
            end = m.end()
            if m.group("comment"):
                self.i = end
                return
            if m.group("keep"):
                head, zero = m.group(), m.group("keep") not in ":>"
            elif m.group("name"):
                head = "(?:"
            elif m.group("end") == ")":
                raise self.fail(f"the unscoped inline option {m.group()!r} (write (?i:...))")
            else:
                on, off = m.group("on"), m.group("off") or ""
                if "x" in on + off or set(on) & set(off):
                    raise self.fail(f"the options {m.group()!r}")
                ignore_case = "i" in on or (ignore_case and "i" not in off)
                # Ruby syntax: its m option is the regex module's s (a dot matches a newline)
                on, off = on.replace("m", "s"), off.replace("m", "s")
                head = f"(?{on}{'-' + off if off else ''}:"
        self.frames.append(self._frame(len(self.out), self.ignore_case, zero))
        self.ignore_case = ignore_case
        self.out.append(head)
        self.last = None
        self.i = end

    def close_group(self) -> None:
        if len(self.frames) == 1:
            raise self.fail("an unbalanced ')'")
        frame = self.frames.pop()
        self.ignore_case = frame["ic"]
        self.out.append(")")
        self.i += 1
        nullable = frame["alt"] or all(frame["seq"])
        self.frames[-1]["seq"].append(True if frame["zero"] else nullable)
        self.last = None if frame["zero"] else frame["start"]
        self.quantified = False


def _class_range(lo: int, hi: int) -> str:
    return _class_cp(lo) if lo == hi else f"{_class_cp(lo)}-{_class_cp(hi)}"


def _complement_of(body: str) -> tuple[tuple[int, int], ...]:
    """The ranges of the complement of a class body (``regex`` syntax), surrogates excluded."""
    from ._regex_codepoints import class_ranges

    return class_ranges(f"[^{body}]")


@functools.lru_cache(maxsize=1)
def _pinned_names() -> dict[str, str]:
    return {k.lower(): k for k in pinned_ranges()}


@functools.lru_cache(maxsize=2)
def _word_boundary(negate: bool) -> str:
    w = f"[{hf_class_body('w')}]"
    if negate:
        return f"(?:(?<={w})(?={w})|(?<!{w})(?!{w}))"
    return f"(?:(?<={w})(?!{w})|(?<!{w})(?={w}))"


@functools.lru_cache(maxsize=256)
def onig_to_regex(text: str) -> str:
    """The ``regex``-module text that splits as ``tokenizers`` (Oniguruma, Ruby syntax) does with
    ``text``, a ``tokenizer.json`` ``Split`` regex. What both engines read alike is kept as
    written; the rest is rewritten: ``X{n,m}+`` (and ``X{n}+``, ``X{n,}+``, ``X{,m}+``) is
    ``(?:X{n,m})+`` and ``X{n}?`` is ``(?:X{n})?`` to Oniguruma; ``^`` and ``$`` are line
    anchors; ``\\Z`` may stop before a final newline; ``(?m:`` is dot-all; ``\\w``, ``\\d`` and
    ``\\b`` follow Oniguruma's classes (written out, measured on ``tokenizers``), and letters
    under ``(?i:`` fold as Oniguruma folds them.

    Raises:
        PatternPortError: a construct that this reading does not carry exactly: backreferences,
            ``\\G`` ``\\K`` ``\\R`` ``\\X``, octal or byte escapes, unscoped inline options, nested
            classes, ``&&`` and POSIX brackets, properties other than the pinned ones (their
            tables follow each engine's Unicode version), ``\\p`` ``\\w`` ``\\d`` ``\\s`` and
            non-ASCII characters under ``(?i:``, chained quantifiers, and a regex that can match
            the empty string (tokenizers cuts the text at every empty match).

    >>> print(onig_to_regex(r"\\p{N}{1,3}+|\\s+$"))
    (?:\\p{N}{1,3})+|\\s+(?m:$)
    """
    return _OnigReader(text).run()
