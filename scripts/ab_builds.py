#!/usr/bin/env python3
"""A/B of two builds of codebpe's encoder on the same text, rounds taken in turn.

On a shared machine the speed of a process moves by 15-40% from one minute to the next, so two
benchmark runs minutes apart cannot tell a 5% change. Here each build runs in a long-lived worker
process of its own (PKG_A and PKG_B: folders that hold a ``tokenizer`` package with its compiled
core, e.g. copies of a checkout's ``tokenizer/`` after ``scripts/dev_build.sh``), and the parent
asks them in turn, round after round, to encode the same documents once (``encode_ordinary`` per
document, lists, one thread, process CPU time). Each round gives a paired ratio A time / B time
(> 1: B is faster); the table gives the median and quartiles of those ratios. The order within a
round alternates, and with --processes K each build has K workers, asked in turn: two processes
of one build can differ by several percent for the whole of their lives (their hash keys, where
their tables landed). Run two copies of the same build first (A/A) to see this machine's spread.

Modes (what each pass does before it is timed):
  cold    clear the piece caches and evict the CPU caches (bench_encode.py's "1 thread" column)
  clear   clear the piece caches only
  steady  clear, then encode --warm-mb MB of other documents of the domain, untimed
  same    nothing: the same text again (its pieces cached, its tables warm)

    cp -r tokenizer /tmp/A/                 # before the change (built)
    scripts/dev_build.sh && cp -r tokenizer /tmp/B/
    python scripts/ab_builds.py /tmp/A /tmp/B --encoding o200k_base --rounds 30
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
MODES = ("cold", "clear", "steady", "same")


def worker(pkg: str, encoding: str, domain: str, mb: float, warm_mb: float) -> None:
    """Serve timed passes: one line in (a mode), one line out (seconds, or 'error: ...')."""
    sys.path.insert(0, pkg)  # before bench_encode imports the package
    sys.path.insert(1, str(HERE))
    try:
        import tokenizer

        if not Path(tokenizer.__file__).resolve().is_relative_to(Path(pkg).resolve()):
            raise ImportError(f"{pkg} has no tokenizer package (found {tokenizer.__file__})")
        from bench_encode import evict_cpu_caches, load_docs

        from tokenizer._native import core
        from tokenizer.encoding import load_tokenizer

        docs = load_docs(domain, mb)
        warm = load_docs(domain, mb + warm_mb)[len(docs) :] if warm_mb > 0 else []
        encode = load_tokenizer(encoding).encode_ordinary
        for d in docs:  # page faults of the fresh tables, the first ints: not part of any mode
            encode(d)
    except Exception as e:  # noqa: BLE001 (one line to the parent, which exits with it)
        print(f"error: {type(e).__name__}: {e}".replace("\n", " "), flush=True)
        return
    print("ready", flush=True)
    for line in sys.stdin:
        mode = line.strip()
        if mode != "same":
            core.Encoder.clear_caches()
        if mode == "cold":
            evict_cpu_caches()
        elif mode == "steady":
            for d in warm:
                encode(d)
        t0 = time.process_time()
        for d in docs:
            encode(d)
        print(time.process_time() - t0, flush=True)


class Worker:
    def __init__(self, pkg: str, args: argparse.Namespace, domain: str) -> None:
        cmd = [sys.executable, __file__, "--worker", pkg, "--encoding", args.encoding]
        cmd += ["--domains", domain, "--mb", str(args.mb), "--warm-mb", str(args.warm_mb)]
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
        self.pkg = pkg
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
        )
        first = self.reply()
        if first != "ready":
            raise SystemExit(f"ab_builds: {pkg}: {first}")

    def reply(self) -> str:
        line = self.proc.stdout.readline().strip()
        if not line:
            self.proc.wait()
            return f"the worker exited with status {self.proc.returncode}"
        return line

    def time(self, mode: str) -> float:
        self.proc.stdin.write(mode + "\n")
        self.proc.stdin.flush()
        line = self.reply()
        try:
            return float(line)
        except ValueError:
            raise SystemExit(f"ab_builds: {self.pkg}: {line}") from None

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("pkg_a", nargs="?", help="folder holding build A's tokenizer package")
    ap.add_argument("pkg_b", nargs="?", help="folder holding build B's tokenizer package")
    ap.add_argument(
        "--encoding", default="o200k_base", help="tokenizer to load (default o200k_base)"
    )
    ap.add_argument("--domains", default="code,zh,en", help="comma-separated (default code,zh,en)")
    ap.add_argument(
        "--modes", default="cold,clear,steady", help=f"comma-separated of {', '.join(MODES)}"
    )
    ap.add_argument("--rounds", type=int, default=30, help="paired rounds per mode (default 30)")
    ap.add_argument("--mb", type=float, default=1.0, help="MB of text per domain (default 1)")
    ap.add_argument(
        "--warm-mb", type=float, default=1.5, help="other text of 'steady' (default 1.5)"
    )
    ap.add_argument(
        "--processes",
        type=int,
        default=2,
        help="worker processes per build, asked in turn (default 2): a process's own luck (its "
        "hash keys, where its tables landed, huge pages or not) then weighs less",
    )
    ap.add_argument("--worker", metavar="PKG", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        worker(args.worker, args.encoding, args.domains, args.mb, args.warm_mb)
        return 0
    if not args.pkg_a or not args.pkg_b:
        ap.error("give the two package folders, PKG_A and PKG_B")
    for pkg in (args.pkg_a, args.pkg_b):
        if not (Path(pkg) / "tokenizer" / "__init__.py").is_file():
            ap.error(f"{pkg}: no tokenizer/__init__.py there")
    modes = [m for m in args.modes.split(",") if m]
    bad = [m for m in modes if m not in MODES]
    if bad or not modes:
        ap.error(f"--modes: {', '.join(bad) or 'none given'}; choose from {', '.join(MODES)}")
    if args.processes < 1:
        ap.error("--processes must be positive")
    if args.rounds < 2 * args.processes:
        ap.error("--rounds must be at least twice --processes")
    if args.mb <= 0 or args.warm_mb < 0:
        ap.error("--mb must be positive and --warm-mb not negative")
    domains = [d for d in args.domains.split(",") if d]
    # (bench_encode.DOMAINS' keys: importing it here would import a tokenizer package too)
    unknown = [d for d in domains if d not in ("code", "zh", "en")]
    if unknown or not domains:
        ap.error(f"--domains: {', '.join(unknown) or 'none given'}; choose from code, zh, en")
    header = [
        f"A = {args.pkg_a}, B = {args.pkg_b}, {args.encoding}, {args.rounds} rounds, "
        f"{args.processes} process(es) per build; A/B > 1: B faster",
        "| domain | mode | A ms (median) | B ms (median) | A/B median | A/B quartiles |",
        "|---|---|---:|---:|---:|---|",
    ]
    for domain in domains:
        workers: list[Worker] = []
        try:
            for _ in range(args.processes):
                workers.append(Worker(args.pkg_a, args, domain))
                workers.append(Worker(args.pkg_b, args, domain))
            if header:
                print("\n".join(header), flush=True)
                header = []
            for mode in modes:
                ta, tb = [], []
                for r in range(args.rounds):
                    # Round r asks pair r % processes; the order within a round alternates.
                    a, b = workers[2 * (r % args.processes) : 2 * (r % args.processes) + 2]
                    if r // args.processes % 2:
                        tb.append(b.time(mode))
                        ta.append(a.time(mode))
                    else:
                        ta.append(a.time(mode))
                        tb.append(b.time(mode))
                ratios = [x / y for x, y in zip(ta, tb)]
                q1, _, q3 = statistics.quantiles(ratios, n=4)
                print(
                    f"| {domain} | {mode} | {statistics.median(ta) * 1e3:.2f} | "
                    f"{statistics.median(tb) * 1e3:.2f} | {statistics.median(ratios):.3f} | "
                    f"{q1:.3f}-{q3:.3f} |",
                    flush=True,
                )
        finally:
            for w in workers:
                w.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
