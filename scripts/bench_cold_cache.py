#!/usr/bin/env python3
"""What cold CPU caches cost codebpe's encoder: one thread, with and without evicting them.

bench_encode.py's one-thread columns run codebpe right after the other contenders, so its
tables (8 MiB for o200k_base: the token maps and their filters) start out of the CPU caches as
well as its piece cache cleared. This script separates the two: each pass clears the piece
cache, and in the "evicted" mode also writes a buffer larger than the caches (--evict-mb) first;
it prints MB/s per pass and the median of the passes after the first (the first also pays the
page faults of the freshly built tables). Process CPU time; the machine's other load shows, so
compare the two modes of one run.

    PYTHONPATH=. python scripts/bench_cold_cache.py --encoding o200k_base --passes 9
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_encode import DOMAINS, load_docs  # noqa: E402


def passes(tok, docs: list[str], n: int, evict: bytearray | None) -> list[float]:
    from tokenizer._native import core

    nbytes = sum(len(d.encode()) for d in docs)
    speeds = []
    for _ in range(n):
        core.Encoder.clear_caches()
        if evict is not None:
            for i in range(0, len(evict), 4096):  # one write per page: every line is evicted
                evict[i : i + 4096] = bytes(4096)
        t0 = time.process_time()
        for d in docs:
            tok.encode_ordinary(d)
        speeds.append(nbytes / (time.process_time() - t0) / 1e6)
    return speeds


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--encoding", default="o200k_base")
    ap.add_argument("--mb", type=float, default=1.0, help="MB of text per domain (default 1)")
    ap.add_argument("--passes", type=int, default=9)
    ap.add_argument("--evict-mb", type=int, default=256)
    ap.add_argument("--domains", default=",".join(DOMAINS))
    args = ap.parse_args(argv)
    if args.passes < 2:
        ap.error("--passes must be at least 2 (the first is not in the median)")
    # (tracebacks: a negative bytearray, an unknown encoding, a KeyError for a domain)
    if args.evict_mb < 0 or args.mb <= 0:
        ap.error("--evict-mb must be >= 0 and --mb positive")
    if args.encoding not in ("cl100k_base", "o200k_base"):
        ap.error(f"--encoding: {args.encoding!r} is not cl100k_base or o200k_base")
    unknown = set(args.domains.split(",")) - set(DOMAINS)
    if unknown:
        ap.error(f"--domains: unknown {', '.join(sorted(unknown))} (of {', '.join(DOMAINS)})")
    from tokenizer.encoding import load_tokenizer

    tok = load_tokenizer(args.encoding)
    evict = bytearray(args.evict_mb << 20)
    print(f"| domain | mode | median MB/s (passes 2-{args.passes}) | each pass |")
    print("|---|---|---:|---|")
    for dom in args.domains.split(","):
        docs = load_docs(dom, args.mb)
        for mode, buf in (("caches kept", None), ("caches evicted", evict)):
            speeds = passes(tok, docs, args.passes, buf)
            each = " ".join(f"{s:.0f}" for s in speeds)
            print(f"| {DOMAINS[dom]} | {mode} | {statistics.median(speeds[1:]):.1f} | {each} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
