"""tokenizer.patterns: the reference split patterns and special tokens."""

from __future__ import annotations

import pytest
import regex
from conftest import shipped_hf
from hypothesis import given, settings
from hypothesis import strategies as st

from tokenizer._unicode_pinned import compile_pinned
from tokenizer.patterns import PATTERNS, get_pattern, reference_split


def test_public_patterns_are_tiktokens_own():
    import tiktoken_ext.openai_public as op

    src = open(op.__file__, encoding="utf-8").read()
    assert get_pattern("cl100k").text in src
    assert get_pattern("gpt2").text in src
    for alt in get_pattern("o200k").text.split("|"):
        assert alt in src


def test_aliases_and_unknown():
    assert get_pattern("cl100k_base") is get_pattern("cl100k")
    assert get_pattern("o200k_base") is get_pattern("o200k")
    with pytest.raises(KeyError, match="built-in patterns"):
        get_pattern("nope")


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_split_is_lossless(name, mixed_text):
    pieces = reference_split(mixed_text, name)
    assert "".join(pieces) == mixed_text
    assert all(pieces)


@pytest.mark.parametrize("name", ["gpt2", "cl100k", "o200k"])
def test_single_regex_split_equals_findall(name, mixed_text):
    assert reference_split(mixed_text, name) == regex.findall(get_pattern(name).text, mixed_text)


def test_deepseek_v3_is_a_sequence():
    # digits are isolated first, then CJK runs, then the main regex
    assert reference_split("ab12345中文x", "deepseek-v3") == ["ab", "123", "45", "中文", "x"]


def test_deepseek_coder_is_a_sequence():
    # newlines, then \s? + letters, then \s? + punctuation, then its code point range, then each
    # digit alone: ' “' leaves its space (U+201C is in the range), '\t中文abc' is cut twice
    assert reference_split("if x12:\n\t中文abc “q”", "deepseek-coder") == (
        ["if", " x", "1", "2", ":", "\n", "\t", "中文", "abc", " ", "“", "q", "”"]
    )


@shipped_hf
def test_deepseek_coder_is_its_tokenizer_json_pre_tokenizer():
    # the exact texts tokenizer._hf_import reads from the shipped file, so that
    # Tokenizer.from_hf("deepseek-coder") resolves to the built-in pattern (and its C++ matcher)
    from tokenizer._hf_import import _pattern_of
    from tokenizer.interop import load_hf_tokenizer_json

    pre = load_hf_tokenizer_json("deepseek-coder")["pre_tokenizer"]
    assert _pattern_of(pre, "imported") is PATTERNS["deepseek-coder"]
    assert get_pattern("deepseek_coder") is PATTERNS["deepseek-coder"]


# codebpe-v1, one row per principle (docs/patterns.md): the settled pattern's pieces, by hand.
CODEBPE_V1_TABLE = [
    # indentation: the whole leading run of spaces/tabs, whatever follows; the word loses its space
    ("    return x\n", ["    ", "return", " x", "\n"]),
    ("\t\tif (a) {\r\n", ["\t\t", "if", " (", "a", ")", " {\r\n"]),
    ("\t  \tx = y\n", ["\t  \t", "x", " =", " y", "\n"]),
    ("def f():\n  \n  pass", ["def", " f", "():\n", "  ", "\n", "  ", "pass"]),
    ("  12", ["  ", "12"]),
    (" lead", [" ", "lead"]),
    # newlines: a run of \r and \n is one piece, or ends an operator run; nothing follows it
    ("a\n\n\nb", ["a", "\n\n\n", "b"]),
    ("a\r\n\r\nb\rc", ["a", "\r\n\r\n", "b", "\r", "c"]),
    ("x;  \n", ["x", ";", "  ", "\n"]),
    ("x = f(y);\n\nz", ["x", " =", " f", "(", "y", ");\n\n", "z"]),
    ("end\n", ["end", "\n"]),
    # brackets never fuse with letters or digits, but join operator runs
    ("foo(bar)", ["foo", "(", "bar", ")"]),
    ("f(g(x));", ["f", "(", "g", "(", "x", "));"]),
    ("xs[0]});", ["xs", "[", "0", "]});"]),
    # operators keep together, with an optional leading space
    ("a->b::c += 1", ["a", "->", "b", "::", "c", " +=", " 1"]),
    ("x !== null && y ?? z", ["x", " !==", " null", " &&", " y", " ??", " z"]),
    ("</div>", ["</", "div", ">"]),
    # one punctuation character may prefix a word
    ("self.append(x)", ["self", ".append", "(", "x", ")"]),
    ("__init__ foo_bar", ["__", "init", "__", " foo", "_bar"]),
    ("$var\n@decorator", ["$var", "\n", "@decorator"]),
    ("#include <stdio.h>", ["#include", " <", "stdio", ".h", ">"]),
    # string literals: quotes are punctuation (no contraction alternative)
    ('print("hello, world")', ["print", '("', "hello", ",", " world", '")']),
    ("'self' don't", ["'self", "'", " don", "'t"]),
    # Unicode identifiers: letters and marks, any script but CJK
    ("naïve = café", ["naïve", " =", " café"]),
    ("π_r2 = Ünïcödé", ["π", "_r", "2", " =", " Ünïcödé"]),
    ("e\u0301t\u00e9", ["e\u0301t\u00e9"]),
    # digits: groups of at most three, with an optional leading space
    ("x = 1234567", ["x", " =", " 123", "456", "7"]),
    ("3.14e-10, 0x1F", ["3", ".", "14", "e", "-", "10", ",", " 0", "x", "1", "F"]),
    ("x  = 1", ["x", " ", " =", " 1"]),
    # CJK runs: separate from Latin; the same optional first character as words
    ("中文English混合", ["中文", "English", "混合"]),
    ("机器学习，而无需。", ["机器学习", "，而无需", "。"]),
    ("Python 3.11 的 asyncio", ["Python", " 3", ".", "11", " 的", " asyncio"]),
    ("コーヒーを飲む", ["コーヒーを飲む"]),
    ("한국어 문장", ["한국어", " 문장"]),
    # other whitespace: a run leaves its last space to the next piece; never crosses a newline
    ("a\u00a0b\u3000c", ["a", "\u00a0b", "\u3000c"]),
    ("a   b", ["a", "  ", " b"]),
]


