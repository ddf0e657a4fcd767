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
from typing import Any, NoReturn

from . import __version__
from .commands import COMMANDS
from .commands._common import ClosedStream, stdout_to_devnull

#: Exceptions that mean "the user asked for something that cannot be done": reported in one line.
USER_ERRORS: tuple[type[BaseException], ...] = (ValueError, KeyError, OSError, LookupError)


class _Parser(argparse.ArgumentParser):
    """argparse's parser with its errors in one line, as every other error of the command
    (``codebpe: error: ...``, exit status 2), naming the subcommand's help: they were its usage
    (several lines) then ``codebpe train: error: ...``. Subparsers are of this class too."""

    #: the subcommands' parsers by name (the top-level parser's)
    commands: dict[str, argparse.ArgumentParser]

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"codebpe: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every registered subcommand."""
    parser = _Parser(
        prog="codebpe",
        description="Code-aware byte-level BPE: train vocabularies, encode and decode, "
        "analyse compression, export to Hugging Face and tiktoken.",
    )
    parser.add_argument("--version", action="version", version=f"codebpe {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for _name, module, _help in COMMANDS:
        importlib.import_module(f"tokenizer.commands.{module}").register(sub)
    parser.commands = dict(sub.choices)
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
    args, extra = parser.parse_known_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        # A script that lost its subcommand must not "succeed": status 2, as argparse gives for
        # any other missing argument.
        print("codebpe: error: a COMMAND is required (codebpe --help lists them)", file=sys.stderr)
        return 2
    if extra:  # (parse_args said so for the top level: "see codebpe --help", not the command's)
        parser.commands[args.command].error(f"unrecognized arguments: {' '.join(extra)}")
    streams = sys.stdin, sys.stdout, sys.stderr
    _stand_in_for_closed_streams()
    sys.stderr = _BestEffort(sys.stderr)  # (progress and notes: the work goes on without them)
    if not isinstance(sys.stdout, ClosedStream):
        sys.stdout = _NamedStdout(sys.stdout)  # ("No space left on device": where?)
    try:
        with _sigterm_unwinds():
            status = int(func(args) or 0)
            _flush_stdout()  # (a full disk or a closed pipe is reported here, not at exit)
            return status
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
        stdout_to_devnull()
        return 141
    except USER_ERRORS as e:
        print(f"codebpe: error: {_message(e)}", file=sys.stderr)
        return 2
    finally:
        sys.stdin, sys.stdout, sys.stderr = streams


def _message(e: BaseException) -> str:
    """The one-line message of a user error: an OS error in words with its path
    ("out/x: Permission denied"), not "[Errno 13] Permission denied: 'out/x'"."""
    if isinstance(e, KeyError) and e.args:
        return str(e.args[0])
    if isinstance(e, OSError) and e.strerror:
        if e.filename is None:
            return e.strerror
        where = os.fsdecode(e.filename)
        if e.filename2 is not None:
            where += f" -> {os.fsdecode(e.filename2)}"
        return f"{where}: {e.strerror}"
    return str(e)


def _stand_in_for_closed_streams() -> None:
    """Standard streams closed when the process started (``>&-``, ``<&-``, ``2>&-``): Python has
    None for them, and the next file opened would get their descriptor (so a stray write to
    fd 1 would land in an output file). Each closed descriptor is given /dev/null; stdin and
    stdout become :class:`~tokenizer.commands._common.ClosedStream`, an error when used (one
    line, status 2), and stderr /dev/null (messages are best effort)."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            with contextlib.suppress(OSError):
                null = os.open(os.devnull, os.O_RDWR)
                if null != fd:
                    os.dup2(null, fd)
                    os.close(null)
    if sys.stdin is None:
        sys.stdin = ClosedStream("input")  # type: ignore[assignment]
    if sys.stdout is None:
        sys.stdout = ClosedStream("output")  # type: ignore[assignment]
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - for the rest of the process


def _flush_stdout() -> None:
    """Flush what the command left buffered on stdout, so that a write error (a full disk) is
    the command's error, reported in one line, not an "Exception ignored" at exit."""
    if sys.stdout is None or isinstance(sys.stdout, ClosedStream):
        return
    if not isinstance(sys.stdout, _NamedStdout):  # (main wraps it; a caller may have replaced it)
        sys.stdout = _NamedStdout(sys.stdout)
    sys.stdout.flush()  # (_NamedStdout: the error names stdout, and the rest goes to /dev/null)


class _NamedStdout:
    """``sys.stdout`` (and its ``buffer``) whose write errors say that standard output failed:
    ``codebpe encode big.txt > /dev/full`` said only "No space left on device", the error an
    output file gives too. A closed pipe stays a ``BrokenPipeError`` (quiet, status 141)."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def _call(self, method: str, *args: Any) -> Any:
        try:
            return getattr(self._stream, method)(*args)
        except BrokenPipeError:
            raise
        except OSError as e:
            stdout_to_devnull()  # (what stays buffered would fail again at exit)
            raise OSError(e.errno, f"cannot write to standard output: {e.strerror}") from e

    def write(self, data: Any) -> Any:
        return self._call("write", data)

    def writelines(self, lines: Any) -> None:
        self._call("writelines", lines)

    def flush(self) -> None:
        self._call("flush")

    @property
    def buffer(self) -> Any:
        return _NamedStdout(self._stream.buffer)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


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
