#!/usr/bin/env python3
r"""Generate the pinned Unicode classes: csrc/unicode_tables.h and tokenizer/_unicode_ranges.py.

Stage: pre-tokenization (build-time tool). A split must classify every code point the way the
library whose vocabulary it serves does, and engines differ: the ``regex`` module is at the newest
Unicode, tiktoken's fancy-regex and ``tokenizers``' Oniguruma a version behind (~17k letters
differ). So the classes are MEASURED on those two engines, code point by code point: for each
property, a throwaway tiktoken ``Encoding`` with the split regex ``A<class>|[\s\S]`` and a
vocabulary of bytes plus "A"+byte encodes "A" + c for every code point c: the pair merges only
when c is in the class. ``tokenizers`` is probed on the same text with a ``Split`` pre-tokenizer
(``_probe_tokenizers``), and the script fails if the two engines disagree. The ranges go to
``tokenizer/_unicode_ranges.py`` (``tokenizer._unicode_pinned`` applies them to every regex the
``regex`` module runs), with the few classes that only ``tokenizers`` defines (``HF_CLASSES``:
Oniguruma's ``\w`` and ``\d``, the ``Digits`` pre-tokenizer's digits), measured on it alone. The
C++ class bits are the CLASSES below evaluated with those ranges (two-stage table:
``kStage1[cp >> SHIFT]`` picks a deduplicated block of ``1 << SHIFT`` one-byte class ids,
``kClassMask[id]`` is the bitmask). Needs tiktoken, tokenizers, regex and numpy; never needed at
run time.

Usage: ``python scripts/gen_unicode_tables.py [--check]`` (``--check`` exits 1 if the committed
files differ from what would be generated, e.g. after tiktoken moved to a new Unicode version;
the releases the files name as measured on are not compared, only the classes).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import regex

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OUT = ROOT / "csrc" / "unicode_tables.h"
OUT_PY = ROOT / "tokenizer" / "_unicode_ranges.py"
MAX_CP = 0x110000

#: Properties whose ``\p{...}`` escapes are pinned (tokenizer/_unicode_pinned.py), measured.
PROPERTIES = ["L", "Lu", "Ll", "Lt", "Lm", "Lo", "M", "N", "P", "S"]
PROPERTIES += ["Han", "Hiragana", "Katakana", "Hangul"]

#: Classes of ``tokenizers`` alone, measured on it only (HF_RANGES in tokenizer/_unicode_ranges.py):
#: Oniguruma's ``\w`` and ``\d``, which the ``regex`` module reads otherwise (its ``\w`` has
#: U+200C/U+200D, ``\p{Alphabetic}`` symbols and no numbers other than Nd; its ``\d`` newer
#: digits); ``\w`` inside a class (``[\w]``), which to Oniguruma lacks the six Latin-1 numbers
#: ``²³¹¼½¾`` that a bare ``\w`` has; and what the ``Digits`` pre-tokenizer takes for a digit:
#: Rust's ``char::is_numeric`` at the Unicode version of tokenizers' Rust, 13 code points more
#: than Oniguruma's ``\p{N}``. tokenizer.regex_port reads ``tokenizer.json`` regexes with them.
HF_CLASSES = {"w": r"\w", "w_in_class": r"[\w]", "d": r"\d", "Digits": ""}

#: (C++ constant name, regex class text). Order gives the bit number. kCJK is codebpe-v1's CJK
#: set, read from tokenizer/patterns.py (the one source of truth) in cpp_masks(); kDigits is
#: HF_RANGES["Digits"] (DeepSeek-Coder's Digits step).
CLASSES: list[tuple[str, str]] = [
    ("kL", r"\p{L}"),
    ("kLu", r"\p{Lu}"),
    ("kLl", r"\p{Ll}"),
    ("kLt", r"\p{Lt}"),
    ("kLm", r"\p{Lm}"),
    ("kLo", r"\p{Lo}"),
    ("kM", r"\p{M}"),
    ("kN", r"\p{N}"),
    ("kP", r"\p{P}"),
    ("kS", r"\p{S}"),
    ("kWS", r"\s"),  # not pinned: the three engines agree (checked in measure())
    ("kCJK", "_CJK"),
    ("kDigits", "_DIGITS"),
]

_CODE_POINTS = [c for c in range(MAX_CP) if not 0xD800 <= c < 0xE000]


def _probe_tiktoken(cls: str) -> np.ndarray:
    """Membership of every code point in ``cls`` as tiktoken's regex engine sees it.

    Each code point c follows an "A": the split regex ``A<cls>|[\\s\\S]`` keeps "A" + c as one
    piece exactly when c is in the class, and then the vocabulary (bytes, and "A" + any byte)
    merges "A" with c's first byte into an id >= 256.
    """
    import tiktoken

    ranks = {bytes([i]): i for i in range(256)}
    ranks.update({b"A" + bytes([i]): 256 + i for i in range(256)})
    pat = f"A{cls}|[\\s\\S]"
    enc = tiktoken.Encoding("probe", pat_str=pat, mergeable_ranks=ranks, special_tokens={})
    member = np.zeros(MAX_CP, dtype=bool)
    step = 8192
    for s in range(0, len(_CODE_POINTS), step):
        chunk = _CODE_POINTS[s : s + step]
        # ids below 256 are bytes, and 0x80-0xBF only continue the character before: what is
        # left is one id per piece "A"+c (>= 256), or "A" and c's first byte
        ids = [
            t
            for t in enc.encode_ordinary("".join("A" + chr(c) for c in chunk))
            if not 0x80 <= t < 0xC0
        ]
        j = 0
        for c in chunk:
            if j < len(ids) and ids[j] >= 256:
                member[c] = True
                j += 1
            else:
                j += 2
        if j != len(ids):
            raise SystemExit(f"tiktoken probe of {cls} lost its place")
    return member


def _probe_tokenizers(cls: str) -> np.ndarray:
    """Membership of every code point in ``cls`` as ``tokenizers``' regex engine (Oniguruma)
    sees it: a ``Split`` on ``A<cls>`` that removes the matches leaves the runs of "A" + c with c
    not in the class, one piece per run with its offsets."""
    from tokenizers import Regex, pre_tokenizers

    split = pre_tokenizers.Split(Regex(f"A{cls}"), behavior="removed")
    text = "".join("A" + chr(c) for c in _CODE_POINTS)
    inside = np.ones(len(_CODE_POINTS), dtype=bool)
    for _, (a, b) in split.pre_tokenize_str(text):
        if a % 2 or b % 2:
            raise SystemExit(f"tokenizers probe of {cls} lost its place")
        inside[a // 2 : b // 2] = False
    member = np.zeros(MAX_CP, dtype=bool)
    member[np.array(_CODE_POINTS)] = inside
    return member


def _probe_digits() -> np.ndarray:
    """Which code points ``tokenizers``' ``Digits`` pre-tokenizer takes for digits: with
    ``individual_digits`` each one is a piece of its own, so in "A" + c for every c, c is a digit
    exactly when it comes out as a one-character piece at its odd offset."""
    from tokenizers import pre_tokenizers

    text = "".join("A" + chr(c) for c in _CODE_POINTS)
    member = np.zeros(MAX_CP, dtype=bool)
    pieces = pre_tokenizers.Digits(individual_digits=True).pre_tokenize_str(text)
    for _, (a, b) in pieces:
        if b - a == 1 and a % 2:
            member[_CODE_POINTS[a // 2]] = True
    return member


def _ranges(member: np.ndarray) -> list[tuple[int, int]]:
    idx = np.flatnonzero(member)
    if not len(idx):
        return []
    breaks = np.flatnonzero(np.diff(idx) != 1)
    starts = np.concatenate(([idx[0]], idx[breaks + 1]))
    ends = np.concatenate((idx[breaks], [idx[-1]]))
    return [(int(a), int(b)) for a, b in zip(starts, ends)]


def measure() -> tuple[dict[str, list[tuple[int, int]]], str]:
    """Pinned ranges per property, measured on tiktoken and checked against tokenizers."""
    import tiktoken
    import tokenizers

    out = {}
    for name in PROPERTIES:
        cls = f"\\p{{{name}}}"
        tk, hf = _probe_tiktoken(cls), _probe_tokenizers(cls)
        if not (tk == hf).all():
            bad = [hex(c) for c in np.flatnonzero(tk != hf)[:8]]
            raise SystemExit(f"tiktoken and tokenizers disagree on {cls}: {bad} ...")
        out[name] = _ranges(tk)
    ws = _probe_tiktoken(r"\s")
    everything = "".join(map(chr, _CODE_POINTS))
    rx_ws = np.zeros(MAX_CP, dtype=bool)
    for m in regex.finditer(r"\s+", everything):
        rx_ws[[ord(ch) for ch in m.group()]] = True
    if not (ws == rx_ws).all() or not (ws == _probe_tokenizers(r"\s")).all():
        raise SystemExit("the engines disagree on \\s: pin it too")
    source = (
        f"tiktoken {tiktoken.__version__} (fancy-regex) and tokenizers {tokenizers.__version__} "
        "(Oniguruma), which agree"
    )
    return out, source


def measure_hf() -> dict[str, list[tuple[int, int]]]:
    """HF_CLASSES, measured on ``tokenizers`` (``\\W`` and ``\\D`` checked as the complements)."""
    out = {}
    for name, cls in HF_CLASSES.items():
        if name == "Digits":
            member = _probe_digits()
        else:
            member = _probe_tokenizers(cls)
            other = _probe_tokenizers(cls.replace("\\w", "\\W").replace("\\d", "\\D"))
            if (member == other)[np.array(_CODE_POINTS)].any():
                raise SystemExit(f"tokenizers' negation of {cls} is not its complement")
        out[name] = _ranges(member)
    return out


def render_py(
    ranges: dict[str, list[tuple[int, int]]], source: str, hf: dict[str, list[tuple[int, int]]]
) -> str:
    lines = [
        '"""GENERATED by scripts/gen_unicode_tables.py -- do not edit by hand.',
        "",
        "Pinned Unicode classes (see tokenizer/_unicode_pinned.py): for each property, the",
        "code points it matches as a flat tuple first0, last0, first1, last1, ... (no surrogates).",
        '"""',
        "",
        f'SOURCE = "{source}"',
        "",
        "RANGES = {",
    ]
    lines += _render_ranges(ranges)
    lines += [
        "}",
        "",
        "# tokenizers alone (Oniguruma's \\w and \\d, the Digits pre-tokenizer's digits):",
        "# scripts/gen_unicode_tables.py HF_CLASSES.",
        "HF_RANGES = {",
    ]
    lines += _render_ranges(hf)
    lines += ["}", ""]
    return "\n".join(lines)


