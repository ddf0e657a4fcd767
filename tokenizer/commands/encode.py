"""``codebpe encode`` and ``codebpe decode``: text <-> token ids from the command line.

Stage: interface (CLI) over ``tokenizer.encoding``. ``encode`` reads a file or stdin (bytes, so any
input round-trips) and writes ids as whitespace-separated text or a ``.npy`` array; ``decode``
reads ids as text or ``.npy`` and writes the decoded bytes. No tokenizer logic lives here.

>>> from tokenizer.cli import main
>>> main(["encode", "-", "--tokenizer", "cl100k_base"])  # doctest: +SKIP
"""

from __future__ import annotations

import argparse
import io
import sys
from typing import Any

__all__ = ["register"]


def _read_input(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    with open(path, "rb") as f:
        return f.read()


def _tokenizer(args: argparse.Namespace, *, decoding: bool = False) -> Any:
    from ..encoding import load_tokenizer

    tiktoken_file = args.tokenizer.endswith((".tiktoken", ".tiktoken.gz"))
    pattern = args.pattern
    if pattern is None:
        if not (decoding and tiktoken_file):
            return load_tokenizer(args.tokenizer)
        pattern = "gpt2"  # decoding never splits, so any pattern gives the same bytes
    if not tiktoken_file:
        raise ValueError("--pattern is only for .tiktoken files (the others record their pattern)")
    return load_tokenizer(args.tokenizer, pattern=pattern)


def run_encode(args: argparse.Namespace) -> int:
    """Encode a file (or stdin) and print ids or write a .npy file."""
    import numpy as np

    tok = _tokenizer(args)
    data = _read_input(args.input)
    if args.allow_special:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise ValueError(f"--allow-special needs UTF-8 input ({e})") from e
        ids: Any = tok.encode_to_numpy(text, allowed_special="all")
    else:
        ids = np.asarray(
            tok.encode_bytes(data), dtype=np.uint16 if tok.n_vocab <= 65536 else np.uint32
        )
    if args.numpy:
        from ..vocab import atomic_write

        buf = io.BytesIO()
        np.save(buf, ids)
        atomic_write(args.numpy, buf.getvalue())
        print(f"{len(ids)} tokens -> {args.numpy}", file=sys.stderr)
    else:
        sys.stdout.write(" ".join(map(str, ids.tolist())) + "\n")
    return 0


def _read_ids(path: str) -> list[int]:
    import numpy as np

    data = _read_input(path)
    if data[:6] == b"\x93NUMPY":
        try:
            arr = np.load(io.BytesIO(data), allow_pickle=False)
        except (ValueError, EOFError, OSError) as e:  # truncated, object arrays, bad header
            raise ValueError(f"{path}: not a readable .npy file ({e})") from e
        if arr.dtype.kind not in "iu":
            raise ValueError(f"{path}: expected an integer array, got {arr.dtype}")
        if arr.ndim != 1:  # e.g. a padded (batch, length) array: rows would run together
            raise ValueError(f"{path}: expected a 1-D array of ids, got shape {arr.shape}")
        return arr.tolist()
    # Plain decimal integers only: int() alone would also take "1_000" or "+5".
    stray = data.translate(None, b"0123456789- \t\n\r\x0b\x0c")
    try:
        if stray:
            raise ValueError(f"unexpected {stray[:1]!r}")
        return [int(t) for t in data.split()]
    except ValueError as e:
        raise ValueError(f"{path}: ids must be whitespace-separated integers ({e})") from e


def run_decode(args: argparse.Namespace) -> int:
    """Decode ids (text or .npy) and write the bytes to stdout."""
    tok = _tokenizer(args, decoding=True)
    ids = _read_ids(args.input)
    try:
        out = tok.decode_bytes(ids)
    except IndexError as e:
        raise ValueError(str(e)) from e
    sys.stdout.buffer.write(out)
    sys.stdout.flush()
    return 0


def _add_tokenizer_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--tokenizer",
        "-t",
        required=True,
        help="vocabulary file, tiktoken name/file, tokenizer.json, or a short name",
    )
    parser.add_argument(
        "--pattern",
        metavar="NAME",
        help="split pattern of a .tiktoken file for encode (e.g. cl100k; the file lacks it)",
    )


def register(subparsers: Any) -> None:
    """Add the ``encode`` and ``decode`` subcommands (once, though COMMANDS lists both)."""
    if "encode" in subparsers.choices:
        return
    enc = subparsers.add_parser("encode", help="encode text to token ids")
    enc.add_argument("input", nargs="?", default="-", help="input file, or - for stdin (default)")
    _add_tokenizer_options(enc)
    enc.add_argument(
        "--numpy", metavar="OUT.npy", help="write the ids to a .npy file instead of stdout"
    )
    enc.add_argument(
        "--allow-special",
        action="store_true",
        help="encode special tokens in the text as their ids (default: plain text)",
    )
    enc.set_defaults(func=run_encode)
    dec = subparsers.add_parser("decode", help="decode token ids to text")
    dec.add_argument(
        "input", nargs="?", default="-", help="ids (whitespace-separated text or .npy), or -"
    )
    _add_tokenizer_options(dec)
    dec.set_defaults(func=run_decode)
