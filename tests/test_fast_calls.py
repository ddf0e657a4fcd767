"""The C fast paths behind ``encode_ordinary``, ``encode``, ``count``, ``decode`` and
``decode_bytes`` (csrc/bindings.cc, "Fast calls"): same results and errors as tiktoken and as the
general path for every kind of argument, including the ones the fast path hands back
(``NotImplemented``) to the general one."""

from __future__ import annotations

import codecs
import threading

import numpy as np
import pytest

from tokenizer import InvalidTokenId
from tokenizer.encoding import _FAST_METHODS, Tokenizer

EOT = "<|endoftext|>"
TEXTS = [
    "",
    "x",
    "hello world",
    "def f(x):\n    return x + 1\n",
    "你好，世界！这是一个测试。",
    "a" * 5000,
]


@pytest.fixture(scope="module")
def tok():
    return Tokenizer.from_tiktoken("cl100k_base")


@pytest.fixture(scope="module")
def regex_tok():
    return Tokenizer.from_tiktoken("cl100k_base", native_split=False)


class Sub(str):
    pass


class IntSub(int):
    pass


def test_fast_functions_are_used_and_decline_what_they_do_not_handle(tok):
    # The fast path answers an exact str itself, and NotImplemented (not an error) otherwise.
    assert tok._fast_ordinary("hi") == [6151]
    assert tok._fast_count("hi") == 1
    for other in (Sub("hi"), b"hi", 5, None, "\ud800"):
        assert tok._fast_ordinary(other) is NotImplemented
        assert tok._fast_with(frozenset(), "all", "list")(other) is NotImplemented
        assert tok._fast_count(other) is NotImplemented
    assert tok._fast_decode([6151]) == "hi" and tok._fast_decode_bytes((6151,)) == b"hi"
    for other in (np.array([6151]), iter([6151]), [IntSub(6151)], [True], {6151}):
        assert tok._fast_decode(other) is NotImplemented
        assert tok._fast_decode_bytes(other) is NotImplemented
    assert tok._fast_decode([6151], 5) is NotImplemented
    with pytest.raises(TypeError):
        tok._fast_ordinary()
    assert tok._fast_decode_bytes([1], "strict") is NotImplemented  # bytes take no errors


def test_encode_paths_agree_with_tiktoken(tok, regex_tok, tiktoken_cl100k):
    for text in TEXTS + [f"a{EOT}b"]:
        want = tiktoken_cl100k.encode_ordinary(text)
        for t in (tok, regex_tok):
            assert t.encode_ordinary(text) == want
            assert t.encode_ordinary(Sub(text)) == want  # str subclass: general path
            assert t.count(text) == len(want)
    for text in TEXTS:
        assert tok.encode(text) == tiktoken_cl100k.encode(text)
    with pytest.raises(ValueError, match="endoftext"):
        tok.encode(f"a{EOT}b")
    with pytest.raises(ValueError, match="endoftext"):
        tiktoken_cl100k.encode(f"a{EOT}b")
    # Lone surrogates are not UTF-8: the fast path declines, the general path encodes them as
    # tiktoken does (replaced).
    for text in ["\ud800", "a\udfffb"]:
        assert tok.encode_ordinary(text) == tiktoken_cl100k.encode_ordinary(text)
        assert tok.count(text) == len(tiktoken_cl100k.encode_ordinary(text))
    with pytest.raises(TypeError):
        tok.encode_ordinary(b"bytes")


def test_decode_paths_agree_with_tiktoken(tok, tiktoken_cl100k):
    for text in TEXTS:
        ids = tiktoken_cl100k.encode_ordinary(text)
        for form in (ids, tuple(ids), np.array(ids, dtype=np.uint32), [IntSub(i) for i in ids]):
            assert tok.decode(form) == text
            assert tok.decode_bytes(form) == text.encode()
    broken = [tiktoken_cl100k.encode_single_token(b"\xe4"), 87]  # a lone lead byte, then "x"
    data = tiktoken_cl100k.decode_bytes(broken)
    for errors in ("replace", "ignore", "backslashreplace", "surrogateescape"):
        assert tok.decode(broken, errors) == data.decode("utf-8", errors)
        assert tok.decode(broken, errors=errors) == data.decode("utf-8", errors)
    with pytest.raises(UnicodeDecodeError):
        tok.decode(broken, "strict")
    with pytest.raises(LookupError):
        tok.decode(broken, "no-such-handler")
    assert tok.decode([True]) == tiktoken_cl100k.decode([1])  # bool is an int (general path)


