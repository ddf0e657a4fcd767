#!/usr/bin/env python3
"""Encode throughput (MB/s) per domain, codebpe vs tiktoken and the fastest exact peers.

Same process, same text, same machine. For each vocabulary (cl100k_base, o200k_base, optionally
a codebpe vocabulary file via --vocab) and each domain (code, Chinese, English from the shipped
corpus in corpora/, else a built-in sample), it times `encode_ordinary` document by document on one
thread, and the batch API on all threads, and prints a Markdown table with ratios to tiktoken.
Peers that are not installed are skipped (pip install quicktok-v1 riptoken bpe-openai rs-bpe).
Each peer's ids are checked against tiktoken's on the timed text (column "exact").

One-thread figures use process CPU time (robust on a shared machine), batch figures wall time;
each is the best of --repeat runs; codebpe's per-thread piece cache is cleared before each run.

    PYTHONPATH=. python scripts/bench_encode.py --mb 1 --repeat 3
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tokenizer.encoding import Tokenizer, load_tokenizer  # noqa: E402
from tokenizer.interop import load_tiktoken_encoding  # noqa: E402

DOMAINS = {"code": "code", "zh": "Chinese", "en": "English"}


def load_docs(domain: str, mb: float) -> list[str]:
    path = ROOT / "corpora" / f"{domain}.jsonl.gz"
    limit = int(mb * 1e6)
    docs: list[str] = []
    if path.exists():
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                docs.append(json.loads(line)["text"])
                if sum(len(d.encode()) for d in docs[-1:]) and sum(map(len, docs)) > limit:
                    break
        return docs
    sys.path.insert(0, str(ROOT / "tests"))
    from conftest import MIXED_TEXT

    sample = {"code": MIXED_TEXT[:1400], "zh": MIXED_TEXT[-700:], "en": MIXED_TEXT[1400:1700]}[
        domain
    ]
    return [sample * 8] * max(1, limit // len((sample * 8).encode()))


def best_of(fn: Callable[[], object], repeat: int, clock: Callable[[], float]) -> float:
    from tokenizer._native import core

    best = float("inf")
    for _ in range(repeat):
        core.Encoder.clear_thread_cache()  # every repetition starts with a cold piece cache
        t0 = clock()
        fn()
        best = min(best, clock() - t0)
    return best


def peers(name: str) -> dict[str, tuple[Callable, Callable | None]]:
    """name -> (encode_ordinary(text), batch(texts, threads) or None), for installed peers."""
    ranks, pattern, specials = load_tiktoken_encoding(name, allow_download=False)
    out: dict[str, tuple[Callable, Callable | None]] = {}
    import tiktoken

    tk = tiktoken.Encoding(
        name, pat_str=pattern.text, mergeable_ranks=ranks, special_tokens=specials
    )
    out["tiktoken"] = (
        tk.encode_ordinary,
        lambda ts, n: tk.encode_ordinary_batch(ts, num_threads=n),
    )
    try:
        import quicktok

        qt = quicktok.get_encoding(name)
        out["quicktok"] = (qt.encode_ordinary, lambda ts, n: qt.encode_batch(ts))
    except Exception as e:  # noqa: BLE001 - a peer that fails to load is skipped
        print(f"# quicktok skipped: {e!r:.100}", file=sys.stderr)
    try:
        import riptoken

        rt = riptoken.Encoding(riptoken.CoreBPE(ranks, specials, pattern.text), tk)
        out["riptoken"] = (rt.encode_ordinary, lambda ts, n: rt.encode_ordinary_batch(ts))
    except Exception as e:  # noqa: BLE001
        print(f"# riptoken skipped: {e!r:.100}", file=sys.stderr)
    try:
        import bpe_openai

        bo = bpe_openai.get_encoding(name)
        out["bpe-openai"] = (bo.encode_ordinary, lambda ts, n: bo.encode_ordinary_batch(ts))
    except Exception as e:  # noqa: BLE001
        print(f"# bpe-openai skipped: {e!r:.100}", file=sys.stderr)
    try:
        import rs_bpe

        rb = getattr(rs_bpe.openai, name)()
        out["rs-bpe"] = (
            rb.encode,
            lambda ts, n: rb.encode_batch_parallel(ts, rs_bpe.openai.ParallelOptions(1, 1, n)),
        )
    except Exception as e:  # noqa: BLE001
        print(f"# rs-bpe skipped: {e!r:.100}", file=sys.stderr)
    return out


def bench_vocab(
    label: str, contenders: dict, docs_by_domain: dict, ref: str | None, repeat: int, threads: int
):
    rows = []
    for dom, docs in docs_by_domain.items():
        nbytes = sum(len(d.encode()) for d in docs)
        base: dict[str, float] = {}
        ref_ids = [contenders[ref][0](d) for d in docs] if ref else None
        for impl, (single, batch) in contenders.items():
            exact = "—"
            if ref_ids is not None:
                exact = "yes" if [list(single(d)) for d in docs] == ref_ids else "NO"
            t1 = best_of(
                lambda single=single, docs=docs: [single(d) for d in docs],
                repeat,
                time.process_time,
            )
            try:
                tn = (
                    best_of(
                        lambda batch=batch, docs=docs: batch(docs, threads),
                        repeat,
                        time.perf_counter,
                    )
                    if batch
                    else None
                )
            except Exception as e:  # noqa: BLE001 - a peer's batch API that fails is reported as "—"
                print(f"# {impl} batch failed: {e!r:.100}", file=sys.stderr)
                tn = None
            mb1, mbn = nbytes / t1 / 1e6, (nbytes / tn / 1e6 if tn else None)
            if impl == ref or not base:
                base.setdefault("1", mb1)
                base.setdefault("n", mbn or 0.0)
            rows.append(
                (
                    label,
                    DOMAINS[dom],
                    impl,
                    mb1,
                    mb1 / base["1"],
                    mbn,
                    (mbn / base["n"]) if mbn and base["n"] else None,
                    exact,
                )
            )
            print(
                f"# {label} {dom} {impl}: {mb1:.1f} MB/s 1T, {mbn or 0:.1f} MB/s {threads}T",
                file=sys.stderr,
            )
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mb", type=float, default=1.0, help="MB of text per domain (default 1)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--vocab", help="also benchmark a codebpe vocabulary file")
    ap.add_argument("--encodings", default="cl100k_base,o200k_base")
    ap.add_argument(
        "--hf", default="deepseek-coder", help="tokenizer.json for the HF comparison ('' to skip)"
    )
    args = ap.parse_args()
    docs = {d: load_docs(d, args.mb) for d in DOMAINS}
    rows = []
    for name in filter(None, args.encodings.split(",")):
        tok = Tokenizer.from_tiktoken(name)
        contenders = {
            "codebpe": (
                tok.encode_ordinary,
                lambda ts, n, t=tok: t.encode_ordinary_batch(ts, num_threads=n),
            )
        }
        contenders.update(peers(name))
        contenders = {"tiktoken": contenders.pop("tiktoken"), **contenders}
        rows += bench_vocab(name, contenders, docs, "tiktoken", args.repeat, args.threads)
    if args.vocab:
        own = load_tokenizer(args.vocab)
        tk = peers("cl100k_base")["tiktoken"]
        contenders = {
            "tiktoken cl100k": tk,
            "codebpe (own vocab)": (
                own.encode_ordinary,
                lambda ts, n: own.encode_ordinary_batch(ts, num_threads=n),
            ),
        }
        rows += bench_vocab(own.name, contenders, docs, None, args.repeat, args.threads)
    if args.hf:
        import tokenizers

        from tokenizer.interop import load_hf_tokenizer_json

        hf = tokenizers.Tokenizer.from_str(json.dumps(load_hf_tokenizer_json(args.hf)))
        ours = load_tokenizer(args.hf)
        hf_single = lambda d: hf.encode(d, add_special_tokens=False).ids  # noqa: E731
        hf_batch = lambda ts, n: hf.encode_batch(ts, add_special_tokens=False)  # noqa: E731
        mine = lambda d: ours.encode(d, allowed_special="all")  # noqa: E731
        contenders = {
            "HF tokenizers": (hf_single, hf_batch),
            f"codebpe ({'native' if ours.native_split else 'regex'} split)": (
                mine,
                lambda ts, n: ours.encode_batch(ts, num_threads=n, allowed_special="all"),
            ),
        }
        rows += bench_vocab(args.hf, contenders, docs, "HF tokenizers", args.repeat, args.threads)
    print(
        "| vocabulary | domain | implementation | 1 thread MB/s | × first "
        f"| {args.threads} threads MB/s | × first | exact |"
    )
    print("|---|---|---|---:|---:|---:|---:|---|")
    for label, dom, impl, mb1, r1, mbn, rn, exact in rows:
        fmt = lambda v, p: "—" if v is None else f"{v:.{p}f}"  # noqa: E731
        print(
            f"| {label} | {dom} | {impl} | {mb1:.1f} | {r1:.2f} "
            f"| {fmt(mbn, 1)} | {fmt(rn, 2)} | {exact} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
