"""Files codebpe exports load back as fast codebpe tokenizers with the same ids.

A `tokenizer.json` from `tokenizer.export.save_hf` holds the *ported* regexes of its pattern;
`Tokenizer.from_hf` recognises them (by the regexes, not by a recorded name) and runs the
pattern's C++ matcher, with the ids of Hugging Face `tokenizers` on that file. A `.tiktoken` file
from `save_tiktoken` loads with `Tokenizer.from_tiktoken(path)` alone: pattern and special tokens
come from its sidecar, with the ids of `load_tiktoken_export(path)`.
"""

from __future__ import annotations

import json

import pytest
from _vocab_fixtures import BUILTIN_PATTERNS, make_vocab
from conftest import MIXED_TEXT
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tokenizer import _hf_import
from tokenizer.encoding import Tokenizer, load_tokenizer
from tokenizer.export import (
    ExportError,
    hf_pre_tokenizer,
    load_tiktoken_export,
    save_hf,
    save_tiktoken,
    sidecar_path,
)
from tokenizer.patterns import PATTERNS, Pattern, get_pattern
from tokenizer.vocab import Vocabulary

tokenizers = pytest.importorskip("tokenizers")

SINGLE_REGEX = tuple(p for p in BUILTIN_PATTERNS if len(get_pattern(p).regexes) == 1)

SAMPLES = [
    MIXED_TEXT,
    "def f(x):\n    return x**2  # 12345 ¥1,280.00\r\n\tif a<=b: pass\n",
    "机器学习是人工智能的一个分支。日本語のテキスト 한국어",
    "🚀🔥 emoji👍🏽 family 👨‍👩‍👧 flags 🇫🇷",
    "   \n\n\t\t  x  \u00a0\u3000 \r\n\r\n    trailing   ",
    "DON'T we'll I'M it's 3.14159 ſ K naïve café\u0301",
    "<|endoftext|>a<|fim_prefix|> b<|pad|>\n<|reserved_0|>",
    "",
]

TEXTS = st.text(
    alphabet=st.one_of(
        st.sampled_from(" \t\n\r\u00a0\u3000'sSaZ09_-+()[]{}.,;:!?中文字😀\u0301ſ"),
        st.characters(exclude_categories=("Cs",)),
    ),
    max_size=80,
)


class _Trained(dict):
    """A small trained vocabulary per pattern, built on first use."""

    def __missing__(self, pattern: str) -> Vocabulary:
        self[pattern] = make_vocab((MIXED_TEXT, *SAMPLES[1:6]), pattern=pattern, vocab_size=360)
        return self[pattern]


TRAINED = _Trained()


def _hf_ids(hf, text: str) -> list[int]:
    return hf.encode(text, add_special_tokens=False).ids


# -- tokenizer.json --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def exported_hf(tmp_path_factory):
    """pattern -> (codebpe Tokenizer, tokenizers.Tokenizer) for an exported trained vocabulary."""
    out = {}

    def get(pattern: str):
        if pattern not in out:
            folder = tmp_path_factory.mktemp(pattern)
            path = save_hf(TRAINED[pattern], folder)
            out[pattern] = (Tokenizer.from_hf(str(path)), tokenizers.Tokenizer.from_file(str(path)))
        return out[pattern]

    return get


@pytest.mark.parametrize("pattern", BUILTIN_PATTERNS)
def test_exported_tokenizer_json_loads_native(pattern, exported_hf):
    ours, hf = exported_hf(pattern)
    assert ours.native_split and ours.pattern is PATTERNS[pattern]
    assert "split=native" in repr(ours)
    for text in SAMPLES:
        assert ours.encode(text, allowed_special="all") == _hf_ids(hf, text), text
    assert ours.vocab.tokens == TRAINED[pattern].tokens


@pytest.mark.parametrize("pattern", ["codebpe-v1", "cl100k", "deepseek-v3"])
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=TEXTS)
@example(text="a<|fim_middle|>b")  # (found by Hypothesis: HF splits out its special tokens)
def test_exported_tokenizer_json_hypothesis(pattern, exported_hf, text):
    ours, hf = exported_hf(pattern)
    # Hugging Face always matches the added special tokens in the text (add_special_tokens only
    # adds a template's), as our encode with every special allowed does; encode_ordinary takes
    # them as text (tiktoken's meaning), so it matches only where the text holds none.
    assert ours.encode(text, allowed_special="all") == _hf_ids(hf, text)
    if not any(s in text for s in ours.special_tokens):
        assert ours.encode_ordinary(text) == _hf_ids(hf, text)


