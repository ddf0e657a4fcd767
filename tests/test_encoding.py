"""Tokenizer: exact ids against tiktoken (cl100k_base, o200k_base), round trips, batches, NumPy,
special-token semantics, adversarial inputs, lookups. Hugging Face parity is in
test_encoding_hf.py."""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

import numpy as np
import pytest
from conftest import skip_fork_if_sanitized
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tokenizer import _reference
from tokenizer.encoding import Tokenizer, load_tokenizer
from tokenizer.vocab import Vocabulary

ROOT = Path(__file__).resolve().parent.parent
SPECIAL_LOOKALIKES = [
    "<|endoftext|",
    "<|endoftext|>",
    "x<|endoftext|>y",
    "<|fim_prefix|>",
    "<|endofprompt|>",
    "<|",
]

text_strategy = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=200),
    st.lists(
        st.sampled_from(list(" \t\n\r\u00a0\u3000ab1中🚀'") + SPECIAL_LOOKALIKES), max_size=60
    ).map("".join),
    st.lists(
        st.sampled_from(
            ["def", " x", "  ", "\n", "机器", "😀", "'s", "123456", "<|endoftext|>", "é"]
        ),
        max_size=40,
    ).map("".join),
)


@pytest.fixture(scope="module")
def tok100():
    return Tokenizer.from_tiktoken("cl100k_base")


@pytest.fixture(scope="module")
def tok200():
    return Tokenizer.from_tiktoken("o200k_base")


@pytest.fixture(scope="module")
def pairs(tok100, tok200, tiktoken_cl100k, tiktoken_o200k):
    return [(tok100, tiktoken_cl100k), (tok200, tiktoken_o200k)]


def corpus_docs(limit_bytes: int | None) -> list[str]:
    files = sorted((ROOT / "corpora").glob("**/*.jsonl.gz"))
    docs: list[str] = []
    for f in files:
        used = 0
        with gzip.open(f, "rt", encoding="utf-8") as fh:
            for line in fh:
                text = json.loads(line)["text"]
                docs.append(text)
                used += len(text)
                if limit_bytes is not None and used > limit_bytes:
                    break
    return docs


def test_parity_mixed_text(pairs, mixed_text):
    for tok, ref in pairs:
        assert tok.encode(mixed_text) == ref.encode(mixed_text)
        assert tok.encode_ordinary(mixed_text * 3) == ref.encode_ordinary(mixed_text * 3)


def test_regex_path_equals_native_path(tok100, mixed_text):
    forced = Tokenizer.from_tiktoken("cl100k_base", native_split=False)
    assert not forced.native_split
    assert forced.encode(mixed_text) == tok100.encode(mixed_text)


def _corpus_parity(pairs, docs):
    if not docs:
        pytest.skip("no shipped corpus")
    for tok, ref in pairs:
        ours = tok.encode_ordinary_batch(docs)
        theirs = ref.encode_ordinary_batch(docs)
        bad = [i for i, (a, b) in enumerate(zip(ours, theirs)) if a != b]
        assert not bad, f"{tok.name}: {len(bad)} documents differ, first {bad[0]}"


@pytest.mark.skipif(not list((ROOT / "corpora").glob("*.jsonl.gz")), reason="no shipped corpus")
def test_parity_corpus_sample(pairs):
    _corpus_parity(pairs, corpus_docs(150_000))


@pytest.mark.slow
@pytest.mark.skipif(not list((ROOT / "corpora").glob("*.jsonl.gz")), reason="no shipped corpus")
def test_parity_whole_corpus(pairs):
    _corpus_parity(pairs, corpus_docs(None))


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=text_strategy)
def test_parity_hypothesis(pairs, text):
    for tok, ref in pairs:
        assert tok.encode_ordinary(text) == ref.encode_ordinary(text)
        assert tok.encode(text, allowed_special="all") == ref.encode(text, allowed_special="all")
        assert tok.decode(tok.encode_ordinary(text)) == text


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=300))
def test_encode_bytes_round_trip(tok100, data):
    ids = tok100.encode_bytes(data)
    assert tok100.decode_bytes(ids) == data
    assert tok100.decode_bytes(np.asarray(ids, dtype=np.uint32)) == data


def test_encode_bytes_matches_tiktoken_on_utf8(tok100, tiktoken_cl100k, mixed_text):
    data = mixed_text.encode()
    assert tok100.encode_bytes(data) == tiktoken_cl100k.encode_ordinary(mixed_text)


