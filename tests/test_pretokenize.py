"""Pre-tokenizer: the C++ matchers give exactly reference_split's pieces (regex module)."""

from __future__ import annotations

import doctest
import gzip
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tokenizer.pretokenize as pretokenize
from tokenizer._native import core
from tokenizer._unicode_pinned import pin_pattern
from tokenizer.cli import main as cli_main
from tokenizer.patterns import PATTERNS, reference_split
from tokenizer.pretokenize import Splitter, reference_split_bytes, split, split_path

ROOT = Path(__file__).resolve().parent.parent
BUILTINS = sorted(PATTERNS)

# Characters where the patterns' classes and alternatives meet: every kind of whitespace, the
# contraction letters (and U+017F, which (?i) folds to s), brackets, operators, case classes
# (Lt, Lm, Lo), marks (Mn, Mc, Me), digits of other scripts and numeric letters, CJK of each
# script, emoji with ZWJ and variation selectors, format and private-use characters.
TRICKY = (
    list(" \t\r\n\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u200a\u2028\u2029\u202f\u3000")
    + list("'sStTdDmMlLvVeErRſ/()[]{}<>+-=*!?.,;:\"#$%&@^_`|~\\")
    + list("aZxé\u0130ǅʰªß\u0301\u0300\u0903\u20dd\u302e")
    + list("09٣४३〇²½Ⅳ")
    + list("一中日本あアカ한글\u3005\uff66\u2e80\u30fc\uff70\u3002ＡＢ１")
    + ["🚀", "👨\u200d👩\u200d👧", "❤\ufe0f", "\u200b", "\u200d", "\ufeff", "\ue000", "\U000e0001"]
)
TEXTS = st.lists(
    st.one_of(st.sampled_from(TRICKY), st.characters(exclude_categories=("Cs",))), max_size=40
).map("".join)
# Byte strings mixing valid UTF-8 with truncated, overlong, surrogate and stray sequences.
BYTE_CHUNKS = st.one_of(
    st.sampled_from(
        [
            b" ",
            b"\n",
            b"\r\n",
            b"'s",
            b"ab",
            b"A",
            b"1",
            b"(",
            b"+=",
            b"\xe4\xb8\xad",
            b"\xe4\xb8",
            b"\xf0\x9f\x9a\x80",
            b"\xf0\x9f",
            b"\xed\xa0\x80",
            b"\xc0\xaf",
            b"\xff",
            b"\x80",
            b"\xf4\x90",
            b"\x80\x80",
            b"\xc3\xa9",
            b"\xe0\x80\x80",
        ]
    ),
    st.binary(max_size=4),
)
BYTES = st.lists(BYTE_CHUNKS, max_size=16).map(b"".join)
FAST = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_docstring_examples():
    result = doctest.testmod(pretokenize, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


@pytest.mark.parametrize("name", BUILTINS)
def test_builtins_take_the_native_path(name):
    assert split_path(name) == "native"
    assert split_path(PATTERNS[name]) == "native"
    assert Splitter(PATTERNS[name].regexes[0] if len(PATTERNS[name].regexes) == 1 else name).native


def test_user_regex_takes_the_regex_path():
    assert split_path(r"\w+|\W") == "regex"
    assert split_path(re.compile(r"\w+")) == "regex"
    assert split_path(regex.compile(PATTERNS["cl100k"].text, regex.IGNORECASE)) == "regex"
    assert split("héllo, wörld", r"\w+") == ["héllo", ", ", "wörld"]
    assert split(b"h\xe9llo", r"\w+") == [b"h", b"\xe9", b"llo"]  # gaps kept, bytes lossless
    assert split(b"ab cd", regex.compile(rb"\w+")) == [b"ab", b" ", b"cd"]


def test_bad_input_is_a_clear_error():
    with pytest.raises(ValueError, match="lone surrogate"):
        split("a\ud800b", "cl100k")
    with pytest.raises(ValueError, match="neither a built-in pattern"):
        split("a", "(")
    with pytest.raises(TypeError):
        split(123, "cl100k")  # type: ignore[arg-type]


# --- (a) lossless -----------------------------------------------------------------------------
@pytest.mark.parametrize("name", BUILTINS)
@settings(max_examples=100, deadline=None)
@given(text=st.text(), data=st.binary())
def test_pieces_concatenate_to_the_input(name, text, data):
    pieces = split(text, name)
    assert "".join(pieces) == text and all(pieces)
    bpieces = split(data, name)
    assert b"".join(bpieces) == data and all(bpieces)


# --- (b) parity with the reference regexes ----------------------------------------------------
@pytest.mark.parametrize("name", BUILTINS)
def test_parity_on_mixed_text(name, mixed_text):
    assert split(mixed_text, name) == reference_split(mixed_text, name)
    data = mixed_text.encode()
    assert split(data, name) == reference_split_bytes(data, name)


def _corpus_files() -> list[Path]:
    files = sorted((ROOT / "corpora").glob("**/*.jsonl.gz"))
    if (ROOT / "corpora" / "MANIFEST.json").exists():
        assert files, "corpora/MANIFEST.json exists but no corpora/**/*.jsonl.gz is shipped"
    return files


def _corpus_docs(every: int) -> list[str]:
    docs: list[str] = []
    for path in _corpus_files():
        with gzip.open(path, "rt", encoding="utf-8") as f:
            docs += [json.loads(line)["text"] for k, line in enumerate(f) if k % every == 0]
    return docs


@pytest.mark.parametrize("name", BUILTINS)
def test_parity_on_corpus_sample(name):
    docs = _corpus_docs(every=40)
    if not _corpus_files():
        pytest.skip("no corpus shipped on this branch (corpora/MANIFEST.json absent)")
    bad = [k for k, d in enumerate(docs) if split(d, name) != reference_split(d, name)]
    assert not bad, f"{len(bad)} of {len(docs)} documents differ, first: {docs[bad[0]][:200]!r}"


@pytest.mark.slow
@pytest.mark.parametrize("name", BUILTINS)
def test_parity_on_whole_corpus(name):
    docs = _corpus_docs(every=1)
    if not _corpus_files():
        pytest.skip("no corpus shipped on this branch (corpora/MANIFEST.json absent)")
    bad = [k for k, d in enumerate(docs) if split(d, name) != reference_split(d, name)]
    assert not bad, f"{len(bad)} of {len(docs)} documents differ, first: {docs[bad[0]][:200]!r}"


# --- (c) one row per alternative: the expected pieces, also checked against the reference ------
TABLE = [
    ("gpt2", "it's we'll I'M", ["it", "'s", " we", "'ll", " I", "'", "M"]),
    ("gpt2", "a  b", ["a", " ", " b"]),
    ("gpt2", "x  ", ["x", "  "]),
    ("gpt2", " 123 abc +=-", [" 123", " abc", " +=-"]),
    ("gpt2", " \n\n x", [" \n\n", " x"]),
    ("gpt2", "\t\tx", ["\t", "\t", "x"]),
    ("cl100k", "it's WE'LL ſ 'ſ", ["it", "'s", " WE", "'LL", " ſ", " '", "ſ"]),
    ("cl100k", "x  = 10000", ["x", " ", " =", " ", "100", "00"]),
    ("cl100k", "\tfoo\r\nbar", ["\tfoo", "\r\n", "bar"]),
    ("cl100k", " ++\n\nx", [" ++\n\n", "x"]),
    ("cl100k", "  \n  x", ["  \n", " ", " x"]),
    ("cl100k", "a  \n", ["a", "  \n"]),
    ("cl100k", " \xa0x", [" ", "\xa0x"]),
    ("o200k", "HelloWorld JSONDecoder", ["Hello", "World", " JSONDecoder"]),
    ("o200k", "don't DON'T", ["don't", " DON'T"]),
    ("o200k", "ǅx x\u0301y ªA", ["ǅx", " x\u0301y", " ª", "A"]),
    ("o200k", " +/\n/x", [" +/\n/", "x"]),
    ("o200k", "  \n\n  x", ["  \n\n", " ", " x"]),
    ("o200k", "a  ", ["a", "  "]),
    ("o200k", "12345", ["123", "45"]),
    (
        "codebpe-v1",
        "def f(x):\n    return x\n",
        ["def", " f", "(", "x", "):\n", "    ", "return", " x", "\n"],
    ),
    (
        "codebpe-v1",
        "a:\r\n\t\tif b:\r\n\r\n",
        ["a", ":\r\n", "\t\t", "if", " b", ":\r\n\r\n"],
    ),
    ("codebpe-v1", "foo(bar[1]) {x}", ["foo", "(", "bar", "[", "1", "])", " {", "x", "}"]),
    (
        "codebpe-v1",
        "a == b -> c :: d += 1",
        ["a", " ==", " b", " ->", " c", " ::", " d", " +=", " 1"],
    ),
    ("codebpe-v1", "x 变量名 = 1 。中文abc", ["x", " 变量名", " =", " 1", " 。", "中文", "abc"]),
    (
        "codebpe-v1",
        "naïve_café it's .append($x)",
        ["naïve", "_café", " it", "'s", " .", "append", "($", "x", ")"],
    ),
    ("codebpe-v1", 'x = 1234567 "str"', ["x", " =", " 123", "456", "7", ' "', "str", '"']),
    ("codebpe-v1", "x  \n  \n", ["x", "  ", "\n", "  ", "\n"]),
    ("codebpe-v1", "a  b\t\n", ["a", " ", " b", "\t", "\n"]),
    ("codebpe-v1", "カーｰド ⺀x", ["カーｰド", " ⺀", "x"]),
    ("deepseek-v3", ".append(x)", [".append", "(x", ")"]),
    ("deepseek-v3", "abc12345 机器学习 ok", ["abc", "123", "45", " ", "机器学习", " ok"]),
    ("deepseek-v3", "  \n  x ==\n\n", ["  \n", " ", " x", " ==\n\n"]),
    ("deepseek-v3", "a\u200db\u200d1", ["a", "\u200db", "\u200d", "1"]),
    (
        "deepseek-coder",
        "def f(x):\n    return x1\r\n",
        ["def", " f", "(", "x", "):", "\n", "   ", " return", " x", "1", "\r", "\n"],
    ),
    (
        "deepseek-coder",
        "x 变量名 = 10 。中文abc",
        ["x", " ", "变量名", " = ", "1", "0", " ", "。", "中文", "abc"],
    ),
    (
        "deepseek-coder",
        " “quoted” — ok…\u3000中文 \u3000x",
        [" ", "“", "quoted", "”", " ", "—", " ok", "…", "\u3000中文", " ", "\u3000", "x"],
    ),
    ("deepseek-coder", "12½٣Ⅷ①x²", ["1", "2", "½", "٣", "Ⅷ", "①", "x", "²"]),
    ("deepseek-coder", "한국어 텍스트 ㄱ", ["한국어", " ", "텍스트", " ", "ㄱ"]),
    (
        "deepseek-coder",
        "\u07ff\u0800\u4dff\u4e00\u9fa5\u9fa6\uabff\uac00\ud7ff\ue000",
        [
            "\u07ff",
            "\u0800",
            "\u4dff",
            "\u4e00\u9fa5",
            "\u9fa6",
            "\uabff",
            "\uac00",
            "\ud7ff",
            "\ue000",
        ],
    ),
    ("deepseek-coder", "a  +=  $x; // é\u0301", ["a", "  +=  $", "x", ";", " //", " é", "\u0301"]),
    (
        "deepseek-coder",
        "café\xa0x\u2003y\x1c z\x85w",
        ["café", "\xa0x", "\u2003", "y", "\x1c", " z", "\x85w"],
    ),
]


@pytest.mark.parametrize(("name", "text", "expected"), TABLE)
def test_table(name, text, expected):
    assert reference_split(text, name) == expected
    assert split(text, name) == expected


@pytest.mark.parametrize("name", BUILTINS)
@pytest.mark.parametrize("unit", [" ", "a", "A", "\n", " \n", "1", "+", "中", "\u0301", "\xff"])
def test_long_runs_are_linear(name, unit):
    # 1 MB of one repeated unit: a quadratic path would not finish; the pieces must still match
    # the reference on a short prefix-free sample of the same shape.
    data = unit.encode("latin-1" if unit == "\xff" else "utf-8") * (1_000_000 // len(unit))
    for d in (data, data + b"x"):
        ends = core.split_offsets(name, d)
        assert ends[-1] == len(d) and bool(np.all(np.diff(ends.astype(np.int64)) > 0))
    small = (unit.encode("latin-1" if unit == "\xff" else "utf-8") * 50) + b"x"
    assert split(small, name) == reference_split_bytes(small, name)


# --- CLI and tables ---------------------------------------------------------------------------
def test_cli_split(tmp_path, capsys):
    path = tmp_path / "in.py"
    path.write_bytes(b"if x:\n    y()\n")
    assert cli_main(["split", str(path), "--pattern", "codebpe-v1", "--sep", "|"]) == 0
    assert capsys.readouterr().out == "if| x|:\n|    |y|()\n\n"
    assert cli_main(["split", str(path), "--count"]) == 0
    assert capsys.readouterr().out == "6\n"
    assert cli_main(["split", str(tmp_path / "missing")]) == 2


@pytest.mark.slow
def test_unicode_tables_are_up_to_date():
    script = ROOT / "scripts" / "gen_unicode_tables.py"
    proc = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_deepseek_fused_pass_assumptions():
    # csrc/pretokenize.cc fuses deepseek-v3's first two splits; that is exact only if no digit
    # lies in the literal CJK ranges and no digit is a letter, mark, punctuation, symbol or space
    # (classes as the C++ tables have them: pinned, see tokenizer/_unicode_pinned.py).
    everything = "".join(map(chr, range(0x110000)))
    assert (
        regex.search(
            pin_pattern(r"(?V1)[\p{N}&&[\u4e00-\u9fa5\u3040-\u309f\u30a0-\u30ff]]"), everything
        )
        is None
    )
    assert regex.search(pin_pattern(r"(?V1)[\p{N}&&[\p{L}\p{M}\p{P}\p{S}\s]]"), everything) is None


def test_deepseek_coder_one_pass_assumptions():
    # csrc/pretokenize.cc runs deepseek-coder's five splits in one pass; that is exact only if
    # letters, punctuation and \s are disjoint and no digit (its Digits step's, kDigits) is one
    # of them.
    everything = "".join(map(chr, range(0x110000)))
    digits = PATTERNS["deepseek-coder"].regexes[-1][1:-1]
    assert regex.search(pin_pattern(rf"(?V1)[[{digits}]&&[\p{{L}}\p{{P}}\s]]"), everything) is None
    assert regex.search(pin_pattern(r"(?V1)[\s&&[\p{L}\p{P}]]"), everything) is None
    assert regex.search(pin_pattern(r"(?V1)[\p{L}&&\p{P}]"), everything) is None


# deepseek-coder's own edges: its code point range R = U+0800..U+9FA5 and U+AC00..U+D7FF (both
# ends and their neighbours), which holds CJK and general punctuation, spaces and digits; Hangul
# syllables and jamo outside R; digits of several scripts (one piece each); punctuation next to
# symbols; every kind of \s, before letters, punctuation and CJK.
CODER_TRICKY = (
    list(" \t\r\n\x0b\x0c\x1c\x1f\x85\xa0\u1680\u2000\u200a\u2028\u202f\u205f\u3000")
    + list("\u07ff\u0800\u0801\u4dff\u4e00\u9fa5\u9fa6\uabff\uac00\ud7a3\ud7ff\ue000\uff10")
    + list("가한ㄱᄀ中文あアー。，、“”‘’—…‐‰⁂※")
    + list("09½٣४Ⅷ①²〇৪꘠𝟎")
    + list("aZéß\u0301\u0903ªʰǅक\u0e01")
    + list("!\"#%&'()*,-./:;?@[\\]_{}¡§«¶·»¿")
    + list("$+<=>^`|~¢©®°±×÷€™←∀⌘🚀")
    + ["\u200b", "\u200d", "\ufeff", "\U000e0001"]
)
CODER_TEXTS = st.lists(
    st.one_of(st.sampled_from(CODER_TRICKY), st.characters(exclude_categories=("Cs",))),
    max_size=40,
).map("".join)
CODER_BYTES = st.lists(
    st.one_of(
        CODER_TEXTS.map(str.encode),
        st.sampled_from([b"\xff", b"\x80", b"\xe4\xb8", b"\xed\xa0\x80", b"\xea\xb0", b"\xc3"]),
    ),
    max_size=6,
).map(b"".join)


@FAST
@given(text=CODER_TEXTS)
def test_deepseek_coder_parity_on_its_edges(text):
    assert split(text, "deepseek-coder") == reference_split(text, "deepseek-coder")
    data = text.encode()
    assert split(data, "deepseek-coder") == reference_split_bytes(data, "deepseek-coder")


@FAST
@given(data=CODER_BYTES)
def test_deepseek_coder_parity_on_its_edges_in_bytes(data):
    assert split(data, "deepseek-coder") == reference_split_bytes(data, "deepseek-coder")


def test_deepseek_coder_every_code_point():
    # Every code point after each kind of neighbour (the classes and R are per code point).
    seps = [" ", "a", "1", "\n", "", ".", "中", "\u3000", "$"]
    cps = [c for c in range(0x30000) if not 0xD800 <= c < 0xE000] + [0xE0001, 0x10FFFF]
    text = "".join(seps[c % len(seps)] + chr(c) for c in cps)
    assert split(text, "deepseek-coder") == reference_split(text, "deepseek-coder")


# --- (d) the 16-byte ASCII fast paths (csrc/pretokenize.cc) ---------------------------------------
# Runs of one kind that cross 16-byte block edges, end exactly at the text's end, or stop at a
# non-ASCII byte (a letter, a space, a mark, an invalid byte) that the general path must take over.
RUN_UNITS = [
    "a", "Z", "s", "t", " ", "\t", "\n", "\r", "\r\n", "\x0b", "\x0c", "\x1c", "1", "(", ")",
    "{", "+", ";", ":", "'", "/", "_", "é", "É", "中", "カ", "\xa0", "\u2003", "\u0301", "ſ", "٣",
    "🚀", "\u4e00", "\u9fff", "\u4db5", "\u4dc0", "\ua000", "\u3400",
]  # fmt: skip
RUNS = st.lists(
    st.tuples(st.sampled_from(RUN_UNITS), st.integers(1, 40)).map(lambda t: t[0] * t[1]),
    max_size=8,
).map("".join)
RUN_BYTES = st.lists(
    st.one_of(
        RUNS.map(str.encode),
        st.sampled_from(
            [b"\xff", b"\x80", b"\xe4\xb8", b"\xc3", b"\xed\xa0", b"\xe9\xbf", b"\xe5", b"\xe4\xb7"]
        ),
    ),
    max_size=6,
).map(b"".join)


# Generated text: the tricky characters above (TEXTS, BYTES) and runs across 16-byte blocks (RUNS,
# RUN_BYTES), as str and as arbitrary bytes.
GENERATED = {"tricky": (TEXTS, BYTES), "runs": (RUNS, RUN_BYTES)}


@pytest.mark.parametrize("name", BUILTINS)
@pytest.mark.parametrize("kind", sorted(GENERATED))
@FAST
@given(draw=st.data())
def test_parity_on_generated_text(name, kind, draw):
    text = draw.draw(GENERATED[kind][0], label="text")
    assert split(text, name) == reference_split(text, name)


@pytest.mark.parametrize("name", BUILTINS)
@pytest.mark.parametrize("kind", sorted(GENERATED))
@FAST
@given(draw=st.data())
def test_parity_on_generated_bytes(name, kind, draw):
    data = draw.draw(GENERATED[kind][1], label="data")
    assert split(data, name) == reference_split_bytes(data, name)


@pytest.mark.parametrize("name", BUILTINS)
def test_parity_on_every_run_length(name):
    # Every length 0..40 of each run, alone (so ending at the text's end) and followed by each
    # kind of stop, after a prefix that shifts the run across 16-byte blocks.
    units = ["a", "A", " ", "\t", "\n", "1", "+", "(", "\r\n"]
    stops = [b"", b"x", b" ", b"\n", b"1", b"+", "\xe9".encode(), "\xa0".encode(), b"\xff"]
    for unit in units:
        for n in range(41):
            for prefix in (b"", b"ab ", b"x" * 13):
                for stop in stops:
                    data = prefix + unit.encode() * n + stop
                    got, want = split(data, name), reference_split_bytes(data, name)
                    assert got == want, data


@pytest.mark.parametrize("name", BUILTINS)
def test_parity_on_every_two_byte_character(name):
    # Text::at classifies U+0080..U+07FF from a table of its own (not class_of): every one of
    # them between each kind of neighbour, in runs of two (words of Cyrillic, Greek, accented
    # Latin), and the malformed 2-byte sequences around it (overlong C0/C1 leads, a lead without
    # its continuation byte, one at the text's end).
    seps = ["", " ", "a", "A", "1", ".", "\n", "\u0436", "\u00e9", "\u4e2d", "'s"]
    text = "".join(seps[c % len(seps)] + chr(c) * (1 + c % 2) for c in range(0x80, 0x800))
    assert split(text, name) == reference_split(text, name)
    bad = [
        b"\xc0\x80",
        b"\xc1\xbf",
        b"\xc2",
        b"\xc2a",
        b"\xdf\xdf",
        b"\xd0\xb6\xd0",
        b"\xc3\xa9\x80",
    ]
    for b in bad:
        for before, after in ((b"", b""), (b"x", b" y"), ("\u0436".encode(), "\u0436".encode())):
            data = before + b + after
            assert split(data, name) == reference_split_bytes(data, name), data


@pytest.mark.parametrize("name", BUILTINS)
def test_parity_on_cjk_run_edges(name):
    # Text::cjk_span skips runs of U+4E00..U+9FFF without decoding: runs of them that end at each
    # neighbouring kind of character (Extension A, whose lead byte E4 they share; the Yijing
    # symbols U+4DC0.., not letters, also under E4; Yi; a mark; a truncated or invalid sequence).
    stops = ["", "\u4db5", "\u4dbf", "\u4dc0", "\u4dff", "\u3400", "\ua000", "\u0301", "a", " ",
             "1", "\u3002", "'s", "é"]  # fmt: skip
    tails = (b"", "\u4e2d".encode(), b"\xe5\xb8", b"\xe9", b"\xe4\xb8\xff", b"\x80")
    for n in range(1, 7):
        for first in ("\u4e00", "\u9fff", "\u6587"):
            for stop in stops:
                for tail in tails:
                    data = (first * n + stop).encode() + tail
                    assert split(data, name) == reference_split_bytes(data, name), data


@pytest.mark.parametrize("name", BUILTINS)
def test_parity_on_letter_class_sequences(name):
    # Every sequence of up to three characters of the letter classes that o200k's two word
    # alternatives tell apart (UPPER: Lu Lt Lm Lo M; LOWER: Ll Lm Lo M), in one and several bytes,
    # with what ends a word: o200k_lower_word stops a word at a non-LOWER character without
    # decoding it again only when the last LOWER character ends right before it ("éA。" must
    # not take the "A").
    import itertools

    atoms = ["A", "a", "É", "é", "中", "ǅ", "ʰ", "́", "Ω", "ω", "あ"]
    ends = ["", "。", " ", "1", "'s", "'S", "\n"]
    for k in range(1, 4):
        for seq in itertools.product(atoms, repeat=k):
            for end in ends:
                data = ("".join(seq) + end).encode()
                assert split(data, name) == reference_split_bytes(data, name), data


# --- (e) 64-byte ASCII blocks (cl100k, o200k, codebpe-v1: block_starts in csrc/pretokenize.cc) --
# The block path decides whole 64-byte windows from class masks, so the texts must be longer than
# 64 bytes and mix, within a window, every rule it encodes: prefixes before words, ' ' before
# punctuation, newlines after punctuation (and o200k's '/' after them), whitespace runs with and
# without newlines, digit runs cut by three, "fooBar", contractions and suffixes in both cases and
# chained ("x's's", "'x'"), codebpe-v1's indentation, brackets and ' ' before digits, and the
# non-ASCII bytes and view edges where it hands over.
BLOCK_ATOMS = (
    list("abstmdrevlSTMDREVLxZAB019")
    + [" ", " ", " ", "\t", "\n", "\r", "\r\n", "'", "'", "/", "//", "(", ")", ";", ".", ",", "-"]
    + ["_", "{", "}", "[", "]", '"', "#", "\x0b", "\x0c", "\x1c", "\x1f", "\x00", "    ", ";\n"]
    + ["\n    ", "\n\t", "\n \t", " 1", "  12", "(x", " (", "\n\n"]
    + ["'s", "'T", "'re", "'VE", "'ll", "'d", "'M", "fooBar", "HTTPServer", "1234567", "don't"]
    + ["é", "中", "\xa0", "\u3000", "\x85", "\u0301", "🚀", "É", "ſ"]
)
BLOCK_TEXTS = st.lists(st.sampled_from(BLOCK_ATOMS), min_size=30, max_size=160).map("".join)


BLOCK_PATTERNS = ["cl100k", "o200k", "codebpe-v1"]


@pytest.mark.parametrize("name", BLOCK_PATTERNS)
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=BLOCK_TEXTS)
def test_parity_on_ascii_blocks(name, text):
    assert split(text, name) == reference_split(text, name)


@pytest.mark.parametrize("name", BLOCK_PATTERNS)
def test_parity_on_ascii_blocks_seeded(name):
    # The same kind of text, many more of them, from a fixed seed (and mostly ASCII, where whole
    # windows are decided by the block path).
    import random

    rng = random.Random(20261129)
    ascii_atoms = [a for a in BLOCK_ATOMS if a.isascii()]
    wide_atoms = [a for a in BLOCK_ATOMS if not a.isascii()]
    for _ in range(1500):
        atoms = BLOCK_ATOMS if rng.random() < 0.3 else ascii_atoms
        text = "".join(rng.choice(atoms) for _ in range(rng.randrange(30, 200)))
        assert split(text, name) == reference_split(text, name), text
    # Non-ASCII every few bytes (Vietnamese, Russian): a block whose ASCII prefix is shorter than
    # kMinBlockAscii (8) leaves its pieces to the matcher, so both sides of that limit are here.
    for _ in range(800):
        p = rng.choice((0.1, 0.2, 0.35))
        text = "".join(
            rng.choice(wide_atoms if rng.random() < p else ascii_atoms)
            for _ in range(rng.randrange(60, 200))
        )
        assert split(text, name) == reference_split(text, name), text


@pytest.mark.parametrize("name", BLOCK_PATTERNS)
def test_parity_on_short_texts_and_tails(name):
    """Under 64 bytes (a short text, or the rest of a long one) the block runs on a copy padded
    with non-ASCII bytes: its starts must hold at the end of the text, whatever precedes it."""
    import random

    rng = random.Random(20261201)
    ascii_atoms = [a for a in BLOCK_ATOMS if a.isascii()]
    for _ in range(3000):
        atoms = BLOCK_ATOMS if rng.random() < 0.2 else ascii_atoms
        text = "".join(rng.choice(atoms) for _ in range(rng.randrange(1, 40)))
        text = text[: rng.randrange(1, 70)]
        assert split(text, name) == reference_split(text, name), text
        head = rng.choice(["x" * 64, "a = b\n" * 20, " " * 70, "\n" * 65, "Abc'd " * 12])
        assert split(head + text, name) == reference_split(head + text, name), head + text
