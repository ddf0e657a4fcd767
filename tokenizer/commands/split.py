"""``codebpe split``: print the pre-tokenizer's pieces of a file (or stdin), one per line.

Stage: interface (pre-tokenization). Shows how a pattern cuts text; it does not encode.
"""

from __future__ import annotations

import argparse
import sys

from ..patterns import DEFAULT_PATTERN


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "split",
        help="print the pre-tokenizer's pieces of a file",
        description="Split FILE (default: stdin) with a built-in pattern (C++ matcher) or any "
        "regex, and print the pieces: one Python repr per line, or joined with --sep.",
    )
    p.add_argument("file", nargs="?", default="-", help="input file; '-' or absent for stdin")
    p.add_argument(
        "--pattern",
        default=DEFAULT_PATTERN,
        help=f"built-in name (default {DEFAULT_PATTERN}) or regex text",
    )
    p.add_argument("--sep", default=None, help="print the pieces joined by SEP instead of reprs")
    p.add_argument("--count", action="store_true", help="print only the number of pieces")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..pretokenize import Splitter

    splitter = Splitter(args.pattern)
    if args.file == "-":
        data = sys.stdin.buffer.read()
    else:
        with open(args.file, "rb") as f:
            data = f.read()
    try:
        text: str | bytes = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data  # not UTF-8: split the bytes losslessly, print bytes reprs
    pieces = splitter.split(text)
    out = sys.stdout
    if args.count:
        print(len(pieces), file=out)
    elif args.sep is not None:
        strs = [p if isinstance(p, str) else p.decode("utf-8", "backslashreplace") for p in pieces]
        print(args.sep.join(strs), file=out)
    else:
        out.writelines(f"{p!r}\n" for p in pieces)
    return 0
