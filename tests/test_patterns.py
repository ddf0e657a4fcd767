"""tokenizer.patterns: the reference split patterns and special tokens."""

from __future__ import annotations

import pytest
import regex

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


@pytest.mark.parametrize(
    "text, expected",
    [
        ("    return x\n", ["    ", "return", " x", "\n"]),
        ("\t\tif (a) {\r\n", ["\t\t", "if", " (", "a", ")", " {", "\r\n"]),
        ("foo(bar)", ["foo", "(", "bar", ")"]),
        ("a->b::c += 1", ["a", "->", "b", "::", "c", " +=", " ", "1"]),
        ("x = 1234567", ["x", " =", " ", "123", "456", "7"]),
        ("中文English混合", ["中文", "English", "混合"]),
        ("</div>", ["</", "div", ">"]),
    ],
)
def test_codebpe_v1_principles(text, expected):
    assert reference_split(text, "codebpe-v1") == expected