def _render_ranges(ranges: dict[str, list[tuple[int, int]]]) -> list[str]:
    lines = []
    for name, rs in ranges.items():
        flat = [f"0x{x:x}" for r in rs for x in r]
        lines.append(f"    {name!r}: (")
        lines += ["        " + ", ".join(flat[i : i + 10]) + "," for i in range(0, len(flat), 10)]
        lines.append("    ),")
    return lines


def cpp_masks(
    ranges: dict[str, list[tuple[int, int]]], hf: dict[str, list[tuple[int, int]]]
) -> np.ndarray:
    """One uint16 bitmask per code point: each CLASSES entry, pinned, tested with ``regex``."""
    from tokenizer._unicode_pinned import pin_with
    from tokenizer.patterns import _CJK

    everything = "".join(map(chr, range(MAX_CP)))
    masks = np.zeros(MAX_CP, dtype=np.uint16)
    for bit, (_name, cls) in enumerate(CLASSES):
        if cls == "_DIGITS":
            for a, b in hf["Digits"]:
                masks[a : b + 1] |= 1 << bit
            continue
        text = pin_with(f"[{_CJK if cls == '_CJK' else cls}]+", ranges)
        for m in regex.finditer(text, everything):
            masks[m.start() : m.end()] |= 1 << bit
    return masks