@pytest.mark.parametrize(
    "text", SPECIAL_LOOKALIKES + ["a<|endoftext|>b<|fim_prefix|>c", "<|endoftext|><|endoftext|>"]
)
def test_special_token_semantics(tok100, tiktoken_cl100k, text):
    ref = tiktoken_cl100k
    for kw in (
        {"allowed_special": "all"},
        {"disallowed_special": ()},
        {"allowed_special": {"<|endoftext|>"}, "disallowed_special": ()},
    ):
        assert tok100.encode(text, **kw) == ref.encode(text, **kw), kw
    try:
        expected = ref.encode(text)
    except ValueError:
        with pytest.raises(ValueError, match="disallowed special token"):
            tok100.encode(text)
    else:
        assert tok100.encode(text) == expected
    # allowing one special still rejects the others by default
    if "<|fim_prefix|>" in text:
        with pytest.raises(ValueError):
            tok100.encode(text, allowed_special={"<|endoftext|>"})


def test_lone_surrogates_like_tiktoken(tok100, tiktoken_cl100k):
    for text in ["a\ud800b", "\udfff", "x\ud83d"]:
        assert tok100.encode(text) == tiktoken_cl100k.encode(text)
        assert tok100.encode_batch([text, "ok"]) == [
            tiktoken_cl100k.encode(text),
            tiktoken_cl100k.encode("ok"),
        ]


@pytest.mark.parametrize("threads", [None, 1, 3])
def test_batch_equals_single(tok100, mixed_text, threads):
    texts = [mixed_text[i : i + 97 * (i % 7 + 1)] for i in range(0, len(mixed_text), 53)] + [
        "",
        "<|endoftext|>",
    ]
    singles = [tok100.encode(t, allowed_special="all") for t in texts]
    assert tok100.encode_batch(texts, num_threads=threads, allowed_special="all") == singles
    assert tok100.encode_ordinary_batch(texts, num_threads=threads) == [
        tok100.encode_ordinary(t) for t in texts
    ]
    flat, offsets = tok100.encode_batch_to_numpy(texts, num_threads=threads, allowed_special="all")
    assert flat.dtype == np.uint32 and offsets[0] == 0 and offsets[-1] == len(flat)
    assert [flat[offsets[i] : offsets[i + 1]].tolist() for i in range(len(texts))] == singles
    with pytest.raises(ValueError):
        tok100.encode_batch(texts, num_threads=threads)  # "<|endoftext|>" is disallowed by default
    # Every thread's piece caches forgotten (the pool's at its next batch): the same ids again,
    # cold, and again warm.
    from tokenizer._native import core

    for _ in range(2):
        core.Encoder.clear_caches()
        assert tok100.encode_ordinary_batch(texts, num_threads=threads) == [
            tok100.encode_ordinary(t) for t in texts
        ]


def test_numpy_output(tok100, mixed_text):
    arr = tok100.encode_to_numpy(mixed_text)
    assert arr.dtype == np.uint32 and arr.tolist() == tok100.encode(mixed_text)
    small = Tokenizer(Vocabulary.bytes_only(pattern="gpt2"))
    assert small.encode_to_numpy("hi").dtype == np.uint16


@pytest.mark.parametrize(
    "text",
    [
        "",
        "a" * 1_000_000,
        "中" * 333_333,
        "机器学习是人工智能的一个分支" * 25_000,
        " " * 1_000_000,
        "\n" * 500_000,
        "🚀" * 250_000,
        ("x=1;" * 250_000),
    ],
)
def test_adversarial_inputs_finish(tok100, tiktoken_cl100k, text):
    ids = tok100.encode(text)
    assert tok100.decode(ids) == text
    if len(text) <= 400_000 or text[0] in " \n":
        assert ids == tiktoken_cl100k.encode(text)


