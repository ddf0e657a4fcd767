"""Export to Hugging Face tokenizer.json and tiktoken: same splits, same ids, files that load back.

The ladder: reference encoder (tokenizer._reference.encode) == exported tokenizer.json run by
`tokenizers` == exported tiktoken.Encoding, on mixed text, hypothesis text and the shipped corpus.
"""

from __future__ import annotations

import json
import os
import random
import re

import pytest
import tiktoken
from _vocab_fixtures import BUILTIN_PATTERNS, corpus_files, corpus_sample, corpus_texts, make_vocab
from conftest import MIXED_TEXT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tokenizers import Regex, Tokenizer
from tokenizers import pre_tokenizers as hf_pre

from tokenizer import export, load_tokenizer
from tokenizer._reference import encode as reference_encode
from tokenizer.export import (
    ExportError,
    TiktokenExportError,
    load_tiktoken_export,
    rank_merges,
    save_hf,
    save_tiktoken,
    to_hf_json,
    to_tiktoken,
)
from tokenizer.export_read import read_hf_vocabulary, read_tiktoken_vocabulary
from tokenizer.patterns import Pattern, get_pattern, reference_split
from tokenizer.regex_port import PatternPortError, port_regex
from tokenizer.vocab import Vocabulary

SINGLE_REGEX = tuple(p for p in BUILTIN_PATTERNS if len(get_pattern(p).regexes) == 1)

# Characters where the engines are most likely to disagree: whitespace of every kind, letters and
# digits added in Unicode 15-17, marks, CJK, case-folding traps, quotes, brackets, operators.
TRICKY = (
    " \t\n\r\x0b\x0c\x1c\x1f\x85\xa0\u1680\u2000\u2028\u2029\u202f\u3000"
    "aZ09'sStTlLvV\u017f\u212a_-=+*/<>()[]{}.,;:!?\"`#@$%^&|~\\"
    "\u00e9\u0301\u0558\u088f\u1c89\u1cf7\u0c5c\u2f9d\u4e00\u9fa5\u3041\u30a1\u30fc\uac00\uff11"
    "\U00011de0\U00016ea0\U00016ebb\U0002b73a\U00010d40\U0001d7ce\u0660\u0966\u00b2\u2460\U0001f680"
)
texts = st.text(
    alphabet=st.one_of(
        st.sampled_from(TRICKY), st.characters(exclude_categories=("Cs",), max_codepoint=0x10FFFF)
    ),
    max_size=60,
)


class _Trained(dict):
    """Trained vocabularies by pattern, built on first use (a short repr for hypothesis)."""

    def __missing__(self, pattern: str) -> Vocabulary:
        sample = "".join(corpus_sample(1, 1500))
        self[pattern] = make_vocab((MIXED_TEXT, sample), pattern=pattern, vocab_size=450)
        return self[pattern]

    def __repr__(self) -> str:
        return "<trained vocabularies>"


TRAINED = _Trained()


@pytest.fixture(scope="session")
def trained():
    """One small trained vocabulary per built-in pattern (reserved + special tokens)."""
    return TRAINED


def expected_ids(text: str, vocab: Vocabulary) -> list[int]:
    """Reference ids with every special token in ``text`` allowed (what HF always does)."""
    ids: list[int] = []
    names = sorted(vocab.special_tokens, key=len, reverse=True)
    rx = re.compile("|".join(re.escape(s) for s in names)) if names else None
    pos = 0
    for m in rx.finditer(text) if rx else ():
        ids += reference_encode(text[pos : m.start()], vocab.ranks(), vocab.pattern)
        ids.append(vocab.special_tokens[m.group()])
        pos = m.end()
    return ids + reference_encode(text[pos:], vocab.ranks(), vocab.pattern)


_CACHE: dict[tuple[str, int], object] = {}


def _hf(vocab: Vocabulary) -> Tokenizer:
    key = ("hf", id(vocab))
    if key not in _CACHE:
        _CACHE[key] = (vocab, Tokenizer.from_str(json.dumps(to_hf_json(vocab))))
    return _CACHE[key][1]  # type: ignore[index]


def _tiktoken(vocab: Vocabulary) -> tiktoken.Encoding:
    key = ("tiktoken", id(vocab))
    if key not in _CACHE:
        _CACHE[key] = (vocab, to_tiktoken(vocab))
    return _CACHE[key][1]  # type: ignore[index]


def _hf_split(pattern: str):
    splits = export.hf_pre_tokenizer(get_pattern(pattern))["pretokenizers"][:-1]
    seq = hf_pre.Sequence(
        [hf_pre.Split(Regex(s["pattern"]["Regex"]), behavior="isolated") for s in splits]
    )
    return lambda text: [p for p, _ in seq.pre_tokenize_str(text)]


