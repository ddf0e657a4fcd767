"""CLI subcommands, one module each; every module defines ``register(subparsers)``.

``register`` adds an ``argparse`` subparser and sets ``func(args) -> int`` on it. Modules are
imported lazily by ``tokenizer.cli`` so that ``codebpe --help`` stays fast.
"""

from __future__ import annotations

#: (command name, module under tokenizer.commands, one-line help). Order is the help order.
COMMANDS: list[tuple[str, str, str]] = [
    ("train", "train", "train a BPE vocabulary (default: on the shipped corpora/ sample)"),
    ("split", "split", "print the pre-tokenizer's pieces of a file"),
]