@pytest.mark.parametrize("bad", [[10**6], [-1], [2**40], [0, 100256]])
def test_decode_rejects_unknown_ids_like_the_general_path(tok, bad):
    for f in (tok.decode, tok.decode_bytes, lambda ids: tok._enc.decode(ids)):
        with pytest.raises(InvalidTokenId, match="not in the vocabulary"):
            f(bad)
    with pytest.raises(KeyError):  # tiktoken's exception type too
        tok.decode(bad)


def test_decode_rejects_non_int_items(tok):
    for bad in ([1.0], ["1"], [None], [1, 2.5]):
        with pytest.raises(TypeError):
            tok.decode(bad)
        with pytest.raises(TypeError):
            tok.decode_bytes(bad)


def test_nested_calls_from_an_error_handler(tok, tiktoken_cl100k):
    # CPython runs a Python error handler in the middle of the fast decode (and a finalizer can
    # run in the middle of building a list): a nested encode/decode on the same thread must not
    # share the outer call's per-thread buffers.
    inner = []

    def handler(err):
        inner.append((tok.encode_ordinary("nested " * 50), tok.decode([15339, 1917] * 40)))
        return ("?", err.end)

    codecs.register_error("codebpe-test-nested", handler)
    broken = [tiktoken_cl100k.encode_single_token(b"\xe4")] + tiktoken_cl100k.encode("ok " * 300)
    got = tok.decode(broken, "codebpe-test-nested")
    assert got == "?" + "ok " * 300
    assert inner[0][0] == tiktoken_cl100k.encode_ordinary("nested " * 50)
    assert inner[0][1] == "hello world" * 40


def test_scratch_buffers_after_a_huge_text(tok, tiktoken_cl100k):
    # A text of > 1 Mi ids grows the per-thread buffers past what they keep; what follows is
    # still right.
    big = "a b " * 600_000
    want = tiktoken_cl100k.encode_ordinary(big)
    assert len(want) > 1 << 20
    assert tok.count(big) == len(want)
    assert tok.encode_ordinary(big) == want
    assert tok.encode_ordinary("hello world") == [15339, 1917]
    ids = [15339, 1917] * 700_000
    assert tok.decode_bytes(ids) == b"hello world" * 700_000
    assert tok.decode([15339]) == "hello"


def test_fast_calls_from_many_threads(tok, tiktoken_cl100k):
    texts = [
        f"thread {i}: def f(x):\n    return x + {i}  # 注释 {i}\n" * (1 + i % 40) for i in range(64)
    ]
    want = [tiktoken_cl100k.encode_ordinary(t) for t in texts]
    errors = []

    def run(k):
        try:
            for _ in range(20):
                for t, w in zip(texts[k::4], want[k::4]):
                    assert tok.encode_ordinary(t) == w
                    assert tok.count(t) == len(w)
                    assert tok.decode(w) == t
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors


def test_nfc_and_copies_keep_the_right_paths(tok, tiktoken_cl100k):
    import copy
    import pickle

    for t in (copy.copy(tok), copy.deepcopy(tok), pickle.loads(pickle.dumps(tok))):
        assert t.encode_ordinary("hello world") == [15339, 1917]
        assert t.decode([15339, 1917]) == "hello world"
        assert t._fast_ordinary("hi") == [6151]


