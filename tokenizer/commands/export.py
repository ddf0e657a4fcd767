"""``codebpe export``: write a vocabulary as Hugging Face ``tokenizer.json`` or tiktoken files.

Stage: interface over ``tokenizer.export``. Reads a codebpe vocabulary file; writes
``--format hf`` (a folder with ``tokenizer.json``, ``tokenizer_config.json`` and
``special_tokens_map.json``, or just the file when ``-o`` ends in ``.json``) or ``--format
tiktoken`` (``OUT`` ranks file plus ``OUT.json`` sidecar with the pattern and special tokens).
"""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "export",
        help="export a vocabulary to Hugging Face tokenizer.json or tiktoken",
        description="Export a codebpe vocabulary file; the exported tokenizer gives the same ids.",
    )
    p.add_argument("--tokenizer", required=True, metavar="FILE", help="codebpe vocabulary file")
    p.add_argument("--format", required=True, choices=["hf", "tiktoken"], help="output format")
    p.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUT",
        help="hf: a folder (or a .json file); tiktoken: the .tiktoken file (sidecar OUT.json)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..export import save_hf, save_tiktoken, sidecar_path
    from ..vocab import Vocabulary

    vocab = Vocabulary.load(args.tokenizer)
    if args.format == "hf":
        path = save_hf(vocab, args.output)
        print(f"wrote {path} ({vocab.n_vocab} ids)")
    else:
        path = save_tiktoken(vocab, args.output)
        print(f"wrote {path} and {sidecar_path(path)} ({vocab.n_vocab} ids)")
    return 0
