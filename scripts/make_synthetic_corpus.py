#!/usr/bin/env python3
"""Build a large JSON Lines corpus offline from the shipped sample, for speed and memory benchmarks.

The shipped ``corpora/`` sample is 12.6 MB; the real large corpus (``build_corpora.py --large``)
needs the network. This writes the sample's training documents over and over until the target
size, and in every copy after the first it appends a random three-character suffix to a share of
the words (three Latin letters, or three CJK ideographs after a word with one), so that the
corpus keeps gaining unique pieces as it grows, as real text does (a plain repetition would
have the sample's 111 k unique pieces whatever its size). Deterministic: the same arguments give
the same bytes.

It is not text to measure compression on (the suffixes are noise a vocabulary should not
learn); it is the input for ``bench_train.py`` and ``codebpe train --max-memory`` measurements
that docs/training.md reports.

Usage::

    python scripts/make_synthetic_corpus.py /tmp/syn/mixed.jsonl --mb 84
    python scripts/make_synthetic_corpus.py /tmp/syn/zh.jsonl --recipe zh --mb 60
    python scripts/bench_train.py /tmp/syn/mixed.jsonl
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import os
import random
import re
import sys
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# How many times each language's documents appear in one copy of the corpus.
RECIPES = {
    "mixed": {"code": 1, "en": 1, "zh": 1},
    "code": {"code": 1},
    "zh": {"zh": 4, "en": 1},
}
_HAN = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]
_LATIN = "abcdefghijklmnopqrstuvwxyz"
_WORD = re.compile(r"\w+")


def load(lang: str, corpora: Path) -> list[dict]:
    path = corpora / f"{lang}.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def vary(text: str, rng: random.Random, rate: float) -> str:
    """``text`` with a random suffix on about ``rate`` of its words."""

    def sub(m: re.Match) -> str:
        w = m.group(0)
        if rng.random() >= rate:
            return w
        pool = _HAN if any("\u4e00" <= c <= "\u9fff" for c in w) else _LATIN
        return w + "".join(rng.choice(pool) for _ in range(3))

    return _WORD.sub(sub, text)


def _copies(docs: dict[str, list[dict]], recipe: str) -> Iterator[tuple[int, dict]]:
    """(copy number, document) over and over: each copy is the recipe's documents in order."""
    for copy in itertools.count():
        for lang, times in RECIPES[recipe].items():
            for _ in range(times):
                for d in docs[lang]:
                    yield copy, d


def build(out: Path, recipe: str, mb: float, rate: float, seed: str, corpora: Path) -> int:
    """Write the corpus to ``out`` atomically; returns its size in bytes."""
    rng = random.Random(f"{seed}:{recipe}:{rate}")
    docs = {lang: load(lang, corpora) for lang in RECIPES[recipe]}
    target = int(mb * 1e6)
    size = 0
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        for copy, d in _copies(docs, recipe):
            rec = dict(d)
            if copy:
                rec["text"] = vary(d["text"], rng, rate)
            line = json.dumps(rec, ensure_ascii=False) + "\n"
            f.write(line)
            size += len(line.encode("utf-8"))
            if size >= target:
                break
    os.replace(tmp, out)
    return size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="output .jsonl file")
    parser.add_argument("--recipe", choices=sorted(RECIPES), default="mixed")
    parser.add_argument("--mb", type=float, default=84.0, help="size in MB (default 84)")
    parser.add_argument(
        "--suffix-rate", type=float, default=0.15, help="share of words with a suffix (0.15)"
    )
    parser.add_argument("--seed", default="codebpe-synthetic-v1")
    parser.add_argument("--corpora", type=Path, default=REPO / "corpora", help="the shipped sample")
    args = parser.parse_args(argv)
    if args.mb <= 0:
        parser.error("--mb must be positive")
    if not 0 <= args.suffix_rate <= 1:
        parser.error("--suffix-rate must be between 0 and 1")
    try:
        size = build(args.out, args.recipe, args.mb, args.suffix_rate, args.seed, args.corpora)
    except OSError as e:
        print(f"make_synthetic_corpus: {e}", file=sys.stderr)
        return 1
    print(f"{args.out}: {size / 1e6:.1f} MB ({args.recipe})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
