#!/usr/bin/env python3
"""Ablation: which vocabulary size, split pattern and reserved tokens cost fewest tokens per line?

Trains a grid of vocabularies on one corpus -- sizes (default 16k, 32k, 64k, 100k; k = 1024),
split patterns (codebpe-v1 versus cl100k's and o200k's) and reserved code tokens on/off -- and
measures tokens per line on held-out text with ``tokenizer.analysis``, next to the baselines
cl100k_base, o200k_base and deepseek-coder. Writes ``ablation.json``, ``ablation.md`` and
``ablation.png`` (tokens per line against vocabulary size, baselines as reference lines).

Trainers:
  codebpe  ``tokenizer.train.train`` (the real trainer; imported lazily).
  hf       a stand-in for when the trainer is not there: Hugging Face ``BpeTrainer`` on the
           pieces of our reference split (``tokenizer.patterns``), its merges re-ranked as
           bytes + reserved tokens (forced, lowest ranks) + learned tokens, and encoded by rank
           BPE (tiktoken) over the same split. Figures from it are labelled "hf stand-in".

Examples:
  python scripts/ablation.py --quick --trainer hf            # 3 sizes up to 8k on 3 MB, ~2 min
  python scripts/ablation.py --trainer codebpe --out ablation  # the full grid on corpora/
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.append(str(Path(__file__).resolve().parent.parent))  # after the installed package

from tokenizer._analysis_sources import load_for_analysis, read_documents  # noqa: E402
from tokenizer.analysis import measure  # noqa: E402
from tokenizer.patterns import get_pattern, reference_split  # noqa: E402
from tokenizer.vocab import atomic_write  # noqa: E402

BASELINES = ("cl100k_base", "o200k_base", "deepseek-coder")
DOMAINS = ("code", "zh", "en")
# Indentation runs reserved by the stand-in (the trainer's own default set is used with codebpe).
STANDIN_RESERVED = [b" " * n for n in (*range(2, 17), 20, 24, 28, 32)] + [
    b"\t" * n for n in range(2, 9)
]


def parse_size(text: str) -> int:
    """``16k`` -> 16384 (k = 1024), ``50000`` -> 50000."""
    text = text.strip().lower()
    return int(float(text[:-1]) * 1024) if text.endswith("k") else int(text)


def default_train_paths() -> list[str]:
    from tokenizer.corpus import default_corpus_paths

    return [str(p) for p in default_corpus_paths(split="train")]


_SPLITS: dict[tuple[str, str], list[str]] = {}


def split(text: str, pattern: str) -> list[str]:
    """The reference split, memoised: the grid splits the same texts once per pattern."""
    key = (pattern, text)
    pieces = _SPLITS.get(key)
    if pieces is None:
        pieces = _SPLITS[key] = reference_split(text, pattern)
    return pieces


class RankEncoder:
    """Rank BPE (tiktoken) over the reference split: a tiktoken-like object for ``measure``."""

    def __init__(self, tokens: list[bytes], pattern: str, name: str) -> None:
        import tiktoken

        self.tokens, self.pattern, self.name, self.n_vocab = tokens, pattern, name, len(tokens)
        self.enc = tiktoken.Encoding(
            name,
            pat_str=r"[\s\S]+",
            special_tokens={},
            mergeable_ranks={t: i for i, t in enumerate(tokens)},
        )
        self.cache: dict[str, list[int]] = {}

    def encode_ordinary(self, text: str) -> list[int]:
        out: list[int] = []
        for piece in split(text, self.pattern):
            ids = self.cache.get(piece)
            if ids is None:
                ids = self.cache[piece] = self.enc._encode_single_piece(piece.encode())
            out += ids
        return out

    def decode_single_token_bytes(self, token: int) -> bytes:
        return self.tokens[token]


def train_hf(texts: list[str], *, vocab_size: int, pattern: str, reserved: bool) -> RankEncoder:
    """The stand-in trainer (see the module docstring)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    from tokenizer._analysis_sources import HFAdapter

    forced = STANDIN_RESERVED if reserved else []
    hf = Tokenizer(models.BPE())
    hf.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    hf.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size - len(forced),
        min_frequency=2,
        show_progress=False,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )

    def pieces():  # one HF "word" per piece of our split, so both sides split identically
        for text in texts:
            yield split(text, pattern)

    hf.train_from_iterator(pieces(), trainer=trainer)
    byte_of = HFAdapter(hf, name="standin")._byte_of
    merges = json.loads(hf.to_str())["model"]["merges"]
    tokens = [bytes([i]) for i in range(256)] + list(forced)
    seen = set(tokens)
    for merge in merges:
        a, b = merge.split(" ") if isinstance(merge, str) else merge
        tok = bytes(byte_of[c] for c in a + b)
        if tok not in seen and len(tokens) < vocab_size:
            tokens.append(tok)
            seen.add(tok)
    return RankEncoder(tokens, pattern, f"hf-{pattern}-{vocab_size}")