def _tiktoken_split(pattern: str, text: str) -> list[str]:
    """tiktoken's pieces of ``text``: with every reference piece as a whole-piece token, tiktoken
    returns exactly the reference pieces iff its own split is the same."""
    pieces = reference_split(text, pattern)
    tokens = [bytes([i]) for i in range(256)]
    extra = sorted({p.encode() for p in pieces if len(p.encode()) > 1})
    enc = tiktoken.Encoding(
        "probe",
        pat_str=export.tiktoken_pat_str(get_pattern(pattern)),
        mergeable_ranks={t: i for i, t in enumerate(tokens + extra)},
        special_tokens={},
    )
    return [
        enc.decode_single_token_bytes(i).decode("utf-8", "replace")
        for i in enc.encode_ordinary(text)
    ]


_CLASS_ESCAPES = {"t": 9, "n": 10, "r": 13, "f": 12, "v": 11, "a": 7, "e": 27}


def _class_edges(ported: str) -> set[int]:
    """lo-1, lo, hi and hi+1 of every range of every class in a ported regex, read from its text
    (ported classes are code points, ``\\uXXXX``, ``\\t``-style and ``\\-``-style escapes)."""

    def code_point(j: int) -> tuple[int, int]:
        if ported[j] != "\\":
            return ord(ported[j]), j + 1
        if ported[j + 1] == "u":
            return int(ported[j + 2 : j + 6], 16), j + 6
        return _CLASS_ESCAPES.get(ported[j + 1], ord(ported[j + 1])), j + 2

    edges: set[int] = set()
    i = 0
    while i < len(ported):
        if ported[i] == "\\":
            i += 2
        elif ported[i] != "[":
            i += 1
        else:
            i += 1 + (ported[i + 1] == "^")
            while ported[i] != "]":
                lo, i = code_point(i)
                hi = lo
                if ported[i] == "-" and ported[i + 1] != "]":
                    hi, i = code_point(i + 1)
                edges.update((lo - 1, lo, hi, hi + 1))
            i += 1
    return edges


def _edge_texts(pattern: str, target: str) -> list[str]:
    """Each code point at an edge of a range in the ported classes (where engines have been seen
    to differ: tiktoken's regex crate negated ...\\uD7FF\\uE000... wrongly), and 2000 random
    ones, in contexts that exercise the whitespace lookaheads and the optional prefixes."""
    cps = {0, 0xD7FF, 0xE000, 0x10FFFF}  # the edges of every class: the surrogate gap, the ends
    for rx in get_pattern(pattern).regexes:
        cps |= _class_edges(port_regex(rx, target=target))
    rng = random.Random(f"{pattern}/{target}")
    cps.update(rng.randrange(0x110000) for _ in range(2000))
    valid = sorted(c for c in cps if 0 <= c <= 0x10FFFF and not 0xD800 <= c <= 0xDFFF)
    contexts = ("x  {0}", "{0}  x", "x {0}{0}", "\n\t{0} 1", " {0}\n")
    return [ctx.format(chr(c)) for c in valid for ctx in contexts]


def _tiktoken_split_batch(pattern: str, texts: list[str]) -> list[list[str]]:
    """tiktoken's pieces of each text (as in _tiktoken_split, with one encoding for all)."""
    extra = {p.encode() for t in texts for p in reference_split(t, pattern) if len(p.encode()) > 1}
    tokens = [bytes([i]) for i in range(256)] + sorted(extra)
    enc = tiktoken.Encoding(
        "probe",
        pat_str=export.tiktoken_pat_str(get_pattern(pattern)),
        mergeable_ranks={t: i for i, t in enumerate(tokens)},
        special_tokens={},
    )
    return [
        [tokens[i].decode("utf-8", "replace") for i in ids]
        for ids in enc.encode_ordinary_batch(texts)
    ]


def _all_code_points_text() -> str:
    """Every code point of planes 0-3 (where all assigned letters, digits and marks are) and every
    97th of planes 4-16, each after a rotating neighbour (space, letter, digit, newline, ...)."""
    seps = [" ", "a", "1", "\n", "", "  ", "中", "."]
    cps = [c for c in range(0x40000) if not 0xD800 <= c < 0xE000] + list(
        range(0x40000, 0x110000, 97)
    )
    return "".join(seps[c % len(seps)] + chr(c) for c in cps)


def _spaced_code_points_text() -> str:
    """The code points of _all_code_points_text, each between two spaces and a letter
    ('x  <c>  x  <c2>  x'): after a whitespace run and before one."""
    cps = [c for c in range(0x40000) if not 0xD800 <= c < 0xE000] + list(
        range(0x40000, 0x110000, 97)
    )
    return "".join(f"x  {chr(c)}  " for c in cps) + "x"


# -- the regex port -----------------------------------------------------------------------------


