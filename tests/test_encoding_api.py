"""Tokenizer's Python API at its edges, against real tiktoken: special-token argument forms,
argument and id validation, pickling. Both split paths (native and ``regex``) must agree."""

from __future__ import annotations

import base64
import os

import pytest
from conftest import HAS_SHIPPED_HF, run_python, shipped_hf, skip_fork_if_sanitized

from tokenizer.encoding import Tokenizer, load_tokenizer

EOT, FIM = "<|endoftext|>", "<|fim_prefix|>"


@pytest.fixture(scope="module")
def toks():
    """cl100k_base with the native pre-tokenizer and with the regex one."""
    return [Tokenizer.from_tiktoken("cl100k_base", native_split=s) for s in (True, False)]


def _outcome(f):
    try:
        return f()
    except (ValueError, TypeError) as e:
        return type(e)


@pytest.mark.parametrize(
    "kw",
    [
        {"allowed_special": {EOT}, "disallowed_special": {EOT}},
        {"allowed_special": "all", "disallowed_special": {FIM}},
        {"disallowed_special": {"<|foo|>"}},
        {"disallowed_special": None},
        {"allowed_special": "all", "disallowed_special": None},
    ],
)
@pytest.mark.parametrize("text", [f"a{EOT}{FIM}b", f"{EOT}", "hi <|foo|> there", ""])
def test_special_arguments_match_tiktoken(toks, tiktoken_cl100k, kw, text):
    """An explicitly disallowed token raises even when allowed; names that are not special tokens
    are searched for too; None means none (all as in tiktoken, on both split paths)."""
    want = _outcome(lambda: tiktoken_cl100k.encode(text, **kw))
    for tok in toks:
        assert _outcome(lambda t=tok: t.encode(text, **kw)) == want
        assert _outcome(lambda t=tok: t.encode_batch([text, "x"], **kw)) == (
            want if isinstance(want, type) else [want, [87]]
        )
        got = _outcome(lambda t=tok: t.encode_to_numpy(text, **kw))
        assert got == want if isinstance(want, type) else got.tolist() == want


@pytest.mark.parametrize("bad", [EOT, "ALL", "", b"all"])
def test_special_argument_strings_are_type_errors(toks, bad):
    """A string other than "all" is not read as a set of characters (tiktoken: TypeError too)."""
    for tok in toks:
        with pytest.raises(TypeError, match="collection of str"):
            tok.encode(EOT, allowed_special=bad)
        if bad != "":  # (tiktoken's truth test skips "": no token disallowed, as None)
            with pytest.raises(TypeError, match="collection of str"):
                tok.encode("x", disallowed_special=bad)
        with pytest.raises(TypeError, match="collection of str"):
            tok.encode_batch(["x"], allowed_special=bad)


@pytest.mark.parametrize("item", [5, None, b"<|endoftext|>", ("<|endoftext|>",)])
def test_special_names_that_are_not_str_are_type_errors(toks, item):
    """A set holding an int was silently never matched in allowed_special, a bytes name ended
    in "disallowed special token", and in disallowed_special they raised "object of type 'int'
    has no len()" or the like: now one TypeError naming the item."""
    for tok in toks:
        for kw in ({"allowed_special": {item, EOT}}, {"disallowed_special": {item}}):
            with pytest.raises(TypeError, match="special tokens are named by str, not"):
                tok.encode(EOT, **kw)
            with pytest.raises(TypeError, match="special tokens are named by str, not"):
                tok.encode_batch(["x"], **kw)


def test_the_disallowed_error_names_the_leftmost_match(toks, tiktoken_cl100k):
    """With a disallowed name that is not a special token, the error named that name even when
    a disallowed special token came first in the text; tiktoken names the leftmost."""
    text = f"{EOT} then hi"
    kw = {"disallowed_special": {EOT, "hi"}}
    with pytest.raises(ValueError) as want:
        tiktoken_cl100k.encode(text, **kw)
    assert repr(EOT) in str(want.value)
    for tok in toks:
        with pytest.raises(ValueError, match=f"disallowed special token {EOT!r}"):
            tok.encode(text, **kw)