def two_stage(masks: np.ndarray, shift: int) -> tuple[list[int], list[list[int]], list[int]]:
    distinct = sorted(set(masks.tolist()))
    if len(distinct) > 256:
        raise SystemExit(f"{len(distinct)} distinct masks do not fit one-byte class ids")
    ids = {m: i for i, m in enumerate(distinct)}
    lut = np.zeros(max(distinct) + 1, dtype=np.uint8)
    for m, i in ids.items():
        lut[m] = i
    cls = lut[masks]
    size = 1 << shift
    blocks: list[list[int]] = []
    index: dict[bytes, int] = {}
    stage1: list[int] = []
    for start in range(0, MAX_CP, size):
        blk = cls[start : start + size]
        key = blk.tobytes()
        if key not in index:
            index[key] = len(blocks)
            blocks.append(blk.tolist())
        stage1.append(index[key])
    return stage1, blocks, distinct


_SHOWN = {"_CJK": "codebpe-v1's CJK set", "_DIGITS": "tokenizers' Digits (char::is_numeric)"}


def render(masks: np.ndarray, source: str) -> str:
    best = min(
        (two_stage(masks, s) + (s,) for s in (6, 7, 8)),
        key=lambda t: len(t[0]) * 2 + len(t[1]) * len(t[1][0]),
    )
    stage1, blocks, distinct, shift = best
    if len(blocks) > 65535:
        raise SystemExit("too many blocks")
    lines = [
        "// GENERATED by scripts/gen_unicode_tables.py -- do not edit by hand.",
        f"// Classes measured code point by code point on {source}",
        "// (tokenizer/_unicode_ranges.py has the same classes as ranges).",
        "// Lookup: kClassMask[kStage2[kStage1[cp >> kShift] * kBlock + (cp & (kBlock - 1))]].",
        f"// Sizes: stage1 {len(stage1)} x uint16, stage2 {len(blocks)} x {1 << shift} bytes.",
        "#pragma once",
        "",
        "#include <cstdint>",
        "",
        "namespace codebpe {",
        "namespace unicode {",
        "",
        f'inline constexpr const char* kSource = "{source}";',
        "",
    ]
    for bit, (name, cls) in enumerate(CLASSES):
        shown = _SHOWN.get(cls, f"[{cls}]")
        lines.append(f"inline constexpr uint16_t {name} = 1u << {bit};  // {shown}")
    lines += [
        "",
        f"inline constexpr int kShift = {shift};",
        f"inline constexpr uint32_t kBlock = {1 << shift};",
        "",
        f"inline constexpr uint16_t kClassMask[{len(distinct)}] = {{",
    ]
    lines += _rows([f"0x{m:04x}" for m in distinct], 12)
    lines += ["};", "", f"inline constexpr uint16_t kStage1[{len(stage1)}] = {{"]
    lines += _rows([str(x) for x in stage1], 20)
    lines += ["};", "", f"inline constexpr uint8_t kStage2[{len(blocks) * (1 << shift)}] = {{"]
    lines += _rows([str(x) for blk in blocks for x in blk], 32)
    lines += [
        "};",
        "",
        "// Class bits of a code point (< 0x110000; lone surrogates included).",
        "constexpr uint16_t class_of(uint32_t cp) {",
        "  return kClassMask[kStage2[kStage1[cp >> kShift] * kBlock + (cp & (kBlock - 1))]];",
        "}",
        "",
        "}  // namespace unicode",
        "}  // namespace codebpe",
        "",
    ]
    return "\n".join(lines)