def test_runtime_save_hf_single_file_loads_native(tmp_path):
    vocab = TRAINED["codebpe-v1"]
    path = tmp_path / "tok.json"
    Tokenizer(vocab).save_hf(str(path))
    back = load_tokenizer(str(path))  # the CLI's `-t tok.json`
    assert back.native_split and back.pattern is PATTERNS["codebpe-v1"]
    hf = tokenizers.Tokenizer.from_file(str(path))
    assert back.encode(MIXED_TEXT, allowed_special="all") == _hf_ids(hf, MIXED_TEXT)


@pytest.mark.parametrize("name", ["cl100k", pytest.param("o200k", marks=pytest.mark.slow)])
def test_exported_openai_vocabulary_loads_native(name, request, tmp_path, tiktoken_cl100k):
    ranks, pattern, specials = request.getfixturevalue(name)
    order = [bytes([i]) for i in range(256)]
    order += [t for t, _ in sorted(ranks.items(), key=lambda kv: kv[1]) if len(t) > 1]
    top = sorted(specials, key=specials.__getitem__)
    vocab = Vocabulary.from_ranks(
        {t: i for i, t in enumerate(order)},
        pattern=pattern,
        special_tokens={s: len(order) + k for k, s in enumerate(top)},
    )
    path = save_hf(vocab, tmp_path / name)
    ours = Tokenizer.from_hf(str(path))
    assert ours.native_split and ours.pattern is PATTERNS[name]
    hf = tokenizers.Tokenizer.from_file(str(path))
    for text in SAMPLES:
        assert ours.encode(text, allowed_special="all") == _hf_ids(hf, text), text
    if name == "cl100k":  # and the official ids, through the fixed renumbering
        ours_of = {tiktoken_cl100k.encode_single_token(t): i for i, t in enumerate(vocab.tokens)}
        for text in SAMPLES:
            want = [ours_of[i] for i in tiktoken_cl100k.encode_ordinary(text)]
            assert ours.encode_ordinary(text) == want


def test_recognition_compares_the_regexes_not_a_name(tmp_path):
    """A changed code point range, or a name in tokenizer_config.json alone, is not enough."""
    path = save_hf(TRAINED["cl100k"], tmp_path / "tok")
    obj = json.loads(path.read_text(encoding="utf-8"))
    split = obj["pre_tokenizer"]["pretokenizers"][0]["pattern"]
    assert split["Regex"].count("0-9") >= 1
    split["Regex"] = split["Regex"].replace("0-9", "0-8", 1)  # digits 9 no longer a digit
    path.write_text(json.dumps(obj), encoding="utf-8")
    config = json.loads((tmp_path / "tok" / "tokenizer_config.json").read_text())
    assert config["codebpe"]["pattern"]["name"] == "cl100k"
    ours = Tokenizer.from_hf(str(tmp_path / "tok"))
    assert not ours.native_split and ours.pattern.name != "cl100k"
    hf = tokenizers.Tokenizer.from_file(str(path))
    text = "a1239 x99 9"
    assert ours.encode_ordinary(text) == _hf_ids(hf, text)


def test_pattern_as_written_still_recognised():
    """The reference regexes themselves (third-party files) are recognised without porting, where
    Oniguruma reads them as the regex module does; tiktoken's cl100k text is not cl100k to it."""
    for name in ("o200k", "qwen2", "deepseek-v3", "deepseek-coder", "cl100k"):
        regexes = PATTERNS[name].regexes
        digits = name == "deepseek-coder"  # its last one is tokenizers' Digits step
        pre = {
            "type": "Sequence",
            "pretokenizers": [
                *(
                    {"type": "Split", "pattern": {"Regex": rx}, "behavior": "Isolated"}
                    for rx in (regexes[:-1] if digits else regexes)
                ),
                *([{"type": "Digits", "individual_digits": True}] if digits else []),
                {"type": "ByteLevel", "add_prefix_space": False, "use_regex": False},
            ],
        }
        if name == "cl100k":  # \p{N}{1,3}+ is (?:\p{N}{1,3})+ to Oniguruma: whole digit runs
            assert _hf_import._pattern_of(pre, "x").regexes[0] != regexes[0]
        else:
            assert _hf_import._pattern_of(pre, "x") is PATTERNS[name]