def test_bad_tokenizer_specs_and_patterns_say_what_they_are():
    from tokenizer.patterns import UnknownPatternError

    for bad in (None, 5, 2.5):
        with pytest.raises(TypeError, match="a tokenizer is given by a name, a path or a"):
            load_tokenizer(bad)  # (was ValueError "unknown tokenizer 'None'")
    with pytest.raises(ValueError, match="^unknown split pattern 'nope'") as info:
        Tokenizer.from_tiktoken("cl100k_base", pattern="nope")
    assert isinstance(info.value, KeyError) and isinstance(info.value, UnknownPatternError)


def test_pickle_and_copy(toks, mixed_text):
    """Tokenizers pickle like tiktoken Encodings (multiprocessing, datasets.map(num_proc=...))."""
    import copy
    import pickle

    from tokenizer.encoding import load_tokenizer
    from tokenizer.vocab import Vocabulary

    text = mixed_text + EOT + "õ<｜fim▁hole｜>"
    bytes_only = Tokenizer(Vocabulary.bytes_only(pattern="gpt2"))
    kinds = [*toks, *([load_tokenizer("deepseek-coder")] if HAS_SHIPPED_HF else []), bytes_only]
    for k, tok in enumerate(kinds):
        for other in (copy.copy(tok), copy.deepcopy(tok), pickle.loads(pickle.dumps(tok))):
            assert type(other) is Tokenizer and repr(other) == repr(tok)
            assert other.encode(text, allowed_special="all") == tok.encode(
                text, allowed_special="all"
            )
            assert other.special_tokens == tok.special_tokens and other.eot_token == tok.eot_token
        if k >= 2:  # (cl100k's re-laid-out vocab takes seconds to build)
            assert other.vocab.tokens == tok.vocab.tokens


def test_token_to_id_types(toks, tiktoken_cl100k):
    tok = toks[0]
    for t in (b"hello", "hello", b" world", bytearray(b"hi"), memoryview(b"hi"), EOT, EOT.encode()):
        assert tok.token_to_id(t) == tiktoken_cl100k.encode_single_token(
            t if isinstance(t, (str, bytes)) else bytes(t)
        )
    for bad in (1, 5, None, 1.0, ["a"]):
        with pytest.raises(TypeError, match="bytes or str"):
            tok.token_to_id(bad)  # token_to_id(1) was the id of b"\x00" (bytes(1))
    for missing in ("\ud800", b"\xff\xff\xff", "<|not_special|>"):
        with pytest.raises(KeyError):
            tok.token_to_id(missing)


def test_decode_id_validation(toks):
    """Integer arrays of every dtype decode; float and 2-D arrays are TypeErrors (they were
    truncated and flattened); ids that cannot exist are IndexErrors naming the id, also one at a
    time (decode_single_token_bytes and StreamDecoder raised pybind's 'incompatible function
    arguments' TypeError)."""
    import numpy as np

    tok = toks[0]
    ids = [15339, 1917]
    for dt in (np.int16, np.int32, np.int64, np.uint16, np.uint32, np.uint64):
        assert tok.decode(np.array(ids, dtype=dt)) == "hello world"
    assert tok.decode(np.array([15339, 0, 1917], dtype=np.int64)[::2]) == "hello world"
    for bad in (np.array(ids, dtype=np.float64), np.array([1.7]), np.array([ids]), [1.0]):
        with pytest.raises(TypeError):
            tok.decode(bad)
        with pytest.raises(TypeError):
            tok.decode_bytes(bad)
    for big in (-1, 2**32, 2**64, 100_256, 100_277):
        for f in (tok.decode, tok.decode_bytes, lambda i: tok.stream_decoder().feed_many(i)):
            with pytest.raises(IndexError, match=f"token id {big} is not"):
                f([big])
        for f in (tok.decode_single_token_bytes, tok.id_to_token, tok.stream_decoder().feed):
            with pytest.raises(IndexError, match=f"token id {big} is not"):
                f(big)
    with pytest.raises(IndexError, match="token id 9223372036854775813 is not"):
        tok.decode(np.array([2**63 + 5], dtype=np.uint64))
    for bad in (None, "1", 1.0):
        with pytest.raises(TypeError):
            tok.decode_single_token_bytes(bad)
    assert tok.decode_single_token_bytes(np.int64(15339)) == b"hello"
    assert tok.decode(np.array([])) == "" and tok.decode_bytes(np.zeros((0, 3))) == b""


