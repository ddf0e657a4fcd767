"""StreamDecoder: never emits a broken character, loses nothing, equals the one-shot decode."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tokenizer.encoding import Tokenizer


@pytest.fixture(scope="module")
def tok():
    return Tokenizer.from_tiktoken("cl100k_base")


TEXTS = [
    "héllo 🚀🔥 wörld",
    "机器学习是人工智能的一个分支",
    "👨‍👩‍👧‍👦 family",
    "plain ascii",
    "",
    "ｱｲｳ 😀",
]


@pytest.mark.parametrize("text", TEXTS)
def test_every_split_point(tok, text):
    ids = tok.encode(text)
    for cut in range(len(ids) + 1):
        d = tok.stream_decoder()
        first = d.feed_many(ids[:cut])
        rest = "".join(d.feed(i) for i in ids[cut:])
        assert first + rest + d.finish() == text
        assert "\ufffd" not in first + rest  # never a broken character mid-stream


def test_one_at_a_time_emits_only_complete_characters(tok):
    ids = tok.encode("🚀")
    assert len(ids) > 1  # the emoji spans several tokens
    d = tok.stream_decoder()
    outs = [d.feed(i) for i in ids]
    assert outs[:-1] == [""] * (len(ids) - 1) and outs[-1] == "🚀"
    assert d.pending == b"" and d.finish() == ""


def test_truncated_character_flushes_with_replacement_or_strict_error(tok):
    ids = tok.encode("a🚀")[:-1]
    d = tok.stream_decoder()
    text = d.feed_many(ids)
    assert text == "a" and d.pending
    assert text + d.finish() == tok.decode(ids)
    s = tok.stream_decoder(errors="strict")
    s.feed_many(ids)
    with pytest.raises(UnicodeDecodeError):
        s.finish()


def test_a_strict_error_leaves_the_decoder_usable(tok):
    """After a strict error every later feed raised the same error again and dropped its own
    bytes until finish() (the codec's buffer survives a raise): the decoder now starts afresh,
    and the exception holds the bytes it dropped."""
    lead, a = tok.token_to_id(b"\xe6"), tok.token_to_id(b"A")
    ok = tok.encode("ok 中文")
    for feed in ("feed", "feed_many", "feed_bytes"):
        d = tok.stream_decoder(errors="strict")
        assert d.feed(lead) == "" and d.pending == b"\xe6"
        with pytest.raises(UnicodeDecodeError) as e:
            if feed == "feed":
                d.feed(a)
            elif feed == "feed_many":
                d.feed_many([a])
            else:
                d.feed_bytes(b"A")
        assert e.value.object == b"\xe6A" and d.pending == b""
        assert d.feed_many(ok) + d.finish() == "ok 中文"


def test_bad_id_raises(tok):
    with pytest.raises(IndexError):
        tok.stream_decoder().feed(10**7)
    with pytest.raises(IndexError):
        tok.stream_decoder().feed_many([1, 10**7])


def test_feed_many_takes_arrays_and_iterables_in_one_decode(tok):
    """feed_many decodes all its ids in one decode_bytes call (a bytes object per id made 37 M
    ids take 19.6 s and 4.9 GB); lists, NumPy arrays and generators alike, split anywhere."""
    import numpy as np

    from tokenizer.stream import StreamDecoder

    text = "".join(TEXTS) * 20
    ids = tok.encode(text)
    for cut in (0, 1, 7, len(ids) // 2, len(ids)):
        d = tok.stream_decoder()
        head = d.feed_many(np.array(ids[:cut], dtype=np.uint32))
        assert head + d.feed_many(i for i in ids[cut:]) + d.finish() == text
    calls = []

    def decode_bytes(batch):
        calls.append(len(batch))
        return tok.decode_bytes(batch)

    d = StreamDecoder(tok.decode_single_token_bytes, decode_bytes=decode_bytes)
    assert d.feed_many(iter(ids)) + d.finish() == text and calls == [len(ids)]


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=80), cut=st.integers(0, 80))
def test_equals_one_shot_decode_on_arbitrary_bytes(tok, data, cut):
    ids = tok.encode_bytes(data)
    cut = min(cut, len(ids))
    d = tok.stream_decoder()
    out = d.feed_many(ids[:cut]) + "".join(d.feed(i) for i in ids[cut:]) + d.finish()
    assert out == tok.decode(ids)


@pytest.mark.parametrize(
    "errors", ["ignore", "backslashreplace", "surrogateescape", "surrogatepass"]
)
def test_every_error_handler_of_bytes_decode(tok, errors):
    """Any handler bytes.decode takes gives the same text streamed as decoded at once (encoded
    surrogates, invalid and truncated bytes included); an unknown one is a ValueError."""
    data = "a\ud800b中".encode("utf-8", "surrogatepass")
    if errors != "surrogatepass":  # (which passes encoded surrogates only, and raises on the rest)
        data += b"\xff\xe4\xb8" + "中".encode() + b"\xe4"
    ids = tok.encode_bytes(data)
    want = tok.decode_bytes(ids).decode("utf-8", errors)
    for cut in range(len(ids) + 1):
        d = tok.stream_decoder(errors=errors)
        assert d.feed_many(ids[:cut]) + d.feed_many(ids[cut:]) + d.finish() == want
    with pytest.raises(ValueError, match="error handler"):
        tok.stream_decoder(errors="no-such-handler")
