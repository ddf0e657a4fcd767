"""tokenizer.json Split regexes read as Oniguruma reads them (tokenizer.regex_port.onig_to_regex),
checked against Hugging Face `tokenizers` itself: every string of a small alphabet up to a length
for each construct, every code point for each class, and whole files through Tokenizer.from_hf.
Constructs that are not carried exactly must be refused with a ValueError, never read otherwise.
"""

from __future__ import annotations

import itertools
import json

import pytest
from conftest import shipped_hf

from tokenizer.encoding import Tokenizer
from tokenizer.patterns import PATTERNS, reference_split
from tokenizer.regex_port import PatternPortError, onig_to_regex

tokenizers = pytest.importorskip("tokenizers")
from tokenizers import Regex, pre_tokenizers  # noqa: E402


def _hf(rx, text, behavior="isolated"):
    return [p for p, _ in pre_tokenizers.Split(Regex(rx), behavior).pre_tokenize_str(text)]


def _strings(alphabet, n):
    for k in range(n + 1):
        yield from map("".join, itertools.product(alphabet, repeat=k))


def _ours(translated, text):
    """(pieces, the matched ones) of an isolated split with the regex module's text."""
    from tokenizer._unicode_pinned import compile_pinned

    matches = [m.group() for m in compile_pinned(translated).finditer(text) if m.group()]
    return reference_split(text, (translated,)), matches


def _same_on_all_strings(rx, alphabet, n):
    """The pieces and which of them are matches (tokenizers: what "removed" takes out)."""
    ours = onig_to_regex(rx)
    bad = []
    for t in _strings(alphabet, n):
        pieces, matches = _ours(ours, t)
        gaps = _hf(rx, t, "removed")
        if pieces != _hf(rx, t) or len(gaps) + len(matches) != len(pieces):
            bad.append(t)
    assert not bad, f"{rx!r} -> {ours[:200]!r}: {bad[:3]}"


# (Oniguruma regex, alphabet, longest string): each read both ways on every string.
CASES = [
    # X{n,m}+ and friends are (?:X{n,m})+ to Oniguruma (cl100k's \p{N}{1,3}+); X{n}? is (?:X{n})?
    (r"\p{N}{1,3}+", "1a ", 7),
    (r"a{2}+", "ab", 6),
    (r"a{2,}+b", "ab", 6),
    (r"a{,2}+b", "ab", 6),
    (r"a{2}?b", "ab", 6),
    (r"[ab]{1,2}?c", "abc", 5),
    (r"a{1,2}?", "ab", 5),
    (r"a{1,}?b", "ab", 5),
    (r"a{0}b", "ab", 5),
    (r"a{01,02}", "ab", 5),
    # *+ ++ ?+ are possessive in both; lazy ones are lazy
    (r"a*+a|b", "ab", 6),
    (r"a++a|b", "ab", 6),
    (r"(?:ab)?+a", "ab", 6),
    (r"a*?b|a", "ab", 5),
    (r"a??b|a", "ab", 5),
    # a '{' that is no interval is a literal
    (r"a{,}|a{x}|x{|a}|a{1, 2}", "a{},x12 ", 4),
    # line anchors: Oniguruma's ^ and $ are those of a line, \Z may stop before a final newline
    (r"\s+$", "a \n", 6),
    (r"^\s+", "a \n", 6),
    (r"\n^|x", "a\nx", 5),
    (r"a$\n?|\r", "a\n\r", 5),
    (r"^a|a$", "a\n\r ", 5),
    (r"\Aa|a\z", "a\n", 5),
    (r"a\Z|\n", "a\n", 5),
    (r"\s++$|\s+(?!\S)|\s", "a \n", 6),  # GPT-2's tail
    # the dot, and (?m:...) (Ruby: a dot that matches a newline)
    (r"a.", "a\n\r", 5),
    (r"a(?m:.)|a", "a\n\r", 5),
    (r"(?m:a.(?-m:.))", "a\n", 5),
    # classes: as written where both read them alike
    (r"[]a]+", "a]b", 5),
    (r"[^]a]+", "a]b", 5),
    (r"[a-]+|[-b]+|[^-a]", "a-b", 5),
    (r"[\]\\\-^]+|[\^]", "]\\-^a", 4),
    (r"[.*+?(){}|$]+", ".*+?(){}|$a", 2),
    (r"[a&b]+|[~~]+|[||]+", "a&b~|", 4),
    (r"[\b]+|[\t-\r]+", "\x08\t\n\x0b\r a", 3),
    (r"[--a]+", "-.a`", 4),
    (r"[:alpha:]+", ":alph", 3),
    # escapes
    (r"\x41+|\x{263a}|\u263A|\t|\v|\a|\e|\f", "A☺\t\x0b\x07\x1b\x0cx", 3),
    (r"\/\ \-\'\"\#\.\*", "/ -'\"#.*", 2),
    (r"\h+", "09afAFgG ", 4),
    (r"\H+", "09afAFgG ", 4),
    (r"[\h_]+|[^\H]", "09afAFgG_ ", 3),
    # groups
    (r"(?<n>a)(?'m'b)|(a)(?#comment)c", "abc", 5),
    (r"(?>a+)b|(?>a|ab)c", "abc", 5),
    (r"(?<=a)b|(?<!a)c|a(?=b)|c(?!a)", "abc", 5),
    # case: ASCII under (?i:), as Oniguruma folds it (not U+0130 and U+0131 for i and I)
    (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)", "'sStTrReE", 4),
    (r"(?i:is|IS)|(?i:k)", "iIsSkK\u0130\u0131\u212a\u017f", 3),
    (r"(?i:[a-k]+)|(?i:[^i])", "iIkK\u0130\u0131\u212a\u017fz", 3),
    (r"(?i:\x49)|(?-i:i)", "iI\u0130\u0131", 3),
    (r"(?i:a(?-i:b)c)", "aAbBcC", 3),
    # \w \W \d \D \b \B: Oniguruma's own classes (the regex module's \w has U+200D)
    (r"\w+|\W", "a1_\u200d\u00b2 ", 4),
    (r"[\w]+|\w", "a1_\u200d\u00b2\u00bd ", 4),  # (Oniguruma: ² is \w, not [\w])
    (r"[\w\-]+|[^\w]", "a1_\u200d- ", 4),
    (r"[\W\d]+", "a1_\u200d- \U00011de0", 3),
    (r"\d+|\D+", "1a\U00011de0\u00b2", 4),
    (r"\bx|x\b|\Bx", "x\u200d -", 5),
]


