#!/usr/bin/env python3
"""Encode throughput (MB/s) per domain, codebpe vs tiktoken and the fastest exact peers.

Same process, same text, same machine. For each vocabulary (cl100k_base, o200k_base, optionally
a codebpe vocabulary file via --vocab) and each domain (code, Chinese, English from the shipped
corpus in corpora/, else a built-in sample), it times `encode_ordinary` document by document on one
thread, and the batch API on --threads threads (every library's), and prints a Markdown table
with ratios to tiktoken. Peers that are not installed are skipped (pip install quicktok-v1
riptoken bpe-openai rs-bpe). Each peer's ids are checked against tiktoken's on the timed text
(column "exact"). Batches return lists of ints, except quicktok's and "codebpe (NumPy)"'s: one
flat array plus offsets.

One-thread figures use process CPU time (robust on a shared machine), batch figures wall time;
MB/s is the best of --repeat runs. The contenders run in turn, round after round, and "× first" is
the median over rounds of (first contender's time / this one's time): neighbouring runs share the
machine's current speed, so the ratio is far steadier than a ratio of two best-ofs taken minutes
apart. codebpe's piece caches (every thread's, the batch pool's too) are cleared before each run
(cold cache), and before every cold run of every contender 1 M random places of a 256 MB array
are written, so none finds the tables of the run before it in the CPU caches.
"steady" runs first encode --warm-mb MB of other documents of the same domain (untimed, every
contender alike) after clearing codebpe's cache: the state of a long-running process.
`--text LABEL=PATH` adds a text file of your own as a domain (`--domains` picks which run).
`--scaling` prints codebpe's batch throughput at 1, 2, 4, ... --threads threads instead, for the
documents and for their lines as separate texts, and the cost per id of building the Python lists
(the serial step of a batch of lists, which bounds it whatever the thread count).

    PYTHONPATH=. python scripts/bench_encode.py --mb 1 --repeat 3
"""

from __future__ import annotations

import argparse
import functools
import gzip
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# The one-thread columns are process CPU time, and NumPy's OpenBLAS keeps a worker thread whose
# spinning was seen in that time: rounds of a short run (codebpe on 200 KB) at 24-36 MB/s by
# process time and 61-65 by wall time, and 61-67 by process time with one BLAS thread. Nothing
# here uses BLAS: one thread of it (set before NumPy is imported).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
# After the installed package (and PYTHONPATH=. for a checkout built in place): a clean clone
# has no compiled core in tokenizer/.
sys.path.append(str(ROOT))

from tokenizer.encoding import Tokenizer, load_tokenizer  # noqa: E402
from tokenizer.interop import load_tiktoken_encoding  # noqa: E402

DOMAINS = {"code": "code", "zh": "Chinese", "en": "English"}