def _colliding_words(n_words: int, window: int = 1024) -> list[str]:
    """Distinct words " xxxxxxxx" (9 bytes, one piece, not a token) whose piece-cache home slots
    (bits 40-55 of hash_bytes) all fall in the first ``window`` of 65,536: what an attacker who
    knows the unkeyed hash sends. The hash is bpe.h's, written again with NumPy for 9 bytes."""
    k = np.uint64(0x9E3779B97F4A7C15)
    rng = np.random.default_rng(7)
    b = rng.integers(
        ord("a"), ord("z") + 1, size=(n_words * 65536 // window * 3 // 2, 9), dtype=np.uint8
    )
    b[:, 0] = ord(" ")
    w0 = b[:, :8].copy().view(np.uint64).ravel()
    w1 = b[:, 1:].copy().view(np.uint64).ravel()
    with np.errstate(over="ignore"):
        h = np.uint64(0x243F6A8885A308D3) ^ (np.uint64(9) * k)
        h = (h ^ w0) * k
        h ^= h >> np.uint64(29)
        h = (h ^ w1) * k
        h ^= h >> np.uint64(32)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(31)
    homes = (h >> np.uint64(40)) & np.uint64(0xFFFF)
    words = list(dict.fromkeys(bytes(r).decode() for r in b[homes < window]))[:n_words]
    assert len(words) == n_words
    return words


def test_piece_cache_colliding_pieces_stay_bounded(tok200, tiktoken_o200k):
    """Pieces whose hashes share a neighbourhood of the piece cache no longer make one long probe
    cluster (each lookup had walked it: 270 KB of such words took 0.69 s against 23 ms for other
    words): an entry lies at most 32 slots from its home, and the ids stay exact."""
    from tokenizer._native import core

    words = _colliding_words(20_000)
    for w in words[:50]:  # the NumPy hash is the encoder's
        assert core.hash_bytes(w.encode()) >> 40 & 0xFFFF < 1024
    text = "".join(words)
    core.Encoder.clear_thread_cache()
    ids = tok200.encode_ordinary(text)
    stats = core.Encoder.piece_cache_stats()
    assert ids == tiktoken_o200k.encode_ordinary(text)
    assert 0 < stats["entries"] < len(words) and stats["max_probe"] < 32, stats
    assert tok200.encode_ordinary(text) == ids  # again, with what the cache holds
    ordinary = _colliding_words(2_000, window=65536)  # ordinary words: the cache holds them all
    core.Encoder.clear_thread_cache()
    tok200.encode_ordinary("".join(ordinary))
    assert core.Encoder.piece_cache_stats()["entries"] == len(ordinary)


@pytest.mark.slow
def test_ten_megabyte_single_line(tok100):
    text = "ab cd_ef(12345) 中文 " * 500_000
    assert tok100.count(text) == len(tok100.encode_ordinary(text))


def test_decode_errors(tok100):
    with pytest.raises(IndexError, match="not in the vocabulary"):
        tok100.decode([1, 10**6])
    with pytest.raises(IndexError):
        tok100.decode([-1])
    with pytest.raises(IndexError):
        tok100.decode_single_token_bytes(100_256)  # a hole between ordinary and special ids
    assert tok100.decode([100257]) == "<|endoftext|>"
    assert tok100.decode(tok100.encode_bytes(b"\xff\xfeab")) == "\ufffd\ufffdab"
    with pytest.raises(UnicodeDecodeError):
        tok100.decode(tok100.encode_bytes(b"\xff"), errors="strict")


def test_decode_bad_ids_are_reported_as_given(tok100):
    import numpy as np

    for big in (2**64 + 15339, 10**23):  # reported as "token id -1" before
        with pytest.raises(IndexError, match=f"token id {big} is not"):
            tok100.decode([15339, big])
    with pytest.raises(IndexError, match=f"token id {2**63 + 5} is not"):
        tok100.decode_bytes(np.array([2**63 + 5], dtype=np.uint64))
    with pytest.raises(TypeError, match="integer array, not 1-D float64"):  # was silently truncated
        tok100.decode_bytes(np.array([15339.7]))
    assert tok100.decode_bytes(np.array([15339, 1917], dtype=np.uint16)) == b"hello world"
    assert tok100.decode_bytes(np.array([15339], dtype=object)) == b"hello"


@pytest.mark.parametrize("bad", [-1, 2**32, 2**64 + 15339])
def test_single_token_bytes_out_of_range_is_index_error(tok100, bad):
    with pytest.raises(IndexError, match="not in the vocabulary"):  # a pybind TypeError before
        tok100.decode_single_token_bytes(bad)
    with pytest.raises(IndexError):
        tok100.stream_decoder().feed(bad)


def test_lookups(tok100):
    assert tok100.n_vocab == 100277 and tok100.eot_token == 100257
    assert tok100.special_tokens["<|endofprompt|>"] == 100276
    assert tok100.token_to_id(b"hello") == 15339 and tok100.token_to_id("hello") == 15339
    assert tok100.token_to_id("<|endoftext|>") == 100257
    assert tok100.id_to_token(15339) == b"hello"
    with pytest.raises(KeyError):
        tok100.token_to_id(b"no such token at all")
    assert tok100.count("hello world") == 2


def test_codebpe_vocabulary_matches_reference(tmp_path, mixed_text):
    merges, tokens = _reference.train_bpe(
        [mixed_text], vocab_size=400, pattern="cl100k", reserved=[b"    "]
    )
    vocab = Vocabulary(
        tokens=tokens, pattern="cl100k", merges=merges, special_tokens={"<|endoftext|>": 400}
    )
    vocab.save(tmp_path / "v.json")
    tok = load_tokenizer(str(tmp_path / "v.json"))
    ranks = {t: i for i, t in enumerate(tokens)}
    probe = mixed_text + " naïve 🚀 <|endoftext|>"
    assert tok.encode_ordinary(probe) == _reference.encode(probe, ranks, "cl100k")
    assert tok.encode(probe, allowed_special="all")[-1] == 400
    assert tok.vocab is vocab or tok.vocab.tokens == vocab.tokens


def test_imported_vocabulary_relayout(tmp_path, mixed_text):
    import base64

    _, tokens = _reference.train_bpe([mixed_text], vocab_size=320, pattern="cl100k")
    order = (
        sorted(tokens[:256], reverse=True) + tokens[256:]
    )  # ranks 0-255 are not the bytes in order
    p = tmp_path / "small.tiktoken"
    p.write_text("".join(f"{base64.b64encode(t).decode()} {r}\n" for r, t in enumerate(order)))
    tok = Tokenizer.from_tiktoken(str(p), pattern="cl100k")
    vocab = tok.vocab
    assert vocab.tokens[:256] == [bytes([i]) for i in range(256)]
    relaid = Tokenizer(vocab)
    a, b = tok.encode_ordinary(mixed_text), relaid.encode_ordinary(mixed_text)
    assert [tok.id_to_token(i) for i in a] == [relaid.id_to_token(i) for i in b]


def test_load_tokenizer_specs(tmp_path, cl100k):
    assert load_tokenizer("cl100k_base") is load_tokenizer("cl100k")
    with pytest.raises(ValueError, match="unknown tokenizer"):
        load_tokenizer("no-such-tokenizer")
    ranks, _, _ = cl100k
    import base64

    p = tmp_path / "mine.tiktoken"
    p.write_text("".join(f"{base64.b64encode(t).decode()} {r}\n" for t, r in ranks.items()))
    with pytest.raises(ValueError, match="needs a pattern"):
        load_tokenizer(str(p))
    tok = load_tokenizer(str(p), pattern="cl100k")
    assert tok.name == "mine" and tok.encode_ordinary("hello world") == [15339, 1917]
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    with pytest.raises(ValueError):
        load_tokenizer(str(bad))


def test_shared_across_python_threads(tok100, mixed_text):
    from concurrent.futures import ThreadPoolExecutor

    texts = [mixed_text[i:] for i in range(0, 400, 7)]
    expected = [tok100.encode_ordinary(t) for t in texts]
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(tok100.encode_ordinary, texts))
        got_np = list(pool.map(lambda t: tok100.encode_to_numpy(t).tolist(), texts))
    assert got == expected and got_np == expected


