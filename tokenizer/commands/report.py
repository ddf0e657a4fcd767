"""``codebpe report``: compression of tokenizers on evaluation text, as Markdown/HTML/JSON + plots.

Stage: interface. Parses options and calls ``tokenizer.report``; no measuring happens here.
Exits 0 when at least one tokenizer was measured (failures of others are listed in the report),
2 when nothing could be measured or an input file is bad; then nothing is written.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from tokenizer.report import DEFAULT_BASELINES

from ._common import (
    check_output_name,
    check_sidecar_pattern,
    refuse_overwrite,
    require_stdout,
    status,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "report",
        help="compare tokenizers' compression (tokens per line, bytes per token) per language",
        description="Measure tokenizers on evaluation text and write report.md, report.html, "
        "report.json and PNG plots. Baselines "
        + " and ".join(DEFAULT_BASELINES)
        + " are always measured unless --no-baselines.",
    )
    p.add_argument(
        "--tokenizer",
        "-t",
        action="append",
        default=[],
        metavar="SPEC",
        help="vocabulary file, tiktoken name or .tiktoken file, tokenizer.json or a "
        "short name such as deepseek-coder (repeatable)",
    )
    p.add_argument(
        "--text",
        action="append",
        default=None,
        metavar="PATH",
        help="evaluation text: file, folder, glob, JSONL, Parquet or hf:/hf-disk: spec, as in "
        "train, or - for standard input (repeatable; default: the shipped held-out corpus)",
    )
    p.add_argument(
        "--text-field",
        default="text",
        metavar="NAME",
        help="text field of JSONL/Parquet/dataset records in --text (default: text; The Stack: "
        "content)",
    )
    p.add_argument(
        "--lang-field",
        default="lang",
        metavar="NAME",
        help="language field of those records (default: lang; '' for none: languages then come "
        "from file extensions only)",
    )
    p.add_argument(
        "--out", "-o", default="report", metavar="DIR", help="output folder (default: ./report)"
    )
    p.add_argument(
        "--no-baselines", action="store_true", help="do not add " + " and ".join(DEFAULT_BASELINES)
    )
    p.add_argument(
        "--reference",
        default=None,
        metavar="NAME",
        help="tokenizer the ratios divide by, measured too (default: cl100k_base)",
    )
    p.add_argument("--speed", action="store_true", help="also measure encode throughput (MB/s)")
    p.add_argument(
        "--max-bytes",
        default=None,
        metavar="SIZE",
        help="read at most this much evaluation text, e.g. 10M",
    )
    p.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    p.add_argument(
        "--markdown-table",
        action="store_true",
        help="print only the headline table (README) to stdout; write no files",
    )
    p.set_defaults(func=run)


def _text_sources(args: argparse.Namespace, stdin: str | None) -> list | None:
    """``--text`` inputs, as ``Source`` objects carrying ``--text-field`` / ``--lang-field``;
    ``-`` (standard input) reads the file ``stdin`` it was saved to, as plain text."""
    if args.text is None:
        return None
    from dataclasses import replace

    from tokenizer.corpus import Source

    sources = []
    for t in args.text:
        src = replace(Source.parse(t), text_field=args.text_field, lang_field=args.lang_field)
        if src.spec == "-" and stdin is not None:
            src = replace(src, spec=stdin, format="text")
        sources.append(src)
    return sources


def _save_stdin(max_bytes: int | None) -> str:
    """Standard input, saved to a temporary file (the caller removes it), so that each
    tokenizer reads it again as it reads a file; at most ``max_bytes`` when given (and the rest
    of a UTF-8 character cut there), so memory and disk stay within the budget. Its name has no
    extension: the text has no language, as ``-`` has none elsewhere."""
    import shutil
    import tempfile

    f = tempfile.NamedTemporaryFile(prefix="codebpe-stdin-", delete=False)  # noqa: SIM115
    try:  # (removed if saving fails: Ctrl-C, SIGTERM, a full disk)
        with f:
            if max_bytes is None:
                shutil.copyfileobj(sys.stdin.buffer, f, 1 << 20)
            else:
                left = max_bytes + 3
                while left > 0:
                    block = sys.stdin.buffer.read(min(left, 1 << 20))
                    if not block:
                        break
                    f.write(block)
                    left -= len(block)
                # Ends where the character that crosses max_bytes ends: "+3 bytes" could still
                # end inside one (100 bytes of 3-byte Chinese: 103 = 34 characters and a byte),
                # and the reader then skipped the whole input as invalid UTF-8.
                f.seek(max_bytes)
                tail = f.read(3)
                keep = 0
                while keep < len(tail) and tail[keep] & 0xC0 == 0x80:
                    keep += 1
                f.truncate(max_bytes + keep)
    except BaseException:
        os.unlink(f.name)
        raise
    return f.name


def _unname(report: dict[str, Any], path: str) -> None:
    """Replace the temporary file's name with ``<stdin>`` in every message of ``report``."""
    for key in ("errors", "notes"):
        report[key] = json.loads(json.dumps(report[key]).replace(json.dumps(path)[1:-1], "<stdin>"))


