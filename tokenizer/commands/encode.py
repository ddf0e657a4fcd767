"""``codebpe encode`` and ``codebpe decode``: text <-> token ids from the command line.

Stage: interface (CLI) over ``tokenizer.encoding``. ``encode`` reads a file or stdin (bytes, so any
input round-trips) and writes ids as whitespace-separated text or a ``.npy`` array; ``decode``
reads ids as text or ``.npy`` and writes the decoded bytes. Both stream: input of any size is
read, converted and written a block at a time (``Tokenizer.encode_stream`` cuts the text where
the ids cannot change), so memory stays bounded. No tokenizer logic lives here.

>>> from tokenizer.cli import main
>>> main(["encode", "-", "--tokenizer", "cl100k_base"])  # doctest: +SKIP
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import stat
import struct
import sys
from typing import Any

from ._common import (
    check_output_name,
    check_sidecar_pattern,
    refuse_overwrite,
    refuse_stdout_input,
    require_stdout,
)

__all__ = ["register"]


def _open_input(path: str) -> Any:
    """A binary file object for ``path`` (``-``: stdin, not closed by the caller's ``with``)."""
    if path == "-":
        return contextlib.nullcontext(sys.stdin.buffer)
    return open(path, "rb")  # noqa: SIM115 - returned to a with statement


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def _tokenizer(args: argparse.Namespace, *, decoding: bool = False) -> Any:
    from ..encoding import load_tokenizer

    tiktoken_file = args.tokenizer.endswith((".tiktoken", ".tiktoken.gz"))
    pattern = args.pattern
    check_sidecar_pattern(args.tokenizer, pattern)
    if pattern is None:
        if not (decoding and tiktoken_file):
            return load_tokenizer(args.tokenizer)
        pattern = "gpt2"  # decoding never splits, so any pattern gives the same bytes
    return load_tokenizer(args.tokenizer, pattern=pattern)


def run_encode(args: argparse.Namespace) -> int:
    """Encode a file (or stdin) and print ids or write a .npy file, in bounded memory: the input
    is read in blocks and cut at piece boundaries (``Tokenizer.encode_stream``), and each
    block's ids are written before the next is read."""
    from .._encoding_special import id_dtype

    if args.numpy is not None:
        check_output_name(args.numpy, "--numpy", stdout=True)
    if args.numpy in (None, "-"):
        require_stdout()  # (before the work: the ids would have nowhere to go)
        if not args.count:
            refuse_stdout_input([("the input", args.input)])
        if args.numpy == "-" and _isatty(sys.stdout):  # (as gzip: binary is no terminal's)
            raise ValueError(
                "--numpy -: standard output is a terminal; redirect it to a file or a pipe"
            )
    tok = _tokenizer(args)
    if args.numpy not in (None, "-") and args.input != "-":
        refuse_overwrite([("--numpy", args.numpy)], [("the input", args.input)])
    allowed = "all" if args.allow_special else ()
    with _open_input(args.input) as f:
        size = _size_of(f)
        progress = _progress(size)

        def blocks() -> Any:
            for ids in tok.encode_stream(f, allowed_special=allowed, num_threads=args.threads):
                if size:
                    progress.update(f.tell())
                yield ids

        if args.count:
            n = sum(len(ids) for ids in blocks())
            progress.close()
            print(n)
        elif args.numpy:
            n = _write_npy(args.numpy, blocks(), id_dtype(tok.n_vocab))
            progress.close()
            where = "<stdout>" if args.numpy == "-" else args.numpy
            print(f"{n} tokens -> {where}", file=sys.stderr)
        else:
            out = sys.stdout
            sep = ""
            for ids in blocks():
                for i in range(0, len(ids), 1 << 16):  # (a list of str per 64 Ki ids at most)
                    out.write(sep + " ".join(map(str, ids[i : i + (1 << 16)].tolist())))
                    sep = " "
            out.write("\n")
            out.flush()
            progress.close()
    return 0


def _size_of(f: Any) -> int:
    """The size of a regular file (0 for a pipe or a terminal: no total to show)."""
    try:
        st = os.fstat(f.fileno())
    except (OSError, AttributeError, io.UnsupportedOperation):
        return 0
    return st.st_size if stat.S_ISREG(st.st_mode) else 0


def _progress(total: int) -> Any:
    """A progress line on stderr for inputs of 64 MB or more, when stderr is a terminal."""
    from .._progress import Progress

    show = total >= 64_000_000 and sys.stderr.isatty()
    return Progress("encode", total=total or None, unit="B", enabled=show)


def _write_npy(path: str, blocks: Any, dtype: Any) -> int:
    """Write the concatenated id blocks as a 1-D ``.npy`` file, atomically, block by block: the
    header is written with room for any length and rewritten with the real one at the end.
    ``-`` is standard output: the array is built in a temporary file (the header needs the
    length, and a pipe cannot seek back), then copied, so stdout gets a whole array or nothing."""
    import numpy as np

    from ..vocab import atomic_writer

    dtype = np.dtype(dtype)
    if path == "-":
        import shutil
        import tempfile

        with tempfile.TemporaryFile() as f:
            n = _fill_npy(f, blocks, dtype)
            f.seek(0)
            sys.stdout.flush()
            shutil.copyfileobj(f, sys.stdout.buffer, 1 << 20)
            sys.stdout.buffer.flush()
        return n
    with atomic_writer(path) as f:
        return _fill_npy(f, blocks, dtype)


def _fill_npy(f: Any, blocks: Any, dtype: Any) -> int:
    """Write the ``.npy`` array of ``blocks`` to the seekable binary file ``f``; its length."""
    import numpy as np

    f.write(_npy_header(dtype, 10**18))
    n = 0
    for ids in blocks:
        f.write(np.ascontiguousarray(ids, dtype=dtype).tobytes())
        n += len(ids)
    f.seek(0)
    f.write(_npy_header(dtype, n))
    return n


def _npy_header(dtype: Any, n: int) -> bytes:
    """A version 1.0 ``.npy`` header for ``n`` ids, always as long as the one for 10**18 (the
    format pads the header with spaces to a multiple of 64 bytes)."""

    def fields(k: int) -> str:
        return f"{{'descr': {dtype.str!r}, 'fortran_order': False, 'shape': ({k},), }}"

    total = (10 + len(fields(10**18)) + 1 + 63) // 64 * 64  # magic, version, length: 10 bytes
    header = fields(n).ljust(total - 10 - 1) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin-1")


_ID_BLOCK = 1 << 20  # ids (.npy) or bytes of text decoded per step


def _id_blocks(f: Any, name: str) -> Any:
    """Blocks of ids from a ``.npy`` file or whitespace-separated text, read a block at a time."""
    head = f.read(6)
    if head == b"\x93NUMPY":
        yield from _npy_blocks(f, name)
        return
    offset = 0  # of buf in the input, for the errors
    if head.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte order mark (Windows editors)
        head, offset = head[3:], 3
    name = "standard input" if name == "-" else name
    carry = head
    while True:
        data = f.read(_ID_BLOCK)
        buf = carry + data
        if data:
            # Up to the last whitespace: a number cut by the block end waits for the rest.
            i = max(buf.rfind(c) for c in (b" ", b"\t", b"\n", b"\r", b"\x0b", b"\x0c")) + 1
            buf, carry = buf[:i], buf[i:]
        ids = _parse_ids(buf, name, offset)
        offset += len(buf)
        if len(ids):
            yield ids
        if not data:
            return


def _parse_ids(buf: bytes, name: str, offset: int = 0) -> Any:
    """The ids in ``buf`` (at ``offset`` in the input): a NumPy array from one C parse when it
    holds only digits and whitespace (~6x faster than ``int()`` per token), else a list of ints
    (or the error, naming the first bad word and where it is)."""
    import re

    import numpy as np

    # Plain decimal integers only: int() alone would also take "1_000" or "+5".
    stray = buf.translate(None, b"0123456789- \t\n\r\x0b\x0c")
    if not stray and b"-" not in buf and buf.strip():
        ids = np.fromstring(buf, dtype=np.int64, sep=" ")  # (sep=" ": any whitespace)
        if ids.max() < np.iinfo(np.int64).max:  # (a larger number saturates: parse it below)
            return ids
    words = buf.split()
    if not stray and all(len(w) <= 40 for w in words):  # (int() of 4,300 digits and more
        try:  # raises, naming sys.set_int_max_str_digits; no id has 40)
            return [int(t) for t in words]
        except ValueError:
            pass
    for m in re.finditer(rb"\S+", buf):
        word = m.group()
        if re.fullmatch(rb"-?[0-9]{1,40}", word):
            continue
        where = f"{name}: at byte {offset + m.start():,}"
        if re.fullmatch(rb"-?[0-9]+", word):
            raise ValueError(f"{where}: a number of {len(word):,} digits is no token id")
        shown = word[:20] + (b"..." if len(word) > 20 else b"")
        raise ValueError(f"{where}: ids must be whitespace-separated integers, not {shown!r}")
    raise AssertionError("unreachable: some word did not parse")  # pragma: no cover


def _npy_blocks(f: Any, name: str) -> Any:
    """The ids of a 1-D integer ``.npy`` array whose magic string has been read, in blocks."""
    import tokenize

    import numpy as np
    from numpy.lib import format as npy

    try:
        version = (f.read(1)[0], f.read(1)[0])
        header = npy.read_array_header_1_0 if version == (1, 0) else npy.read_array_header_2_0
        shape, fortran, dtype = header(f)
    except (ValueError, IndexError, EOFError, OSError, SyntaxError, tokenize.TokenError) as e:
        # truncated or bad (numpy re-reads a header it cannot parse with tokenize, whose error
        # for unbalanced brackets is a TokenError)
        raise ValueError(f"{name}: not a readable .npy file ({e})") from e
    if dtype.kind not in "iu":
        raise ValueError(f"{name}: expected an integer array, got {dtype}")
    if len(shape) != 1:  # e.g. a padded (batch, length) array: rows would run together
        raise ValueError(f"{name}: expected a 1-D array of ids, got shape {shape}")
    if shape[0] < 0:  # (numpy reads the header's shape as written: -1 read the rest as ids)
        raise ValueError(f"{name}: not a readable .npy file (negative length {shape[0]})")
    left = shape[0]
    size = _size_of(f)  # a regular file: a short one is refused before anything is written
    if size and size - f.tell() < left * dtype.itemsize:
        got = (size - f.tell()) // dtype.itemsize
        raise ValueError(f"{name}: not a readable .npy file (truncated: {got} of {left} ids)")
    while left:
        want = min(left, _ID_BLOCK)
        data = f.read(want * dtype.itemsize)
        if len(data) < want * dtype.itemsize:
            got = shape[0] - left + len(data) // dtype.itemsize
            raise ValueError(
                f"{name}: not a readable .npy file (truncated: {got} of {shape[0]} ids)"
            )
        left -= want
        yield np.frombuffer(data, dtype=dtype)


def run_decode(args: argparse.Namespace) -> int:
    """Decode ids (text or .npy) and write the bytes to stdout, a block of ids at a time."""
    require_stdout()
    refuse_stdout_input([("the input", args.input)])
    tok = _tokenizer(args, decoding=True)
    out = sys.stdout.buffer
    with _open_input(args.input) as f:
        for ids in _id_blocks(f, args.input):
            try:
                out.write(tok.decode_bytes(ids))
            except IndexError as e:
                raise ValueError(_bad_id_message(tok, ids, args.tokenizer) or str(e)) from e
    out.flush()
    return 0


def _bad_id_message(tok: Any, ids: Any, spec: str) -> str | None:
    """What is wrong with the first id of ``ids`` that does not decode: outside the ids, or an
    unused id inside them (one that no token has: a gap in tiktoken's ranks, the ids between a
    vocabulary's last token and its special tokens, which ``train --allow-unused`` leaves)."""
    for i in ids.tolist() if hasattr(ids, "tolist") else ids:
        if not 0 <= i < tok.n_vocab:
            return f"token id {i} is not in the vocabulary of {spec} (ids 0..{tok.n_vocab - 1})"
        try:
            tok.decode_single_token_bytes(i)
        except (IndexError, KeyError):
            return (
                f"token id {i} is an unused id of {spec}: no token has it (it is below n_vocab "
                f"{tok.n_vocab}, but the vocabulary leaves it empty), so it never comes from "
                "encoding"
            )
    return None


def _add_tokenizer_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--tokenizer",
        "-t",
        required=True,
        metavar="SPEC",
        help="vocabulary file, tiktoken name/file, tokenizer.json, or a short name",
    )
    parser.add_argument(
        "--pattern",
        metavar="NAME",
        help="split pattern of a .tiktoken file without a codebpe sidecar (e.g. cl100k); with "
        "a sidecar, only the pattern it records",
    )


