#!/usr/bin/env python3
"""Benchmark the C++ pre-tokenizer against the ``regex`` module (and HF tokenizers) in one run.

Stage: pre-tokenization (measurement only; nothing is asserted). For each domain (code, English,
Chinese: the shipped corpus's held-out files if present, else a built-in sample) and each built-in
pattern, prints MB/s of:

* ``native``: ``_core.split_offsets`` (the C++ matcher, offsets only);
* ``split()``: ``tokenizer.pretokenize.split`` on str (C++ + building Python str pieces);
* ``regex``: the reference, ``regex.findall`` (or reference_split for multi-regex patterns);
* ``hf``: Hugging Face ``tokenizers`` ``Split(Regex(...), "isolated")`` on the same regex;

and the ratio native / regex. Times are process CPU time (best of --repeat), so that a loaded,
shared machine distorts them less; keep --mb small there.

Usage: ``python scripts/bench_pretokenize.py [--mb 1] [--repeat 3] [--patterns cl100k,o200k]``
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# After the installed package (and PYTHONPATH=. for a checkout built in place), as in
# bench_encode.py: a clean clone has no compiled core in tokenizer/.
sys.path.append(str(ROOT))

import regex  # noqa: E402

from tokenizer._native import core  # noqa: E402
from tokenizer.patterns import PATTERNS, reference_split  # noqa: E402
from tokenizer.pretokenize import split  # noqa: E402

SAMPLES = {
    "code": 'def f(x: int) -> dict[str, int]:\n    return {"k": x ** 2}  # sq\n\n'
    "for (int i = 0; i < n; ++i) { a[i] += b[i] * 3; }\n",
    "en": "The quick brown fox jumps over the lazy dog. It's 3.14 o'clock; we'll see.\n",
    "zh": "机器学习是人工智能的一个分支。它使用统计方法让计算机系统从数据中学习。\n",
}


def load(domain: str, mb: float) -> tuple[str, str]:
    limit = int(mb * 1_000_000)
    for rel in (f"corpora/heldout/{domain}.jsonl.gz", f"corpora/{domain}.jsonl.gz"):
        path = ROOT / rel
        if path.exists():
            parts, size = [], 0
            with gzip.open(path, "rt", encoding="utf-8") as f:
                for line in f:
                    text = json.loads(line)["text"]
                    parts.append(text)
                    size += len(text.encode())
                    if size >= limit:
                        break
            return "\n".join(parts).encode()[:limit].decode("utf-8", "ignore"), rel
    sample = SAMPLES[domain]
    return sample * max(1, limit // len(sample.encode())), "built-in sample"


def best_time(fn, repeat: int) -> float:
    fn()  # warm-up, untimed (first calls import NumPy, fill caches)
    best = float("inf")
    for _ in range(repeat):
        t = time.process_time()
        fn()
        best = min(best, time.process_time() - t)
    return max(best, 1e-9)


def hf_splitter(pattern):
    try:
        from tokenizers import Regex, pre_tokenizers

        if len(pattern.regexes) == 1:
            return pre_tokenizers.Split(Regex(pattern.regexes[0]), behavior="isolated")
        return pre_tokenizers.Sequence(
            [pre_tokenizers.Split(Regex(r), behavior="isolated") for r in pattern.regexes]
        )
    except Exception:  # noqa: BLE001 - a peer that cannot run is reported as n/a
        return None


def row(domain: str, name: str, text: str, repeat: int, *, with_hf: bool) -> str:
    """One table row: every engine on the same text, in this process."""
    pattern = PATTERNS[name]
    data = text.encode()
    mb = len(data) / 1e6
    t_native = best_time(lambda: core.split_offsets(name, data), repeat)
    t_split = best_time(lambda: split(text, name), repeat)
    if len(pattern.regexes) == 1:
        rx = regex.compile(pattern.regexes[0])
        t_regex = best_time(lambda: rx.findall(text), repeat)
    else:
        t_regex = best_time(lambda: reference_split(text, name), repeat)
    hf = hf_splitter(pattern) if with_hf else None
    hf_col = f"{'n/a':>7}"
    if hf is not None:
        hf_col = f"{mb / best_time(lambda: hf.pre_tokenize_str(text), repeat):7.1f}"
    return (
        f"{domain:<6} {name:<14} {mb / t_native:8.1f} {mb / t_split:8.1f} "
        f"{mb / t_regex:7.1f} {hf_col} {t_regex / t_native:6.1f}x"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=1.0, help="MB of text per domain (default 1)")
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs (default 3)")
    parser.add_argument(
        "--patterns",
        default=",".join(sorted(PATTERNS)),
        help="built-in patterns, comma-separated (default: all)",
    )
    parser.add_argument("--domains", default="code,en,zh", help="of code, en, zh")
    parser.add_argument("--no-hf", action="store_true", help="skip Hugging Face tokenizers")
    args = parser.parse_args(argv)
    # (a KeyError traceback, or a table of 0.0 and "nanx")
    if args.repeat < 1 or args.mb <= 0:
        parser.error("--repeat and --mb must be positive")
    for name in args.patterns.split(","):
        if name not in PATTERNS:
            parser.error(f"--patterns: {name!r} is not a built-in pattern ({', '.join(PATTERNS)})")
    for domain in args.domains.split(","):
        if domain not in ("code", "en", "zh"):
            parser.error(f"--domains: {domain!r} is not code, en or zh")

    print(f"regex {regex.__version__}; CPU time, best of {args.repeat}")
    cols = ("native", "split()", "regex", "hf", "ratio")
    print(f"{'domain':<6} {'pattern':<14} " + " ".join(f"{c:>7}" for c in cols), end="")
    print("   (MB/s; ratio = native / regex)")
    for domain in args.domains.split(","):
        text, source = load(domain, args.mb)
        print(f"# {domain}: {len(text.encode()) / 1e6:.2f} MB from {source}")
        for name in args.patterns.split(","):
            print(row(domain, name, text, args.repeat, with_hf=not args.no_hf))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
