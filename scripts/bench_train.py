#!/usr/bin/env python3
"""Benchmark BPE training: codebpe vs Hugging Face ``tokenizers`` vs rustbpe, side by side.

Every trainer runs in its own subprocess on the same documents (read with ``tokenizer.corpus``,
so reading costs the same for all), the same split pattern, the same total vocabulary size and
thread count. Reported per trainer: wall time, CPU time (user+sys), peak RSS of the process, and
bytes per token of the trained vocabulary on held-out text. Output: a Markdown table.

    python scripts/bench_train.py                       # shipped corpora/, vocab 32768, 2 threads
    python scripts/bench_train.py /tmp/codebpe-large --threads 2 --out docs/bench.md

rustbpe and sentencepiece (BPE mode) are used if they import (``pip install rustbpe
sentencepiece``). sentencepiece has its own pre-tokenization (no split regex; trained on lines),
so its bytes/token is measured line by line and is not comparable to the others'. The machine is
measured as it is: on a shared box, compare ratios within one run, not absolute seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# After the installed package (and PYTHONPATH=. for a checkout built in place), as in
# bench_encode.py: a clean clone has no compiled core in tokenizer/.
sys.path.append(str(REPO))


def _documents(inputs: list[str] | None, max_bytes: str | None):
    from tokenizer.corpus import Corpus

    return Corpus(inputs or None, max_bytes=max_bytes).texts()


def _specials(n_spare: int) -> list[str]:
    from tokenizer.patterns import DEFAULT_SPECIAL_TOKENS

    return [*DEFAULT_SPECIAL_TOKENS, *(f"<|reserved_{i}|>" for i in range(n_spare))]


def worker(args: argparse.Namespace) -> dict:
    """Train once in this process; return figures and a path to the ranks for evaluation."""
    from tokenizer.patterns import get_pattern

    pattern = get_pattern(args.pattern)
    specials = _specials(27)
    t0, c0 = time.perf_counter(), time.process_time()
    out = Path(args.workdir) / f"{args.worker}.json"
    if args.worker == "codebpe":
        from tokenizer.train import train

        vocab = train(
            args.inputs or None,
            vocab_size=args.vocab_size,
            pattern=args.pattern,
            threads=args.threads,
            max_bytes=args.max_bytes,
            progress=False,
            max_token_length=args.max_token_length or None,
        )
        vocab.save(out)
        extra = {"learned": vocab.config["learned"], "unique": vocab.config["unique_pieces"]}
    elif args.worker == "hf":
        os.environ["RAYON_NUM_THREADS"] = str(args.threads)
        from tokenizers import Regex, Tokenizer, models, pre_tokenizers, trainers

        tok = Tokenizer(models.BPE())
        tok.pre_tokenizer = pre_tokenizers.Sequence(
            [
                pre_tokenizers.Split(Regex(pattern.text), behavior="isolated"),
                pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
            ]
        )
        trainer = trainers.BpeTrainer(
            vocab_size=args.vocab_size,
            min_frequency=2,
            special_tokens=specials,
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
            show_progress=False,
            max_token_length=args.max_token_length or None,
        )
        tok.train_from_iterator(_documents(args.inputs, args.max_bytes), trainer)
        tok.save(str(out))
        extra = {"learned": tok.get_vocab_size() - 256 - len(specials)}
    elif args.worker == "rustbpe":
        os.environ["RAYON_NUM_THREADS"] = str(args.threads)
        import base64

        import rustbpe

        tok = rustbpe.Tokenizer()
        tok.train_from_iterator(
            _documents(args.inputs, args.max_bytes),
            args.vocab_size - len(specials),
            pattern=pattern.text,
        )
        ranks = {base64.b64encode(bytes(k)).decode(): v for k, v in tok.get_mergeable_ranks()}
        out.write_text(json.dumps(ranks))
        extra = {"learned": len(ranks) - 256}
    elif args.worker == "sentencepiece":
        import sentencepiece as spm

        def lines():  # sentencepiece trains on sentences: one per line
            for text in _documents(args.inputs, args.max_bytes):
                yield from (line for line in text.split("\n") if line.strip())

        prefix = str(out.with_suffix(""))
        spm.SentencePieceTrainer.train(
            sentence_iterator=lines(),
            model_prefix=prefix,
            model_type="bpe",
            vocab_size=args.vocab_size,
            num_threads=args.threads,
            byte_fallback=True,
            user_defined_symbols=specials,
            normalization_rule_name="identity",
            remove_extra_whitespaces=False,
            max_sentence_length=1 << 16,
            input_sentence_size=0,
            character_coverage=0.9995,
            minloglevel=2,
        )
        out = Path(prefix + ".model")
        extra = {"learned": args.vocab_size - 259 - len(specials)}
    else:
        raise SystemExit(f"unknown trainer {args.worker}")
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {
        "trainer": args.worker,
        "wall": wall,
        "cpu": cpu,
        "peak": peak,
        "file": str(out),
        **extra,
    }


def bytes_per_token(result: dict, heldout: list[str], pattern_text: str) -> float | None:
    """Held-out UTF-8 bytes / tokens with the trained vocabulary (same pattern for all)."""
    import base64

    import tiktoken

    name, path = result["trainer"], result["file"]
    if name == "sentencepiece":  # its own pre-tokenization: per line, newlines not counted
        import sentencepiece as spm

        sp = spm.SentencePieceProcessor(model_file=path)
        lines = [line for t in heldout for line in t.split("\n") if line]
        return sum(len(x.encode()) for x in lines) / sum(map(len, sp.encode(lines)))
    if name == "hf":
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(path)
        n = sum(len(e.ids) for e in tok.encode_batch(heldout))
    else:
        if name == "codebpe":
            from tokenizer.vocab import Vocabulary

            ranks = Vocabulary.load(path).ranks()
        else:
            ranks = {base64.b64decode(k): v for k, v in json.loads(Path(path).read_text()).items()}
        enc = tiktoken.Encoding(
            name, pat_str=pattern_text, mergeable_ranks=ranks, special_tokens={}
        )
        n = sum(len(ids) for ids in enc.encode_ordinary_batch(heldout, num_threads=1))
    return sum(len(t.encode()) for t in heldout) / n


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("inputs", nargs="*", help="corpus sources (default: shipped corpora/)")
    ap.add_argument("--vocab-size", type=int, default=32768)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--pattern", default="codebpe-v1")
    ap.add_argument("--max-token-length", type=int, default=32)
    ap.add_argument("--max-bytes", default=None)
    ap.add_argument(
        "--trainers",
        default="codebpe,hf,rustbpe,sentencepiece",
        help="comma-separated, of codebpe, hf, rustbpe, sentencepiece (the last two when "
        "installed)",
    )
    ap.add_argument("--heldout", nargs="*", default=None, help="default: corpora/heldout/")
    ap.add_argument("--heldout-bytes", default="2M")
    ap.add_argument("--out", default=None, help="also append the table to this Markdown file")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--workdir", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args)))
        return 0
    unknown = set(args.trainers.split(",")) - {"codebpe", "hf", "rustbpe", "sentencepiece"}
    if unknown:
        ap.error(f"--trainers: unknown {', '.join(sorted(unknown))}")
    # (a fixed /tmp/codebpe-bench kept every run's trained files: now a temporary folder)
    import tempfile

    with tempfile.TemporaryDirectory(prefix="codebpe-bench-") as tmp:
        if args.workdir is None:
            args.workdir = tmp
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    Path(args.workdir).mkdir(parents=True, exist_ok=True)
    from tokenizer.corpus import Corpus
    from tokenizer.patterns import get_pattern

    heldout_src = args.heldout or [str(p) for p in sorted((REPO / "corpora/heldout").glob("*"))]
    heldout = list(Corpus(heldout_src, max_bytes=args.heldout_bytes).texts())
    results = []
    failed = []
    for name in args.trainers.split(","):
        if name in ("rustbpe", "sentencepiece"):
            try:
                __import__(name)
            except ImportError:
                print(f"{name} not installed; skipped", file=sys.stderr)
                continue
        cmd = [
            sys.executable,
            __file__,
            *args.inputs,
            "--worker",
            name,
            "--workdir",
            args.workdir,
            "--vocab-size",
            str(args.vocab_size),
            "--threads",
            str(args.threads),
            "--pattern",
            args.pattern,
            "--max-token-length",
            str(args.max_token_length),
        ]
        if args.max_bytes:
            cmd += ["--max-bytes", args.max_bytes]
        print(f"training {name} ...", file=sys.stderr)
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode:
            print(f"{name} failed:\n{proc.stderr[-2000:]}", file=sys.stderr)
            failed.append(name)
            continue
        res = json.loads(proc.stdout.strip().splitlines()[-1])
        res["bpt"] = bytes_per_token(res, heldout, get_pattern(args.pattern).text)
        results.append(res)
    print(table(results, args))
    if args.out:
        with open(args.out, "a", encoding="utf-8") as f:
            f.write(table(results, args) + "\n")
    if failed:  # (a failed trainer left an empty row set and exit status 0)
        print(f"bench_train: failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def table(results: list[dict], args: argparse.Namespace) -> str:
    hf = next((r for r in results if r["trainer"] == "hf"), None)
    corpus = " ".join(args.inputs) or "shipped corpora/"
    lines = [
        f"corpus: {corpus}"
        + (f" (max {args.max_bytes})" if args.max_bytes else "")
        + f"; vocab {args.vocab_size}; pattern {args.pattern}; threads {args.threads}; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
        "",
        "| trainer | wall s | CPU s | peak RSS MB | learned | held-out bytes/token | vs HF time | "
        "vs HF memory | vs HF bytes/token |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        rel = ("", "", "")
        if hf:
            rel = (
                f"{hf['wall'] / r['wall']:.2f}x faster",
                f"{r['peak'] / hf['peak']:.2f}x",
                f"{(r['bpt'] / hf['bpt'] - 1) * 100:+.2f}%",
            )
        lines.append(
            f"| {r['trainer']} | {r['wall']:.1f} | {r['cpu']:.1f} | {r['peak'] / 1e6:.0f} | "
            f"{r['learned']} | {r['bpt']:.3f} | {rel[0]} | {rel[1]} | {rel[2]} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