def test_one_thread_alternating_between_encoders(tok100, tok200, mixed_text):
    # A thread keeps the piece caches of its last four encoders (csrc/encode.cc, thread_cache):
    # interleave six (more than it keeps, so caches are evicted and reused) line by line, twice
    # over, and every result must equal that encoder's own run on the same text.
    extra = [Tokenizer.from_tiktoken("cl100k_base") for _ in range(3)] + [
        Tokenizer.from_tiktoken("o200k_base")
    ]
    toks = [tok100, tok200, *extra]
    lines = (mixed_text * 3).splitlines(keepends=True)
    expected = [[t.encode_ordinary(line) for line in lines] for t in toks]
    for _ in range(2):
        got = [[] for _ in toks]
        for line in lines:
            for k, t in enumerate(toks):
                got[k].append(t.encode_ordinary(line))
        assert got == expected


def test_plain_bpe_of_pieces(tok100):
    enc = tok100._enc
    assert enc.bpe(b"") == []
    assert enc.bpe(b"hello") == [15339]
    long_piece = "naïve".encode() * 40  # > 96 bytes: the heap loop
    assert tok100.decode_bytes(enc.bpe(long_piece)) == long_piece
    assert enc.lookup(b"") is None and enc.lookup(b"hello") == 15339


def test_heap_loop_of_long_pieces(tok100, tiktoken_cl100k):
    """Pieces over 192 bytes (the heap loop, which finds a part's neighbours from the token
    lengths and the dead bytes between parts, without links): the ids of tiktoken's BPE."""
    import random

    rng = random.Random(7)
    enc = tok100._enc
    for alphabet in ("a", "ab", "abc", "etaoin", "=-", "xyz01"):
        for n in (193, 250, 1000, 5000):
            piece = "".join(rng.choice(alphabet) for _ in range(n)).encode()
            assert enc.bpe(piece) == tiktoken_cl100k._encode_single_piece(piece), (alphabet, n)


def test_concurrent_batches(tok100, mixed_text):
    from concurrent.futures import ThreadPoolExecutor

    texts = [mixed_text[i : i + 300] for i in range(0, len(mixed_text), 150)]
    expected = [tok100.encode_ordinary(t) for t in texts]
    with ThreadPoolExecutor(3) as pool:  # batches from several Python threads at once
        results = list(
            pool.map(lambda _: tok100.encode_ordinary_batch(texts, num_threads=2), range(6))
        )
    assert all(r == expected for r in results)


@skip_fork_if_sanitized
def test_batches_then_fork(tok100, mixed_text):
    import multiprocessing as mp

    texts = [mixed_text[i : i + 300] for i in range(0, len(mixed_text), 150)]
    expected = [tok100.encode_ordinary(t) for t in texts]
    assert tok100.encode_ordinary_batch(texts, num_threads=2) == expected  # the pool is running
    ctx = mp.get_context("fork")  # the child must not wait on the parent's pool threads
    with ctx.Pool(1) as child:
        assert child.apply(_child_batch, (texts,)) == expected
        # The method itself as the mapped function (pickled: getattr(tokenizer, name)).
        assert child.map(tok100.encode_ordinary, texts) == expected


