"""``codebpe corpus``: read training inputs and print what they hold (bytes per language, skips)."""

from __future__ import annotations

import argparse

from .train import HelpFormatter, add_corpus_options, inputs_help, paragraph


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "corpus",
        help="summarise a corpus (default: the shipped sample): documents and bytes per language",
        description=paragraph(
            "Read the inputs as codebpe train would and print, on standard output, documents "
            "and bytes per language and per source, then what was left out, worded as in "
            "train's summary. Nothing is trained or written."
        )
        + "\n\n"
        + inputs_help("corpus")
        + "\nWith no INPUTS: the shipped corpora/ sample (--split).",
        epilog="examples:\n"
        "  codebpe corpus --split all             # the whole shipped sample\n"
        "  codebpe corpus src/ --exclude node_modules\n"
        "  codebpe corpus 'data/*.jsonl.gz' --text-field content --max-bytes 100M",
        formatter_class=HelpFormatter,
    )
    inputs = add_corpus_options(p)
    inputs.add_argument(
        "--split",
        choices=("train", "heldout", "all"),
        default="train",
        help="which part of the shipped sample, when no INPUTS are given (default: train)",
    )
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