def train_codebpe(
    texts: list[str],
    *,
    vocab_size: int,
    pattern: str,
    reserved: bool,
    threads: int | None,
    keep: Path,
) -> Any:
    from tokenizer.train import train  # lazily: the trainer is its own stage

    kwargs: dict[str, Any] = {} if reserved else {"reserved": None}
    vocab = train(
        iter(texts),
        vocab_size=vocab_size,
        pattern=pattern,
        threads=threads,
        progress=False,
        **kwargs,
    )
    path = keep / f"vocab-{pattern}-{vocab_size}-{'res' if reserved else 'nores'}.json"
    vocab.save(path)
    try:
        import tokenizer.encoding  # noqa: F401 - the runtime, when merged, encodes our files
    except ImportError:
        return RankEncoder(vocab.tokens, pattern, path.stem)  # same rank BPE, memoised split
    return load_for_analysis(str(path))


def figures(m: Any) -> dict[str, Any]:
    j = m.to_json()
    out = {d: (j["domains"].get(d) or {}).get("tokens_per_line") for d in DOMAINS}
    out["all"] = j["total"]["tokens_per_line"]
    out["zh_chars_per_token"] = (j["domains"].get("zh") or {}).get("chars_per_token")
    return out


def render(results: dict[str, Any]) -> tuple[str, bytes | None]:
    rows = results["runs"]
    sizes = sorted({r["vocab_size"] for r in rows})
    lines = [
        f"Tokens per line on held-out text ({results['trainer_label']}; train "
        f"{results['train_bytes']:,} bytes, held-out {results['heldout_bytes']:,} bytes).",
        "",
    ]
    for dom in (*DOMAINS, "all"):
        lines += [
            f"**{dom}**",
            "",
            "| pattern | reserved | " + " | ".join(f"{s:,}" for s in sizes) + " |",
            "|---|---|" + "--:|" * len(sizes),
        ]
        for pat in results["patterns"]:
            for res in results["reserved"]:
                cells = []
                for s in sizes:
                    r = next(
                        (
                            r
                            for r in rows
                            if (r["pattern"], r["reserved"], r["vocab_size"]) == (pat, res, s)
                        ),
                        None,
                    )
                    cells.append("–" if r is None or r[dom] is None else f"{r[dom]:.3f}")
                lines.append(f"| {pat} | {'yes' if res else 'no'} | " + " | ".join(cells) + " |")
        base = ", ".join(
            f"{b['name']} {b[dom]:.3f}" for b in results["baselines"] if b[dom] is not None
        )
        lines += ["", f"Baselines: {base}.", ""]
    try:
        from tokenizer._report_plots import _png, _pyplot

        plt = _pyplot()
    except ImportError:
        return "\n".join(lines) + "\n", None
    fig, axes = plt.subplots(1, 4, figsize=(18, 4.2))
    for ax, dom in zip(axes, (*DOMAINS, "all")):
        for i, pat in enumerate(results["patterns"]):
            for res in results["reserved"]:
                pts = sorted(
                    (r["vocab_size"], r[dom])
                    for r in rows
                    if r["pattern"] == pat and r["reserved"] == res and r[dom] is not None
                )
                if pts:
                    ax.plot(
                        *zip(*pts),
                        marker="o",
                        color=f"C{i}",
                        linestyle="-" if res else "--",
                        label=f"{pat}{' +reserved' if res else ''}",
                    )
        for j, b in enumerate(results["baselines"]):
            if b[dom] is not None:
                ax.axhline(
                    b[dom], color="gray", linestyle=(":", "-.", (0, (5, 5)))[j % 3], label=b["name"]
                )
        ax.set_xscale("log", base=2)
        ax.set_title(f"{dom}: tokens per line")
        ax.set_xlabel("vocabulary size")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7)
    fig.suptitle(f"Ablation ({results['trainer_label']})")
    return "\n".join(lines) + "\n", _png(fig)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--trainer", choices=("codebpe", "hf"), default="codebpe")
    ap.add_argument("--sizes", default="16k,32k,64k,100k", help="vocabulary sizes (k = 1024)")
    ap.add_argument("--patterns", default="codebpe-v1,cl100k,o200k")
    ap.add_argument("--reserved", choices=("both", "yes", "no"), default="both")
    ap.add_argument(
        "--train", action="append", default=None, help="training text (default: corpora/)"
    )
    ap.add_argument(
        "--heldout",
        action="append",
        default=None,
        help="evaluation text (default: corpora/heldout/)",
    )
    ap.add_argument("--max-bytes", type=int, default=None, help="training bytes to use")
    ap.add_argument("--heldout-max-bytes", type=int, default=None)
    ap.add_argument("--baselines", default=",".join(BASELINES))
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument(
        "--quick",
        action="store_true",
        help="small grid: sizes 2k,4k,8k on 3 MB of training text, 400 kB held out",
    )
    ap.add_argument("--out", default="ablation", help="output folder")
    args = ap.parse_args(argv)
    if args.quick:
        args.sizes = "2k,4k,8k" if args.sizes == ap.get_default("sizes") else args.sizes
        args.max_bytes = args.max_bytes or 3_000_000
        args.heldout_max_bytes = args.heldout_max_bytes or 400_000
    try:
        sizes = [parse_size(s) for s in args.sizes.split(",")]
    except ValueError:
        ap.error(f"--sizes: a comma-separated list of sizes such as 16k,32k, got {args.sizes!r}")
    if min(sizes) < 257:
        ap.error(
            f"--sizes: every size must be at least 257 (256 bytes + a merge), got {args.sizes!r}"
        )
    try:
        patterns = [get_pattern(p).name for p in args.patterns.split(",")]
    except ValueError as e:  # UnknownPatternError
        ap.error(f"--patterns: {e}")
    for flag, value in (
        ("--threads", args.threads),
        ("--max-bytes", args.max_bytes),
        ("--heldout-max-bytes", args.heldout_max_bytes),
    ):
        if value is not None and value < 1:
            ap.error(f"{flag} must be at least 1, got {value}")
    if args.trainer == "codebpe":
        try:
            import tokenizer.train  # noqa: F401
        except ImportError as e:
            print(
                f"ablation: the codebpe trainer is not available ({e}); use --trainer hf",
                file=sys.stderr,
            )
            return 2
    reserved = {"both": [True, False], "yes": [True], "no": [False]}[args.reserved]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    train_paths = args.train or default_train_paths()
    try:
        heldout = read_documents(args.heldout, max_bytes=args.heldout_max_bytes)
        texts = [t for t, _ in read_documents(train_paths, max_bytes=args.max_bytes)]
    except (OSError, ValueError) as e:  # CorpusError and friends: a one-line message
        print(f"ablation: {e}", file=sys.stderr)
        return 2
    label = "codebpe trainer" if args.trainer == "codebpe" else "hf stand-in trainer"
    results: dict[str, Any] = {
        "trainer": args.trainer,
        "trainer_label": label,
        "patterns": patterns,
        "reserved": reserved,
        "train": train_paths,
        "train_bytes": sum(len(t.encode()) for t in texts),
        "heldout_bytes": sum(len(t.encode()) for t, _ in heldout),
        "runs": [],
        "baselines": [],
    }
    for spec in filter(None, args.baselines.split(",")):
        try:
            results["baselines"].append(
                {"name": spec, **figures(measure(load_for_analysis(spec), heldout))}
            )
        except Exception as e:  # noqa: BLE001 - a missing baseline is reported, the grid still runs
            print(f"ablation: baseline {spec} skipped: {e}", file=sys.stderr)
    for pat in patterns:
        for res in reserved:
            for size in sizes:
                t0 = time.perf_counter()
                try:
                    if args.trainer == "hf":
                        enc = train_hf(texts, vocab_size=size, pattern=pat, reserved=res)
                    else:
                        enc = train_codebpe(
                            texts,
                            vocab_size=size,
                            pattern=pat,
                            reserved=res,
                            threads=args.threads,
                            keep=out,
                        )
                except ValueError as e:  # e.g. a size too small for the reserved tokens
                    print(f"ablation: {pat}, {size}: {e}", file=sys.stderr)
                    return 2
                seconds = time.perf_counter() - t0
                row = {
                    "pattern": pat,
                    "reserved": res,
                    "vocab_size": size,
                    "train_seconds": round(seconds, 2),
                    **figures(measure(enc, heldout)),
                }
                results["runs"].append(row)
                print(
                    f"{pat:<11} reserved={'yes' if res else 'no ':<3} {size:>7,}  "
                    + "  ".join(
                        f"{d}={row[d]:.3f}" for d in (*DOMAINS, "all") if row[d] is not None
                    )
                    + f"  ({seconds:.1f} s)",
                    flush=True,
                )
    md, png = render(results)
    atomic_write(out / "ablation.json", json.dumps(results, indent=1) + "\n")
    atomic_write(out / "ablation.md", md)
    if png is not None:
        atomic_write(out / "ablation.png", png)
    print(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