def test_num_threads_argument(toks):
    for tok in toks:
        want = [tok.encode("a b"), tok.encode("c")]
        for n in (None, 1, 2, 10**6, 2**70, True, 2.0):  # (2.0 and True: tiktoken takes them)
            assert tok.encode_batch(["a b", "c"], num_threads=n) == want  # 2**70: TypeError
            assert tok.encode_ordinary_batch(["a b", "c"], num_threads=n) == want
        for n in (0, -1):
            with pytest.raises(ValueError, match="num_threads"):
                tok.encode_batch(["a"], num_threads=n)
        for n in (1.5, "2"):
            with pytest.raises(TypeError, match=r"num_threads must be an int, not (float|str)"):
                tok.encode_ordinary_batch(["a"], num_threads=n)
        assert tok.encode_batch([], num_threads=2**70) == []


def test_policy_caches_are_bounded(toks):
    """Per-call special-token sets (e.g. a document's own markers) do not grow memory forever."""
    for tok in toks:
        for i in range(300):
            with pytest.raises(ValueError):
                tok.encode(f"a <|m{i}|> b", disallowed_special={f"<|m{i}|>"})
            tok.encode("x", allowed_special={f"<|m{i}|>"}, disallowed_special={f"<|n{i}|>"})
        assert len(tok._policies) <= 64 and len(tok._rx_cache) <= 64


def test_tiktoken_compat_methods(toks, tiktoken_cl100k, mixed_text):
    """Code written for tiktoken.Encoding runs unchanged (and gets the same answers)."""
    tk = tiktoken_cl100k
    tok = toks[0]
    ids = tk.encode(mixed_text + EOT, allowed_special="all")
    batch = [ids[:7], [], ids[7:], [188, 9468]]  # (188 alone is an invalid byte)
    assert tok.special_tokens_set == tk.special_tokens_set
    assert tok.max_token_value == tk.max_token_value
    assert [tok.is_special_token(i) for i in (100257, 100276, 15339, 100256)] == [
        tk.is_special_token(i) for i in (100257, 100276, 15339, 100256)
    ]
    for t in ("hello", b" world", EOT):
        assert tok.encode_single_token(t) == tk.encode_single_token(t)
    with pytest.raises(KeyError):
        tok.encode_single_token("hello world")
    for call in (tok.encode_single_token, tk.encode_single_token):
        with pytest.raises(UnicodeEncodeError):
            call("\ud800")
    assert tok.decode_tokens_bytes(ids) == tk.decode_tokens_bytes(ids)
    assert tok.decode_with_offsets(ids) == tk.decode_with_offsets(ids)
    for errors in ("replace", "ignore"):
        got = tok.decode_batch(batch, errors=errors, num_threads=2)
        assert got == tk.decode_batch(batch, errors=errors, num_threads=2)
    assert tok.decode_bytes_batch(batch) == tk.decode_bytes_batch(batch)


