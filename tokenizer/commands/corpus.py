"""``codebpe corpus``: read training inputs and print what they hold (bytes per language, skips)."""

from __future__ import annotations

import argparse

from .train import INPUTS_HELP, add_corpus_options


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "corpus",
        help="summarise a corpus (default: the shipped sample): documents and bytes per language",
        description="Read the inputs as the trainer would and print documents and bytes per\n"
        "language and source, and what was skipped.\n\n"
        + INPUTS_HELP
        + "\nWith no INPUTS: the shipped corpora/ sample (--split).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--split",
        choices=("train", "heldout", "all"),
        default="train",
        help="which part of the shipped sample, when no inputs are given (default: train)",
    )
    p.add_argument("--max-bytes", default=None, help="stop after this many bytes (e.g. 500M)")
    add_corpus_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..corpus import default_corpus_paths, describe
    from ._common import require_stdout

    require_stdout()
    inputs = args.inputs or [str(p) for p in default_corpus_paths(split=args.split)]
    summary = describe(
        inputs,
        text_field=args.text_field,
        lang_field=args.lang_field or None,
        max_bytes=args.max_bytes,
        include=args.include,
        exclude=args.exclude,
    )
    print(summary, end="")
    return 0
