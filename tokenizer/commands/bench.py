"""``codebpe bench``: encode throughput of a tokenizer on your text, against its own library.

Stage: interface (CLI) over ``tokenizer.encoding``. Reads the inputs as ``codebpe report`` does
(files, folders, JSONL, Parquet, ``hf:`` specs; default: the shipped held-out sample), then times
codebpe against tiktoken (for tiktoken encodings and ``.tiktoken`` files) or Hugging Face
``tokenizers`` (for a ``tokenizer.json``), when installed, in the same process on the same text,
and checks that the ids are identical. A codebpe vocabulary file has no other library to run.

One thread: process CPU time, each library in turn round after round, "×" is the median over rounds
of the reference's time over this one's (neighbouring runs share the machine's current speed).
codebpe is timed twice per round: with its per-thread piece cache cleared first ("cold": text it has
never seen) and again right after ("warm": a long-running process). Batches: wall time of each
library's batch API at ``--threads``. Timings are measurements of this machine, not assertions.

>>> from tokenizer.cli import main
>>> main(["bench", "--tokenizer", "cl100k_base", "--max-bytes", "200k"])  # doctest: +SKIP
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any, NamedTuple

from .._train_system import default_threads

__all__ = ["register"]


class _Reference(NamedTuple):
    """The library a tokenizer comes from, and which codebpe call gives its ids."""

    label: str
    encode: Callable[[str], Any]
    encode_batch: Callable[[list[str], int], Any]
    ordinary: bool  # tiktoken's encode_ordinary (else HF: special tokens in the text are ids)


def _reference(spec: str, pattern: str | None) -> _Reference | None:
    """The library ``spec`` comes from, or None (a codebpe vocabulary, or not installed)."""
    from .._loaders import _TIKTOKEN_ALIASES
    from ..interop import KNOWN_ENCODINGS, load_hf_tokenizer_json, load_tiktoken_encoding

    name = _TIKTOKEN_ALIASES.get(spec, spec)
    if name in KNOWN_ENCODINGS or spec.endswith((".tiktoken", ".tiktoken.gz")):
        try:
            import tiktoken
        except ImportError:
            return None
        ranks, pat, specials = load_tiktoken_encoding(name, pattern=pattern, allow_download=False)
        enc = tiktoken.Encoding(
            "reference", pat_str=pat.text, mergeable_ranks=ranks, special_tokens=specials
        )
        return _Reference(
            "tiktoken",
            enc.encode_ordinary,
            lambda texts, n: enc.encode_ordinary_batch(texts, num_threads=n),
            ordinary=True,
        )
    try:
        obj = load_hf_tokenizer_json(spec)
    except (OSError, ValueError):
        return None
    if not isinstance(obj, dict) or "model" not in obj:
        return None  # a codebpe vocabulary file
    try:
        import tokenizers
    except ImportError:
        return None
    hf = tokenizers.Tokenizer.from_str(json.dumps(obj))
    return _Reference(
        "HF tokenizers",
        lambda text: hf.encode(text, add_special_tokens=False).ids,
        lambda texts, n: [e.ids for e in hf.encode_batch(texts, add_special_tokens=False)],
        ordinary=False,
    )


def _timed(fn: Callable[[], Any], clock: Callable[[], float] = time.process_time) -> float:
    start = clock()
    fn()
    return clock() - start


def _bench_one(spec: str, tok: Any, args: argparse.Namespace, texts: list[str], nbytes: int) -> int:
    """Time one tokenizer (and its reference library) and print its rows; 1 if ids differ."""
    from .._native import core

    ref = _reference(spec, args.pattern)
    if ref is not None and not ref.ordinary:
        one = lambda t, tok=tok: tok.encode(t, allowed_special="all")  # noqa: E731
        many = lambda ts, n, tok=tok: tok.encode_batch(  # noqa: E731
            ts, num_threads=n, allowed_special="all"
        )
    else:
        one = tok.encode_ordinary
        many = lambda ts, n, tok=tok: tok.encode_ordinary_batch(ts, num_threads=n)  # noqa: E731
    ids = [one(t) for t in texts]  # also the untimed first pass
    n_tokens = sum(map(len, ids))
    rows: dict[str, list[float]] = {"cold": [], "warm": [], "batch": []}
    ref_rows: dict[str, list[float]] = {"one": [], "batch": []}
    exact = "—"
    if ref is not None:
        ref_ids = [list(ref.encode(t)) for t in texts]
        exact = "yes" if ref_ids == ids else "NO"
    for _ in range(args.repeat):
        core.Encoder.clear_caches()
        rows["cold"].append(_timed(lambda: [one(t) for t in texts]))
        rows["warm"].append(_timed(lambda: [one(t) for t in texts]))
        rows["batch"].append(_timed(lambda: many(texts, args.threads), time.perf_counter))
        if ref is not None:
            ref_rows["one"].append(_timed(lambda: [ref.encode(t) for t in texts]))
            ref_rows["batch"].append(
                _timed(lambda: ref.encode_batch(texts, args.threads), time.perf_counter)
            )

    def mbs(ts: list[float]) -> str:
        return f"{nbytes / max(min(ts), 1e-9) / 1e6:.1f}"

    def ratio(ref_ts: list[float], ts: list[float]) -> str:
        if not ref_ts:
            return "—"
        return f"{statistics.median(r / max(t, 1e-9) for r, t in zip(ref_ts, ts)):.2f}"

    label = getattr(tok, "name", None) or spec
    if ref is not None:
        print(
            f"| {label} | {ref.label} | {mbs(ref_rows['one'])} | 1.00 | {mbs(ref_rows['one'])} "
            f"| 1.00 | {mbs(ref_rows['batch'])} | 1.00 | {n_tokens:,} | (reference) |"
        )
    print(
        f"| {label} | codebpe | {mbs(rows['cold'])} | {ratio(ref_rows['one'], rows['cold'])} "
        f"| {mbs(rows['warm'])} | {ratio(ref_rows['one'], rows['warm'])} "
        f"| {mbs(rows['batch'])} | {ratio(ref_rows['batch'], rows['batch'])} "
        f"| {n_tokens:,} | {exact} |"
    )
    sys.stdout.flush()
    if exact == "NO":
        print(f"codebpe: error: {label}: ids differ from {ref.label}'s", file=sys.stderr)
        return 1
    return 0


def run_bench(args: argparse.Namespace) -> int:
    """Time the tokenizers on the inputs and print a table."""
    from .._analysis_sources import read_documents
    from .._report_render import counted
    from ..analysis import ContinuedDocument
    from ..corpus import parse_size
    from ..encoding import load_tokenizer
    from ._common import check_sidecar_pattern, require_stdout

    require_stdout()
    if args.repeat < 1:
        raise ValueError("--repeat must be at least 1")
    if args.threads < 1:
        raise ValueError("--threads must be at least 1")
    if args.threads > default_threads():
        # More threads than CPUs only take turns (codebpe's pool stops at the CPUs; tiktoken's
        # executor would start them all), and the table's header said "5000 threads MB/s".
        print(
            f"codebpe: note: --threads {args.threads}: this process may use "
            f"{default_threads()} CPUs; the batches run on {default_threads()} threads",
            file=sys.stderr,
        )
        args.threads = default_threads()
    specs = args.tokenizer or ["cl100k_base"]
    for spec in specs:
        check_sidecar_pattern(spec, args.pattern)  # (and --pattern only for .tiktoken files)
    # Every tokenizer loads before anything is printed, so a bad one is the only output.
    toks = [
        load_tokenizer(s) if args.pattern is None else load_tokenizer(s, pattern=args.pattern)
        for s in specs
    ]
    docs = read_documents(
        args.inputs or None,
        max_bytes=parse_size(args.max_bytes),
        text_field=args.text_field,
        lang_field=args.lang_field or None,
    )
    texts = [text for text, _lang in docs if text]
    if not texts:
        raise ValueError("the inputs hold no text")
    # (a text file over 1 MiB is read in chunks, timed as they are; it is still one document)
    n_docs = sum(1 for doc in docs if doc[0] and not isinstance(doc, ContinuedDocument))
    nbytes = sum(len(t.encode("utf-8", "surrogatepass")) for t in texts)
    where = ", ".join(args.inputs) if args.inputs else "the shipped held-out sample"
    print(
        f"# {nbytes:,} bytes in {counted(n_docs, 'document')} ({where}); "
        f"{counted(args.repeat, 'round')}; {counted(args.threads, 'thread')} for batches"
    )
    print(
        "| tokenizer | implementation | 1 thread cold MB/s | × | 1 thread warm MB/s | × "
        f"| {args.threads} threads MB/s | × | tokens | exact |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for spec, tok in zip(specs, toks):
        if _bench_one(spec, tok, args, texts, nbytes):
            return 1
    return 0


def register(subparsers: Any) -> None:
    """Add the ``bench`` subcommand."""
    p = subparsers.add_parser(
        "bench",
        help="time encoding on your text against tiktoken / HF tokenizers",
        description="Encode throughput of codebpe on the inputs (default: the shipped held-out "
        "sample), against the tokenizer's own library when it is installed (tiktoken for "
        "tiktoken encodings, Hugging Face tokenizers for a tokenizer.json), with an id check.",
    )
    p.add_argument(
        "inputs",
        nargs="*",
        metavar="INPUTS",
        help="files, folders, globs, JSONL, Parquet, hf: or hf-disk: specs, as in train "
        "(default: the shipped held-out sample)",
    )
    p.add_argument(
        "--text-field",
        default="text",
        metavar="NAME",
        help="text field of JSONL/Parquet/dataset records in INPUTS (default: text; The "
        "Stack: content)",
    )
    p.add_argument(
        "--lang-field",
        default="lang",
        metavar="NAME",
        help="language field of those records (default: lang; '' for none)",
    )
    p.add_argument(
        "--tokenizer",
        "-t",
        action="append",
        metavar="SPEC",
        help="vocabulary file, tiktoken name/file, tokenizer.json or short name (repeatable; "
        "default cl100k_base)",
    )
    p.add_argument("--pattern", metavar="NAME", help="split pattern of a .tiktoken file")
    p.add_argument(
        "--max-bytes",
        default="2M",
        metavar="SIZE",
        help="read at most this much text (default 2M; e.g. 500k)",
    )
    p.add_argument(
        "--repeat",
        type=int,
        default=3,
        metavar="N",
        help="rounds (default 3): MB/s is the best round's, × the median over rounds",
    )
    p.add_argument(
        "--threads",
        type=int,
        default=default_threads(),
        metavar="N",
        help="threads for the batch columns (default: the CPUs this process may use)",
    )
    p.set_defaults(func=run_bench)
