"""The ``codebpe`` command line (also ``python -m tokenizer``).

Stage: interface. It parses arguments and dispatches to one module per subcommand in
``tokenizer/commands/``; no tokenizer logic lives here. Errors that users can cause (bad paths,
bad options, malformed files) become a one-line ``codebpe: error: ...`` message and exit status 2;
a Ctrl-C exits 130.

>>> main(["--version"])  # doctest: +SKIP
codebpe 0.1.0
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from . import __version__
from .commands import COMMANDS

#: Exceptions that mean "the user asked for something that cannot be done": reported in one line.
USER_ERRORS: tuple[type[BaseException], ...] = (ValueError, KeyError, OSError, LookupError)


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every registered subcommand."""
    parser = argparse.ArgumentParser(
        prog="codebpe",
        description="Code-aware byte-level BPE: train vocabularies, encode and decode, "
        "analyse compression, export to Hugging Face and tiktoken.",
    )
    parser.add_argument("--version", action="version", version=f"codebpe {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for _name, module, _help in COMMANDS:
        importlib.import_module(f"tokenizer.commands.{module}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 0
    try:
        return int(func(args) or 0)
    except KeyboardInterrupt:
        print("codebpe: interrupted", file=sys.stderr)
        return 130
    except USER_ERRORS as e:
        msg = e.args[0] if isinstance(e, KeyError) and e.args else e
        print(f"codebpe: error: {msg}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