def test_encode_to_numpy_paths(tok, tiktoken_cl100k):
    for text in TEXTS:
        want = tiktoken_cl100k.encode(text)
        for kw in ({}, {"allowed_special": set()}, {"disallowed_special": "all"}):
            got = tok.encode_to_numpy(text, **kw)
            assert got.dtype == np.uint32 and got.tolist() == want
        assert tok._fast_with(frozenset(), "all", "numpy")(text).tolist() == want
    assert tok._fast_with(set(), "all", "numpy")(Sub("hi")) is NotImplemented
    assert tok.encode_to_numpy(Sub("hi")).tolist() == [6151]
    with pytest.raises(ValueError, match="endoftext"):
        tok.encode_to_numpy(f"a{EOT}")
    assert tok.encode_to_numpy(f"a{EOT}", allowed_special="all").tolist() == tiktoken_cl100k.encode(
        f"a{EOT}", allowed_special="all"
    )
    assert tok.encode_to_numpy(f"a{EOT}", disallowed_special=()).tolist() == (
        tiktoken_cl100k.encode_ordinary(f"a{EOT}")
    )


def test_single_token_calls(tok, tiktoken_cl100k):
    # decode_single_token_bytes / id_to_token / StreamDecoder and token_to_id /
    # encode_single_token: an exact int (bytes) is answered by the fast function, anything else
    # by the pybind11 method it falls back to; the same results and errors either way.
    for i in (0, 15339, 100255, 100257):
        want = tiktoken_cl100k.decode_single_token_bytes(i)
        for form in (i, np.int64(i), np.uint32(i), IntSub(i)):
            assert tok.decode_single_token_bytes(form) == want
            assert tok.id_to_token(form) == want
    for bad in (100256, 10**6, -1, 2**64):
        with pytest.raises(InvalidTokenId):
            tok.decode_single_token_bytes(bad)
    with pytest.raises(TypeError):
        tok.decode_single_token_bytes(1.0)
    for token in ("hello", b"hello", bytearray(b" world"), memoryview(b"!"), EOT, EOT.encode()):
        ref = token if isinstance(token, str) else bytes(token)
        assert tok.encode_single_token(token) == tiktoken_cl100k.encode_single_token(ref)
        assert tok.token_to_id(token) == tok.encode_single_token(token)
    for missing in ("hello world", b"hello world"):
        with pytest.raises(KeyError):
            tok.encode_single_token(missing)
    with pytest.raises(KeyError):
        tok.token_to_id("\ud800")
    with pytest.raises(UnicodeEncodeError):  # as tiktoken's
        tok.encode_single_token("\ud800")
    with pytest.raises(TypeError):
        tok.token_to_id(5)
    ids = tiktoken_cl100k.encode_ordinary("streaming 你好 ✓")
    dec = tok.stream_decoder()
    out = "".join(dec.feed(i) for i in np.array(ids)) + "".join(dec.feed(i) for i in ids)
    assert out + dec.finish() == "streaming 你好 ✓" * 2


def test_decode_every_id_in_one_call(tok, tiktoken_cl100k):
    # Every ordinary and special id, short and long tokens (decode copies a short one as a
    # 16-byte block), the last id of the arena included, as a list, a tuple and an array.
    ids = [i for i in range(tok.n_vocab) if i not in (100256,) and i < 100261]
    want = b"".join(tiktoken_cl100k.decode_single_token_bytes(i) for i in ids)
    assert max(len(tiktoken_cl100k.decode_single_token_bytes(i)) for i in ids) > 16
    assert tok.decode_bytes(ids) == want
    assert tok.decode_bytes(tuple(reversed(ids))) == b"".join(
        tiktoken_cl100k.decode_single_token_bytes(i) for i in reversed(ids)
    )
    assert tok.decode_bytes(np.array(ids, dtype=np.int64)) == want
    assert tok.decode(ids, "replace") == want.decode("utf-8", "replace")
    last = tok.n_vocab - 1
    assert tok.decode_bytes([last] * 3) == tiktoken_cl100k.decode_single_token_bytes(last) * 3