@pytest.mark.parametrize("pattern", BUILTIN_PATTERNS)
@pytest.mark.parametrize("target", ["onig", "fancy", "python"])
def test_port_is_the_same_regex_in_python(pattern, target, mixed_text):
    """The ported text is still a `regex`-module regex with the same meaning (importers run it)."""
    ported = tuple(port_regex(r, target=target) for r in get_pattern(pattern).regexes)
    for text in (mixed_text, "x = 12345\n\n  \tdef f():\r\n    return 1\n  \u0085\u3000\U000e0001"):
        assert reference_split(text, ported) == reference_split(text, pattern)


@pytest.mark.parametrize("pattern", BUILTIN_PATTERNS)
def test_hf_splits_equal_reference(pattern, mixed_text):
    split = _hf_split(pattern)
    for text in (
        mixed_text,
        "12345 1234567\n\n  x  \n\t\tif(a){b}\r\n  ",
        "a\u0558b \U00011de0\U00011de1",
    ):
        assert split(text) == reference_split(text, pattern)


@pytest.mark.parametrize("pattern", SINGLE_REGEX)
def test_tiktoken_splits_equal_reference(pattern, mixed_text):
    for text in (mixed_text, "12345 1234567\n\n  x  \n\t\tif(a){b}\r\n  ", "a\u0558b \U00011de0"):
        assert _tiktoken_split(pattern, text) == reference_split(text, pattern)


@pytest.mark.parametrize("pattern", BUILTIN_PATTERNS)
def test_hf_splits_at_class_range_edges(pattern):
    texts = _edge_texts(pattern, "onig")
    split = _hf_split(pattern)
    bad = [ascii(t) for t in texts if split(t) != reference_split(t, pattern)]
    assert not bad, f"{len(bad)} of {len(texts)} differ, e.g. {bad[:5]}"


@pytest.mark.parametrize("pattern", SINGLE_REGEX)
def test_tiktoken_splits_at_class_range_edges(pattern):
    """Before the fix, codebpe-v1's [^\\S\\r\\n] ported as a negated class listing
    ...\\u3001-\\uD7FF\\uE000-... matched U+D7FF and U+E000 in tiktoken ('x  \\ue000' was one
    piece)."""
    texts = _edge_texts(pattern, "fancy")
    got = _tiktoken_split_batch(pattern, texts)
    bad = [ascii(t) for t, g in zip(texts, got) if g != reference_split(t, pattern)]
    assert not bad, f"{len(bad)} of {len(texts)} differ, e.g. {bad[:5]}"


def test_fancy_port_joins_ranges_across_the_surrogates_in_negated_classes():
    """tiktoken 0.14's regex crate: [^\\uD7FF\\uE000] matches both; one range across the gap
    does not. Onig and python keep the split ranges (exported tokenizer.json files unchanged)."""
    probe = tiktoken.Encoding(
        "probe",
        pat_str=r"[^\uD7FF\uE000]",
        mergeable_ranks={bytes([i]): i for i in range(256)},
        special_tokens={},
    )
    if probe.encode_ordinary("\ue000") == []:
        pytest.skip("this tiktoken negates such classes correctly; the rewrite is harmless")
    for rx, want in [
        (r"[^\uD7FF\uE000]", r"[^\uD7FF-\uE000]"),
        (r"[^a\ud7ff-\ue000]", r"[^a\uD7FF-\uE000]"),
        (r"[^\S\r\n]", None),
    ]:
        fancy = port_regex(rx, target="fancy")
        assert "\\uD7FF\\uE000" not in fancy
        if want:
            assert fancy == want
        enc = tiktoken.Encoding(
            "probe",
            pat_str=fancy,
            mergeable_ranks={bytes([i]): i for i in range(256)},
            special_tokens={},
        )
        for c in "\ud7ff\ue000":
            assert enc.encode_ordinary(c) == [], (rx, c)
        assert port_regex(rx, target="onig") == port_regex(rx, target="python")
    assert "\\uD7FF\\uE000" in port_regex(r"[^\S\r\n]", target="onig")


@pytest.mark.slow
@pytest.mark.parametrize("pattern", BUILTIN_PATTERNS)
def test_hf_splits_every_code_point(pattern):
    for text in (_all_code_points_text(), _spaced_code_points_text()):
        assert _hf_split(pattern)(text) == reference_split(text, pattern)


@pytest.mark.slow
@pytest.mark.parametrize("pattern", SINGLE_REGEX)
def test_tiktoken_splits_every_code_point(pattern):
    for text in (_all_code_points_text(), _spaced_code_points_text()):
        assert _tiktoken_split(pattern, text) == reference_split(text, pattern)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts, pattern=st.sampled_from(BUILTIN_PATTERNS))
def test_hf_splits_hypothesis(text, pattern):
    assert _hf_split(pattern)(text) == reference_split(text, pattern)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts, pattern=st.sampled_from(SINGLE_REGEX))