def _check_out_folder(out: str) -> None:
    """``ValueError`` when ``--out`` cannot become the report's folder: it, or a folder above
    it, is a file, or the folder it would be written in is not writable. Checked before
    measuring: ``--out notes.txt`` measured every tokenizer, then failed (``notes.txt: File
    exists``)."""
    from pathlib import Path

    for path in (Path(out), *Path(out).parents):
        if path.is_dir():
            if not os.access(path, os.W_OK | os.X_OK):
                where = "" if path == Path(out) else f" ({path})"
                raise ValueError(
                    f"--out {out}: cannot write in the folder{where}: permission denied"
                )
            return
        if path.exists() or path.is_symlink():
            what = "is a file" if path.is_file() else "is not a folder"
            where = "" if path == Path(out) else f": {path} {what}"
            raise ValueError(
                f"--out {out}{where or ': ' + what}; the report is a folder (report.md, "
                "report.html, report.json, plots): give a folder name"
            )


def _refuse_overwriting_inputs(args: argparse.Namespace) -> None:
    """``ValueError`` when a file the report writes (``--out``/report.md, ...) is one of the
    inputs: a ``--text`` or ``--tokenizer`` file, or a file in a ``--text`` folder that the walk
    reads and that is not an earlier report (``--text notes/ --out notes/`` replaced
    ``notes/report.md``, which it had just measured)."""
    from pathlib import Path

    from tokenizer._corpus_formats import is_report_head
    from tokenizer._report_render import PLOT_TITLES
    from tokenizer.corpus import Source

    names = ["report.json", "report.md", "report.html", *(f"{k}.png" for k in PLOT_TITLES)]
    outputs = [Path(args.out) / name for name in names if (Path(args.out) / name).is_file()]
    if not outputs:
        return
    named = [("the --tokenizer input", spec) for spec in args.tokenizer]
    for text in args.text or []:
        spec = Source.parse(text).spec
        if spec == "-" or spec.startswith(("hf:", "hf-disk:")):
            continue
        if os.path.isdir(spec):
            for out in outputs:
                inside = Path(os.path.realpath(out)).is_relative_to(os.path.realpath(spec))
                if inside and out.suffix != ".png":
                    with open(out, "rb") as f:
                        if not is_report_head(f.read(4096)):
                            named.append((f"a file of the --text folder {text}", out))
        else:
            named.append(("the --text input", spec))
    refuse_overwrite([("the report file", out) for out in outputs], named)


def run(args: argparse.Namespace) -> int:
    import os

    from tokenizer._corpus_summary import parse_size
    from tokenizer.corpus import Source

    if args.markdown_table:
        require_stdout()  # (the table's only way out: checked before measuring)
    else:
        check_output_name(args.out, "--out", kind="folder")
        _check_out_folder(args.out)
        _refuse_overwriting_inputs(args)
    from tokenizer._loaders import check_spec

    for spec in args.tokenizer:
        # a spec that names nothing (a typo) stops the run here; one that fails to load or
        # measure is a warning in the report (docs/analysis.md), as before. (Not --reference:
        # it may name a measured tokenizer by its display name, "my" for my.tiktoken:o200k.)
        check_spec(spec)
        check_sidecar_pattern(spec)  # (PATH.tiktoken:PATTERN)
    texts = [Source.parse(t).spec for t in args.text or []]
    if texts.count("-") > 1:  # (the saved standard input was measured once per "-")
        raise ValueError("--text -: standard input can be read once; save it to a file")
    max_bytes = parse_size(args.max_bytes)
    reads_stdin = "-" in texts
    stdin = _save_stdin(max_bytes) if reads_stdin else None
    try:
        return _run(args, _text_sources(args, stdin), max_bytes, stdin)
    finally:
        if stdin is not None:
            os.unlink(stdin)


def _run(args: argparse.Namespace, texts: list | None, max_bytes: int | None, stdin: Any) -> int:
    from tokenizer.corpus import Source
    from tokenizer.report import analyse, headline_table, measured_anything, write_report

    report = analyse(
        args.tokenizer,
        texts,
        baselines=not args.no_baselines,
        reference=args.reference or "cl100k_base",
        speed=args.speed,
        max_bytes=max_bytes,
        measure_reference=args.reference is not None,  # asked for by name: measure it
        progress=sys.stderr.isatty(),  # (a terminal only: logs and pipes stay as they were)
    )
    if stdin is not None:  # say "-", not the temporary file's name
        report["evaluation"]["inputs"] = [
            text if Source.parse(text).spec == "-" else shown
            for text, shown in zip(args.text, report["evaluation"]["inputs"])
        ]
        _unname(report, stdin)
    if not measured_anything(report):
        # Nothing is written: a failed run leaves the output folder (an earlier report) as it was.
        # The errors are said once, in the error line (not also as warnings).
        errors = report["errors"]
        bad_input = [e["message"] for e in errors if e["kind"] == "evaluation"]
        reasons = bad_input or [
            e["message"] if e["name"] in e["message"] else f"{e['name']}: {e['message']}"
            for e in errors
        ]
        print(
            f"codebpe: error: nothing could be measured: {'; '.join(reasons) or 'no tokenizer'}",
            file=sys.stderr,
        )
        return 2
    for e in report["errors"]:
        print(f"codebpe: warning: {e['kind']} {e['name']}: {e['message']}", file=sys.stderr)
    if args.markdown_table:
        sys.stdout.write(headline_table(report))
        for note in report["notes"]:
            print(f"codebpe: note: {note}", file=sys.stderr)
        return 0
    written = write_report(report, args.out, plots=not args.no_plots)
    for note in report["notes"]:
        print(f"codebpe: note: {note}", file=sys.stderr)
    status(f"wrote {', '.join(str(p) for p in written.values())}")
    return 0