def test_disallowed_special_error_says_what_to_do(tok, regex_tok):
    # The same message on every path (fast, native with a policy, regex split, NumPy, batch).
    messages = set()
    for t in (tok, regex_tok):
        for call in (
            lambda t=t: t.encode(f"a {EOT}"),
            lambda t=t: t.encode(f"a {EOT}", allowed_special=set(), disallowed_special={EOT}),
            lambda t=t: t.encode_to_numpy(f"a {EOT}"),
            lambda t=t: t.encode_batch([f"a {EOT}"]),
        ):
            with pytest.raises(ValueError) as err:
                call()
            messages.add(str(err.value))
    assert len(messages) == 1
    (message,) = messages
    assert EOT in message and "allowed_special" in message and "disallowed_special=()" in message


def test_special_argument_cache(tok, tiktoken_cl100k):
    # encode()/encode_to_numpy() keep one fast function per distinct pair of special-token
    # arguments: equal arguments (a set and a frozenset, "all") share one; a mutable collection
    # that hashes by identity is never cached (a later change to it must count); the cache is
    # bounded.
    text = f"a {EOT} b <|fim_prefix|>"
    for kw in (
        {"allowed_special": "all"},
        {"allowed_special": {EOT}, "disallowed_special": ()},
        {"allowed_special": frozenset({EOT}), "disallowed_special": ()},
        {"allowed_special": (EOT,), "disallowed_special": None},
        {"disallowed_special": ()},
    ):
        ref = dict(kw)
        if isinstance(ref.get("allowed_special"), tuple):  # (tiktoken takes sets only)
            ref["allowed_special"] = set(ref["allowed_special"])
        want = tiktoken_cl100k.encode(text, **ref)
        for _ in range(3):
            assert tok.encode(text, **kw) == want
            assert tok.encode_to_numpy(text, **kw).tolist() == want

    class Names:  # iterable, hashed by identity
        def __init__(self, names):
            self.names = set(names)

        def __iter__(self):
            return iter(self.names)

    names = Names({EOT})
    assert tok.encode(EOT, allowed_special=names) == [100257]
    names.names.clear()
    with pytest.raises(ValueError, match="disallowed special token"):
        tok.encode(EOT, allowed_special=names)
    mutable = {EOT}
    assert tok.encode(EOT, allowed_special=mutable) == [100257]
    mutable.clear()
    with pytest.raises(ValueError, match="disallowed special token"):
        tok.encode(EOT, allowed_special=mutable)
    for k in range(200):
        tok.encode("x", allowed_special=frozenset({EOT, f"<|n{k}|>"}))
    assert len(tok._fast_by_args) <= 64
    with pytest.raises(TypeError, match="collection of str"):
        tok.encode("x", allowed_special="nope")
    with pytest.raises(TypeError):
        tok.encode("x", allowed_special=[["unhashable"]])


@pytest.mark.parametrize("threads", [1, 2, 4])
def test_batches_of_short_and_long_texts(tok, tiktoken_cl100k, threads):
    # Batches go to the pool in chunks of consecutive texts (>= 16 KiB, or one long text): many
    # short texts, empty ones, long ones between them, in order, as lists and as one flat array.
    texts = []
    for i in range(3000):
        texts.append(f"line {i}: x = f({i}) + 你好 {i % 7}\n" if i % 11 else "")
        if i % 997 == 0:
            texts.append(f"long {i} " * 5000)
    want = [tiktoken_cl100k.encode_ordinary(t) for t in texts]
    assert tok.encode_ordinary_batch(texts, num_threads=threads) == want
    flat, offsets = tok.encode_batch_to_numpy(texts, num_threads=threads, disallowed_special=())
    assert offsets[0] == 0 and len(offsets) == len(texts) + 1
    assert [flat[offsets[i] : offsets[i + 1]].tolist() for i in range(len(texts))] == want
    bad = texts[:2000] + [f"x {EOT}"] + texts[2000:]
    with pytest.raises(ValueError, match="endoftext"):
        tok.encode_batch(bad, num_threads=threads)
    assert tok.encode_batch(["a", "b"], num_threads=threads) == [[64], [65]]


