"""``codebpe export``: write a vocabulary as Hugging Face ``tokenizer.json`` or tiktoken files.

Stage: interface over ``tokenizer.export``. Reads a codebpe vocabulary file, or a tiktoken
name or file (exported with tiktoken's own ids); writes ``--format hf`` (a folder with
``tokenizer.json``, ``tokenizer_config.json`` -- merged into an existing one -- and
``special_tokens_map.json``, or just the file when ``-o`` ends in ``.json``; ``--eos-token``,
``--bos-token`` and ``--pad-token`` name the transformers roles) or ``--format tiktoken``
(``OUT`` ranks file plus ``OUT.json`` sidecar with the pattern and special tokens; ``OUT``
ending in ``/`` or naming a folder gets ``<name>.tiktoken`` inside). Missing folders are
created.
"""

from __future__ import annotations

import argparse


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
    p.add_argument("--format", required=True, choices=["hf", "tiktoken"], help="output format")
    p.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUT",
        help="hf: a folder (or a .json file); tiktoken: the .tiktoken file (sidecar OUT.json)",
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
    import os
    from pathlib import Path

    from ..encoding import load_tokenizer
    from ..export import save_hf, save_tiktoken, sidecar_path

    roles = {"eos_token": args.eos_token, "bos_token": args.bos_token, "pad_token": args.pad_token}
    if args.format != "hf" and any(v is not None for v in roles.values()):
        raise ValueError("--eos-token, --bos-token and --pad-token are for --format hf")
    tok = load_tokenizer(args.tokenizer)
    if args.format == "hf":
        path = save_hf(tok, args.output, **roles)
        print(f"wrote {path} ({tok.n_vocab} ids)")
    else:
        out = Path(args.output)
        if args.output.endswith(("/", os.sep)) or out.is_dir():
            out = out / f"{Path(tok.name).name.split('.')[0] or 'codebpe'}.tiktoken"
        path = save_tiktoken(tok, out)
        print(f"wrote {path} and {sidecar_path(path)} ({tok.n_vocab} ids)")
    return 0