def test_tiktoken_splits_hypothesis(text, pattern):
    assert _tiktoken_split(pattern, text) == reference_split(text, pattern)


@pytest.mark.parametrize(
    "rx",
    [r"\bword", r"(a)\1", r"(?m)^x", r"[[:alpha:]]", r"x\G", r"(?x) a", r"[a", r"(a", r"a)", r"*a"],
)
def test_port_refuses_what_it_cannot_carry(rx):
    with pytest.raises(PatternPortError):
        port_regex(rx, target="onig")


@pytest.mark.parametrize("pattern", BUILTIN_PATTERNS)
def test_port_is_idempotent(pattern):
    """Re-exporting a vocabulary read back from a tokenizer.json keeps the same regexes."""
    for rx in get_pattern(pattern).regexes:
        once = port_regex(rx, target="onig")
        assert port_regex(once, target="onig") == once


def test_a_special_token_that_is_an_ordinary_token_is_not_exported(tmp_path):
    """A special "()" beside the reserved token "()" (or "a" beside the byte): tokenizers takes
    the added token as the vocabulary's entry and numbered every later special one lower. The
    export is refused. (Such a tokenizer.json from another tool loads as tokenizers reads it.)"""
    import dataclasses

    vocab = dataclasses.replace(
        Vocabulary.bytes_only(pattern="gpt2"), special_tokens={"a": 256, "<|e|>": 257}
    )
    with pytest.raises(ExportError, match="special token 'a' .* id 97"):
        save_hf(vocab, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    ok = dataclasses.replace(vocab, special_tokens={"<|a|>": 256, "<|e|>": 257})
    obj = to_hf_json(ok)
    obj["added_tokens"][0]["content"] = "a"  # what another tool could write
    path = tmp_path / "t.json"
    path.write_text(json.dumps(obj))
    hf = Tokenizer.from_file(str(path))
    ours = load_tokenizer(path)
    for text in ("a", "<|e|>", "xa<|e|>"):
        assert ours.encode(text, allowed_special="all") == hf.encode(text).ids


def test_unportable_pattern_is_a_typed_error(tmp_path):
    vocab = Vocabulary.bytes_only(pattern=Pattern("wordy", (r"\b\w+\b|\s+",)))
    with pytest.raises(PatternPortError, match=r"the escape \\b"):
        to_hf_json(vocab)
    with pytest.raises(PatternPortError):
        save_tiktoken(vocab, tmp_path / "w.tiktoken")
    assert os.listdir(tmp_path) == []


def test_a_pattern_that_can_match_empty_is_not_exported(tmp_path):
    """tokenizers cuts a text at every empty match of a Split regex (codebpe's split does not),
    so ``\\w*`` gave other ids there, and its export could not be imported back: refused."""
    vocab = Vocabulary.bytes_only(pattern=Pattern("starry", (r"\w*|\s+",)))
    with pytest.raises(PatternPortError, match="empty string"):
        to_hf_json(vocab)
    with pytest.raises(PatternPortError, match="empty string"):
        save_hf(vocab, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    # what the refusal protects: tokenizers' pieces differ from codebpe's split on this
    splitter = hf_pre.Split(Regex(r"\w*|\s+"), "isolated")
    theirs = [p for p, _ in splitter.pre_tokenize_str("ab  cd")]
    assert theirs == ["ab", " ", " ", "cd"] != reference_split("ab  cd", vocab.pattern)


def test_port_rewrites_possessive_interval_and_anchors():
    assert port_regex(r"a{1,3}+|^b|c$", target="onig") == r"(?>a{1,3})|\Ab|c(?=\n?\z)"


# -- ids: reference == tokenizer.json == tiktoken ---------------------------------------------


@pytest.mark.parametrize("pattern", BUILTIN_PATTERNS)
def test_ids_identical_on_mixed_text(pattern, trained, mixed_text):
    vocab = trained[pattern]
    ref = reference_encode(mixed_text, vocab.ranks(), vocab.pattern)
    assert len(ref) < len(mixed_text.encode()) * 0.8  # the merges are really used
    assert _hf(vocab).encode(mixed_text).ids == ref
    if pattern in SINGLE_REGEX:
        assert to_tiktoken(vocab).encode_ordinary(mixed_text) == ref
    else:
        with pytest.raises(TiktokenExportError, match="tiktoken applies a single regex"):
            to_tiktoken(vocab)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts, pattern=st.sampled_from(BUILTIN_PATTERNS))
def test_ids_identical_hypothesis(text, pattern):
    vocab = TRAINED[pattern]
    ids = expected_ids(text, vocab)
    assert _hf(vocab).encode(text).ids == ids
    assert _hf(vocab).decode(ids, skip_special_tokens=False) == text
    if pattern in SINGLE_REGEX:
        enc = _tiktoken(vocab)
        assert enc.encode_ordinary(text) == reference_encode(text, vocab.ranks(), vocab.pattern)
        assert enc.encode(text, allowed_special="all") == expected_ids(text, vocab)


@pytest.mark.parametrize("pattern", ["codebpe-v1", "deepseek-v3", "deepseek-coder"])
def test_special_tokens_where_allowed(pattern, trained):
    vocab = trained[pattern]
    text = (
        "<|fim_prefix|>def f(x):\n<|fim_suffix|>    return y<|fim_middle|>  y = x"
        "<|endoftext|><|pad|>"
    )
    parts = re.split(r"(<\|[a-z_0-9]+\|>)", text)
    expected = expected_ids(text, vocab)
    assert len([i for i in expected if i >= len(vocab.tokens)]) == 5
    hf = _hf(vocab)
    assert hf.encode(text).ids == expected
    assert hf.decode(expected, skip_special_tokens=False) == text
    assert hf.decode(expected, skip_special_tokens=True) == "".join(
        p for p in parts if p not in vocab.special_tokens
    )
    if pattern in SINGLE_REGEX:
        enc = to_tiktoken(vocab)
        assert enc.encode(text, allowed_special="all") == expected
        assert enc.decode(expected) == text


def test_rank_merges_fix_merges_whose_pair_is_not_the_rank_pair():
    """A trained merge list may build 'abc' as a+bc while rank BPE builds it as ab+c."""
    base = [bytes([i]) for i in range(256)]
    tokens = base + [b"ab", b"bc", b"abc"]
    vocab = Vocabulary(tokens=tokens, pattern="gpt2", merges=[(97, 98), (98, 99), (97, 257)])
    assert rank_merges(tokens) == [(97, 98), (98, 99), (256, 99)]
    for text in ("abc", "abcabc xabcd"):
        ref = reference_encode(text, vocab.ranks(), "gpt2")
        assert _hf(vocab).encode(text).ids == ref == to_tiktoken(vocab).encode_ordinary(text)


def test_token_rank_bpe_cannot_build_is_still_a_whole_piece():
    """'abc' with no 'ab' or 'bc': no merge can build it, but a piece equal to it maps to it in
    tiktoken (whole-piece lookup) and, with ignore_merges, in Hugging Face."""
    tokens = [bytes([i]) for i in range(256)] + [b"abc"]
    vocab = Vocabulary(tokens=tokens, pattern="gpt2")
    assert rank_merges(tokens) == []
    text = "abc abc xabc"
    ref = reference_encode(text, vocab.ranks(), "gpt2")
    assert ref[0] == 256 and 256 not in ref[1:]
    assert _hf(vocab).encode(text).ids == ref == to_tiktoken(vocab).encode_ordinary(text)


# -- files -----------------------------------------------------------------------------------


def test_save_hf_folder_and_read_back(trained, tmp_path, mixed_text):
    vocab = trained["codebpe-v1"]
    path = save_hf(vocab, tmp_path / "tok")
    assert sorted(os.listdir(tmp_path / "tok")) == [
        "special_tokens_map.json",
        "tokenizer.json",
        "tokenizer_config.json",
    ]
    roles = json.loads((tmp_path / "tok" / "special_tokens_map.json").read_text())
    assert roles["eos_token"] == "<|endoftext|>" and roles["pad_token"] == "<|pad|>"
    assert Tokenizer.from_file(str(path)).encode(mixed_text).ids == reference_encode(
        mixed_text, vocab.ranks(), vocab.pattern
    )
    back = read_hf_vocabulary(tmp_path / "tok")
    assert back.tokens == vocab.tokens
    assert back.special_tokens == vocab.special_tokens
    assert back.merges == rank_merges(vocab.tokens)
    assert back.pattern == vocab.pattern


def test_save_hf_single_file(trained, tmp_path):
    path = save_hf(trained["gpt2"], tmp_path / "x.json")
    assert path == tmp_path / "x.json" and os.listdir(tmp_path) == ["x.json"]


def test_save_tiktoken_and_load(trained, tmp_path, mixed_text):
    vocab = trained["codebpe-v1"]
    path = save_tiktoken(vocab, tmp_path / "codebpe.tiktoken")
    assert sorted(os.listdir(tmp_path)) == ["codebpe.tiktoken", "codebpe.tiktoken.json"]
    first = (tmp_path / "codebpe.tiktoken").read_text().splitlines()[:2]
    assert first == ["AA== 0", "AQ== 1"]
    enc = load_tiktoken_export(path)
    ref = reference_encode(mixed_text, vocab.ranks(), vocab.pattern)
    assert enc.encode_ordinary(mixed_text) == ref
    assert enc.encode("<|endoftext|>", allowed_special="all") == [
        vocab.special_tokens["<|endoftext|>"]
    ]
    back = read_tiktoken_vocabulary(path)
    assert (back.tokens, back.special_tokens, back.pattern) == (
        vocab.tokens,
        vocab.special_tokens,
        vocab.pattern,
    )


@pytest.mark.parametrize("pattern", ["deepseek-v3", "deepseek-coder"])
def test_save_tiktoken_refuses_multi_regex(pattern, trained, tmp_path):
    with pytest.raises(TiktokenExportError, match="sequence of"):
        save_tiktoken(trained[pattern], tmp_path / "d.tiktoken")
    assert os.listdir(tmp_path) == []


def test_load_tiktoken_export_needs_sidecar(tmp_path):
    (tmp_path / "a.tiktoken").write_text("YQ== 0\n")
    with pytest.raises(ExportError, match="sidecar missing"):
        load_tiktoken_export(tmp_path / "a.tiktoken")
    (tmp_path / "a.tiktoken.json").write_text('{"format": "other"}')
    with pytest.raises(ExportError, match="not a codebpe tiktoken sidecar"):
        load_tiktoken_export(tmp_path / "a.tiktoken")


def test_transformers_auto_tokenizer(trained, tmp_path, mixed_text):
    transformers = pytest.importorskip(
        "transformers", reason="transformers is optional (pip install 'codebpe[transformers]')"
    )
    vocab = trained["codebpe-v1"]
    save_hf(vocab, tmp_path / "tok")
    tok = transformers.AutoTokenizer.from_pretrained(str(tmp_path / "tok"), local_files_only=True)
    ref = reference_encode(mixed_text, vocab.ranks(), vocab.pattern)
    assert tok(mixed_text, add_special_tokens=True)["input_ids"] == ref
    assert tok.decode(ref) == mixed_text
    assert tok.eos_token_id == vocab.special_tokens["<|endoftext|>"]
    assert tok.pad_token_id == vocab.special_tokens["<|pad|>"]
    assert tok.convert_tokens_to_ids("<|fim_middle|>") == vocab.special_tokens["<|fim_middle|>"]


def _auto_tokenizer(folder):
    transformers = pytest.importorskip(
        "transformers", reason="transformers is optional (pip install 'codebpe[transformers]')"
    )
    return transformers.AutoTokenizer.from_pretrained(str(folder), local_files_only=True)


def _bytes_vocab(*specials: str) -> Vocabulary:
    return Vocabulary(
        tokens=[bytes([i]) for i in range(256)],
        pattern="gpt2",
        special_tokens={s: 256 + k for k, s in enumerate(specials)},
    )


@pytest.mark.parametrize(
    ("specials", "eos", "bos", "pad"),
    [
        (("</s>", "<s>", "<pad>"), "</s>", "<s>", "<pad>"),
        (("<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>"), "<|end_of_text|>",
         "<|begin_of_text|>", None),
        (("<bos>", "<eos>", "<pad>", "<mask>"), "<eos>", "<bos>", "<pad>"),
        (("<|startoftext|>", "<|endoftext|>", "</s>"), "<|endoftext|>", "<|startoftext|>", None),
        (("<|im_start|>", "<|im_end|>"), None, None, None),  # chat markers: never guessed
    ],
)  # fmt: skip
def test_transformers_roles_by_common_name(specials, eos, bos, pad, tmp_path):
    """Before, only <|endoftext|> and <|pad|> took a role: with </s>, <s>, <pad> eos, bos and
    pad were None in AutoTokenizer."""
    vocab = _bytes_vocab(*specials)
    save_hf(vocab, tmp_path / "tok")
    tok = _auto_tokenizer(tmp_path / "tok")
    assert (tok.eos_token, tok.bos_token, tok.pad_token) == (eos, bos, pad)
    assert sorted(tok.all_special_tokens) == sorted(specials)
    assert tok.eos_token_id == vocab.special_tokens.get(eos)
    # a BOS role adds no token: AutoTokenizer's ids are still codebpe's
    text = f"hi {specials[0]} there"
    assert tok(text)["input_ids"] == expected_ids(text, vocab)
    roles = json.loads((tmp_path / "tok" / "special_tokens_map.json").read_text())
    assert {k: roles.get(k) for k in ("eos_token", "bos_token", "pad_token")} == {
        "eos_token": eos,
        "bos_token": bos,
        "pad_token": pad,
    }


def test_transformers_roles_given(tmp_path):
    vocab = _bytes_vocab("<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|pad|>")
    save_hf(vocab, tmp_path / "tok", eos_token="<|im_end|>", bos_token="<|im_start|>")
    tok = _auto_tokenizer(tmp_path / "tok")
    assert (tok.eos_token, tok.bos_token, tok.pad_token) == (
        "<|im_end|>",
        "<|im_start|>",
        "<|pad|>",
    )
    assert "<|endoftext|>" in tok.all_special_tokens
    save_hf(vocab, tmp_path / "same", eos_token="<|endoftext|>", pad_token="<|endoftext|>")
    tok = _auto_tokenizer(tmp_path / "same")
    assert tok.eos_token == tok.pad_token == "<|endoftext|>"
    # a name that is not a special token: a clear error, nothing written
    with pytest.raises(ExportError, match=r"eos_token '</s>' is not one of .*<\|im_end\|>"):
        save_hf(vocab, tmp_path / "bad", eos_token="</s>")
    with pytest.raises(ExportError, match="pad_token 'x'"):
        save_hf(vocab, tmp_path / "bad", pad_token="x")
    with pytest.raises(ExportError, match="single .json"):
        save_hf(vocab, tmp_path / "bad.json", eos_token="<|endoftext|>")
    assert sorted(os.listdir(tmp_path)) == ["same", "tok"]


def test_save_hf_merges_into_an_existing_config(trained, tmp_path):
    """Before, tokenizer_config.json was replaced: a model folder lost its chat_template."""
    vocab = trained["codebpe-v1"]
    folder = tmp_path / "model"
    folder.mkdir()
    old = {
        "chat_template": "{% for m in messages %}{{ m.content }}{% endfor %}",
        "model_max_length": 4096,
        "padding_side": "left",
        "tokenizer_class": "LlamaTokenizer",
        "unk_token": "<unk>",
        "eos_token": {"__type": "AddedToken", "content": "<|reserved_0|>", "special": True},
        "bos_token": "<s>",
        "added_tokens_decoder": {"0": {"content": "<unk>", "special": True}},
    }
    (folder / "tokenizer_config.json").write_text(json.dumps(old))
    save_hf(vocab, folder)
    config = json.loads((folder / "tokenizer_config.json").read_text())
    for key in ("chat_template", "model_max_length", "padding_side"):
        assert config[key] == old[key]
    assert config["tokenizer_class"] == "PreTrainedTokenizerFast"
    assert "unk_token" not in config and "bos_token" not in config  # no such special token
    assert config["eos_token"] == "<|reserved_0|>"  # the folder's role, still a special token
    assert config["pad_token"] == "<|pad|>"
    assert set(config["added_tokens_decoder"]) == {str(i) for i in vocab.special_tokens.values()}
    assert set(config) - set(old) <= set(export.CONFIG_KEYS)
    tok = _auto_tokenizer(folder)
    assert tok.model_max_length == 4096 and tok.chat_template == old["chat_template"]
    assert tok.eos_token == "<|reserved_0|>" and tok.unk_token is None
    # an explicit role wins over the folder's
    save_hf(vocab, folder, eos_token="<|endoftext|>")
    config = json.loads((folder / "tokenizer_config.json").read_text())
    assert config["eos_token"] == "<|endoftext|>" and config["model_max_length"] == 4096


@pytest.mark.parametrize("content", ["{not json", "[1, 2]"])
def test_save_hf_refuses_to_merge_into_a_broken_config(content, tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "tokenizer_config.json").write_text(content)
    with pytest.raises(ExportError, match="tokenizer_config.json"):
        save_hf(_bytes_vocab("</s>"), folder)
    assert os.listdir(folder) == ["tokenizer_config.json"]
    assert (folder / "tokenizer_config.json").read_text() == content


# -- the shipped corpus and cl100k_base ---------------------------------------------------------

needs_corpus = pytest.mark.skipif(not corpus_files(), reason="no shipped corpus (corpora/)")


@needs_corpus
@pytest.mark.parametrize("pattern", BUILTIN_PATTERNS)
def test_corpus_sample_reference_equals_exports(pattern, trained):
    vocab = trained[pattern]
    hf = _hf(vocab)
    docs = list(corpus_sample(2, 2000))
    refs = [reference_encode(d, vocab.ranks(), vocab.pattern) for d in docs]
    assert [e.ids for e in hf.encode_batch(docs)] == refs
    if pattern in SINGLE_REGEX:
        assert to_tiktoken(vocab).encode_ordinary_batch(docs) == refs


@needs_corpus
@pytest.mark.slow
def test_whole_corpus_hf_equals_tiktoken(trained):
    vocab = trained["codebpe-v1"]
    docs = corpus_texts()
    hf_ids = [e.ids for e in _hf(vocab).encode_batch(docs)]
    assert hf_ids == to_tiktoken(vocab).encode_ordinary_batch(docs)


@pytest.fixture(scope="session")
def cl100k_vocab(cl100k):
    """cl100k_base as a codebpe Vocabulary: bytes first, then the other tokens in rank order."""
    ranks, pattern, specials = cl100k
    order = [bytes([i]) for i in range(256)]
    order += [t for t, _ in sorted(ranks.items(), key=lambda kv: kv[1]) if len(t) > 1]
    top = sorted(specials, key=specials.__getitem__)
    return Vocabulary.from_ranks(
        {t: i for i, t in enumerate(order)},
        pattern=pattern,
        special_tokens={s: len(order) + k for k, s in enumerate(top)},
        merges=rank_merges(order),
    )


@pytest.mark.slow
def test_cl100k_export_matches_tiktoken_cl100k(cl100k_vocab, tiktoken_cl100k, mixed_text, tmp_path):
    vocab = cl100k_vocab
    official_to_ours = {
        tiktoken_cl100k.encode_single_token(t): i for i, t in enumerate(vocab.tokens)
    }
    hf = Tokenizer.from_file(str(save_hf(vocab, tmp_path / "cl100k")))
    enc = to_tiktoken(vocab)
    docs = [mixed_text, *corpus_texts(heldout_only=True)]
    want = [
        [official_to_ours[i] for i in ids] for ids in tiktoken_cl100k.encode_ordinary_batch(docs)
    ]
    assert [e.ids for e in hf.encode_batch(docs)] == want
    assert enc.encode_ordinary_batch(docs) == want
    assert (
        len(json.loads((tmp_path / "cl100k" / "tokenizer.json").read_text())["model"]["merges"])
        == 100000
    )
    back = read_hf_vocabulary(tmp_path / "cl100k")
    assert back.tokens == vocab.tokens and back.merges == vocab.merges
    assert back.special_tokens == vocab.special_tokens and back.pattern.name == "cl100k"


def test_special_id_gaps_are_kept(tmp_path):
    """cl100k-style layouts put special tokens above a gap; tokenizers must keep those ids."""
    vocab = Vocabulary(
        tokens=[bytes([i]) for i in range(256)],
        pattern="cl100k",
        special_tokens={"<|endoftext|>": 300, "<|fim_prefix|>": 257},
    )
    hf = _hf(vocab)
    assert hf.encode("a<|endoftext|>b<|fim_prefix|>").ids == [97, 300, 98, 257]
    enc = to_tiktoken(vocab)
    assert enc.encode("a<|endoftext|>b<|fim_prefix|>", allowed_special="all") == [97, 300, 98, 257]


# -- export -> import through the runtime Tokenizer (branch `encode`) ----------------------------


def _runtime_tokenizer():
    try:
        from tokenizer.encoding import Tokenizer as Runtime
    except ImportError as e:  # not merged yet, or the extension is not built
        pytest.skip(f"tokenizer.encoding.Tokenizer unavailable ({e})")
    return Runtime


@pytest.mark.parametrize("pattern", ["codebpe-v1", "cl100k", "deepseek-v3", "deepseek-coder"])
def test_roundtrip_through_runtime_import(pattern, trained, tmp_path, mixed_text):
    Runtime = _runtime_tokenizer()
    vocab = trained[pattern]
    ref = reference_encode(mixed_text, vocab.ranks(), vocab.pattern)
    tok = Runtime(vocab)
    tok.save_hf(str(tmp_path / "hf"))
    back = Runtime.from_hf(str(tmp_path / "hf" / "tokenizer.json"))
    assert back.encode_ordinary(mixed_text) == tok.encode_ordinary(mixed_text) == ref
    assert back.vocab.tokens == vocab.tokens
    assert back.vocab.special_tokens == vocab.special_tokens
    if pattern in SINGLE_REGEX:
        tok.save_tiktoken(str(tmp_path / "v.tiktoken"))
        again = Runtime.from_tiktoken(str(tmp_path / "v.tiktoken"), pattern=pattern)
        assert again.encode_ordinary(mixed_text) == ref
        assert again.vocab.tokens == vocab.tokens


def test_special_tokens_that_are_prefixes_are_refused_for_tiktoken(tmp_path):
    """codebpe took "<a><b>" whole and the exported tiktoken encoder "<a>" and then plain text
    (its special-token regex tries the names in its hash map's order)."""
    from tokenizer.encoding import Tokenizer
    from tokenizer.export import TiktokenExportError, save_hf, save_tiktoken, to_tiktoken
    from tokenizer.vocab import Vocabulary

    vocab = Vocabulary(
        tokens=[bytes([i]) for i in range(256)],
        pattern="codebpe-v1",
        special_tokens={"<a>": 256, "<a><b>": 257},
    )
    assert Tokenizer(vocab).encode("<a><b>", allowed_special="all") == [257]
    with pytest.raises(TiktokenExportError, match="'<a>' is a prefix of '<a><b>'"):
        to_tiktoken(vocab)
    with pytest.raises(TiktokenExportError, match="is a prefix of"):
        save_tiktoken(vocab, tmp_path / "v.tiktoken")
    assert not list(tmp_path.iterdir())
    import tokenizers

    save_hf(vocab, tmp_path / "hf")  # (Hugging Face takes the longest, as codebpe)
    hf = tokenizers.Tokenizer.from_file(str(tmp_path / "hf" / "tokenizer.json"))
    assert hf.encode("<a><b>").ids == [257]
