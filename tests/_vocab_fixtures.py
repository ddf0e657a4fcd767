"""Small trained vocabularies for export tests, built with the pure-Python reference trainer.

The layout follows the design: 256 bytes, reserved indentation tokens (runs of 2..16 spaces and
2..8 tabs) as forced merges, learned merges, special tokens at the top (end of text, FIM, pad and a
block of spare reserved ids). Replace with ``tokenizer.train.train`` once it lands; the tests only
need a ``Vocabulary``.
"""

from __future__ import annotations

import gzip
import json
from functools import cache
from pathlib import Path

from tokenizer._reference import train_bpe
from tokenizer.patterns import DEFAULT_SPECIAL_TOKENS
from tokenizer.vocab import Vocabulary

ROOT = Path(__file__).resolve().parent.parent
RESERVED: tuple[bytes, ...] = tuple(b" " * n for n in range(2, 17)) + tuple(
    b"\t" * n for n in range(2, 9)
)
SPECIALS: tuple[str, ...] = DEFAULT_SPECIAL_TOKENS + tuple(f"<|reserved_{i}|>" for i in range(3))
BUILTIN_PATTERNS = (
    "gpt2",
    "cl100k",
    "o200k",
    "qwen2",
    "llama3",
    "codebpe-v1",
    "deepseek-v3",
    "deepseek-coder",
)


def make_vocab(
    texts: tuple[str, ...], *, pattern: str, vocab_size: int, specials: tuple[str, ...] = SPECIALS
) -> Vocabulary:
    """Train with the reference trainer and lay the result out as a codebpe vocabulary."""
    merges, tokens = train_bpe(
        list(texts), vocab_size=vocab_size, pattern=pattern, reserved=RESERVED
    )
    n_reserved = 0  # forced merges come first, right after the bytes
    while 256 + n_reserved < len(tokens) and tokens[256 + n_reserved] in RESERVED:
        n_reserved += 1
    return Vocabulary(
        tokens=tokens,
        pattern=pattern,
        merges=merges,
        special_tokens={s: len(tokens) + k for k, s in enumerate(specials)},
        reserved_ids=(256, 256 + n_reserved),
    )


def corpus_files(*, heldout_only: bool = False) -> list[Path]:
    """The shipped corpus files (``corpora/**/*.jsonl.gz``), empty when the corpus is absent."""
    files = sorted((ROOT / "corpora").glob("**/*.jsonl.gz"))
    return [f for f in files if f.parent.name == "heldout"] if heldout_only else files


def corpus_texts(limit_bytes: int | None = None, *, heldout_only: bool = False) -> list[str]:
    """Documents of the shipped corpus in file order, up to about ``limit_bytes`` of text."""
    out: list[str] = []
    total = 0
    for path in corpus_files(heldout_only=heldout_only):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                text = json.loads(line)["text"]
                out.append(text)
                total += len(text)
                if limit_bytes is not None and total >= limit_bytes:
                    return out
    return out


@cache
def corpus_sample(n_docs_per_file: int = 3, max_chars: int = 4000) -> tuple[str, ...]:
    """A few documents from each corpus file, each cut to ``max_chars`` (for the slow oracle)."""
    out: list[str] = []
    for path in corpus_files():
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for _, line in zip(range(n_docs_per_file), f):
                out.append(json.loads(line)["text"][:max_chars])
    return tuple(out)


def train_hf_bytelevel(
    texts: list[str], *, vocab_size: int, ignore_merges: bool = False, decoder: bool = False
):
    """A GPT-2-style byte-level BPE ``tokenizers.Tokenizer`` trained on ``texts`` (special token
    ``<|endoftext|>``): the reference for tokenizer.json parity tests."""
    import tokenizers
    from tokenizers import decoders, models, pre_tokenizers, trainers

    hf = tokenizers.Tokenizer(models.BPE(ignore_merges=ignore_merges))
    hf.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    if decoder:
        hf.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        special_tokens=["<|endoftext|>"],
        show_progress=False,
    )
    hf.train_from_iterator(texts, trainer)
    return hf