@pytest.mark.parametrize("which", [0, 1])
def test_tiktoken_keywords_and_private_encoders(toks, tiktoken_cl100k, which):
    """Code that calls tiktoken.Encoding's methods by keyword, or its private encoders (which
    some downstream code uses), runs unchanged and gets tiktoken's answers."""
    import random

    tk, tok = tiktoken_cl100k, toks[which]
    ids = tk.encode("hello world")
    assert tok.decode(tokens=ids) == tk.decode(tokens=ids) == "hello world"
    assert tok.decode(tokens=ids, errors="strict") == "hello world"
    assert tok.decode_bytes(tokens=ids) == tk.decode_bytes(tokens=ids)
    assert tok.decode_single_token_bytes(token=ids[0]) == tk.decode_single_token_bytes(token=ids[0])
    texts = ["a b", "c"]
    assert tok.encode_batch(text=texts) == tk.encode_batch(text=texts)
    assert tok.encode_ordinary_batch(text=texts, num_threads=1) == tk.encode_ordinary_batch(
        text=texts, num_threads=1
    )
    assert tok.decode(ids=ids) == "hello world"  # codebpe's own names still work
    with pytest.raises(TypeError, match="same argument"):
        tok.decode(ids=ids, tokens=ids)
    with pytest.raises(TypeError, match="multiple values"):
        tok.decode(ids, tokens=ids)
    for n in (0, -2):
        for call in (tok.decode_batch, tok.decode_bytes_batch):
            with pytest.raises(ValueError, match="num_threads"):
                call([ids], num_threads=n)
    assert tok._special_token_values == tk._special_token_values
    # The private encoders, on random mixes of whitespace, letters, CJK, emoji and broken UTF-8
    # (tiktoken's _encode_bytes BPE-encodes everything from the last valid piece as one piece).
    parts = [b" ", b"  ", b"\n", b"\t", b"hello", b"\xe4\xbd\xa0", b"\xf0\x9f\x8e\x89", b"\xa9"]
    parts += [b"\xff", b"\xe4\xbd", b"'s", b"123", b"\r\n", EOT.encode(), b"\xc3"]
    rng = random.Random(7)
    for _ in range(400):
        data = b"".join(rng.choice(parts) for _ in range(rng.randint(0, 10)))
        assert tok._encode_bytes(data) == tk._encode_bytes(data), data
        text = data.decode("utf-8", "replace")
        assert tok._encode_only_native_bpe(text) == tk._encode_only_native_bpe(text), text
        if data:  # (tiktoken panics on an empty piece)
            assert tok._encode_single_piece(data) == tk._encode_single_piece(data), data
    assert tok._encode_single_piece("hello") == tk._encode_single_piece("hello")


def test_special_tokens_is_a_copy(toks):
    tok = Tokenizer.from_tiktoken("cl100k_base")
    got = tok.special_tokens
    got["<|y|>"] = 7
    del got[EOT]
    assert "<|y|>" not in tok.special_tokens and EOT in tok.special_tokens
    assert not tok.is_special_token(7) and tok.encode(EOT, allowed_special="all") == [100257]


def test_load_names_what_to_use_instead(tmp_path):
    with pytest.raises(FileNotFoundError, match="from_tiktoken"):
        Tokenizer.load("cl100k_base")
    with pytest.raises(IsADirectoryError, match="from_hf"):
        Tokenizer.load(tmp_path)


