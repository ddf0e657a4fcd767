"""``codebpe export``: write a vocabulary as Hugging Face ``tokenizer.json`` or tiktoken files.

Stage: interface over ``tokenizer.export``. Reads a codebpe vocabulary file, or a tiktoken
name or file (exported with tiktoken's own ids); writes ``--format hf`` (a folder with
``tokenizer.json``, ``tokenizer_config.json`` -- merged into an existing one -- and
``special_tokens_map.json``, or just the file when ``-o`` ends in ``.json``; ``--eos-token``,
``--bos-token`` and ``--pad-token`` name the transformers roles) or ``--format tiktoken``
(``OUT`` ranks file plus ``OUT.json`` sidecar with the pattern and special tokens; ``OUT``
ending in ``/`` or naming a folder gets ``<name>.tiktoken`` inside). Missing folders are
created. Refused before anything is written: an output that is one of the files read (the
vocabulary, its sidecar, a file of the input folder), a rank file named ``.json`` or ``.gz``
(``-t`` could not read it back) and an ``hf`` folder named ``.tiktoken``. The closing "wrote"
line is best effort: once the files are written, a closed or full stdout is no failure.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from ._common import check_output_name, refuse_overwrite, status
from .encode import _tokenizer


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "export",
        help="export a vocabulary to Hugging Face tokenizer.json or tiktoken",
        description="Export a codebpe vocabulary (or a tiktoken vocabulary, with its own ids); "
        "the exported tokenizer gives the same ids.",
    )
    p.add_argument(
        "--tokenizer",
        "-t",
        required=True,
        metavar="SPEC",
        help="codebpe vocabulary file, or a tiktoken name/file (a tokenizer.json is already the "
        "Hugging Face form)",
    )
    p.add_argument(
        "--pattern",
        metavar="NAME",
        help="split pattern of a .tiktoken file without a codebpe sidecar (e.g. cl100k); with "
        "a sidecar, only the pattern it records",
    )
    p.add_argument("--format", required=True, choices=["hf", "tiktoken"], help="output format")
    p.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUT",
        help="hf: a folder (or a .json file); tiktoken: the .tiktoken file (sidecar OUT.json), "
        "or a folder for <name>.tiktoken; never one of the input files",
    )
    examples = {"eos": "<|endoftext|>, </s>", "bos": "<s>, <|begin_of_text|>", "pad": "<|pad|>"}
    for role, names in examples.items():
        p.add_argument(
            f"--{role}-token",
            metavar="TOKEN",
            help=f"hf: the special token that transformers takes as {role}_token (default: the "
            "one an existing tokenizer_config.json in the folder names, else the first special "
            f"token with a common name: {names}, ...; docs/export.md)",
        )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..export import HF_FILES, save_hf, save_tiktoken, sidecar_path

    roles = {"eos_token": args.eos_token, "bos_token": args.bos_token, "pad_token": args.pad_token}
    if args.format != "hf" and any(v is not None for v in roles.values()):
        raise ValueError("--eos-token, --bos-token and --pad-token are for --format hf")
    check_output_name(args.output, "-o", kind="file or folder")
    if args.format == "hf" and args.output.endswith((".tiktoken", ".tiktoken.gz")):
        raise ValueError(
            f"-o {args.output}: --format hf writes a folder (or, for a name ending in .json, "
            "tokenizer.json alone), not a .tiktoken file: --format tiktoken writes those"
        )
    tok = _tokenizer(args)  # (--pattern: a .tiktoken file without a sidecar could not be read)
    if args.format == "tiktoken" and getattr(tok, "_source", ("",))[0] == "hf":
        raise ValueError(
            f"{args.tokenizer}: a Hugging Face tokenizer.json (merge-list BPE): a tiktoken rank "
            "file cannot give its ids; export it with --format hf (its tokenizer.json, written "
            "again)"
        )
    out = Path(args.output)
    if args.format == "hf":
        if out.suffix == ".json":
            targets = [out]
        else:
            if out.exists() and not out.is_dir():
                raise ValueError(
                    f"-o {out} is a file, not a folder: --format hf writes a folder "
                    "(tokenizer.json and the transformers config files), or tokenizer.json alone "
                    "to a name ending in .json"
                )
            targets = [out / name for name in HF_FILES]
    else:
        if args.output.endswith(("/", os.sep)) or out.is_dir():
            out = out / f"{Path(tok.name).name.split('.')[0] or 'codebpe'}.tiktoken"
        targets = [out, sidecar_path(out)]
    refuse_overwrite([("-o", t) for t in targets], _input_files(args.tokenizer))
    if args.format == "tiktoken":
        _check_tiktoken_name(out)
    try:
        if args.format == "hf":
            path = save_hf(tok, out, **roles)
            message = f"wrote {path} ({tok.n_vocab} ids)"
        else:
            path = save_tiktoken(tok, out)
            message = f"wrote {path} and {sidecar_path(path)} ({tok.n_vocab} ids)"
    except OSError as e:
        if not e.strerror or e.filename is None:
            raise
        raise type(e)(e.errno, f"cannot write {os.fsdecode(e.filename)}: {e.strerror}") from e
    status(message)  # (the files are written: a closed or full stdout is no failure)
    return 0


def _check_tiktoken_name(out: Any) -> None:
    """A rank file that ``-t`` could not read back is refused (``.json``: read as a codebpe
    vocabulary or tokenizer.json, with a sidecar named ``.json.json``; ``.gz``: read as gzip,
    but written plain); another name that does not end in ``.tiktoken`` gets a warning."""
    name = out.name.lower()
    if name.endswith((".json", ".gz")):
        raise ValueError(
            f"-o {out}: a tiktoken rank file (plain text, 'base64 rank' lines) named "
            f"{out.suffix} could not be loaded again (-t reads files by their extension); "
            "name it .tiktoken"
        )
    if not name.endswith(".tiktoken"):
        print(
            f"codebpe: warning: {out} does not end in .tiktoken: codebpe -t reads a tiktoken "
            "rank file only by that extension",
            file=sys.stderr,
        )


def _input_files(spec: str) -> list[tuple[str, str | os.PathLike[str]]]:
    """The files that ``-t spec`` reads (with what they are, for the message): a file and its
    tiktoken sidecar, or the files of a tokenizer folder."""
    from pathlib import Path

    from .._loaders import tiktoken_spec
    from ..export import sidecar_path

    p = Path(tiktoken_spec(spec)[0])  # (path.tiktoken:PATTERN)
    if p.is_dir():
        return [(f"a file of the input folder {p}", f) for f in p.iterdir() if f.is_file()]
    if not p.is_file():
        return []
    return [("the input", p), ("the input's sidecar", sidecar_path(p))]