def _rows(items: list[str], per_row: int) -> list[str]:
    return ["    " + ", ".join(items[i : i + per_row]) + "," for i in range(0, len(items), per_row)]


def _committed_source() -> str | None:
    """The SOURCE line of the committed tokenizer/_unicode_ranges.py (None if there is none)."""
    if not OUT_PY.exists():
        return None
    m = regex.search(r'^SOURCE = "(.*)"$', OUT_PY.read_text(), flags=regex.MULTILINE)
    return m.group(1) if m else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the files are out of date")
    args = parser.parse_args(argv)
    ranges, source = measure()
    hf = measure_hf()
    py_text = render_py(ranges, source, hf)
    text = render(cpp_masks(ranges, hf), source)
    if args.check:
        # The classes must be the same; the engines' releases named in the files (SOURCE) may
        # differ (a Python without the release measured on, e.g. tokenizers 0.22 on 3.9).
        committed = _committed_source()
        if committed is not None and committed != source:
            print(f"measured on {source}; the files name {committed}", file=sys.stderr)
            py_text = render_py(ranges, committed, hf)
            text = render(cpp_masks(ranges, hf), committed)
        pairs = ((OUT_PY, py_text), (OUT, text))
        stale = [p for p, t in pairs if not p.exists() or p.read_text() != t]
        for p in stale:
            print(f"{p} is out of date; run scripts/gen_unicode_tables.py", file=sys.stderr)
        return 1 if stale else 0
    OUT_PY.write_text(py_text)
    OUT.write_text(text)
    print(f"wrote {OUT_PY} and {OUT} ({source})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
