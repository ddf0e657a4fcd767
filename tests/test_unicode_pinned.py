"""Pinned Unicode classes: every split classifies code points as tiktoken and `tokenizers` do.

The `regex` module is at a newer Unicode than tiktoken's fancy-regex and tokenizers' Oniguruma
(17k code points differ, mostly CJK Extension J); tokenizer/_unicode_pinned.py and the generated
C++ tables follow the two libraries whose vocabularies codebpe loads.
"""

from __future__ import annotations

import json

import pytest
import regex
from conftest import shipped_hf

from tokenizer._unicode_pinned import (
    PinnedRegex,
    _disagreeing,
    compile_pinned,
    hf_digits_class,
    pin_pattern,
    pin_with,
    pinned_ranges,
    regex_text,
)
from tokenizer.encoding import Tokenizer, load_tokenizer
from tokenizer.interop import load_hf_tokenizer_json
from tokenizer.patterns import PATTERNS, reference_split

EXT_J = "\U000323b0"  # CJK Ext. J (Unicode 17): a letter to `regex`, unassigned to tiktoken
RANGES = {"L": [(0x41, 0x5A), (0x61, 0x7A)], "N": [(0x30, 0x39)]}


def test_pin_with_rewrites_property_escapes_only():
    L, N = r"\U00000041-\U0000005a\U00000061-\U0000007a", r"\U00000030-\U00000039"
    assert pin_with(r"\p{L}+", RANGES) == f"[{L}]+"
    assert pin_with(r"\pL|\p{n}", RANGES) == f"[{L}]|[{N}]"  # one-letter form, any case
    assert pin_with(r"[^\r\n\p{L}\p{N}]?", RANGES) == f"[^\\r\\n{L}{N}]?"  # inside a class
    not_l = r"\U00000000-\U00000040\U0000005b-\U00000060\U0000007b-\U0010ffff"
    assert pin_with(r"\P{L}", RANGES) == f"[{not_l}]"
    assert pin_with(r"\p{^L}", RANGES) == f"[{not_l}]"
    assert pin_with(r"[\P{L}x]", RANGES) == f"[{not_l}x]"
    # an escaped backslash, a literal ']' first in a class, a POSIX class, unknown properties
    assert pin_with(r"\\p{L}", RANGES) == r"\\p{L}"
    assert pin_with(r"[]\p{L}]", RANGES) == f"[]{L}]"
    assert pin_with(r"(?V1)[[:alpha:]\p{N}]", RANGES) == f"(?V1)[[:alpha:]{N}]"
    assert pin_with(r"\p{Greek}\p{Lu}\s", RANGES) == r"\p{Greek}\p{Lu}\s"
    used: set[str] = set()
    pin_with(r"\p{L}\P{N}x", RANGES, used)
    assert used == {"L", "N"}


def test_end_anchor_for_a_regex_release_without_lower_z(monkeypatch):
    """The exporter writes ``\\z`` (Oniguruma, fancy-regex); a ``regex`` release that rejects it
    (the last one for Python 3.9 does) is given ``\\Z``, which means the same there; an escaped
    backslash before a ``z`` is left alone."""
    import tokenizer._unicode_pinned as up

    text = r"\s+(?=\n?\z)|a\\z|\zz"
    monkeypatch.setattr(up, "_knows_lower_z", lambda: False)
    assert regex_text(text) == r"\s+(?=\n?\Z)|a\\z|\Zz"
    rx = compile_pinned(r"\p{L}+(?=\n?\z)")  # (a new pattern: compile_pinned caches)
    assert rx.pattern == r"\p{L}+(?=\n?\z)"
    assert rx.findall(f"ab\n{EXT_J}cd\n") == ["cd"] and rx.findall("ab\n\n") == []
    monkeypatch.setattr(up, "_knows_lower_z", lambda: True)
    assert regex_text(text) == text