def test_named_tokenizers_are_built_once_across_threads():
    import pickle
    import threading

    from tokenizer import _encoding_compat, _loaders
    from tokenizer.encoding import load_tokenizer

    _loaders.NAMED.clear()
    _encoding_compat._UNPICKLED.clear()
    got = []
    threads = [
        threading.Thread(target=lambda: got.append(load_tokenizer("cl100k_base"))) for _ in range(6)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(got) == 6 and all(t is got[0] for t in got)
    # Unpickling the named tokenizer gives the same one, not a second copy of its tables.
    assert pickle.loads(pickle.dumps(got[0])) is got[0]


def test_stream_decoder_strict_finish_resets(toks):
    """finish() resets even when it raises; the truncated bytes used to poison the next stream."""
    tok = toks[0]
    d = tok.stream_decoder(errors="strict")
    assert d.feed(tok.encode("🚀")[0]) == "" and d.pending
    with pytest.raises(UnicodeDecodeError):
        d.finish()
    assert d.pending == b""
    assert d.feed_many(tok.encode("hi 🚀")) + d.finish() == "hi 🚀"


def test_batch_of_one_string_is_a_type_error(toks):
    """encode_batch("some text") is a mistake, not a batch of one-character texts."""
    for tok in toks:
        for f in (tok.encode_batch, tok.encode_ordinary_batch, tok.encode_batch_to_numpy):
            with pytest.raises(TypeError, match="sequence of str"):
                f("hello")
        assert tok.encode_batch(iter(["a", "b"])) == [[64], [65]]
        assert tok.encode_batch(("a",)) == [[64]] and tok.encode_ordinary_batch([]) == []


@shipped_hf
def test_deepseek_coder_added_letters_round_trip():
    """Ids equal Hugging Face's; decode gives the text back (tokenizers 0.23 gives U+FFFD)."""
    import json

    tokenizers = pytest.importorskip("tokenizers")
    from tokenizer.encoding import load_tokenizer
    from tokenizer.interop import load_hf_tokenizer_json

    tok = load_tokenizer("deepseek-coder")
    hf = tokenizers.Tokenizer.from_str(json.dumps(load_hf_tokenizer_json("deepseek-coder")))
    text = "Grüße über Öl, þú ÿ À Á õ÷"
    ids = hf.encode(text, add_special_tokens=False).ids
    assert tok.encode(text) == ids and 32009 in ids
    assert tok.decode(ids) == text


def test_constructor_needs_a_vocabulary():
    for bad in ("cl100k_base", None, {"a": 1}):
        with pytest.raises(TypeError, match="load_tokenizer"):
            Tokenizer(bad)


@pytest.mark.parametrize("bad", [b"hello", bytearray(b"hi"), None, 5])
def test_encode_takes_str_only_on_both_paths(toks, tiktoken_cl100k, bad):
    """Like tiktoken: bytes are not text (encode_bytes is the lossless bytes API). The native
    binding would take bytes as text, so the check must not depend on the split path."""
    with pytest.raises(TypeError):
        tiktoken_cl100k.encode(bad)
    for tok in toks:
        for call in (tok.encode, tok.encode_ordinary, tok.count, tok.encode_to_numpy):
            with pytest.raises(TypeError, match="encode_bytes" if bad and bad != 5 else "str"):
                call(bad)
        for call in (tok.encode_batch, tok.encode_ordinary_batch, tok.encode_batch_to_numpy):
            with pytest.raises(TypeError):
                call(["ok", bad])
    assert toks[0].encode_bytes(b"hello") == toks[1].encode_bytes(b"hello") == [15339]


def test_invalid_ids_are_index_and_key_errors(toks, tiktoken_cl100k):
    """tiktoken raises KeyError for ids outside the vocabulary, codebpe documents IndexError:
    InvalidTokenId is both, so handlers written for either keep working."""
    from tokenizer import InvalidTokenId

    tok = toks[0]
    stream = tok.stream_decoder()
    for bad in (100256, 10**6):
        with pytest.raises(KeyError):
            tiktoken_cl100k.decode([bad])
        for call in (
            lambda b=bad: tok.decode([15339, b]),
            lambda b=bad: tok.decode_bytes([b]),
            lambda b=bad: tok.decode_single_token_bytes(b),
            lambda b=bad: tok.decode_tokens_bytes([b]),
            lambda b=bad: stream.feed(b),
        ):
            for caught in (KeyError, IndexError, InvalidTokenId):
                with pytest.raises(caught) as info:
                    call()
                assert str(info.value).startswith(f"token id {bad} is not")  # not quoted
    import numpy as np

    for bad in (-1, 2**32, 2**64):  # tiktoken: OverflowError; ours is also an InvalidTokenId
        with pytest.raises(OverflowError):
            tiktoken_cl100k.decode([bad])
        for call in (
            lambda b=bad: tok.decode([b]),
            lambda b=bad: tok.decode_bytes([b]),
            lambda b=bad: tok.decode_single_token_bytes(b),
            lambda b=bad: tok.decode_batch([[b]]),
            lambda b=bad: stream.feed(b),
        ):
            for caught in (OverflowError, KeyError, IndexError, InvalidTokenId):
                with pytest.raises(caught):
                    call()
    with pytest.raises(OverflowError):
        tok.decode(np.array([5, -1]))


def test_list_ints_are_cached_and_stay_alive(toks):
    """Lists share one int object per id (kept for the process's lifetime, see IdInts in
    csrc/bindings.cc), and freeing lists never frees them."""
    import gc
    import sys

    tok = toks[0]
    text = "hello world, naïve 中文 🚀 " * 3
    a = tok.encode_ordinary(text)
    b = tok.encode_ordinary(text)
    assert a == b and all(x is y for x, y in zip(a, b))
    big = [i for i in b if i > 256]  # (CPython shares ints up to 256 anyway)
    assert big and all(sys.getrefcount(i) >= 4 for i in big)  # cache, a, b, big, the call
    del a, b
    gc.collect()
    for _ in range(3):
        assert tok.encode_ordinary(text) == tok.encode(text) == _numpy_ids(tok, text)


_INTS_SCRIPT = """
import gc, sys
from tokenizer.encoding import Tokenizer

text = "def f(x):\\n    return x + 1  # naïve 中文 🚀 " * 50
small = Tokenizer.from_tiktoken("cl100k_base")
a = small.encode_ordinary(text)
a_values = [int(str(i)) for i in a]
# a bigger vocabulary gets a new block of ints: the old lists' ints must stay valid
big = Tokenizer.from_tiktoken("o200k_base")
b = big.encode_ordinary(text)
for _ in range(200):  # many lists made and freed: no int is ever freed
    big.encode_ordinary(text)
    small.encode_ordinary(text)
del big
gc.collect()
assert a == a_values == small.encode_ordinary(text), "cl100k ids changed"
assert b == Tokenizer.from_tiktoken("o200k_base").encode(text), "o200k ids changed"
for ids in (a, b):
    assert all(type(i) is int for i in ids)
    assert all(i is int(str(i)) for i in ids if i <= 256), "ids 0-256 are CPython's small ints"
    assert all(hash(i) == i and i + 0 == i and str(i).isdigit() for i in ids)
print(len(a), len(b), max(a), max(b))
"""


def test_list_ints_survive_a_bigger_vocabulary(tmp_path):
    """The ints of a list stay valid (and equal) after a bigger vocabulary is built and used,
    after hundreds of lists were made and freed, in a fresh process so that the smaller
    vocabulary's block of ints is the first one."""
    run = run_python(_INTS_SCRIPT, cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    n_a, n_b, max_a, max_b = map(int, run.stdout.split())
    assert n_a > 100 and n_b > 100 and max_a > 256 and max_b > 100_000


def _numpy_ids(tok, text):
    return [int(i) for i in tok.encode_to_numpy(text)]


def test_tiktoken_file_with_special_tokens(tmp_path, cl100k, mixed_text):
    """from_tiktoken(file, special_tokens=...) is tiktoken.Encoding(special_tokens=...): same ids
    with the specials allowed, the same error when they are not; a special id that is already an
    ordinary token is refused (it would decode as the special)."""
    import base64

    import tiktoken

    ranks, pattern, _ = cl100k
    small = {t: r for t, r in ranks.items() if r < 3000}
    path = tmp_path / "small.tiktoken"
    path.write_text("".join(f"{base64.b64encode(t).decode()} {r}\n" for t, r in small.items()))
    specials = {"<|endoftext|>": 3000, "<|fim_prefix|>": 3005}
    ours = Tokenizer.from_tiktoken(str(path), pattern="cl100k", special_tokens=specials)
    ref = tiktoken.Encoding(
        "s", pat_str=pattern.text, mergeable_ranks=small, special_tokens=specials
    )
    text = f"{mixed_text}<|endoftext|> x <|fim_prefix|>y"
    assert ours.encode(text, allowed_special="all") == ref.encode(text, allowed_special="all")
    assert ours.encode_ordinary(text) == ref.encode_ordinary(text)
    assert ours.special_tokens == specials and ours.n_vocab == ref.n_vocab == 3006
    with pytest.raises(ValueError, match="disallowed special token"):
        ours.encode(text)
    with pytest.raises(ValueError, match="already stands for other bytes"):
        Tokenizer.from_tiktoken(str(path), pattern="cl100k", special_tokens={"<s>": 15})


@pytest.mark.parametrize(
    "specials, error, message",
    [
        ({"<s>": 2**32 - 2}, ValueError, "far beyond the 257 tokens"),  # was ~64 GB, OOM
        ({"<s>": 2**32}, ValueError, "has id 4294967296: ids are 0 to 4294967294"),  # were
        ({"<s>": -1}, ValueError, "has id -1: ids are 0 to 4294967294"),  # pybind11's TypeErrors
        ({"<s>": 2**32 - 1}, ValueError, "has id 4294967295: ids are 0 to 4294967294"),
        ({"<s>": 300, "<t>": 300}, ValueError, "special tokens '<s>' and '<t>' have the same id"),
        ({"<s>": "3000"}, TypeError, "the id must be an int, not '3000'"),
        ({b"<s>": 3000}, TypeError, "the text must be a str"),  # was an AttributeError
    ],
)
def test_tiktoken_file_with_bad_special_ids(tmp_path, specials, error, message):
    path = tmp_path / "t.tiktoken"
    path.write_text("".join(f"{base64.b64encode(bytes([i])).decode()} {i}\n" for i in range(256)))
    with pytest.raises(error, match=message) as info:
        Tokenizer.from_tiktoken(str(path), pattern="cl100k", special_tokens=specials)
    assert "\n" not in str(info.value)


def test_tiktoken_argument_leniency(toks, tiktoken_cl100k):
    """Where tiktoken takes an argument, so does codebpe, with the same meaning; where it raises
    TypeError for a non-bytes ``_encode_bytes`` argument, so does codebpe (``bytes(3)`` would
    have been three NUL bytes)."""
    tok = toks[0]
    text = "a <|endoftext|> b"
    want = tiktoken_cl100k.encode(text, disallowed_special="")
    assert tok.encode(text, disallowed_special="") == want
    assert tok.encode_batch([text], disallowed_special="") == [want]
    ids = tiktoken_cl100k.encode("hello world")
    assert tok.decode_batch([ids], num_threads=None) == tiktoken_cl100k.decode_batch([ids])
    assert tok.decode_bytes_batch([ids], num_threads=None) == [b"hello world"]
    for bad in (3, [104, 105], True, "hi"):
        with pytest.raises(TypeError):
            tiktoken_cl100k._encode_bytes(bad)
        with pytest.raises(TypeError):
            tok._encode_bytes(bad)
    assert tok._encode_bytes(bytearray(b"hi")) == tiktoken_cl100k._encode_bytes(b"hi")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
@skip_fork_if_sanitized
def test_named_tokenizers_after_fork_while_one_is_made():
    """A fork while another thread makes a named tokenizer (holding its lock) left the child
    waiting forever on that lock (a fork-start Pool hung): the child gets fresh locks."""
    import threading
    import time

    from tokenizer import _loaders

    once = _loaders.Once()
    inside, finish = threading.Event(), threading.Event()

    def slow() -> str:
        inside.set()
        finish.wait(30)
        return "parent"

    maker = threading.Thread(target=once.get, args=("key", slow))
    maker.start()
    assert inside.wait(30)
    pid = os.fork()
    if pid == 0:  # the child: its copy of the lock is held by a thread it does not have
        ok = False
        try:
            ok = once.get("key", lambda: "child") == "child"
            ok = ok and _loaders._named(Tokenizer, "cl100k_base").n_vocab == 100277
        finally:
            os._exit(0 if ok else 1)
    try:
        deadline = time.monotonic() + 60
        while (done := os.waitpid(pid, os.WNOHANG))[0] == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        if done[0] == 0:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        assert done[0] == pid, "the forked child hung on a lock"
        assert os.waitstatus_to_exitcode(done[1]) == 0
    finally:
        finish.set()
        maker.join()
    assert once.get("key", lambda: "again") == "parent"