@pytest.mark.parametrize("text, expected", CODEBPE_V1_TABLE)
def test_codebpe_v1_principles(text, expected):
    assert reference_split(text, "codebpe-v1") == expected


def test_codebpe_v1_pieces_never_cross_a_line(mixed_text):
    for piece in reference_split(mixed_text, "codebpe-v1"):
        # a newline run ends its piece: every line start is a piece boundary
        assert not any(c in piece.rstrip("\r\n") for c in "\r\n"), repr(piece)


def test_codebpe_v1_runs_unchanged_in_hugging_face(mixed_text):
    # Oniguruma (Hugging Face's regex engine) gives the reference pieces for this pattern text, so
    # a tokenizer.json export can carry it as is (cl100k's `\s++$` would not: `$` is end-of-line).
    from tokenizers import Regex, pre_tokenizers

    split = pre_tokenizers.Split(Regex(get_pattern("codebpe-v1").text), behavior="isolated")
    for text in [mixed_text, *(t for t, _ in CODEBPE_V1_TABLE)]:
        assert [p for p, _ in split.pre_tokenize_str(text)] == reference_split(text, "codebpe-v1")


_CODE_CHARS = list(" \t\r\n(){}[]'\"._$@#+-=<>/\\:;,0123456789abcXYZé\u0301\u00a0中文コー한")


@settings(max_examples=300, deadline=None)
@given(st.text(st.one_of(st.sampled_from(_CODE_CHARS), st.characters()), max_size=40))
def test_codebpe_v1_principles_hold_on_any_text(text):
    pieces = reference_split(text, "codebpe-v1")
    assert "".join(pieces) == text and all(pieces)
    # classes as the split sees them (pinned to tiktoken / tokenizers, not regex's own tables)
    cjk = compile_pinned(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}\u30fc\uff70]")
    pos = 0
    for piece in pieces:
        # newlines end pieces: only newline runs, or operator runs ending in newlines
        if compile_pinned(r"[\r\n]").search(piece):
            newline_piece = compile_pinned(r"[\r\n]+| ?[^\s\p{L}\p{N}]+[\r\n]+")
            assert newline_piece.fullmatch(piece), repr(piece)
        # indentation: at a line start, the whole run of spaces and tabs is one piece
        if (pos == 0 or text[pos - 1] in "\r\n") and text[pos] in " \t":
            assert piece == compile_pinned(r"[ \t]+").match(text[pos:]).group(), repr(piece)
        # brackets never share a piece with letters or digits; CJK never with other letters
        if compile_pinned(r"[()\[\]{}]").search(piece):
            assert not compile_pinned(r"[\p{L}\p{N}]").search(piece), repr(piece)
        if cjk.search(piece):
            assert not compile_pinned(r"\p{L}").search(cjk.sub("", piece)), repr(piece)
        # digits in groups of at most three
        assert all(len(run) <= 3 for run in compile_pinned(r"\p{N}+").findall(piece)), repr(piece)
        pos += len(piece)
