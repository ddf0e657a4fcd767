#!/usr/bin/env python3
"""Fuzz ``Tokenizer.encode_stream`` against encoding the whole text at once.

Stage: maintenance (not run by the tests). Random texts are slices of the shipped corpus mixed
with fragments that stress cuts (whitespace runs before words and digits, CRLF, contractions,
decomposed accents for NFC, CJK, emoji, whole and partial special tokens); each is streamed with
a random margin (8 bytes to 64 KiB: the default only has to exceed a pattern's look-ahead),
block size (1 byte to 1 MiB), thread count and special-token policy, and the concatenated ids
are compared with ``encode(text, allowed_special=..., disallowed_special=())``. The first
differences are printed and saved (``--save-dir``) for replay. Exit status 1 if any differed.

Usage::

    python scripts/fuzz_stream.py [--seconds 120] [--seed 1]
        [--vocab codebpe-v1,cl100k_base,o200k_base,deepseek-coder,deepseek-v3,qwen2.5,glm-4]
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import pickle
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.append(str(ROOT))  # after the installed package

import numpy as np  # noqa: E402

import tokenizer._encoding_stream as stream_mod  # noqa: E402
from tokenizer.encoding import Tokenizer, load_tokenizer  # noqa: E402

FRAGMENTS = [
    " ", "  ", "   ", "\n", "\r\n", "\t", "\n\n", "x", "1", "123456", "'s", "'ll", "é", "e\u0301",
    "机", "。", "🚀", "<|endoftext|>", "<|endof", "text|>", "\u3000", "\xa0",
    "<｜end▁of▁sentence｜>", "<|im_start|>",
]  # fmt: skip


def corpus_docs(per_domain: int = 300) -> list[str]:
    docs: list[str] = []
    for domain in ("code", "en", "zh"):
        path = ROOT / "corpora" / f"{domain}.jsonl.gz"
        if not path.exists():
            continue
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for i, line in enumerate(f):
                docs.append(json.loads(line)["text"])
                if i + 1 >= per_domain:
                    break
    return docs or ["def f(x):\n    return x  # 注释\n", "The quick brown fox.\n"]


def _tokenizer(spec: str) -> Tokenizer:
    """``load_tokenizer(spec)``; ``codebpe-v1``: a vocabulary of the default pattern, trained
    here (its leading-space indentation rule needs a cut check of its own)."""
    if spec != "codebpe-v1":
        return load_tokenizer(spec)
    from tokenizer.train import train

    return Tokenizer(train(vocab_size=4096, progress=False), name="codebpe-v1")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=120.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--vocab",
        default="codebpe-v1,cl100k_base,o200k_base,deepseek-coder,deepseek-v3,qwen2.5,glm-4",
        help="tokenizer specs; codebpe-v1: a 4k vocabulary of the default pattern, trained on "
        "the shipped corpus at start (a few seconds)",
    )
    ap.add_argument("--save-dir", default=".", help="where differing cases are pickled")
    args = ap.parse_args(argv)
    if not args.seconds > 0:
        ap.error(f"--seconds must be > 0, got {args.seconds}")
    if not Path(args.save_dir).is_dir():
        ap.error(f"--save-dir: {args.save_dir}: not a folder")
    rng = random.Random(args.seed)
    try:
        toks = [_tokenizer(name) for name in args.vocab.split(",") if name]
    except (OSError, ValueError, KeyError) as e:  # an unknown or unreadable tokenizer
        print(f"fuzz_stream: {e}", file=sys.stderr)
        return 2
    toks.append(Tokenizer.from_tiktoken("cl100k_base", native_split=False))  # the regex path
    docs = corpus_docs()
    deadline = time.time() + args.seconds
    cases = differed = 0
    while time.time() < deadline:
        tok = rng.choice(toks)
        text = "".join(
            rng.choice(docs)[rng.randrange(0, 2000) :][: rng.randrange(0, 3000)]
            if rng.random() < 0.5
            else rng.choice(FRAGMENTS)
            for _ in range(rng.randint(1, 12))
        )
        margin = rng.choice([8, 9, 12, 16, 100, 4096, 1 << 16])
        block = rng.choice([1, 2, 7, 50, 1000, 1 << 20])
        threads = rng.choice([1, 2, 3])
        allowed = rng.choice([(), "all"])
        stream_mod._MARGIN = margin
        want = tok.encode(text, allowed_special=allowed, disallowed_special=())
        arrays = list(
            tok.encode_stream(
                io.BytesIO(text.encode()),
                allowed_special=allowed,
                block_size=block,
                num_threads=threads,
            )
        )
        got = np.concatenate(arrays).tolist() if arrays else []
        cases += 1
        if got != want:
            differed += 1
            if differed <= 3:
                case = (tok.name, margin, block, threads, allowed, text)
                path = Path(args.save_dir) / f"fuzz_stream_{differed}.pkl"
                path.write_bytes(pickle.dumps(case))
                print(f"DIFF {case[:5]} {text[:120]!r} -> {path}")
    print(f"cases {cases} differed {differed}")
    return 1 if differed else 0


if __name__ == "__main__":
    raise SystemExit(main())
