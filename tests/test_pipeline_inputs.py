"""What data pipelines hand the runtime, from a review as a pipeline user: each case either
works or raises a clear TypeError/ValueError, never a silently wrong result."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from conftest import run_python

from tokenizer.encoding import Tokenizer


@pytest.fixture(scope="module")
def tok():
    return Tokenizer.from_tiktoken("cl100k_base")


def test_encode_stream_refuses_what_is_not_a_chunk(tok):
    # None, 0 and [] chunks were skipped, so [b"a", None, b"b"] encoded "ab"; a path string was
    # encoded as text; a bytes object failed with "reads bytes or str, not int".
    for chunks in ([b"a", None, b"b"], ["a", 0, "b"], [b"a", [], b"b"]):
        with pytest.raises(TypeError, match="chunks must be bytes or str"):
            list(tok.encode_stream(chunks))
    for source in ("/some/path.txt", b"abc", bytearray(b"abc")):
        with pytest.raises(TypeError, match="file object or an iterable"):
            tok.encode_stream(source)
    assert [a.tolist() for a in tok.encode_stream([b"ab", b"", "c"])] == [tok.encode("abc")]


def test_encode_stream_takes_numpy_ints_and_caps_threads(tok):
    out = tok.encode_stream([b"hello ", b"world"], num_threads=np.int64(3), block_size=np.int64(4))
    assert np.concatenate(list(out)).tolist() == tok.encode("hello world")
    out = tok.encode_stream([b"hello world"], num_threads=2**70)  # was islice's own error
    assert np.concatenate(list(out)).tolist() == tok.encode("hello world")
    with pytest.raises(TypeError, match="must be ints"):
        tok.encode_stream([b"x"], num_threads=1.5)


def test_pickle_does_not_change_once_vocab_was_read(tok):
    """The pickle (and a datasets fingerprint) grew once .vocab had been read."""
    before = pickle.dumps(tok)
    assert tok.vocab.n_vocab == 100261  # (derived: the re-laid-out Vocabulary)
    assert pickle.dumps(tok) == before
    back = pickle.loads(before)
    assert back.vocab.n_vocab == 100261 and back.encode("hi there") == tok.encode("hi there")


def test_one_lone_surrogate_keeps_the_batch_native(tok, tiktoken_cl100k, monkeypatch):
    """A text with a lone surrogate sent the whole batch to the one-text-at-a-time path."""
    from tokenizer import _encoding_batch

    texts = [f"hello {i} 中文" for i in range(50)] + ["bad \ud83d x", "\ud83d\ude00 pair"]
    calls = []
    monkeypatch.setattr(
        Tokenizer, "_encode", lambda *a, **k: calls.append(a) or pytest.fail("one text at a time")
    )
    got = _encoding_batch.encode_many(tok, texts, 2, (), "all", False)
    assert got == [tiktoken_cl100k.encode(t) for t in texts] and calls == []


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda t: t.encode_bytes(5), "takes bytes, not int"),  # was five NUL bytes
        (lambda t: t.encode_bytes("abc"), "for a str use encode"),
        (lambda t: t.encode("x", allowed_special=None), "not None"),
        (lambda t: t.encode("x", allowed_special=3), "not int"),
    ],
)
def test_clear_type_errors(tok, call, message):
    with pytest.raises(TypeError, match=message):
        call(tok)


def test_batch_threads_are_capped_at_the_usable_cpus(tmp_path):
    """num_threads=512 started 512 pool threads that stayed for the life of the process, and the
    default count ignored the CPU affinity (taskset, cgroup cpusets)."""
    code = """
import os, sys
os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one CPU, as under taskset -c 0
from tokenizer import Tokenizer
tok = Tokenizer.from_tiktoken("cl100k_base")
texts = ["hello world %d " % i * 40 for i in range(4000)]
before = len(os.listdir("/proc/self/task"))
tok.encode_batch(texts)
tok.encode_batch(texts, num_threads=512)
print(before, len(os.listdir("/proc/self/task")))
"""
    out = run_python(code, cwd=tmp_path, timeout=120)
    assert out.returncode == 0, out.stderr
    before, after = map(int, out.stdout.split())
    assert after == before  # one CPU: the calling thread encodes alone, no worker is started


def test_a_bad_batch_item_is_named(tok):
    with pytest.raises(TypeError, match=r"not float \(item 2\)"):
        tok.encode_batch(["a", "b", float("nan")])


def test_named_tokenizers_pickle_by_name(tok):
    """cl100k_base loaded by name pickles as its name (1.7 MB of tables before), and unpickles
    to one tokenizer per process; deepcopy still gives a tokenizer of its own."""
    import copy

    data = pickle.dumps(tok)
    assert len(data) < 1000
    a, b = pickle.loads(data), pickle.loads(data)
    assert a is b and a.encode("hello world") == tok.encode("hello world")
    assert pickle.loads(pickle.dumps(tok.encode))("hi") == tok.encode("hi")
    deep = copy.deepcopy(tok)
    assert deep is not tok and deep.special_tokens == tok.special_tokens
    assert deep.special_tokens is not tok.special_tokens
    custom = Tokenizer.from_tiktoken("cl100k_base", special_tokens={"<|x|>": 100300})
    assert len(pickle.dumps(custom)) > 100_000  # not the named one: its own tables
    back = pickle.loads(pickle.dumps(custom))
    assert back.encode("<|x|>", allowed_special="all") == [100300]