@pytest.mark.parametrize("rx, alphabet, n", CASES)
def test_split_regex_as_tokenizers_reads_it(rx, alphabet, n):
    _same_on_all_strings(rx, alphabet, n)


FILE_TEXT = "Don't  12345 x\n\n  1234567 ab\r\nHELLO's  end \n"


@pytest.mark.parametrize(
    "rx",
    [
        *(PATTERNS[n].regexes[0] for n in ("gpt2", "cl100k", "o200k", "qwen2", "llama3")),
        *PATTERNS["deepseek-v3"].regexes,
        *PATTERNS["deepseek-coder"].regexes[:4],
        PATTERNS["codebpe-v1"].regexes[0],
        r"\s?[A-Za-z\u00b5\u00c0-\u00d6]+|\s?[!-/:-~]+|\s+$",  # DeepSeek-LLM's, shortened
    ],
)
def test_builtin_regex_texts_as_tokenizers_reads_them(rx):
    # (a file whose Split regex is tiktoken's cl100k text gets Oniguruma's reading of it)
    _same_on_all_strings(rx, "a1 \n'", 5)
    for text in (FILE_TEXT, FILE_TEXT * 3, "  x\n\n \t1\r\n"):
        assert reference_split(text, (onig_to_regex(rx),)) == _hf(rx, text)


# --- every code point --------------------------------------------------------------------------

_CPS = [c for c in range(0x110000) if not 0xD800 <= c < 0xE000]


@pytest.fixture(scope="module")
def probe_text():
    return "".join("A" + chr(c) for c in _CPS)


def _matched_at(rx, text):
    """Start offsets of the matches of ``rx`` in ``text``, as tokenizers finds them (what its
    "removed" split takes out of the text)."""
    kept = bytearray(len(text))
    for _, (a, b) in pre_tokenizers.Split(Regex(rx), "removed").pre_tokenize_str(text):
        kept[a:b] = b"\x01" * (b - a)
    return {i for i in range(0, len(text), 2) if not kept[i]}


def _matched_at_ours(rx, text):
    from tokenizer._unicode_pinned import compile_pinned

    return {
        m.start() for m in compile_pinned(onig_to_regex(rx)).finditer(text) if m.start() % 2 == 0
    }