def test_batch_texts_must_be_str(tok, regex_tok):
    # Checked by the C++ batch (native split) and in Python (regex split), same message.
    for t in (tok, regex_tok):
        for bad, kind in ((b"x", "bytes"), (5, "int"), (None, "NoneType")):
            for call in (t.encode_batch, t.encode_ordinary_batch, t.encode_batch_to_numpy):
                with pytest.raises(TypeError, match=f"texts must be str, not {kind}"):
                    call(["ok", bad])
        with pytest.raises(TypeError, match="encode_bytes"):
            t.encode_batch([b"x"])
    assert tok.encode_batch([Sub("hi")]) == [[6151]]  # a str subclass is a str


def test_batch_lists_are_tracked_by_the_garbage_collector(tok):
    # The batch builds its inner lists untracked (so that collections during the batch do not
    # walk every id) and tracks them before returning: a cycle made through one is collected.
    import gc
    import weakref

    out = tok.encode_ordinary_batch(["hello world"] * 5000 + ["x"], num_threads=2)
    assert gc.is_tracked(out) and all(gc.is_tracked(ids) for ids in out)

    class Box:
        pass

    box = Box()
    ids = out[-1]
    ids.append(box)
    box.ids = ids  # a cycle through a returned list
    ref = weakref.ref(box)
    del box, ids, out
    gc.collect()
    assert ref() is None


def test_batch_special_argument_cache(tok, tiktoken_cl100k):
    # The batch API resolves its special-token arguments once per distinct pair (cached on the
    # tokenizer); a mutable collection hashed by identity is never cached.
    class Names:
        def __init__(self, names):
            self.names = set(names)

        def __iter__(self):
            return iter(self.names)

    names = Names({EOT})
    assert tok.encode_batch([EOT], allowed_special=names) == [[100257]]
    names.names.clear()
    with pytest.raises(ValueError, match="disallowed special token"):
        tok.encode_batch([EOT], allowed_special=names)
    for kw in ({"allowed_special": "all"}, {"allowed_special": {EOT}}, {"disallowed_special": ()}):
        for _ in range(2):
            assert tok.encode_batch([f"a{EOT}"], **kw) == [tiktoken_cl100k.encode(f"a{EOT}", **kw)]
    for k in range(100):
        tok.encode_batch(["x"], allowed_special=frozenset({f"<|n{k}|>"}))
    assert len(tok._resolved) <= 64


FAST_METHODS = _FAST_METHODS  # encode_ordinary, count, encode, decode, ...
assert len(FAST_METHODS) == 7


def _error(call, tok):
    try:
        call(tok)
    except Exception as e:  # noqa: BLE001 - compared, not swallowed
        return type(e), str(e)
    return None


