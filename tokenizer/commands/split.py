"""``codebpe split``: print the pre-tokenizer's pieces of a file (or stdin), one per line.

Stage: interface (pre-tokenization). Shows how a pattern cuts text; it does not encode. The input
is read a block at a time and cut only where the pattern puts a piece boundary that the text on
either side keeps on its own (the cutting of ``Tokenizer.encode_stream``), so the pieces are
those of the whole text and memory stays bounded whatever the input's size.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from typing import Any

from ..patterns import DEFAULT_PATTERN
from ._common import refuse_stdout_input, require_stdout


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "split",
        help="print the pre-tokenizer's pieces of a file",
        description="Split FILE (default: stdin) with a built-in pattern (C++ matcher) or any "
        "regex, and print the pieces: one Python repr per line (a bytes repr for a piece that "
        "is not UTF-8), or joined with --sep. The input is read in blocks, so any size splits "
        "in bounded memory (exactly as the whole text for the built-in patterns and for any "
        "regex that looks less than 64 KiB past a piece).",
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


#: Bytes read per step: a block's pieces are Python objects (~60 bytes each, a piece per ~4
#: bytes of text), so a quarter of encode_stream's 4 MiB keeps them to tens of MB.
_BLOCK = 1 << 20


class _SplitView:
    """What the stream cutting of ``tokenizer._encoding_stream`` reads of a tokenizer (its split
    and whether it normalizes), for a :class:`~tokenizer.pretokenize.Splitter`."""

    _nfc = False
    _in_gaps: frozenset[str] = frozenset()  # (no special tokens: none looked for)

    def __init__(self, splitter: Any) -> None:
        self.native_split = splitter.native
        self.pattern = argparse.Namespace(name=splitter.name)
        self._splitter = argparse.Namespace(split_bytes=splitter.split)


def stream_chunks(
    splitter: Any, read: Any, *, block_size: int | None = None, margin: int | None = None
) -> Iterator[tuple[bytes, int]]:
    """The bytes that ``read(n)`` gives, as chunks ``(bytes, lead)`` cut where ``splitter``'s
    pieces of each chunk are exactly the pieces of the whole text there, after the pieces of its
    first ``lead`` bytes (context, the end of the chunk before, split as on their own: left
    out); ``block_size``: bytes read per step,
    ``margin``: how far before the end of what was read a cut must be (defaults: 1 MiB, and
    the margin of ``Tokenizer.encode_stream``)."""
    from .. import _encoding_stream as stream

    view = _SplitView(splitter)
    margin = stream._MARGIN if margin is None else margin
    yield from stream._chunks(
        read,
        lambda buf, lead: stream._cut(view, buf, frozenset(), margin, lead),  # type: ignore[arg-type]
        _BLOCK if block_size is None else block_size,
    )


def stream_pieces(splitter: Any, read: Any, **kw: Any) -> Iterator[list[str | bytes]]:
    """The pieces of the stream, a chunk's list at a time: ``str`` where the chunk is UTF-8 (all
    of it, nearly always), else ``bytes`` for the pieces that are not UTF-8 (losslessly)."""
    for chunk, lead in stream_chunks(splitter, read, **kw):
        try:
            text, context = chunk.decode("utf-8"), chunk[:lead].decode("utf-8")
            yield splitter.split(text)[len(splitter.split(context)) :]
        except UnicodeDecodeError:
            pieces = splitter.split(chunk)[len(splitter.split(chunk[:lead])) :]
            yield [_text_or_bytes(p) for p in pieces]


def _text_or_bytes(piece: bytes) -> str | bytes:
    try:
        return piece.decode("utf-8")
    except UnicodeDecodeError:
        return piece


def run(args: argparse.Namespace) -> int:
    from ..pretokenize import Splitter

    require_stdout()
    if args.count and args.sep is not None:  # (--sep was ignored)
        raise ValueError("--sep and --count: --count prints only the number of pieces")
    if not args.count:
        refuse_stdout_input([("the input", args.file)])
    splitter = Splitter(args.pattern)
    if args.file == "-":
        _split(args, splitter, sys.stdin.buffer.read)
    else:
        with open(args.file, "rb") as f:
            _split(args, splitter, f.read)
    return 0


def _split(args: argparse.Namespace, splitter: Any, read: Any) -> None:
    out = sys.stdout
    if args.count:
        from .._split import piece_ends

        view = _SplitView(splitter)
        n = sum(
            len(piece_ends(view, c)) - len(piece_ends(view, c[:lead]))  # type: ignore[arg-type]
            for c, lead in stream_chunks(splitter, read)
        )
        print(n, file=out)
        return
    if args.sep is None:
        for pieces in stream_pieces(splitter, read):
            out.writelines(f"{p!r}\n" for p in pieces)
        return
    first = True
    for pieces in stream_pieces(splitter, read):
        if not pieces:
            continue
        strs = [p if isinstance(p, str) else p.decode("utf-8", "backslashreplace") for p in pieces]
        out.write(("" if first else args.sep) + args.sep.join(strs))
        first = False
    out.write("\n")