@pytest.mark.parametrize("pattern", BUILTIN_PATTERNS)
def test_exported_regexes_pass_the_quick_filter(pattern):
    """The filter that skips porting for regexes with a property or shorthand escape never skips
    an exported one (the port expands them all)."""
    regexes = _hf_import._exported_regexes(PATTERNS[pattern])
    steps = hf_pre_tokenizer(PATTERNS[pattern])["pretokenizers"]
    assert regexes == tuple(s["pattern"]["Regex"] for s in steps if s["type"] == "Split")
    assert all(map(_hf_import._may_be_exported, regexes))
    assert not all(map(_hf_import._may_be_exported, PATTERNS[pattern].regexes))
    assert _hf_import._exported_builtin(regexes) is PATTERNS[pattern]


def test_ported_regexes_are_cached(tmp_path, monkeypatch):
    path = save_hf(TRAINED["gpt2"], tmp_path / "a.json")
    Tokenizer.from_hf(str(path))
    _hf_import._exported_builtin.cache_clear()  # the lookup again, the ported regexes cached

    def no_port(pattern: Pattern):
        raise AssertionError(f"{pattern.name} ported again")

    monkeypatch.setattr("tokenizer.export.hf_pre_tokenizer", no_port)
    assert Tokenizer.from_hf(str(path)).native_split


# -- .tiktoken + sidecar -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def exported_tiktoken(tmp_path_factory):
    out = {}

    def get(pattern: str):
        if pattern not in out:
            path = save_tiktoken(TRAINED[pattern], tmp_path_factory.mktemp(pattern) / "v.tiktoken")
            out[pattern] = (path, load_tiktoken_export(path))
        return out[pattern]

    return get


@pytest.mark.parametrize("pattern", SINGLE_REGEX)
def test_tiktoken_export_loads_with_its_sidecar(pattern, exported_tiktoken):
    path, enc = exported_tiktoken(pattern)
    ours = Tokenizer.from_tiktoken(str(path))
    assert ours.native_split and ours.pattern is PATTERNS[pattern]
    assert ours.special_tokens == TRAINED[pattern].special_tokens == enc._special_tokens
    for text in SAMPLES:
        assert ours.encode(text, allowed_special="all") == enc.encode(text, allowed_special="all")
        assert ours.encode_ordinary(text) == enc.encode_ordinary(text)
    with pytest.raises(ValueError, match="disallowed special token"):
        ours.encode("<|endoftext|>")
    assert load_tokenizer(str(path)).encode(SAMPLES[6], allowed_special="all") == enc.encode(
        SAMPLES[6], allowed_special="all"
    )


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=TEXTS)
def test_tiktoken_export_hypothesis(exported_tiktoken, text):
    path, enc = exported_tiktoken("codebpe-v1")
    ours = load_tokenizer(str(path))
    assert ours.encode(text, allowed_special="all") == enc.encode(text, allowed_special="all")


def test_tiktoken_explicit_arguments_win(exported_tiktoken):
    path, _ = exported_tiktoken("codebpe-v1")
    tok = Tokenizer.from_tiktoken(str(path), pattern="gpt2")
    assert (
        tok.pattern is PATTERNS["gpt2"]
        and tok.special_tokens == TRAINED["codebpe-v1"].special_tokens
    )
    tok = Tokenizer.from_tiktoken(str(path), special_tokens={"<|x|>": 500})
    assert tok.pattern is PATTERNS["codebpe-v1"] and tok.special_tokens == {"<|x|>": 500}
    tok = load_tokenizer(str(path), pattern="cl100k")  # the CLI's --pattern
    assert tok.pattern is PATTERNS["cl100k"]


def test_tiktoken_sidecar_with_custom_pattern(tmp_path, mixed_text):
    custom = Pattern("words", (r" ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+",))
    vocab = Vocabulary.bytes_only(pattern=custom)
    path = save_tiktoken(vocab, tmp_path / "w.tiktoken")
    ours, enc = Tokenizer.from_tiktoken(str(path)), load_tiktoken_export(path)
    assert not ours.native_split and ours.pattern.regexes == custom.regexes
    assert ours.encode(mixed_text, allowed_special="all") == enc.encode(
        mixed_text, allowed_special="all"
    )
    # a built-in name with other regexes (an older codebpe's): the recorded regexes
    meta = json.loads(sidecar_path(path).read_text())
    meta["pattern"]["name"] = "cl100k"
    sidecar_path(path).write_text(json.dumps(meta))
    tok = Tokenizer.from_tiktoken(str(path))
    assert tok.pattern.regexes == custom.regexes and not tok.native_split


