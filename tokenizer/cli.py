"""The ``codebpe`` command line (also ``python -m tokenizer``).

Stage: interface. It parses arguments and dispatches to one module per subcommand in
``tokenizer/commands/``; no tokenizer logic lives here. Errors that users can cause (bad paths,
bad options, malformed files) become a one-line ``codebpe: error: ...`` message and exit status 2;
a Ctrl-C exits 130, a SIGTERM 143 and a closed output pipe (``| head``) 141 quietly, all after
the ``with`` blocks that write output files have removed their temporary files.

>>> main(["--version"])  # doctest: +SKIP
codebpe 0.1.0
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from typing import Any

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


class Terminated(BaseException):
    """SIGTERM arrived (``kill``, a job scheduler): unwinds like Ctrl-C, leaving no partial file."""


@contextlib.contextmanager
def _sigterm_unwinds() -> Iterator[None]:
    """While the command runs, SIGTERM raises :class:`Terminated` (Python's default would kill the
    process at once and leave an atomic writer's temporary file behind)."""
    if threading.current_thread() is not threading.main_thread():
        yield  # (signal handlers can only be set from the main thread)
        return

    def handler(signum: int, frame: object) -> None:
        raise Terminated

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 0
    err = sys.stderr
    sys.stderr = _BestEffort(err)  # (progress and notes: the work goes on if they cannot go out)
    try:
        with _sigterm_unwinds():
            return int(func(args) or 0)
    except KeyboardInterrupt:
        print("codebpe: interrupted", file=sys.stderr)
        return 130
    except Terminated:
        print("codebpe: terminated", file=sys.stderr)
        return 143
    except BrokenPipeError:
        # The reader went away (``| head``): quiet, with the status of a process that SIGPIPE
        # ended, as git and coreutils give; stdout goes to /dev/null so that the final flush at
        # exit does not raise again.
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except USER_ERRORS as e:
        msg = e.args[0] if isinstance(e, KeyError) and e.args else e
        print(f"codebpe: error: {msg}", file=sys.stderr)
        return 2
    finally:
        sys.stderr = err


class _BestEffort:
    """A text stream whose failed writes are dropped: ``codebpe train 2>/dev/full`` stopped at
    its first progress line and wrote no vocabulary. Everything else is the stream's."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except (OSError, ValueError, AttributeError):  # a closed stream; None with 2>&-
            return len(text)

    def flush(self) -> None:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            self._stream.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


if __name__ == "__main__":
    raise SystemExit(main())