def test_fast_methods_behave_like_the_bound_methods(tok):
    # Tokenizer.encode_ordinary etc. are FastDescriptors (as str.upper is a method descriptor);
    # tok.encode_ordinary is a FastMethod: it must look and fail exactly like the function bound
    # to tok.
    import inspect
    import pickle
    from unittest import mock

    for name in FAST_METHODS:
        descr = Tokenizer.__dict__[name]
        method = descr.__func__
        assert getattr(Tokenizer, name) is descr and type(descr).__name__ == "FastDescriptor"
        assert inspect.isfunction(method) and method.__name__ == name == descr.__name__
        assert descr.__qualname__ == f"Tokenizer.{name}" and descr.__wrapped__ is method
        assert inspect.signature(descr) == inspect.signature(method)
        assert pickle.loads(pickle.dumps(descr)) is descr
        assert name not in tok.__dict__
        fm = getattr(tok, name)
        assert type(fm).__name__ == "FastMethod" and fm == getattr(tok, name)
        assert hash(fm) == hash(getattr(tok, name)) and fm != getattr(copy_of(tok), name)
        assert fm.__self__ is tok and fm.__func__ is method
        assert fm.__name__ == name and fm.__doc__ == method.__doc__ == descr.__doc__
        assert fm.__code__ is method.__code__ and fm.__defaults__ == method.__defaults__
        with pytest.raises(AttributeError, match="FastMethod"):
            fm.no_such_attribute  # noqa: B018
        assert inspect.signature(fm) == inspect.signature(method.__get__(tok))
        assert repr(fm) == f"<bound method Tokenizer.{name} of {tok!r}>"
        # The fast path through the descriptor called with tok first, as Python's method call
        # makes it, and through the bound form.
        assert descr(tok, *ARGS[name]) == fm(*ARGS[name]) == method(tok, *ARGS[name])
    # Wrapping a bound fast method keeps its bound signature (the keyword wrapper's own must
    # not be copied onto the wrapper, self and all).
    import functools

    for name in ("decode", "encode"):
        bound = inspect.signature(getattr(tok, name))
        assert inspect.signature(functools.lru_cache()(getattr(tok, name))) == bound
        assert inspect.signature(functools.partial(getattr(tok, name))) == bound
    # help() and pydoc show it as the method it is (a routine), with its signature and doc.
    import pydoc

    assert inspect.isroutine(tok.decode) and tok.decode.__get__(None, Tokenizer) is not None
    text = pydoc.render_doc(tok.decode, renderer=pydoc.plaintext)
    assert "decode(ids" in text and Tokenizer.decode.__func__.__doc__[:30] in text
    # Made from Python, neither type is usable: an error, not a crash.
    for made in (lambda: type(Tokenizer.__dict__["encode"])(), lambda: type(tok.encode)()):
        with pytest.raises(TypeError):
            made()("x")
    # An autospec'd instance takes the methods' arguments (no self to fill).
    spec = mock.create_autospec(Tokenizer, instance=True)
    spec.encode("x"), spec.decode([1]), spec.count("x")
    # The instance's table is checked at each call: a C function that is not one of the
    # encoder's is never called as one (the slot is writable, like every __slots__ member).
    other = copy_of(tok)
    other._fast = (len,) * len(FAST_METHODS)
    assert other.encode("hi") == [6151] and other.decode([6151], "strict") == "hi"
    # Keywords, missing or extra arguments go to the method: same results and errors.
    assert tok.encode_ordinary(text="hi") == [6151] == tok.encode(text="hi")
    assert tok.encode("a" + EOT, allowed_special="all") == [64, 100257]
    assert tok.decode(ids=[6151], errors="strict") == "hi"
    calls = [
        lambda t: t.encode_ordinary(),
        lambda t: t.encode_ordinary("a", "b"),
        lambda t: t.encode_ordinary(txt="a"),
        lambda t: t.count(*range(12)),  # more arguments than the on-stack buffer
        lambda t: t.decode([1], "strict", "x"),
        lambda t: t.decode(ids=[1], errors="strict", bad=1),
        lambda t: t.encode("a", "all"),
        lambda t: t.encode(EOT),
        lambda t: t.encode_ordinary(b"bytes"),
        lambda t: t.decode([10**7]),
        lambda t: t.decode_single_token_bytes(-1),
    ]
    for call in calls:
        want = _error(call, _Plain(tok))
        assert want is not None
        assert _error(call, tok) == want


ARGS = {
    "encode_ordinary": ("hi",),
    "count": ("hi",),
    "encode": ("hi",),
    "encode_to_numpy": ("hi",),
    "decode": ([6151], "strict"),
    "decode_bytes": ([6151],),
    "decode_single_token_bytes": (6151,),
}


def copy_of(tok):
    import copy

    return copy.copy(tok)


class _Plain:
    """tok's methods through the class, as plain bound methods (no FastMethod)."""

    def __init__(self, tok):
        self._tok = tok

    def __getattr__(self, name):
        attr = Tokenizer.__dict__.get(name) or getattr(Tokenizer, name)
        return getattr(attr, "__func__", attr).__get__(self._tok)