def test_tiktoken_without_sidecar_still_needs_a_pattern(tmp_path):
    path = save_tiktoken(Vocabulary.bytes_only(pattern="cl100k"), tmp_path / "b.tiktoken")
    sidecar_path(path).unlink()
    with pytest.raises(ValueError, match="needs a pattern name .* or its codebpe sidecar"):
        Tokenizer.from_tiktoken(str(path))
    assert Tokenizer.from_tiktoken(str(path), pattern="cl100k").special_tokens == {}


GOOD = {
    "format": "codebpe.tiktoken",
    "version": 1,
    "name": "b",
    "pat_str": "x",
    "special_tokens": {"<|endoftext|>": 256},
    "n_vocab": 257,
    "pattern": {"name": "cl100k", "regexes": list(PATTERNS["cl100k"].regexes)},
}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "cannot read the sidecar"),
        (b'{"format": "codebpe.tiktoken", "version": 1, "x": "\xff"}', "cannot read the sidecar"),
        (b"[" * 100000 + b"]" * 100000, "cannot read the sidecar|not a codebpe tiktoken sidecar"),
        (b"[]", "not a codebpe tiktoken sidecar"),
        (json.dumps({**GOOD, "version": 9}).encode(), "unsupported sidecar version"),
        (json.dumps({**GOOD, "pattern": None}).encode(), "'pattern' must be"),
        (json.dumps({**GOOD, "pattern": {"name": "x", "regexes": []}}).encode(), "'pattern' must"),
        (
            json.dumps({**GOOD, "pattern": {"name": "x", "regexes": ["("]}}).encode(),
            "invalid regex",
        ),
        (json.dumps({k: v for k, v in GOOD.items() if k != "pattern"}).encode(), "lacks"),
        (json.dumps({**GOOD, "special_tokens": ["<|endoftext|>"]}).encode(), "'special_tokens'"),
        (json.dumps({**GOOD, "special_tokens": {"<|e|>": "256"}}).encode(), "'special_tokens'"),
        (json.dumps({**GOOD, "special_tokens": {"<|e|>": -1}}).encode(), "'special_tokens'"),
    ],
)
def test_malformed_sidecar_is_a_typed_error_naming_the_file(tmp_path, content, message):
    path = save_tiktoken(Vocabulary.bytes_only(pattern="cl100k"), tmp_path / "b.tiktoken")
    sidecar_path(path).write_bytes(content)
    with pytest.raises(ExportError, match=message) as info:
        Tokenizer.from_tiktoken(str(path))
    assert str(sidecar_path(path)) in str(info.value)
    with pytest.raises(ExportError):
        load_tokenizer(str(path))
    # with both given explicitly, the sidecar is not read
    tok = Tokenizer.from_tiktoken(str(path), pattern="cl100k", special_tokens={})
    assert tok.native_split and tok.n_vocab == 256


@pytest.mark.parametrize("top", [2**32 - 2, 256 + (1 << 21)])
def test_sidecar_special_id_far_beyond_the_tokens_is_refused(tmp_path, top):
    """An id of 4e9 in a hand-edited sidecar had the encoder allocate a table entry for every id
    below it (~64 GB: the OOM killer, or MemoryError); now an ExportError naming the sidecar."""
    path = save_tiktoken(Vocabulary.bytes_only(pattern="cl100k"), tmp_path / "b.tiktoken")
    meta = json.loads(sidecar_path(path).read_text())
    meta["special_tokens"] = {"<|e|>": top}
    sidecar_path(path).write_text(json.dumps(meta))
    with pytest.raises(ExportError, match="far beyond the 257 tokens") as info:
        Tokenizer.from_tiktoken(str(path))
    assert str(sidecar_path(path)) in str(info.value)


def test_cli_encode_and_decode_with_an_exported_tiktoken_file(exported_tiktoken, tmp_path, capsys):
    from tokenizer.cli import main

    path, enc = exported_tiktoken("codebpe-v1")
    text = SAMPLES[1] + SAMPLES[6]
    src = tmp_path / "in.txt"
    src.write_text(text, encoding="utf-8")
    assert main(["encode", str(src), "-t", str(path), "--allow-special"]) == 0
    out = capsys.readouterr().out
    assert [int(t) for t in out.split()] == enc.encode(text, allowed_special="all")
    ids = tmp_path / "ids.txt"
    ids.write_text(out)
    assert main(["decode", str(ids), "-t", str(path)]) == 0
    assert capsys.readouterr().out == text