def load_docs(domain: str, mb: float) -> list[str]:
    path = ROOT / "corpora" / f"{domain}.jsonl.gz"
    limit = int(mb * 1e6)
    docs: list[str] = []
    if path.exists():
        used = 0
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                docs.append(json.loads(line)["text"])
                used += len(docs[-1].encode())
                if used > limit:
                    break
        return docs
    sys.path.insert(0, str(ROOT / "tests"))
    from conftest import MIXED_TEXT

    sample = {"code": MIXED_TEXT[:1400], "zh": MIXED_TEXT[-700:], "en": MIXED_TEXT[1400:1700]}[
        domain
    ]
    return [sample * 8] * max(1, limit // len((sample * 8).encode()))


def load_text_file(path: str, mb: float, doc_bytes: int = 16384) -> list[str]:
    """The first ``mb`` MB (10^6 bytes of UTF-8, rounded up to a whole line) of a UTF-8 text
    file, as documents of ~``doc_bytes`` bytes cut at line ends (a line longer than that is a
    document of its own)."""
    limit = int(mb * 1e6)
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read(limit + 1)  # characters: at least limit + 1 bytes, unless the file ends
    except (OSError, UnicodeDecodeError) as e:
        raise SystemExit(f"bench_encode: --text {path}: {e}") from None
    docs: list[str] = []
    cur: list[str] = []
    size = total = 0
    for line in text.splitlines(keepends=True):
        if total >= limit:
            break
        cur.append(line)
        n = len(line.encode())
        size += n
        total += n
        if size >= doc_bytes:
            docs.append("".join(cur))
            cur, size = [], 0
    if cur:
        docs.append("".join(cur))
    if not docs:
        raise SystemExit(f"bench_encode: --text {path}: the file is empty")
    return docs


def split_docs(docs: list[str], mb: float) -> tuple[list[str], list[str]]:
    """The first documents up to ``mb`` MB (timed), and the rest (warm-up text)."""
    limit, used = int(mb * 1e6), 0
    for i, d in enumerate(docs):
        used += len(d.encode())
        if used > limit:
            return docs[: i + 1], docs[i + 1 :]
    return docs, []


#: (array, positions) written at before every cold run (evict_cpu_caches), made at first use.
_EVICT: list = []


def evict_cpu_caches() -> None:
    """Add 1 at 1 M random places of a 256 MB array (~22 ms): afterwards the CPU caches hold
    little of what the last contender used, about as little as after tiktoken encoded the
    benchmark's 1 MB. Every cold run of every contender follows it. Without it, a cold run
    found the tables of the run before it in the caches: "codebpe (NumPy)" ran right after
    "codebpe" and took 5.8 ms for 1 MB of code with o200k_base, against 8.7 ms for "codebpe"
    right after tiktoken (a plain 32 MB sequential write before each run did not change that)."""
    import numpy as np

    if not _EVICT:
        big = np.zeros(64 << 20, dtype=np.int32)
        _EVICT[:] = [big, np.random.default_rng(0).integers(0, big.size, 1 << 20)]
    big, where = _EVICT
    big[where] += 1


def timed(
    fn: Callable[[], object], clock: Callable[[], float], warm: Callable[[], object] | None = None
) -> float:
    from tokenizer._native import core

    core.Encoder.clear_caches()  # every run starts with cold piece caches (the pool's too) ...
    if warm is not None:
        warm()  # ... or one warmed on other text (steady state), untimed
    else:
        evict_cpu_caches()  # ... and cold CPU caches, the same for every contender
    t0 = clock()
    fn()
    return clock() - t0


def interleaved(
    fns: dict, repeat: int, clock: Callable[[], float], warm: dict | None = None
) -> dict[str, list[float]]:
    """Times of every function, run in turn, ``repeat`` rounds (neighbours share the noise)."""
    times: dict = {k: [] for k in fns}
    for _ in range(repeat):
        for k, fn in fns.items():
            times[k].append(timed(fn, clock, (warm or {}).get(k)))
    return times


def paired_ratio(ref: list[float], mine: list[float]) -> float:
    """Median over rounds of ref time / own time: robust to a machine whose speed drifts."""
    return statistics.median(r / m for r, m in zip(ref, mine))


@functools.cache
def tiktoken_reference(name: str) -> tuple[Any, dict, Any, dict]:
    """(tiktoken's own Encoding for ``name``, its ranks, pattern, special tokens), from the files
    on disk (never downloads); loaded once per name."""
    import tiktoken

    ranks, pattern, specials = load_tiktoken_encoding(name, allow_download=False)
    tk = tiktoken.Encoding(
        name, pat_str=pattern.text, mergeable_ranks=ranks, special_tokens=specials
    )
    return tk, ranks, pattern, specials


def peers(name: str) -> dict[str, tuple[Callable, Callable | None]]:
    """name -> (encode_ordinary(text), batch(texts, threads) or None), for installed peers."""
    out: dict[str, tuple[Callable, Callable | None]] = {}
    tk, ranks, pattern, specials = tiktoken_reference(name)
    out["tiktoken"] = (
        tk.encode_ordinary,
        lambda ts, n: tk.encode_ordinary_batch(ts, num_threads=n),
    )
    try:
        import quicktok

        qt = quicktok.get_encoding(name)
        # (its batch returns one flat uint32 array and offsets, like encode_batch_to_numpy)
        out["quicktok"] = (qt.encode_ordinary, lambda ts, n: qt.encode_batch(ts, threads=n))
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
        out["bpe-openai"] = (
            bo.encode_ordinary,
            lambda ts, n: bo.encode_ordinary_batch(ts, num_threads=n),
        )
    except Exception as e:  # noqa: BLE001
        print(f"# bpe-openai skipped: {e!r:.100}", file=sys.stderr)
    try:
        import rs_bpe

        rb = getattr(rs_bpe.openai, name)()
        # (its batch returns (ids per text, token count, seconds, threads): the ids are kept)
        out["rs-bpe"] = (
            rb.encode,
            lambda ts, n: rb.encode_batch_parallel(ts, rs_bpe.openai.ParallelOptions(1, 1, n))[0],
        )
    except Exception as e:  # noqa: BLE001
        print(f"# rs-bpe skipped: {e!r:.100}", file=sys.stderr)
    return out


def batch_ids(result: Any, n_docs: int) -> list[list[int]]:
    """A batch API's result as one list of ids per text: lists (or arrays) of ints, or one flat
    array and offsets (quicktok, ``encode_batch_to_numpy``): n + 1 bounds, or n starts or ends.

    >>> batch_ids(([1, 2, 3], [0, 2, 3]), 2), batch_ids([[5], [6, 7]], 2)
    ([[1, 2], [3]], [[5], [6, 7]])
    """
    import numpy as np

    if isinstance(result, tuple) and len(result) == 2:
        flat = np.asarray(result[0])
        bounds = [int(x) for x in np.asarray(result[1]).ravel()]
        if len(bounds) == n_docs:
            bounds = bounds + [len(flat)] if bounds and bounds[0] == 0 else [0] + bounds
        return [flat[a:b].tolist() for a, b in zip(bounds, bounds[1:])]
    return [[int(i) for i in getattr(ids, "ids", ids)] for ids in result]  # (HF: Encodings)


def bench_vocab(
    label: str,
    contenders: dict,
    docs_by_domain: dict,
    ref: str | None,
    repeat: int,
    threads: int,
    warm_by_domain: dict | None = None,
):
    rows = []
    for dom, docs in docs_by_domain.items():
        nbytes = sum(len(d.encode()) for d in docs)
        ref_ids = [contenders[ref][0](d) for d in docs] if ref else None
        exact = {}
        for impl, (single, _) in contenders.items():
            exact[impl] = "—"
            if ref_ids is not None:
                exact[impl] = "yes" if [list(single(d)) for d in docs] == ref_ids else "NO"
        singles = {
            impl: (lambda single=single, docs=docs: [single(d) for d in docs])
            for impl, (single, _) in contenders.items()
        }
        t1 = interleaved(singles, repeat, time.process_time)
        warm_docs = (warm_by_domain or {}).get(dom)
        ts = None
        if warm_docs:
            warms = {
                impl: (lambda single=single, w=warm_docs: [single(d) for d in w])
                for impl, (single, _) in contenders.items()
            }
            ts = interleaved(singles, repeat, time.process_time, warms)
        batches = {}
        for impl, (_, batch) in contenders.items():
            if batch is None:
                continue
            try:
                got = batch_ids(batch(docs, threads), len(docs))
            except Exception as e:  # noqa: BLE001 - a peer's batch API that fails is reported as "—"
                print(f"# {impl} batch failed: {e!r:.100}", file=sys.stderr)
                continue
            if ref_ids is not None and got != ref_ids:
                # (rs-bpe 0.1.0: o200k_base's encode_batch_parallel returned cl100k ids once
                # cl100k_base had been made in the process, and its cell timed cl100k as o200k)
                print(f"# {impl} batch gives other ids: its cell is left out", file=sys.stderr)
                exact[impl] = "NO (batch)" if exact[impl] == "yes" else exact[impl]
                continue
            batches[impl] = lambda batch=batch, docs=docs: batch(docs, threads)
        tn = interleaved(batches, repeat, time.perf_counter)
        first = ref or next(iter(contenders))
        for impl in contenders:
            mb1 = nbytes / min(t1[impl]) / 1e6
            mbs = nbytes / min(ts[impl]) / 1e6 if ts else None
            rs = paired_ratio(ts[first], ts[impl]) if ts else None
            mbn = nbytes / min(tn[impl]) / 1e6 if impl in tn else None
            rn = paired_ratio(tn[first], tn[impl]) if impl in tn and first in tn else None
            r1 = paired_ratio(t1[first], t1[impl])
            rows.append((label, DOMAINS[dom], impl, mb1, r1, mbs, rs, mbn, rn, exact[impl]))
            print(
                f"# {label} {dom} {impl}: {mb1:.1f} MB/s 1T cold, {mbs or 0:.1f} steady, "
                f"{mbn or 0:.1f} MB/s {threads}T",
                file=sys.stderr,
            )
    return rows


def scaling(tok: Tokenizer, docs: list[str], max_threads: int, repeat: int) -> list[str]:
    """Markdown rows: codebpe batch MB/s at 1, 2, 4, ... threads, speed-up (median over rounds of
    the same-round ratio to one thread) and efficiency, for
    lists of ints (``encode_ordinary_batch``) and one flat array (``encode_batch_to_numpy``)."""
    counts = sorted({1, *(2**k for k in range(1, 8) if 2**k <= max_threads), max_threads})
    nbytes = sum(len(d.encode()) for d in docs)
    fns: dict[tuple[str, int], Callable[[], object]] = {}
    for n in counts:
        fns["list", n] = lambda n=n: tok.encode_ordinary_batch(docs, num_threads=n)
        fns["numpy", n] = lambda n=n: tok.encode_batch_to_numpy(
            docs, num_threads=n, disallowed_special=()
        )
    times = interleaved(fns, repeat, time.perf_counter)
    out = []
    for n in counts:
        cells = [str(n)]
        for kind in ("list", "numpy"):
            mbs = nbytes / min(times[kind, n])
            up = paired_ratio(times[kind, 1], times[kind, n])  # median of same-round ratios
            cells += [f"{mbs / 1e6:.1f}", f"{up:.2f}", f"{up / n:.2f}"]
        out.append("| " + " | ".join(cells) + " |")
    return out


def list_cost(tok: Tokenizer, docs: list[str], repeat: int) -> tuple[float, float]:
    """ns per id of building the Python list (``encode_ordinary`` minus ``count``, one thread,
    best of ``repeat`` rounds each), and the MB/s that this serial step alone allows a batch of
    lists: the lists are built under the GIL on the calling thread, whatever the thread count."""
    fns = {
        "count": lambda: [tok.count(d) for d in docs],
        "list": lambda: [tok.encode_ordinary(d) for d in docs],
    }
    times = interleaved(fns, repeat, time.process_time)
    n_ids = sum(tok.count(d) for d in docs)
    per_id = max(min(times["list"]) - min(times["count"]), 0.0) / n_ids
    nbytes = sum(len(d.encode()) for d in docs)
    return per_id * 1e9, (nbytes / (per_id * n_ids) / 1e6 if per_id > 0 else float("inf"))


def short_texts(docs: list[str], limit: int) -> list[str]:
    """The non-blank lines of ``docs`` (newline kept) up to ``limit`` bytes: one call each."""
    lines, used = [], 0
    for d in docs:
        for line in d.splitlines(keepends=True):
            if line.strip():
                lines.append(line)
                used += len(line.encode())
                if used >= limit:
                    return lines
    return lines


def bench_short(
    label: str, contenders: dict, decoders: dict, docs_by_domain: dict, repeat: int, kb: float
) -> list[str]:
    """Markdown rows: one call per line (encode_ordinary, then decode of each line's ids), one
    thread, CPU time; per-call overhead dominates here, as when a service counts or encodes
    chat messages one by one. Also decode of each whole document's ids (bulk decoding). The
    first contender is the reference of the ratios."""
    rows = []
    for dom, docs in docs_by_domain.items():
        lines = short_texts(docs, int(kb * 1000))
        nbytes = sum(len(x.encode()) for x in lines)
        ref_encode = next(iter(contenders.values()))[0]
        ids = [ref_encode(x) for x in lines]
        doc_ids = [ref_encode(d) for d in docs]
        for impl, (single, _) in contenders.items():
            if [list(single(x)) for x in lines] != ids:
                print(f"# {label} {dom} {impl}: ids differ", file=sys.stderr)
        calls = {
            "encode_ordinary": {
                impl: (lambda single=single, lines=lines: [single(x) for x in lines])
                for impl, (single, _) in contenders.items()
            },
            "decode": {
                impl: (lambda dec=dec, ids=ids: [dec(x) for x in ids])
                for impl, dec in decoders.items()
            },
            "decode (documents)": {
                impl: (lambda dec=dec, ids=doc_ids: [dec(x) for x in ids])
                for impl, dec in decoders.items()
            },
        }
        sizes = {"decode (documents)": (len(docs), sum(len(d.encode()) for d in docs))}
        for call, fns in calls.items():
            times = interleaved(fns, repeat, time.process_time)
            first = next(iter(fns))
            n_calls, n_bytes = sizes.get(call, (len(lines), nbytes))
            for impl in fns:
                best = min(times[impl])
                ratio = paired_ratio(times[first], times[impl])
                rows.append(
                    f"| {label} | {DOMAINS[dom]} | {call} | {impl} | {n_calls} "
                    f"| {n_bytes / n_calls:.0f} | {best / n_calls * 1e6:.2f} "
                    f"| {n_bytes / best / 1e6:.1f} | {ratio:.2f} |"
                )
                print("# " + rows[-1], file=sys.stderr)
    return rows


def bench_alternate(docs_by_domain: dict, repeat: int, kb: float) -> list[str]:
    """Markdown rows: the length of each line in tokens with cl100k_base and o200k_base, one
    vocabulary over all lines and then the other, against the two alternating line by line (one
    thread switching tokenizers at every call, as when a tool compares vocabularies line by
    line). codebpe keeps per-thread state per encoder; tiktoken is the reference."""
    a, b = Tokenizer.from_tiktoken("cl100k_base"), Tokenizer.from_tiktoken("o200k_base")
    ta, tb = tiktoken_reference("cl100k_base")[0], tiktoken_reference("o200k_base")[0]
    rows = []
    for dom, docs in docs_by_domain.items():
        lines = short_texts(docs, int(kb * 1000))
        fns = {
            "tiktoken, one vocabulary after the other": lambda lines=lines: (
                [len(ta.encode_ordinary(x)) for x in lines],
                [len(tb.encode_ordinary(x)) for x in lines],
            ),
            "tiktoken, alternating": lambda lines=lines: [
                (len(ta.encode_ordinary(x)), len(tb.encode_ordinary(x))) for x in lines
            ],
            "codebpe, one vocabulary after the other": lambda lines=lines: (
                [a.count(x) for x in lines],
                [b.count(x) for x in lines],
            ),
            "codebpe, alternating": lambda lines=lines: [(a.count(x), b.count(x)) for x in lines],
        }
        times = interleaved(fns, repeat, time.process_time)
        first = next(iter(fns))
        n_calls = 2 * len(lines)
        for impl, t in times.items():
            per_call = min(t) / n_calls
            ratio = paired_ratio(times[first], t)
            rows.append(
                f"| {DOMAINS[dom]} | {impl} | {n_calls} | {per_call * 1e6:.2f} | {ratio:.2f} |"
            )
            print("# " + rows[-1], file=sys.stderr)
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mb", type=float, default=1.0, help="MB of text per domain (default 1)")
    ap.add_argument("--repeat", type=int, default=3, help="rounds per contender (default 3)")
    ap.add_argument(
        "--threads",
        type=int,
        default=os.cpu_count() or 1,
        help="threads of the batch columns (default: the CPU count)",
    )
    ap.add_argument("--vocab", help="also benchmark a codebpe vocabulary file")
    ap.add_argument(
        "--encodings",
        default="cl100k_base,o200k_base",
        help="tiktoken vocabularies to run, comma-separated ('' for none)",
    )
    ap.add_argument(
        "--hf",
        default="deepseek-coder",
        help="tokenizer.json names or paths for the HF comparison, comma-separated ('' to skip); "
        "e.g. deepseek-coder,qwen2.5",
    )
    ap.add_argument(
        "--warm-mb",
        type=float,
        default=1.5,
        help="MB of other text of the same domain encoded (untimed) before each steady-state run "
        "(default 1.5; 0 skips the steady-state columns)",
    )
    ap.add_argument(
        "--scaling",
        action="store_true",
        help="only the thread-scaling table of codebpe's batch API (cl100k_base, all domains)",
    )
    ap.add_argument(
        "--short",
        action="store_true",
        help="only the short-text table: encode_ordinary and decode called once per line "
        "(--short-kb of lines per domain), codebpe against tiktoken and the peers; and decode "
        "of whole documents (--mb per domain)",
    )
    ap.add_argument("--short-kb", type=float, default=300, help="KB of lines per domain")
    ap.add_argument(
        "--text",
        action="append",
        default=[],
        metavar="LABEL=PATH",
        help="also benchmark a UTF-8 text file as a domain of its own (repeatable), e.g. "
        "--text Russian=ru.txt: your own text, in documents of ~16 KB cut at line ends",
    )
    ap.add_argument(
        "--domains",
        help="comma-separated domains to run (default all: code, zh, en and every --text label)",
    )
    ap.add_argument(
        "--alternate",
        action="store_true",
        help="only the table of token counts per line with cl100k_base and o200k_base, one "
        "vocabulary after the other against alternating at every line (--short-kb per domain)",
    )
    args = ap.parse_args()
    for name, value, least in (
        ("--repeat", args.repeat, 1),
        ("--threads", args.threads, 1),
        ("--mb", args.mb, 1e-9),
    ):
        if value < least:
            ap.error(f"{name} must be positive, got {value}")
    if args.vocab and not os.path.isfile(args.vocab):
        ap.error(f"--vocab {args.vocab}: no such file")
    for name in filter(None, args.encodings.split(",")):
        if name not in ("cl100k_base", "o200k_base"):
            ap.error(f"--encodings: {name!r} is not cl100k_base or o200k_base")
    hf_json = {}  # (read once: checked here, used for its table below)
    for hf_name in filter(None, args.hf.split(",")):
        from tokenizer.interop import load_hf_tokenizer_json

        try:
            hf_json[hf_name] = load_hf_tokenizer_json(hf_name)
        except Exception as e:  # noqa: BLE001 - any reason it cannot be read, in one line
            ap.error(f"--hf {hf_name}: {e}")
    # riptoken and Hugging Face tokenizers run their batches on rayon's global pool, sized from
    # these at its first use (they are imported later): the batch column compares --threads
    # threads for every library.
    os.environ["RAYON_NUM_THREADS"] = os.environ["RAYON_RS_NUM_THREADS"] = str(args.threads)
    texts = {}
    for spec in args.text:
        label, sep, path = spec.partition("=")
        if not sep or not label or not path:
            ap.error(f"--text takes LABEL=PATH, not {spec!r}")
        if label in DOMAINS:
            ap.error(f"--text label {label!r} is already a domain")
        DOMAINS[label] = label
        texts[label] = path
    wanted = list(DOMAINS) if args.domains is None else args.domains.split(",")
    for d in wanted:
        if d not in DOMAINS:
            ap.error(f"unknown domain {d!r} (known: {', '.join(DOMAINS)})")
    docs, warm = {}, {}
    for d in wanted:
        if d in texts:
            every = load_text_file(texts[d], args.mb + args.warm_mb)
        else:
            every = load_docs(d, args.mb + args.warm_mb)
        docs[d], warm[d] = split_docs(every, args.mb)
    if args.scaling:
        tok = Tokenizer.from_tiktoken("cl100k_base")
        mixed = [d for ds in docs.values() for d in ds]
        lines = short_texts(mixed, sum(len(d.encode()) for d in mixed))
        for what, texts in (("documents", mixed), ("lines (one text each)", lines)):
            print(
                f"# {os.cpu_count()} CPUs; cl100k_base; {len(texts)} {what}, "
                f"{sum(map(len, texts))} characters"
            )
            print(
                "| threads | lists MB/s | speed-up | efficiency "
                "| NumPy MB/s | speed-up | efficiency |"
            )
            print("|---:|---:|---:|---:|---:|---:|---:|")
            print("\n".join(scaling(tok, texts, args.threads, args.repeat)))
        ns, cap = list_cost(tok, mixed, args.repeat)
        print(
            f"# lists: built under the GIL on the calling thread, {ns:.1f} ns per id "
            f"(encode_ordinary - count, one thread), so a batch of lists cannot pass ~{cap:.0f} "
            "MB/s whatever the thread count; encode_batch_to_numpy has no such serial step"
        )
        return 0
    if args.alternate:
        print("| domain | implementation | calls | µs per call | × first |")
        print("|---|---|---:|---:|---:|")
        print("\n".join(bench_alternate(docs, args.repeat, args.short_kb)))
        return 0
    if args.short:
        print(
            "| vocabulary | domain | call | implementation | calls | bytes per call "
            "| µs per call | MB/s | × first |"
        )
        print("|---|---|---|---|---:|---:|---:|---:|---:|")
        for name in filter(None, args.encodings.split(",")):
            tok = Tokenizer.from_tiktoken(name)
            contenders = peers(name)
            contenders = {
                "tiktoken": contenders.pop("tiktoken"),
                "codebpe": (tok.encode_ordinary, None),
                **contenders,
            }
            decoders = {"tiktoken": tiktoken_reference(name)[0].decode, "codebpe": tok.decode}
            rows = bench_short(name, contenders, decoders, docs, args.repeat, args.short_kb)
            print("\n".join(rows))
        return 0
    rows = []
    for name in filter(None, args.encodings.split(",")):
        tok = Tokenizer.from_tiktoken(name)
        contenders = {
            "codebpe": (
                tok.encode_ordinary,
                lambda ts, n, t=tok: t.encode_ordinary_batch(ts, num_threads=n),
            ),
            # one NumPy array per text, and a batch as one flat array plus offsets (quicktok's
            # batch output): no Python ints
            "codebpe (NumPy)": (
                lambda d, t=tok: t.encode_to_numpy(d, disallowed_special=()),
                lambda ts, n, t=tok: t.encode_batch_to_numpy(
                    ts, num_threads=n, disallowed_special=()
                ),
            ),
        }
        contenders.update(peers(name))
        contenders = {"tiktoken": contenders.pop("tiktoken"), **contenders}
        rows += bench_vocab(name, contenders, docs, "tiktoken", args.repeat, args.threads, warm)
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
        rows += bench_vocab(own.name, contenders, docs, None, args.repeat, args.threads, warm)
    for hf_name, hf_obj in hf_json.items():
        import tokenizers

        hf = tokenizers.Tokenizer.from_str(json.dumps(hf_obj))
        ours = load_tokenizer(hf_name)
        hf_single = lambda d, hf=hf: hf.encode(d, add_special_tokens=False).ids  # noqa: E731
        hf_batch = lambda ts, n, hf=hf: hf.encode_batch(ts, add_special_tokens=False)  # noqa: E731
        mine = lambda d, ours=ours: ours.encode(d, allowed_special="all")  # noqa: E731
        contenders = {
            "HF tokenizers": (hf_single, hf_batch),
            f"codebpe ({'native' if ours.native_split else 'regex'} split)": (
                mine,
                lambda ts, n, ours=ours: ours.encode_batch(
                    ts, num_threads=n, allowed_special="all"
                ),
            ),
        }
        rows += bench_vocab(
            hf_name, contenders, docs, "HF tokenizers", args.repeat, args.threads, warm
        )
    print(
        "| vocabulary | domain | implementation | 1 thread MB/s | × first "
        "| 1 thread steady MB/s | × first "
        f"| {args.threads} threads MB/s | × first | exact |"
    )
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---|")
    for label, dom, impl, mb1, r1, mbs, rs, mbn, rn, exact in rows:
        fmt = lambda v, p: "—" if v is None else f"{v:.{p}f}"  # noqa: E731
        print(
            f"| {label} | {dom} | {impl} | {mb1:.1f} | {r1:.2f} | {fmt(mbs, 1)} | {fmt(rs, 2)} "
            f"| {fmt(mbn, 1)} | {fmt(rn, 2)} | {exact} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
