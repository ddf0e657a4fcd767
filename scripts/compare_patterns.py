#!/usr/bin/env python3
"""Compare split patterns by the compression of BPE vocabularies trained with each of them.

Stage: pattern design (measurement only). For every pattern, the same training text is split with
the reference ``regex`` module (exactly ``tokenizer.patterns.reference_split``), a byte-level BPE
vocabulary is trained on the pieces with Hugging Face ``tokenizers`` (``models.BPE`` +
``BpeTrainer``, ``initial_alphabet=ByteLevel.alphabet()``), and held-out text, split the same way,
is encoded with it (default inputs: the shipped ``corpora/`` sample and its held-out split). The
script prints Markdown tables: tokens per line and bytes per token per domain (code per language,
prose per language), and the ratio of tokens to the vocabulary trained with the cl100k pattern in
the same run. It does not test the C++ matchers, and it does not train codebpe's own vocabularies
(no reserved tokens: every pattern gets the same plain BPE).

Subtle: the pieces are handed to Hugging Face joined by a NUL sentinel that a ``Split``
pre-tokenizer removes, so Hugging Face never runs the pattern with its own regex engine (Oniguruma
treats some possessive quantifiers and lookarounds differently); the split is the reference one by
construction. Documents containing NUL are skipped (the loader reports how many).

Inputs are JSON Lines files (optionally gzip-compressed) with ``text`` and ``lang`` fields (the
corpora branch's format), or ``LANG=PATH`` for a plain UTF-8 text file. Example (the defaults
spelled out)::

    python scripts/compare_patterns.py --train corpora/*.jsonl.gz \\
        --heldout corpora/heldout/*.jsonl.gz --vocab-size 32768 --max-train-mb 6 \\
        --patterns cl100k o200k codebpe-v1
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

import regex

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from pattern_candidates import ABLATIONS, CANDIDATES  # noqa: E402

from tokenizer.patterns import PATTERNS, compile_custom, get_pattern, reference_split  # noqa: E402

PROSE = ("en", "zh")
ABLATION_NAMES = [f"settled/{name}" for name in ABLATIONS]  # what "settled/*" stands for
SENTINEL = "\x00"


def load_docs(paths: list[str]) -> tuple[list[tuple[str, str]], int]:
    """Read ``(lang, text)`` documents from JSONL(.gz) files or ``LANG=PATH`` text files.

    Returns the documents and how many were skipped for containing the NUL sentinel.

    >>> load_docs([])
    ([], 0)
    """
    docs: list[tuple[str, str]] = []
    skipped = 0
    for spec in paths:
        if "=" in spec and not Path(spec).exists():
            lang, path = spec.split("=", 1)
            texts = [(lang, Path(path).read_text(encoding="utf-8"))]
        else:
            opener = gzip.open if spec.endswith(".gz") else open
            with opener(spec, "rt", encoding="utf-8") as f:
                texts = [(d.get("lang", "unknown"), d["text"]) for d in map(json.loads, f)]
        for lang, text in texts:
            if SENTINEL in text:
                skipped += 1
            elif text:
                docs.append((lang, text))
    return docs, skipped


def budget(docs: list[tuple[str, str]], max_bytes: int, *, seed: int = 0) -> list[tuple[str, str]]:
    """A deterministic random subset of ``docs`` of at most ``max_bytes`` UTF-8 bytes (0: all)."""
    if max_bytes <= 0:
        return docs
    order = list(range(len(docs)))
    random.Random(seed).shuffle(order)
    out, total = [], 0
    for i in order:
        size = len(docs[i][1].encode("utf-8"))
        if total + size > max_bytes:
            continue
        out.append(docs[i])
        total += size
    return out


def resolve(spec: str) -> tuple[str, tuple[str, ...]]:
    """``name`` (built-in or candidate) or ``name=REGEX`` -> (name, regexes)."""
    if "=" in spec and spec.split("=", 1)[0] not in PATTERNS:
        name, rx = spec.split("=", 1)
        return name, (rx,)
    if spec in CANDIDATES:
        return spec, (CANDIDATES[spec],)
    return spec, get_pattern(spec).regexes


def split_docs(docs: list[tuple[str, str]], regexes: tuple[str, ...]) -> list[list[str]]:
    """Split every document with the reference regexes; lossless by construction, checked."""
    out = []
    if len(regexes) == 1:  # fast path: equals reference_split for a regex that matches everything
        rx = regex.compile(regexes[0])
        for _, text in docs:
            pieces = rx.findall(text)
            if sum(map(len, pieces)) != len(text):
                pieces = reference_split(text, regexes)
            out.append(pieces)
    else:
        out = [reference_split(text, regexes) for _, text in docs]
    return out


def train(pieces: list[list[str]], vocab_size: int):
    """Train a byte-level BPE on pre-split pieces with Hugging Face ``tokenizers``."""
    from tokenizers import Regex, Tokenizer, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(SENTINEL), behavior="removed"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator((SENTINEL.join(p) for p in pieces), trainer=trainer)
    return tok


def hf_regex_text(rx: str) -> str:
    """The regex text without possessive quantifiers (``?+ ++ *+ }+``), for Oniguruma.

    >>> hf_regex_text(r"\\p{N}{1,3}+| ?\\p{L}++")
    '\\\\p{N}{1,3}| ?\\\\p{L}+'
    """
    return regex.sub(r"(?<!\\)([?+*}])\+", r"\1", rx)


def check_hf(docs: list[tuple[str, str]], regexes: tuple[str, ...]) -> str:
    """Does Hugging Face's ``Split(Regex(...), "isolated")`` give the reference pieces?

    Returns a short verdict: how many documents split differently, and the first difference.
    """
    from tokenizers import Regex, pre_tokenizers

    pre = pre_tokenizers.Sequence(
        [pre_tokenizers.Split(Regex(hf_regex_text(r)), behavior="isolated") for r in regexes]
    )
    bad, first = 0, ""
    for _, text in docs:
        ref = reference_split(text, regexes)
        hf = [p for p, _ in pre.pre_tokenize_str(text)]
        if hf != ref:
            bad += 1
            if not first:
                i = next(i for i, (a, b) in enumerate(zip(hf + [""], ref + [""])) if a != b)
                first = f"; first: HF {hf[i : i + 3]!r} vs reference {ref[i : i + 3]!r}"
    return f"{bad}/{len(docs)} documents differ{first}"


def domain_of(lang: str) -> str:
    return lang if lang in PROSE else f"code/{lang}"


def measure(tok, docs, pieces) -> dict[str, list[int]]:
    """Per domain: [utf-8 bytes, lines, tokens] (``code`` aggregates every code language)."""
    stats: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    encs = tok.encode_batch([SENTINEL.join(p) for p in pieces])
    for (lang, text), enc in zip(docs, encs):
        lines = text.count("\n") + (0 if text.endswith("\n") else 1)
        row = [len(text.encode("utf-8")), lines, len(enc.ids)]
        for key in {domain_of(lang), "code" if lang not in PROSE else lang}:
            stats[key] = [a + b for a, b in zip(stats[key], row)]
    return stats


def tables(results: dict[str, dict[str, list[int]]], base: str | None) -> str:
    """Markdown, one row per pattern and one column per domain: tokens per line (with the ratio of
    tokens to ``base``'s in parentheses), then bytes per token.
    """
    first = next(iter(results.values()))
    domains = sorted(first, key=lambda d: (d in PROSE, d != "code", d))
    head = "| pattern | " + " | ".join(d.removeprefix("code/") for d in domains) + " |"
    rule = "|---|" + "---:|" * len(domains)
    sizes = "| _held-out KB_ | " + " | ".join(f"{first[d][0] / 1000:.0f}" for d in domains) + " |"
    per_line, per_token = [head, rule, sizes], [head, rule]
    for name, stats in results.items():
        cells_l, cells_t = [], []
        for d in domains:
            b, ln, t = stats[d]
            ratio = f" ({t / results[base][d][2]:.3f})" if base and name != base else ""
            cells_l.append(f"{t / ln:.2f}{ratio}")
            cells_t.append(f"{b / t:.2f}")
        per_line.append(f"| {name} | " + " | ".join(cells_l) + " |")
        per_token.append(f"| {name} | " + " | ".join(cells_t) + " |")
    ratio_note = f" (in parentheses: tokens / {base}'s tokens)" if base else ""
    return "\n".join(
        [f"Held-out tokens per line{ratio_note}:", "", *per_line, ""]
        + ["Held-out bytes per token:", "", *per_token]
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--train", nargs="+", help="JSONL(.gz) files or LANG=PATH (default: corpora/)")
    ap.add_argument("--heldout", nargs="+", help="the same (default: corpora/heldout/)")
    ap.add_argument("--vocab-size", type=int, default=32768)
    ap.add_argument("--max-train-mb", type=float, default=6.0, help="training budget (0: all)")
    ap.add_argument(
        "--patterns",
        nargs="+",
        default=["cl100k", "o200k", "codebpe-v1"],
        help="built-in names, candidates of scripts/pattern_candidates.py, 'settled/*' (every "
        "ablation) or NAME=REGEX",
    )
    ap.add_argument("--baseline", default="cl100k", help="pattern the ratios are relative to")
    ap.add_argument(
        "--check-hf",
        action="store_true",
        help="also report whether HF's own Split(Regex) gives each pattern's reference pieces",
    )
    args = ap.parse_args(argv)
    if args.vocab_size < 257:
        ap.error(f"--vocab-size must be at least 257, got {args.vocab_size}")
    expand = {"settled/*": ABLATION_NAMES}
    specs = [x for spec in args.patterns for x in expand.get(spec, [spec])]
    resolved = []
    for spec in specs:  # (all before any training: a bad last one lost the runs before it)
        try:
            name, regexes = resolve(spec)
            for rx in regexes:
                compile_custom(rx)  # (a bad regex failed in the middle of the run)
            resolved.append((name, regexes))
        except Exception as e:  # noqa: BLE001 - any reason, said in one line
            ap.error(f"--patterns {spec}: {e}")
    if args.baseline not in [name for name, _ in resolved]:  # (the ratios were dropped silently)
        note = f"note: --baseline {args.baseline} is not among the patterns: no ratios"
        print(note, file=sys.stderr)
    if not args.train or not args.heldout:
        from tokenizer.corpus import default_corpus_paths

        args.train = args.train or [str(p) for p in default_corpus_paths(split="train")]
        args.heldout = args.heldout or [str(p) for p in default_corpus_paths(split="heldout")]

    train_docs, skipped_t = load_docs(args.train)
    train_docs = budget(train_docs, int(args.max_train_mb * 1e6))
    held_docs, skipped_h = load_docs(args.heldout)
    size = lambda ds: sum(len(t.encode("utf-8")) for _, t in ds)  # noqa: E731
    print(
        f"training: {len(train_docs)} docs, {size(train_docs):,} bytes; held-out: "
        f"{len(held_docs)} docs, {size(held_docs):,} bytes; NUL-skipped {skipped_t}+{skipped_h}; "
        f"vocab {args.vocab_size}",
        file=sys.stderr,
    )
    results: dict[str, dict[str, list[int]]] = {}
    for name, regexes in resolved:
        if args.check_hf:
            print(f"{name}: HF Split vs reference: {check_hf(held_docs, regexes)}", file=sys.stderr)
        t0 = time.perf_counter()
        tok = train(split_docs(train_docs, regexes), args.vocab_size)
        results[name] = measure(tok, held_docs, split_docs(held_docs, regexes))
        print(f"{name}: {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    base = args.baseline if args.baseline in results else None
    print(tables(results, base))
    return 0


if __name__ == "__main__":
    sys.exit(main())