@pytest.mark.slow
@pytest.mark.parametrize(
    "cls",
    [
        r"\w",
        r"\W",
        r"\d",
        r"\D",
        r"\s",
        r"\h",
        r"[\w\d]",
        r"[^\W_]",
        r"[\W\d]",
        r"[\w]|\w",
        r"\p{L}",
        r"[\p{Lu}\p{N}]",
        r"\P{^N}",
        *(f"(?i:{c})" for c in "aiIksSzK"),
        r"(?i:[a-z])",
        r"(?i:[^a-z])",
        r"(?i:[^kI])",
        r"(?i:[!-~])",
        r"(?i:[^!-~])",
    ],
)
def test_class_as_tokenizers_reads_it_on_every_code_point(cls, probe_text):
    # "A" + c for every code point c: "A" is taken out with c exactly when c is in the class
    want = _matched_at(f"A(?:{cls})", probe_text)
    got = _matched_at_ours(f"A(?:{cls})", probe_text)
    assert got == want, [hex(_CPS[i // 2]) for i in sorted(got ^ want)[:10]]
    assert 0 < len(got) < len(_CPS)


@pytest.mark.slow
@pytest.mark.parametrize("boundary", [r"\b", r"\B"])
def test_word_boundary_as_tokenizers_reads_it_on_every_code_point(boundary, probe_text):
    # "A" then c: a boundary there exactly when c is not a word character to Oniguruma
    want = _matched_at(f"A{boundary}", probe_text)
    got = _matched_at_ours(f"A{boundary}", probe_text)
    assert got == want, [hex(_CPS[i // 2]) for i in sorted(got ^ want)[:10]]
    assert 0 < len(got) < len(_CPS)


# --- refused -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "rx, why",
    [
        (r"(a)\1", r"escape \\1"),
        (r"\k<x>", r"escape \\k"),
        (r"a\Gb", r"escape \\G"),
        (r"a\Kb", r"escape \\K"),
        (r"\R", r"escape \\R"),
        (r"\X", r"escape \\X"),
        (r"\101", r"escape \\1"),  # octal: bytes of UTF-8 to Oniguruma
        (r"\xe9", "a byte of UTF-8"),
        (r"\x4", "two hex digits"),
        (r"\q", r"escape \\q"),
        (r"\pL", "without braces"),
        (r"\p{Alpha}", "property"),
        (r"\p{Greek}", "property"),
        (r"\p{Nd}", "property"),
        (r"[a&&b]", "nested class"),
        (r"[[:alpha:]]", "nested class"),
        (r"[a[b]]", "nested class"),
        (r"[a-c-e]", "right after a range"),
        (r"(?i)a", "unscoped inline option"),
        (r"a(?i)b", "unscoped inline option"),
        (r"(?x:a b)", "options"),
        (r"(?i-i:a)", "options"),
        (r"(?i:\p{Lu})", "under \\(\\?i\\)"),
        (r"(?i:\w)", "under \\(\\?i\\)"),
        (r"(?i:[\s])", "under \\(\\?i\\)"),
        (r"(?i:é)", "non-ASCII"),
        (r"(?i:[à-é])", "non-ASCII"),
        (r"a**", "quantifier after a quantifier"),
        (r"a{1,3}+?", "quantifier after a quantifier"),
        (r"a{2,1}", "interval"),
        (r"a{100001}", "interval"),
        (r"*a", "nothing to repeat"),
        (r"^*a", "nothing to repeat"),
        (r"(?=a)*a", "nothing to repeat"),
        (r"(?~a)", "group kind"),
        (r"(?(1)a|b)", "group kind"),
        (r"a*", "empty string"),
        (r"a|", "empty string"),
        (r"(?:a|b?)", "empty string"),
        (r"\b", "empty string"),
        (r"(?=a)", "empty string"),
        (r"((a)", "unclosed"),
        (r"a)", "unbalanced"),
        (r"[ab", "unterminated"),
    ],
)
def test_constructs_not_carried_exactly_are_refused(rx, why):
    with pytest.raises(PatternPortError, match=why):
        onig_to_regex(rx)


def test_empty_matches_are_why_nullable_regexes_are_refused():
    # tokenizers cuts the text at every empty match; the isolated split here ignores them
    assert _hf("a*", "bb") == ["b", "b"]
    assert reference_split("bb", ("a*",)) == ["bb"]


def test_a_class_under_ignore_case_differs_in_the_regex_module():
    # why letters i and I under (?i:) are written out: the regex module folds U+0130 to i
    assert _hf("(?i:i)", "\u0130") == ["\u0130"]  # no match: one piece, the gap
    import regex

    assert regex.fullmatch("(?i:i)", "\u0130")
    assert not regex.fullmatch(onig_to_regex("(?i:i)"), "\u0130")


# --- whole tokenizer.json files ----------------------------------------------------------------


def _file_with_splits(splits, texts, vocab_size=300):
    """A byte-level BPE trained by tokenizers with these Split regexes."""
    from tokenizers import decoders, models, trainers

    hf = tokenizers.Tokenizer(models.BPE())
    hf.pre_tokenizer = pre_tokenizers.Sequence(
        [*(pre_tokenizers.Split(Regex(rx), "isolated") for rx in splits)]
        + [pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)]
    )
    hf.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        show_progress=False,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    hf.train_from_iterator(texts, trainer)
    return hf


def test_tiktoken_cl100k_text_in_a_tokenizer_json_is_read_as_oniguruma_does():
    # Split(Regex(enc._pat_str)) of cl100k_base: to Oniguruma \p{N}{1,3}+ is (?:\p{N}{1,3})+,
    # so "12345" is one piece; codebpe took it for its cl100k and cut it as 123 + 45.
    hf = _file_with_splits([PATTERNS["cl100k"].regexes[0]], ["12345 678 " * 50, FILE_TEXT * 20])
    ours = Tokenizer.from_hf(json.loads(hf.to_str()))
    assert not ours.native_split and ours.pattern.name != "cl100k"
    for text in ["12345", "1234567", FILE_TEXT, "x  \n\n  y  \n"]:
        assert ours.encode(text) == hf.encode(text, add_special_tokens=False).ids, text
    assert hf.encode("12345").tokens == ["12345"]


@shipped_hf
def test_shipped_tokenizer_json_with_a_line_anchor():
    # DeepSeek-LLM, -Coder-v1.5, -V2, Janus, ...: Split regexes [\r\n], ..., \s+$ (read as a line
    # end now; their [\r\n] split comes first, so no piece holds a newline there, and the ids are
    # the same either way), and a large class of letters with astral ranges
    from tokenizer.interop import load_hf_tokenizer_json

    obj = load_hf_tokenizer_json("deepseek-coder-v1.5")
    hf = tokenizers.Tokenizer.from_str(json.dumps(obj))
    ours = Tokenizer.from_hf(obj)
    for text in ["a  \nb", "x = 1   \n    y  \r\n\tz\n", "end  ", FILE_TEXT, "𐐀𐐨 ab"]:
        assert ours.encode(text, allowed_special="all") == hf.encode(text).ids, text


@pytest.mark.parametrize(
    "rx",
    [
        r"\w+|\W",
        r"(?i:[a-z]+)|\d+|\s+|.",
        r"\bfoo\b|\S+|\s+",
        r"[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{2}+|.",
        r"\s+$|\S+|\s",  # "a  \nb": the spaces end a line, a piece without the newline
        r"^\s+|\S+|\s",
    ],
)
def test_custom_split_regex_files_match_tokenizers(rx):
    texts = [
        "foo bar\u200dbaz İI ıi K 12345 ² x_y\nfoo!",
        "foo  \n  bar  \n\nfoo\u200dbar foo²bar İi ıI x  \n",
        FILE_TEXT,
    ]
    hf = _file_with_splits([rx], texts * 20)
    ours = Tokenizer.from_hf(json.loads(hf.to_str()))
    for text in [*texts, "foofoo foo.foo", "1 12 123 1234", "a  \nb  \n"]:
        assert ours.encode(text) == hf.encode(text, add_special_tokens=False).ids, (rx, text)


def test_refused_split_regex_names_the_regex():
    hf = _file_with_splits([r"\p{N}|\p{L}+|\s+|."], ["abc 123"] * 5, vocab_size=260)
    obj = json.loads(hf.to_str())
    obj["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"] = r"\p{Alpha}+|."
    with pytest.raises(ValueError, match=r"unsupported Split regex '\\\\p\{Alpha\}\+\|\.'"):
        Tokenizer.from_hf(obj)