def test_fast_methods_keep_overrides_copies_and_collection_right(tok, regex_tok):
    import copy
    import gc
    import weakref

    class Custom(Tokenizer):
        def encode_ordinary(self, text):
            return ["custom", *super().encode_ordinary(text)]

    sub = Custom.from_tiktoken("cl100k_base")
    assert sub.encode_ordinary("hi") == ["custom", 6151]
    assert type(sub.count).__name__ == "FastMethod" and sub.count("hi") == 1
    assert type(copy.copy(sub)).encode_ordinary is Custom.encode_ordinary
    # The regex split has no fast encode (its slot holds None there), decoding is fast.
    assert regex_tok._fast[FAST_METHODS.index("encode_ordinary")] is None
    assert regex_tok._fast[FAST_METHODS.index("decode")] is not None
    assert regex_tok.encode_ordinary("hi") == [6151] and regex_tok.decode([6151]) == "hi"
    # A copy's fast methods are its own.
    c = copy.copy(tok)
    assert c.encode_ordinary.__self__ is c and c.encode_ordinary("hi") == [6151]
    # Nothing in a tokenizer refers back to it: dropped, it is freed at once, without the cyclic
    # garbage collector (which few allocations trigger: made and dropped in a loop, tokenizers
    # piled up); a method held elsewhere keeps it alive, as a bound method does.
    enabled = gc.isenabled()
    gc.disable()
    try:
        t = Tokenizer.from_tiktoken("cl100k_base")
        t.encode("hi"), t.decode([6151]), copy.copy(t).count("hi")
        ref = weakref.ref(t)
        del t
        assert ref() is None
        t = Tokenizer.from_tiktoken("cl100k_base")
        ref, f = weakref.ref(t), t.decode
        del t
        assert ref() is not None and f([6151]) == "hi" and f(np.array([6151])) == "hi"
        del f
        assert ref() is None
    finally:
        if enabled:
            gc.enable()
    # Patching the class reaches instances as it would without FastMethod, made before or
    # during the patch; a function assigned to the class is bound like a method.
    from unittest import mock

    t = Tokenizer.from_tiktoken("cl100k_base")
    with mock.patch.object(Tokenizer, "encode", return_value=["patched"]):
        t2 = Tokenizer.from_tiktoken("cl100k_base")
        assert t.encode("hi") == ["patched"] == t2.encode("hi")
    assert t.encode("hi") == [6151] == t2.encode("hi")
    with mock.patch.object(Tokenizer, "decode", return_value="p") as p:
        assert t.decode([1, 2], errors="strict") == "p"
        p.assert_called_once_with([1, 2], errors="strict")
    # autospec=True specs the class attribute, a FastDescriptor, not a function: its mock is not
    # bound either (docs/encoding.md, "Fast calls"); spec the function to get self in the call.
    spec = Tokenizer.decode.__func__
    with mock.patch.object(Tokenizer, "decode", autospec=spec, return_value="p") as p:
        assert t.decode([1, 2], errors="strict") == "p"
        p.assert_called_once_with(t, [1, 2], errors="strict")
    original = Tokenizer.__dict__["count"]
    try:
        Tokenizer.count = lambda self, text: ("mine", self is t, text)
        assert t.count("x") == ("mine", True, "x")
        assert sub.count("x") == ("mine", False, "x")
    finally:
        Tokenizer.count = original
    assert t.count("hi") == 1 == sub.count("hi")
    assert type(Tokenizer.__dict__["count"]).__name__ == "FastDescriptor"
    # Pickles like a bound method (multiprocessing's pool.map(tok.encode, texts)).
    import pickle

    for name in FAST_METHODS:
        f = pickle.loads(pickle.dumps(getattr(tok, name)))
        assert type(f).__name__ == "FastMethod" and f.__name__ == name
    assert pickle.loads(pickle.dumps(tok.encode))("hi") == [6151]
    assert copy.copy(tok.count)("hi") == 1
    # Made from Python, the type is unusable, not a crash.
    with pytest.raises(TypeError):
        type(tok.encode)()("x")