def test_pinned_properties_are_what_the_libraries_see():
    tiktoken = pytest.importorskip("tiktoken")
    ranks = {bytes([i]): i for i in range(256)}
    ranks.update({b"A" + bytes([i]): 256 + i for i in range(256)})
    pinned = pinned_ranges()
    # spot checks, each side of a few edges of every property: "A" + c is one piece (and "A"
    # merges with c's first byte) exactly when c is in the class
    for prop, ranges in pinned.items():
        enc = tiktoken.Encoding(
            "probe", pat_str=rf"A\p{{{prop}}}|[\s\S]", mergeable_ranks=ranks, special_tokens={}
        )
        rx = compile_pinned(rf"\p{{{prop}}}")
        edges = {
            c for lo, hi in ranges[:: max(1, len(ranges) // 40)] for c in (lo - 1, lo, hi, hi + 1)
        }
        for c in sorted(e for e in edges if 0 <= e < 0x110000 and not 0xD800 <= e < 0xE000):
            theirs = enc.encode_ordinary("A" + chr(c))[0] >= 256
            assert theirs == bool(rx.fullmatch(chr(c))), (prop, hex(c))


def test_pinned_regex_runs_as_written_unless_a_disagreeing_code_point_occurs():
    assert isinstance(compile_pinned(r"\p{L}+"), PinnedRegex)
    rx = PinnedRegex(r"\p{L}+")  # not compile_pinned's cached one: its state is tested
    assert rx.pattern == r"\p{L}+" and rx.groups == 0
    assert rx.findall("ab cd") == ["ab", "cd"] and rx._slow is None  # never needed
    assert rx.findall("été") == ["été"] and rx._slow is None
    assert regex.findall(r"\p{L}+", f"ab{EXT_J}cd") == [f"ab{EXT_J}cd"]  # regex's own tables
    assert rx.findall(f"ab{EXT_J}cd") == ["ab", "cd"]
    assert [m.group() for m in rx.finditer(f"x{EXT_J}")] == ["x"]
    assert rx.sub("-", f"ab{EXT_J}") == f"-{EXT_J}"
    assert rx.search(EXT_J) is None and rx.fullmatch(EXT_J) is None and rx.match(EXT_J) is None
    assert rx.split(f"1{EXT_J}a2") == [f"1{EXT_J}", "2"]
    assert EXT_J in _disagreeing("L")
    # a regex without a pinned property is the regex as written
    assert pin_pattern("[a-z]+") == "[a-z]+" and compile_pinned("[a-z]+").disagreeing() == set()


def _contexts(cps: list[int]) -> list[str]:
    # Each code point where a class boundary would change a token that spans it: after a letter,
    # before "/d", "'R", "\n//", digits and letters, after a space and a digit (the shapes that
    # found the old tables' differences).
    out = []
    for c in cps:
        ch = chr(c)
        out.append(f"a{ch}b {ch}x1{ch} {ch}/d {ch}'R {ch}\n// {ch}ing {ch}123 1{ch} .{ch}. ({ch})")
    return out


def _disagreeing_code_points() -> list[int]:
    props = ["L", "Lu", "Ll", "Lt", "Lm", "Lo", "M", "N", "P", "S"]
    return sorted({ord(c) for p in props for c in _disagreeing(p)})


@pytest.fixture(scope="module")
def disagreeing_texts():
    return _contexts(_disagreeing_code_points())


@pytest.mark.parametrize("name", ["cl100k_base", "o200k_base"])
@pytest.mark.parametrize("native", [True, False])
def test_disagreeing_code_points_encode_like_tiktoken(name, native, disagreeing_texts, request):
    import tiktoken

    ranks, pattern, specials = request.getfixturevalue(name.split("_")[0])
    ref = tiktoken.Encoding(name, pat_str=pattern.text, mergeable_ranks=ranks, special_tokens={})
    tok = Tokenizer.from_tiktoken(name, native_split=native)
    assert tok.native_split is native
    texts = disagreeing_texts if native else disagreeing_texts[::7]  # the regex path is slower
    ours, theirs = tok.encode_ordinary_batch(texts), ref.encode_ordinary_batch(texts)
    bad = [texts[i][1] for i in range(len(texts)) if ours[i] != theirs[i]]
    assert not bad, f"{len(bad)} code points differ: {[hex(ord(c)) for c in bad[:10]]}"


@shipped_hf
@pytest.mark.parametrize("name", ["deepseek-coder", "deepseek-v3"])
@pytest.mark.parametrize("native", [True, False])
def test_disagreeing_code_points_encode_like_tokenizers(name, native, disagreeing_texts):
    tokenizers = pytest.importorskip("tokenizers")
    hf = tokenizers.Tokenizer.from_str(json.dumps(load_hf_tokenizer_json(name)))
    tok = Tokenizer.from_hf(name, native_split=native) if not native else load_tokenizer(name)
    assert tok.native_split is native
    texts = disagreeing_texts if native else disagreeing_texts[::7]
    theirs = [e.ids for e in hf.encode_batch(texts, add_special_tokens=False)]
    ours = tok.encode_ordinary_batch(texts)
    bad = [texts[i][1] for i in range(len(texts)) if ours[i] != theirs[i]]
    assert not bad, f"{len(bad)} code points differ: {[hex(ord(c)) for c in bad[:10]]}"


def test_native_probe_needs_no_pin():
    # _split.native_available checks the C++ matchers against the regexes as written on _PROBE:
    # the pinned split only when no probe character is one where the tables disagree.
    from tokenizer._split import _PROBE

    assert not set(_PROBE) & set(map(chr, _disagreeing_code_points()))


def test_guarded_sets_equal_the_written_out_ranges():
    # PinnedRegex's slow path guards each set against the disagreeing code points D instead of
    # writing the pinned ranges out; on D (and around it) both must match the same.
    from tokenizer.patterns import PATTERNS

    d = "".join(map(chr, _disagreeing_code_points()))
    text = f"{d} a{d[::97]}b 1{d[::89]}2 \n{d[::83]}// x\u0295y {EXT_J}/d"
    checked = 0
    for pattern in PATTERNS.values():
        for rx_text in pattern.regexes:
            guarded = compile_pinned(rx_text)
            if not guarded.disagreeing():  # no pinned property (literal ranges only)
                assert pin_pattern(rx_text) == rx_text
                continue
            written = regex.compile(pin_pattern(rx_text))
            assert guarded.findall(text) == written.findall(text), pattern.name
            assert guarded._slow is not None  # the guarded path ran
            checked += 1
    assert checked >= len(PATTERNS)


_NUMERIC_NOT_N = [0x11DE0, 0x11DE9, 0x16FF4, 0x16FF6]  # Rust's char::is_numeric, not \p{N} here


@pytest.mark.slow
def test_digits_pre_tokenizer_on_every_code_point():
    # tokenizers' Digits is Rust's char::is_numeric, at a newer Unicode than Oniguruma's \p{N}
    from tokenizers import pre_tokenizers

    from tokenizer._unicode_pinned import all_code_points

    text = "A".join(all_code_points())
    for individual in (True, False):
        digits = pre_tokenizers.Digits(individual_digits=individual)
        want = [p for p, _ in digits.pre_tokenize_str(text)]
        assert reference_split(text, (hf_digits_class() + ("" if individual else "+"),)) == want
    assert all(f"\\U{c:08x}" in hf_digits_class() for c in _NUMERIC_NOT_N)


@shipped_hf
@pytest.mark.parametrize("native", [True, False])
def test_deepseek_coder_digits_split_like_tokenizers(native):
    # DeepSeek-Coder's last step is Digits(individual_digits=True): U+11DE0 is a digit to it
    # ("+" U+11DE0 "+" is three pieces), though not \p{N} to Oniguruma (the pinned tables)
    tokenizers = pytest.importorskip("tokenizers")
    from tokenizer._hf_import import bytes_of_hf_token
    from tokenizer.pretokenize import split

    hf = tokenizers.Tokenizer.from_str(json.dumps(load_hf_tokenizer_json("deepseek-coder")))
    tok = Tokenizer.from_hf("deepseek-coder", native_split=native)
    assert tok.native_split is native
    assert PATTERNS["deepseek-coder"].regexes[-1] == hf_digits_class()
    for c in map(chr, [*_NUMERIC_NOT_N, 0x0661, 0x00B2]):
        for text in (f"+{c}+", f"  {c}  ", f"a{c}b", f"${c}${c}1", f"\u3000{c}中"):
            want = [bytes_of_hf_token(p) for p, _ in hf.pre_tokenizer.pre_tokenize_str(text)]
            ours = [p.encode() for p in tok._splitter.split(text)]
            if native:
                ours = split(text.encode(), "deepseek-coder")
            assert ours == want, text
