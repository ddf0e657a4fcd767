"""CLI subcommands, one module each; every module defines ``register(subparsers)``.

``register`` adds an ``argparse`` subparser and sets ``func(args) -> int`` on it. Modules are
imported lazily by ``tokenizer.cli`` so that ``codebpe --help`` stays fast.
"""

from __future__ import annotations

#: (command name, module under tokenizer.commands, one-line help). Order is the help order.
COMMANDS: list[tuple[str, str, str]] = [
    ("train", "train", "train a BPE vocabulary (default: on the shipped corpora/ sample)"),
    ("encode", "encode", "encode text to token ids (text or .npy)"),
    ("decode", "encode", "decode token ids (text or .npy) to text"),
    ("split", "split", "print the pre-tokenizer's pieces of a file"),
    ("corpus", "corpus", "summarise a corpus"),
    ("report", "report", "compare tokenizers' tokens per line by language (HTML/JSON, plots)"),
    ("export", "export", "export a vocabulary to Hugging Face tokenizer.json or tiktoken"),
    ("bench", "bench", "time encoding on your text against tiktoken / HF tokenizers"),
]