def _child_batch(texts):
    return Tokenizer.from_tiktoken("cl100k_base").encode_ordinary_batch(texts, num_threads=2)


# Pieces of non-ASCII text are cut where no token can span (csrc/bpe.cc, "Safe cuts"); these texts
# are dense in such cut candidates: CJK, kana, Hangul, accented Latin, Cyrillic, emoji, marks.
NON_ASCII = list("的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年机器学习") + list(
    "のをにはがカタナ한국어éñüßøœжизнь😀🚀👍🏽\u0301\u3000，。！？「」 a1'"
)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.lists(st.sampled_from(NON_ASCII), max_size=80).map("".join))
def test_safe_cuts_match_tiktoken(pairs, text):
    for tok, ref in pairs:
        assert tok.encode_ordinary(text) == ref.encode_ordinary(text)


def _three_byte(x: int) -> bytes:
    """The 3-byte form of any 16-bit value (an overlong form below U+0800, as bytes may hold)."""
    return bytes([0xE0 | x >> 12, 0x80 | x >> 6 & 63, 0x80 | x & 63])


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    parts=st.lists(
        st.one_of(
            st.sampled_from(NON_ASCII).map(str.encode),
            st.binary(min_size=1, max_size=2),
            # a whole 3-byte character of any 16-bit value, overlong forms included
            st.integers(0, 0xFFFF).map(_three_byte),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_safe_cuts_equal_plain_bpe_on_bytes(tok100, tok200, parts):
    # Any bytes, also broken UTF-8: the cut piece must give exactly the uncut BPE.
    data = b"".join(parts)
    for tok in (tok100, tok200):
        enc = tok._enc
        if enc.lookup(data) is None:
            assert enc.encode_pieces([data]) == enc.bpe(data)


def test_safe_cuts_happen_and_are_exact(tok100, tok200):
    # The cuts must actually occur on Chinese text (they are what makes it fast), and BPE of the
    # chunks must equal BPE of the whole piece.
    piece = "机器学习是人工智能的一个分支它研究计算机怎样模拟人类的学习行为".encode()
    for tok in (tok100, tok200):
        enc = tok._enc
        cuts = enc.safe_cuts(piece)
        assert cuts and all(0 < k < len(piece) for k in cuts)
        bounds = [0, *cuts, len(piece)]
        chunked = [i for a, b in zip(bounds, bounds[1:]) for i in enc.bpe(piece[a:b])]
        assert chunked == enc.bpe(piece) == enc.encode_pieces([piece])
    assert tok100._enc.safe_cuts(b"def hello_world(x):") == []  # ASCII is never cut


def _whole_3byte_chars(data: bytes) -> list[bytes]:
    """The whole 3-byte characters (lead 0xE0-0xEF, two continuation bytes) inside ``data``."""
    return [
        data[i : i + 3]
        for i in range(len(data) - 2)
        if data[i] & 0xF0 == 0xE0 and data[i + 1] & 0xC0 == 0x80 and data[i + 2] & 0xC0 == 0x80
    ]


def _token_or_none(enc, i: int) -> bytes | None:
    try:
        return enc.token_bytes(i)
    except IndexError:  # an id the vocabulary skips
        return None


def _is_tail_then_lead(t: bytes, j: int) -> bool:
    """t[:j] are continuation bytes and t[j] is the lead byte of a 3-byte character."""
    return all(b & 0xC0 == 0x80 for b in t[:j]) and t[j] & 0xF0 == 0xE0


def test_cut_shortcut_between_3byte_characters_agrees_with_full_test(tok100, tok200):
    # Between two whole 3-byte characters the encoder decides a cut from per-character flags and
    # a filter of character pairs (BpeModel::may_cross_3x3) instead of the nine fragment probes
    # of may_cross. Every cut it makes must be one the full test allows (exactness), and it may
    # miss only the filter's rare false alarms (speed): checked on the 3-byte windows inside
    # every token (pairs some token spans), and on random strings of the characters the
    # vocabulary's tokens contain (with their partial-UTF-8 neighbours, these are the characters
    # whose flags are set) plus random 3-byte sequences, overlong forms included.
    rng = random.Random(6)
    for tok in (tok100, tok200):
        enc = tok._enc
        tokens = [t for i in range(tok.n_vocab) if (t := _token_or_none(enc, i)) is not None]
        pool = sorted({c for t in tokens for c in _whole_3byte_chars(t)})
        pieces = [
            b"\xe7\x9a\x84" + t + b"\xe7\x9a\x84" for t in tokens if len(_whole_3byte_chars(t)) >= 2
        ]
        # Tokens of 2-4 bytes that start inside a character and end inside the next one, between
        # two whole 3-byte characters (also overlong forms, as arbitrary bytes may have them).
        for t in tokens:
            for j in (1, 2):
                if len(t) - j in (1, 2) and _is_tail_then_lead(t, j):
                    c1 = bytes([0xE0, 0x80 if j == 1 else t[0]]) + t[j - 1 : j]
                    for lead in (b"\xe0\x80\x80", b"\xe7\x9a\x84"):
                        pieces.append(lead + c1 + t[j:] + b"\x80" * (3 - len(t) + j) + lead)
        for _ in range(3000):
            pieces.append(b"".join(rng.choice(pool) for _ in range(rng.randint(2, 12))))
            c = [rng.randrange(0, 0x10000) for _ in range(rng.randint(2, 6))]
            pieces.append(b"".join(map(_three_byte, c)))
        assert len(pieces) > 6000
        made = allowed = 0
        for piece in pieces:
            full = {
                k
                for k in range(1, len(piece))
                if piece[k] & 0xC0 != 0x80
                and (piece[k - 1] | piece[k]) & 0x80
                and not enc.may_cross(piece, k)
            }
            cuts = enc.safe_cuts(piece)
            assert set(cuts) <= full, piece
            made += len(cuts)
            allowed += len(full)
        assert allowed > 10000 and made >= 0.99 * allowed, (made, allowed)


def test_piece_cache_growth_and_clear_match_tiktoken(pairs):
    # 40,000 distinct words that are not single tokens: the per-thread piece cache (csrc/encode.cc,
    # PieceCache) doubles from 4 Ki slots to 64 Ki and is cleared when half full, mid-text.
    from tokenizer._native import core

    rng = random.Random(7)
    letters = "bcdfghjklmnpqrstvwxz"
    words = {"".join(rng.choices(letters, k=rng.randint(5, 9))) for _ in range(41000)}
    text = " ".join(sorted(words)[:40000])
    for tok, ref in pairs:
        core.Encoder.clear_caches()
        expected = ref.encode_ordinary(text)
        assert tok.encode_ordinary(text) == expected
        assert tok.encode_ordinary(text) == expected  # warm (and cleared once more on the way)


def test_every_cjk_character_matches_tiktoken(pairs):
    # 20,992 distinct 3-byte characters: more than the per-thread memo of 3-byte chunks and of
    # cut decisions holds (direct-mapped), so entries collide and are replaced while encoding.
    chars = [chr(c) for c in range(0x4E00, 0xA000)]
    text = "，".join("".join(chars[i : i + 7]) for i in range(0, len(chars), 7))
    text += "。" + "".join(reversed(text))
    for tok, ref in pairs:
        assert tok.encode_ordinary(text) == ref.encode_ordinary(text)
        assert tok.encode_ordinary(text) == ref.encode_ordinary(text)  # warm memo


@pytest.mark.slow
def test_every_code_point_matches_tiktoken(pairs):
    # Each code point between letters, after a space and between a letter and a digit: the
    # C++ matcher's Unicode tables (pinned: measured on tiktoken and tokenizers) must classify
    # them as tiktoken's regex does. Every BMP code point and every 31st above; every code point
    # where the `regex` module's own tables differ is in tests/test_unicode_pinned.py, in
    # contexts that expose a different split (these three would not have: see that file).
    cps = [c for c in range(0x10000) if not 0xD800 <= c < 0xE000] + list(
        range(0x10000, 0x110000, 31)
    )
    texts = [f"a{chr(c)}b {chr(c)}x1{chr(c)}" for c in cps]
    for tok, ref in pairs:
        ours = tok.encode_ordinary_batch(texts)
        theirs = ref.encode_ordinary_batch(texts)
        bad = [hex(cps[i]) for i in range(len(cps)) if ours[i] != theirs[i]]
        assert not bad, f"{tok.name}: {len(bad)} code points differ: {bad[:10]}"


@pytest.mark.parametrize("threads", [2, 4])
def test_large_batch_lists_built_while_encoding(tok100, mixed_text, threads):
    # Thousands of texts of mixed sizes: the calling thread builds lists in order while the pool
    # encodes (encode_batch_ordered), so results must still land at their own index; an error in
    # the middle stops the batch with the right message.
    texts = [mixed_text[(i * 37) % 500 : (i * 37) % 500 + (i % 23) * 40] for i in range(3000)]
    assert tok100.encode_ordinary_batch(texts, num_threads=threads) == [
        tok100.encode_ordinary(t) for t in texts
    ]
    bad = texts[:1500] + ["x <|endoftext|>"] + texts[1500:]
    with pytest.raises(ValueError, match="endoftext"):
        tok100.encode_batch(bad, num_threads=threads)


def test_ctrl_c_stops_a_list_batch(tok100):
    # KeyboardInterrupt during a long batch propagates (the list-building thread checks for
    # signals), nothing hangs, and the shared worker pool is usable afterwards.
    import _thread
    import gc
    import signal
    import threading
    import time

    def ctrl_c():  # a real SIGINT to the main thread (it also wakes a sleep), else the flag only
        if hasattr(signal, "pthread_kill"):
            signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
        else:
            _thread.interrupt_main()

    texts = ["def f(x):\n    return x + 1  # 注释 " * 200] * 3000
    # No garbage collection meanwhile: a gc callback (hypothesis installs one) that the signal
    # lands in reports the KeyboardInterrupt as unraisable and swallows it (a flaky failure).
    gc_was_enabled = gc.isenabled()
    gc.disable()
    # Python's own handler even when pytest was started with SIGINT ignored (nohup, `cmd &`).
    old_handler = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        threading.Timer(0.02, ctrl_c).start()
        with pytest.raises(KeyboardInterrupt):
            tok100.encode_ordinary_batch(texts, num_threads=2)
            for _ in range(100):  # if the batch finished first, the interrupt lands here instead
                time.sleep(0.05)
        # The NumPy batch too, which now looks for signals between chunks (before, it answered
        # only once finished; how soon it answers is measured, not asserted: a signal handled
        # right after the call returns looks the same from here).
        threading.Timer(0.02, ctrl_c).start()
        with pytest.raises(KeyboardInterrupt):
            tok100.encode_batch_to_numpy(texts * 10, num_threads=2)
            for _ in range(100):
                time.sleep(0.05)
    finally:
        signal.signal(signal.SIGINT, old_handler)
        if gc_was_enabled:
            gc.enable()
    assert tok100.encode_ordinary_batch(["hello"] * 3, num_threads=2) == [[15339]] * 3


def test_short_tokens_at_every_distance_from_the_end(pairs):
    # Whole-piece lookups read a 1-8 byte piece with one 8-byte load when 8 bytes remain in the
    # text (TokenMap::find_piece) and from the piece's own bytes otherwise: every short token,
    # alone and followed by 0..8 bytes, in both vocabularies, and short non-tokens likewise.
    import random

    rng = random.Random(6)
    for tok, ref in pairs:
        shorts = []
        for rank in rng.sample(range(ref.n_vocab - len(ref._special_tokens)), 3000):
            b = ref.decode_single_token_bytes(rank)
            if len(b) <= 8:
                try:
                    shorts.append(b.decode("utf-8"))
                except UnicodeDecodeError:
                    continue
        shorts += ["a\x00", "\x00", "ab\x00\x00", "é\x00", "xq", "zzqx"]
        for piece in shorts[:600]:
            for k in range(9):
                text = piece + "\n" * k
                assert tok.encode_ordinary(text) == ref.encode_ordinary(text), repr(text)
            text = piece + "!" + "ab" * 4
            assert tok.encode_ordinary(text) == ref.encode_ordinary(text), repr(text)


def unreachable_words_vocab(tmp_path, words):
    """(Tokenizer, tiktoken Encoding, ranks) of the 256 bytes plus ``words`` and no token between:
    no merge sequence builds a word, so only a whole-piece lookup finds one."""
    import base64

    import tiktoken

    ranks = {bytes([i]): i for i in range(256)}
    for w in words:
        ranks[w.encode()] = len(ranks)
    path = tmp_path / "unreachable.tiktoken"
    path.write_text("".join(f"{base64.b64encode(t).decode()} {r}\n" for t, r in ranks.items()))
    tok = Tokenizer.from_tiktoken(str(path), pattern="cl100k")
    ref = tiktoken.Encoding("u", pat_str=tok.pattern.text, mergeable_ranks=ranks, special_tokens={})
    return tok, ref, ranks


def test_whole_piece_lookup_finds_tokens_that_bpe_cannot_reach(tmp_path):
    # tiktoken looks a piece up before any merge, so a token no merge sequence builds (here no
    # 2-byte part of it is a token) is still one id when it is a whole piece. This pins the
    # whole-piece lookup itself (a lookup that missed would fall back to BPE and bytes): pieces of
    # every length 3..11, at every distance 0..8 from the end of the text.
    words = ["kqzwjvxfhyb"[:n] for n in range(3, 12)]
    tok, ref, ranks = unreachable_words_vocab(tmp_path, words)
    assert tok.native_split
    for w in words:
        assert tok.encode_ordinary(w) == [ranks[w.encode()]]
        for k in range(9):
            for text in (w + "\n" * k, "\n" + w + " " * k, w + "." + "a" * k):
                assert tok.encode_ordinary(text) == ref.encode_ordinary(text), repr(text)


def test_long_non_ascii_whole_pieces(tmp_path, pairs):
    # A piece of more than 8 bytes with a non-ASCII end is cut before it is looked up
    # (TokenMap::find_piece defers it): only a piece without a safe cut can be a token, and only
    # then is it looked up. Tokens no merge sequence builds pin that lookup (a miss would give
    # bytes), next to the same words inside longer pieces, which tiktoken does not look up.
    words = ["中文字符", "编码器测试", " 分词器", "「引号", "ñandúes", "東京タワー"]
    tok, ref, ranks = unreachable_words_vocab(tmp_path, words)
    for w in words:
        assert len(w.encode()) > 8
        assert tok.encode_ordinary(w) == [ranks[w.encode()]], w
        for text in (w, w + "串", "串" + w, w + "\n" * 3, "x" + w + "。", w + w):
            assert tok.encode_ordinary(text) == ref.encode_ordinary(text), repr(text)
    # Every such token of the real vocabularies, alone and followed by text.
    for tok, ref in pairs:
        checked = 0
        for b in ref.token_byte_values():
            if len(b) <= 8 or not (b[0] | b[-1]) & 0x80:
                continue
            try:
                text = b.decode("utf-8")
            except UnicodeDecodeError:
                continue
            for t in (text, text + "，好", text + "的"):
                assert tok.encode_ordinary(t) == ref.encode_ordinary(t), repr(t)
            checked += 1
        assert checked > 100


def test_long_tokens_that_share_both_ends(tmp_path):
    # Tokens of more than 8 bytes keep their first and last 8 bytes in the lookup slot (for up to
    # 16 bytes that is the whole token); longer ones with the same ends, the same length and a
    # different middle must still be told apart by their middle bytes, and near misses (one byte
    # changed at either end or in the middle, one byte longer or shorter) must not match.
    head, tail = "abcdefgh", "stuvwxyz"
    words = [head + m + tail for m in ("k", "kl", "klmnopqr", "klmnopqs", "jlmnopqr", "klmnopqrk")]
    words += [head + tail, head + "i", "zbcdefghstuvwxyz"]
    tok, ref, ranks = unreachable_words_vocab(tmp_path, words)
    for w in words:
        assert tok.encode_ordinary(w) == [ranks[w.encode()]], w
        assert tok.encode_ordinary(" " + w + "\n") == ref.encode_ordinary(" " + w + "\n")
    near = [
        head + "klmnopqt" + tail,
        head + "klmnopq" + tail,
        head + "klmnopqrkk" + tail,
        head + "k" + tail[:-1] + "a",
        "z" + head[1:] + "kl" + tail,
        head + tail + "z",
    ]
    # Many tokens with the same ends and length, looked up next to as many absent middles: some
    # probe chains pass slots whose ends and length match.
    import itertools

    middles = ["".join(m) for m in itertools.product("klmnop", repeat=3)]
    many = [head + m + tail for m in middles[::2]]
    near += [head + m + tail for m in middles[1::2]]
    tok, ref, ranks = unreachable_words_vocab(tmp_path, words + many)
    for w in words + many:
        assert tok.encode_ordinary(w) == [ranks[w.encode()]], w
    for w in near:
        assert w.encode() not in ranks
        assert len(tok.encode_ordinary(w)) > 1, w
        assert tok.encode_ordinary(w) == ref.encode_ordinary(w), w


NESTED_SPECIALS = ("<a>", "<a><b>", "<a><b>c", "<ab>", "<", "x<a")


@pytest.mark.parametrize("seed", range(3))
def test_nested_special_tokens_leftmost_longest(seed):
    """Special tokens that are prefixes of one another (and a one-byte one, and one starting with
    another byte): the native scan takes the leftmost, then longest, enabled one, like the regex
    path (a longest-first alternation) and Hugging Face's added-token matcher."""
    import random

    tokenizers = pytest.importorskip("tokenizers")
    from tokenizers import models, pre_tokenizers

    specials = {s: 256 + i for i, s in enumerate(NESTED_SPECIALS)}
    base = Vocabulary.bytes_only(pattern="gpt2")
    vocab = Vocabulary(tokens=base.tokens, pattern="gpt2", merges=[], special_tokens=specials)
    native = Tokenizer(vocab)
    regex_path = Tokenizer(vocab, native_split=False)
    rng = random.Random(seed)
    text = "".join(rng.choice(NESTED_SPECIALS + ("b>", "c", " ", "<b>", "a")) for _ in range(300))
    for allowed in ("all", set(NESTED_SPECIALS[seed::2]), {"<a>"}, set()):
        kw = {"allowed_special": allowed, "disallowed_special": ()}
        ids = native.encode(text, **kw)
        assert ids == regex_path.encode(text, **kw)
        assert native.decode(ids) == text
    # Hugging Face: the same specials as added tokens over a byte-level BPE of the 256 bytes.
    from tokenizer.interop import bytes_to_unicode

    byte_chars = {c: b for b, c in bytes_to_unicode().items()}  # id of byte b is b
    hf = tokenizers.Tokenizer(models.BPE(vocab=byte_chars, merges=[]))
    hf.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    hf.add_special_tokens(list(NESTED_SPECIALS))
    # ("<" is a byte token there already: that added token keeps id 60, and the rest shift)
    hf_id = {specials[s]: hf.token_to_id(s) for s in NESTED_SPECIALS}
    assert hf_id[specials["<"]] == 60 and len(set(hf_id.values())) == len(NESTED_SPECIALS)
    ours = [hf_id.get(i, i) for i in native.encode(text, allowed_special="all")]
    assert ours == hf.encode(text, add_special_tokens=False).ids
