#!/usr/bin/env python3
"""Fuzz codebpe's ids against tiktoken and Hugging Face ``tokenizers``; shrink what differs.

Stage: maintenance (not run by the tests beyond a smoke run). Random texts mix scripts from every
plane (recently encoded ones included), emoji, every kind of whitespace, contractions with
case-folding traps (``'ſ``), special-token look-alikes, pieces of the vocabulary, long repeats and
NFC-sensitive sequences (decomposed characters, combining marks in any order). For each text it
compares ``encode_ordinary``, ``count`` and ``decode`` (and ``encode_ordinary_batch`` per round)
with the reference library; a text that differs is shrunk (characters removed while it still
differs) and printed with both id lists. Random byte strings (overlong and partial UTF-8
included) check the bytes API against itself: one piece through the encoder's cuts, memos and
caches against plain BPE, and encode_bytes/decode_bytes round trips. Exit status 1 if anything
differed.

It found the two parity bugs fixed on 2026-11-29 (Unicode classes of newer code points, and NFC
as ``tokenizers`` applies it) within a minute each.

Usage::

    python scripts/fuzz_parity.py [--seconds 60] [--seed 1] [--vocab cl100k_base,o200k_base,qwen2.5]
        [--regex-path]

``--vocab`` takes tiktoken names (compared with tiktoken) and ``tokenizer.json`` names or paths
(compared with ``tokenizers``; texts holding an added token are skipped, as those are matched
differently by design). ``--regex-path`` builds codebpe's tokenizers with ``native_split=False``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import unicodedata
from pathlib import Path
from typing import Callable

sys.path.append(str(Path(__file__).resolve().parent.parent))  # after the installed package

RANGES = [(0x20, 0x7E)] * 6 + [
    (0x400, 0x4FF), (0x4E00, 0x9FFF), (0x4E00, 0x9FFF), (0x3000, 0x303F), (0xFF00, 0xFFEF),
    (0xAC00, 0xD7A3), (0x600, 0x6FF), (0x300, 0x36F), (0x1F300, 0x1FAFF), (0x80, 0x2FF),
    (0xE000, 0xE0FF), (0x10000, 0x10FFFF), (0x900, 0x97F), (0x3040, 0x30FF), (0x2000, 0x206F),
    (0x1D400, 0x1D7FF), (0x30000, 0x3347F),
]  # fmt: skip
SPACES = [" ", "  ", "\t", "\n", "\r\n", "\r", "\u00a0", "\u3000", "\u2028", "\x0b", "\x0c",
          "\u0085", " \n ", "    "]  # fmt: skip
WORDS = ["'s", "'S", "'ſ", "x'ſt", "'ll", "'LL", "'Re", "'ve", "'d", "'m", "'t", "the", "The",
         "THE", "def", "return", "\n\n", "123456", "3.14", "<|endoftext|>", "<|fim_prefix|>",
         "的", "是", "中文", "测试", "привет", "ПРИВЕТ", "naïve", "ǅ", "ß", "İ", "😀👍🏽",
         "👨\u200d👩\u200d👧", "e\u0301", "ﬁ", "Ⅻ", "٣", "²"]  # fmt: skip


def _nfc_pool() -> list[str]:
    out = []
    for cp in range(0x20000):
        c = chr(cp)
        if 0xD800 <= cp < 0xE000:
            continue
        d = unicodedata.decomposition(c)
        if (d and not d.startswith("<")) or unicodedata.combining(c):
            out.append(c)
    return out


def make_generator(rng: random.Random, pieces: list[bytes]) -> Callable[[], str]:
    nfc_pool = _nfc_pool()

    def gen() -> str:
        out: list[str] = []
        size = rng.choice([1, 2, 5, 10, 30, 100, 400, 3000])
        while len(out) < size:
            r = rng.random()
            if r < 0.3:
                lo, hi = rng.choice(RANGES)
                s = "".join(chr(rng.randint(lo, hi)) for _ in range(rng.randint(1, 12)))
                out.append(s.encode("utf-8", "surrogatepass").decode("utf-8", "replace"))
            elif r < 0.42:
                out.append(rng.choice(SPACES))
            elif r < 0.55:
                out.append(rng.choice(WORDS))
            elif r < 0.78:
                b = b"".join(rng.choice(pieces) for _ in range(rng.randint(1, 6)))
                out.append(b.decode("utf-8", "replace"))
            elif r < 0.9:
                c = rng.choice(nfc_pool)
                out.append(unicodedata.normalize("NFD", c) if rng.random() < 0.5 else c)
            else:
                out.append(rng.choice(WORDS) * rng.randint(1, 50))
        return "".join(out)

    return gen


def _cont(rng: random.Random, n: int) -> bytes:
    return bytes(rng.randrange(0x80, 0xC0) for _ in range(n))


def whole_chars_around(t: bytes, rng: random.Random) -> bytes:
    """``t`` with a lead byte (and continuation bytes) before its leading continuation bytes and
    continuation bytes after a trailing partial character, so that a token that starts or ends
    inside a character sits inside whole (possibly overlong) characters."""
    j = 0
    while j < min(len(t), 3) and t[j] & 0xC0 == 0x80:
        j += 1
    if j:
        need = rng.randint(j + 1, 4)  # the sequence's length: lead + (need - 1 - j) + t[:j]
        if rng.random() < 0.5:  # an overlong form (what arbitrary bytes, not str, can hold)
            lead = {2: 0xC0, 3: 0xE0, 4: 0xF0}[need]
            mid = bytes(rng.randrange(0x80, 0x90) for _ in range(need - 1 - j))
        else:
            lead = {2: 0xC2, 3: 0xE1, 4: 0xF1}[need] + rng.randrange({2: 30, 3: 15, 4: 3}[need])
            mid = _cont(rng, need - 1 - j)
        t = bytes([lead]) + mid + t
    i = len(t) - 1
    while i > 0 and t[i] & 0xC0 == 0x80:
        i -= 1
    size = {0xC0: 2, 0xE0: 3, 0xF0: 4}.get(t[i] & 0xF0 if t[i] >= 0xE0 else t[i] & 0xE0, 1)
    return t + _cont(rng, max(0, size - (len(t) - i)))


def make_bytes_generator(rng: random.Random, pieces: list[bytes]) -> Callable[[], bytes]:
    """Arbitrary bytes for the bytes API: vocabulary pieces (partial characters included, also
    completed into whole characters around them), whole 3-byte sequences of any 16-bit value
    (overlong forms and surrogates included), 2-byte sequences, lone non-ASCII bytes and random
    bytes."""
    starts_inside = [t for t in pieces if t[0] & 0xC0 == 0x80] or pieces
    ends_inside = [t for t in pieces if t[-1] >= 0x80] or pieces

    def gen() -> bytes:
        out: list[bytes] = []
        for _ in range(rng.randint(1, 24)):
            r = rng.random()
            if r < 0.2:
                out.append(rng.choice(pieces))
            elif r < 0.3:
                out.append(whole_chars_around(rng.choice(starts_inside), rng))
            elif r < 0.35:
                out.append(whole_chars_around(rng.choice(ends_inside), rng))
            elif r < 0.65:
                x = rng.randrange(0x10000)
                out.append(bytes([0xE0 | x >> 12, 0x80 | x >> 6 & 63, 0x80 | x & 63]))
            elif r < 0.75:
                x = rng.randrange(0x800)
                out.append(bytes([0xC0 | x >> 6, 0x80 | x & 63]))
            elif r < 0.85:
                out.append(bytes([rng.randrange(0x80, 0x100)]))
            else:
                out.append(rng.randbytes(rng.randint(1, 4)))
        return b"".join(out)

    return gen


def vocabulary_bytes(tok: object) -> list[bytes]:
    """The bytes of every id of the vocabulary (ids it skips left out)."""
    out = []
    for i in range(tok.n_vocab):  # type: ignore[attr-defined]
        try:
            out.append(tok._enc.token_bytes(i))  # type: ignore[attr-defined]
        except IndexError:
            pass
    return out


def bytes_checks(tok: object) -> dict[str, Callable[[bytes], bool]]:
    """Checks of the bytes API that need no reference library; each is True when it fails.

    "cuts": the bytes as one piece, encoded with the encoder's safe cuts, memos and caches,
    against plain BPE of the whole piece (a piece that is a token is skipped: in merge mode
    BPE of a token's bytes need not be that token). "round trip": encode_bytes then
    decode_bytes."""
    enc = tok._enc  # type: ignore[attr-defined]

    def round_trip_fails(b: bytes) -> bool:
        ids = outcome(lambda: tok.encode_bytes(b))  # type: ignore[attr-defined]
        return isinstance(ids, list) and tok.decode_bytes(ids) != b  # type: ignore[attr-defined]

    return {
        "cuts": lambda b: (
            enc.lookup(b) is None
            and outcome(lambda: enc.encode_pieces([b])) != outcome(lambda: enc.bpe(b))
        ),
        "round trip": round_trip_fails,
    }


def outcome(fn: Callable[[], object]) -> object:
    """fn's result, or ("ValueError", message) for a byte the vocabulary has no token for (some
    tokenizer.json files lack bytes that UTF-8 never uses: both paths must raise alike)."""
    try:
        return fn()
    except ValueError as e:
        return ("ValueError", str(e))


def references(names: list[str], regex_path: bool) -> list[tuple[str, object, object, list[str]]]:
    """(name, reference encode function, codebpe Tokenizer, added-token texts) per vocabulary."""
    import tiktoken

    import tokenizer
    from tokenizer.interop import KNOWN_ENCODINGS, load_hf_tokenizer_json, load_tiktoken_encoding

    out = []
    native = None if not regex_path else False
    for name in names:
        if name in KNOWN_ENCODINGS:
            ranks, pattern, _ = load_tiktoken_encoding(name, allow_download=False)
            ref = tiktoken.Encoding(
                name, pat_str=pattern.text, mergeable_ranks=ranks, special_tokens={}
            )
            tok = tokenizer.Tokenizer.from_tiktoken(name, native_split=native)
            out.append((name, ref.encode_ordinary, tok, []))
        else:
            import tokenizers

            obj = load_hf_tokenizer_json(name)
            hf = tokenizers.Tokenizer.from_str(json.dumps(obj))
            tok = tokenizer.Tokenizer.from_hf(name, native_split=native)
            added = [t.content for t in hf.get_added_tokens_decoder().values()]

            def encode(text: str, hf: object = hf) -> list[int]:
                return hf.encode(text, add_special_tokens=False).ids  # type: ignore[attr-defined]

            out.append((name, encode, tok, added))
    return out


def shrink(text: str | bytes, differs: Callable) -> str | bytes:
    """``text`` with characters (or bytes) removed, halving chunks, while ``differs`` stays
    true."""
    chunk = len(text) // 2
    while chunk >= 1:
        i, changed = 0, False
        while i < len(text):
            cand = text[:i] + text[i + chunk :]
            if cand and differs(cand):
                text, changed = cand, True
            else:
                i += chunk
        if not changed:
            chunk //= 2
    return text


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--vocab", default="cl100k_base,o200k_base,deepseek-v3,qwen2.5")
    ap.add_argument("--regex-path", action="store_true")
    ap.add_argument("--max-reports", type=int, default=5)
    args = ap.parse_args(argv)
    if not args.seconds > 0:
        ap.error(f"--seconds must be > 0, got {args.seconds}")
    if args.max_reports < 1:
        ap.error(f"--max-reports must be at least 1, got {args.max_reports}")
    names = [v for v in args.vocab.split(",") if v]
    if not names:
        ap.error("--vocab: no vocabulary given")
    rng = random.Random(args.seed)
    runs = []
    byte_runs = []
    try:
        loaded = references(names, args.regex_path)
    except (OSError, ValueError, KeyError) as e:  # an unknown or unreadable vocabulary
        print(f"fuzz_parity: {e}", file=sys.stderr)
        return 2
    for name, ref, tok, added in loaded:
        pieces = [tok.decode_single_token_bytes(i) for i in rng.sample(range(20000), 5000)]
        runs.append((name, ref, tok, added, make_generator(rng, pieces)))
        byte_runs.append((name, tok, make_bytes_generator(rng, vocabulary_bytes(tok))))
    stop = time.monotonic() + args.seconds
    texts = nbytes = bad = 0
    while time.monotonic() < stop and bad < args.max_reports:
        for name, ref, tok, added, gen in runs:
            batch = [t for t in (gen() for _ in range(8)) if not any(a in t for a in added)]
            ours_batch = tok.encode_ordinary_batch(batch)
            for text, ours in zip(batch, ours_batch):
                texts += 1
                # (an NFC normalizer changes the text, so decode gives the normalized text)
                checks = {
                    "ids": lambda t, tok=tok, ref=ref: tok.encode_ordinary(t) != ref(t),
                    "batch": lambda t, tok=tok: (
                        tok.encode_ordinary_batch([t])[0] != tok.encode_ordinary(t)
                    ),
                    "count": lambda t, tok=tok: tok.count(t) != len(tok.encode_ordinary(t)),
                    "decode": lambda t, tok=tok: (
                        not tok._nfc and tok.decode(tok.encode_ordinary(t)) != t
                    ),
                }
                if ours == ref(text) and not any(c(text) for c in checks.values()):
                    continue
                bad += 1
                what = next((k for k, c in checks.items() if c(text)), "batch")
                small = shrink(text, checks[what])
                cps = [hex(ord(c)) for c in small]
                print(f"DIFF {name} ({what}): {small!r} (code points {cps})")
                print(f"  reference {ref(small)}\n  codebpe   {tok.encode_ordinary(small)}")
        for name, tok, gen in byte_runs:
            checks = bytes_checks(tok)
            for data in (gen() for _ in range(8)):
                nbytes += 1
                what = next((k for k, c in checks.items() if c(data)), None)
                if what is None:
                    continue
                bad += 1
                small = shrink(data, checks[what])
                print(f"DIFF {name} (bytes, {what}): {small!r}")
                print(f"  plain BPE {tok._enc.bpe(small)}\n  codebpe   {tok.encode_bytes(small)}")
    names = ", ".join(r[0] for r in runs)
    print(f"{texts} texts and {nbytes} byte strings, {bad} differed ({names}; seed {args.seed})")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
