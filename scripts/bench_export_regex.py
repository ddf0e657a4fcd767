#!/usr/bin/env python3
"""Split speed of the ported regexes (tokenizer.regex_port) vs the original text, same run.

Hugging Face: ``Split(Regex(...))`` pre-tokenizer over every document. tiktoken: encode_ordinary
with a bytes-only vocabulary (split + byte lookup; no merges). Best of --repeat runs, one thread.

    PYTHONPATH=. python scripts/bench_export_regex.py --mb 2
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
from pathlib import Path

import tiktoken
from tokenizers import Regex
from tokenizers import pre_tokenizers as pt

from tokenizer.patterns import get_pattern
from tokenizer.regex_port import port_regex


def load_docs(mb: float) -> list[str]:
    docs: list[str] = []
    total = 0
    # (the checkout's, wherever it is run from: from another folder it found none, then divided
    # by zero)
    for path in sorted((Path(__file__).resolve().parent.parent / "corpora").glob("**/*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                docs.append(json.loads(line)["text"])
                total += len(docs[-1].encode())
                if total >= mb * 1e6:
                    return docs
    return docs


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=2.0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--patterns", default="cl100k,o200k,codebpe-v1")
    args = ap.parse_args()
    docs = load_docs(args.mb)
    mb = sum(len(d.encode()) for d in docs) / 1e6
    print(f"{mb:.2f} MB, best of {args.repeat}; MB/s (ported / original)")
    ranks = {bytes([i]): i for i in range(256)}
    for name in args.patterns.split(","):
        orig = get_pattern(name).regexes[0]
        row = []
        for onig, fancy in (
            (port_regex(orig, target="onig"), port_regex(orig, target="fancy")),
            (orig, orig),
        ):
            split = pt.Split(Regex(onig), behavior="isolated")
            hf = best(lambda s=split: [s.pre_tokenize_str(d) for d in docs], args.repeat)
            enc = tiktoken.Encoding("b", pat_str=fancy, mergeable_ranks=ranks, special_tokens={})
            tk = best(lambda e=enc: [e.encode_ordinary(d) for d in docs], args.repeat)
            row.append((mb / hf, mb / tk))
        (ph, pk), (oh, ok) = row
        print(
            f"{name:12s} HF split {ph:6.2f} / {oh:6.2f} ({ph / oh:.2f}x)   "
            f"tiktoken {pk:6.2f} / {ok:6.2f} ({pk / ok:.2f}x)"
        )


if __name__ == "__main__":
    main()