def _default_threads() -> int:
    from .._train_system import default_threads

    return min(default_threads(), 8)


def _positive_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return n


def register(subparsers: Any) -> None:
    """Add the ``encode`` and ``decode`` subcommands (once, though COMMANDS lists both)."""
    if "encode" in subparsers.choices:
        return
    enc = subparsers.add_parser(
        "encode",
        help="encode text to token ids",
        description="Encode a file or stdin to token ids: whitespace-separated text, a .npy array "
        "(--numpy) or a count (--count). It streams, 4 MiB at a time, in bounded memory.",
    )
    enc.add_argument("input", nargs="?", default="-", help="input file, or - for stdin (default)")
    _add_tokenizer_options(enc)
    out = enc.add_mutually_exclusive_group()
    out.add_argument(
        "--numpy",
        metavar="OUT.npy",
        help="write the ids as a .npy array to this file (- for stdout) instead of as text",
    )
    out.add_argument(
        "--count", action="store_true", help="print only the number of tokens (no ids)"
    )
    enc.add_argument(
        "--allow-special",
        action="store_true",
        help="encode special tokens in the text as their ids (default: plain text)",
    )
    enc.add_argument(
        "--threads",
        type=_positive_int,
        default=_default_threads(),
        metavar="N",
        help="4 MiB blocks encoded at once (default: the CPUs this process may use, at most 8)",
    )
    enc.set_defaults(func=run_encode)
    dec = subparsers.add_parser(
        "decode",
        help="decode token ids to text",
        description="Decode token ids (whitespace-separated text or a .npy array, from a file or "
        "stdin) back to text on stdout; bytes that are not UTF-8 are written as they are.",
    )
    dec.add_argument(
        "input", nargs="?", default="-", help="ids (whitespace-separated text or .npy), or -"
    )
    _add_tokenizer_options(dec)
    dec.set_defaults(func=run_decode)
