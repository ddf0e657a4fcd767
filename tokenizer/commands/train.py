"""``codebpe train [INPUTS...]``: train a vocabulary and write it as a codebpe JSON file.

Stage: interface for ``tokenizer.train``. With no inputs it trains on the shipped ``corpora/``
sample and writes ``codebpe-vocab.json`` in the current folder. Checks what it can before the
long work (output folder writable, sizes parseable); the file is written atomically, so a failure
never leaves a partial file.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .._train_counts import check_writable
from ._common import check_output_name, refuse_overwrite, require_stdout, same_file

DEFAULT_OUTPUT = "codebpe-vocab.json"

#: The INPUTS part of ``train --help`` and ``corpus --help``; COMMAND is the command's name.
INPUTS_HELP = """\
INPUTS (any number, mixed):
  FILE          a text file, any extension (.gz: decompressed); .jsonl,
                .jsonl.gz, .ndjson (a JSON object a line); .parquet; .json
                and .json.gz: JSON Lines when the first line is an object,
                else one text document
  FOLDER        walked recursively: files with a known source or text
                extension, JSONL and Parquet; hidden files and folders are
                skipped; --include/--exclude filter it; the summary counts
                what is left out: files of an unknown extension or matching
                --exclude, broken symlinks, FIFOs, unreadable files and
                symlinked folders (not followed), which never stop the walk;
                codebpe vocabularies, count tables and tokenizer.json files
                are never read
  'GLOB'        quoted: 'data/*.jsonl.gz', 'src/**/*.py'; matched files are
                read whatever their extension, otherwise as in a walk;
                symlinked folders below its fixed part are not followed
  hf:NAME[:CONFIG][@SPLIT]
                a Hugging Face hub dataset, streamed (needs the network)
  hf-disk:PATH[@SPLIT]
                a dataset folder written by datasets' save_to_disk
  -             standard input, as plain text (zcat dump.gz | codebpe COMMAND -)
  INPUT*WEIGHT  a mixing weight: zh.jsonl.gz*2 reads every document twice,
                *0.5 about half of them, *0 none. A glob ending in *DIGITS
                ('part*1') is a glob, not a weight, when the part before the
                * names nothing and the whole matches files ('part*1*1': a
                glob with weight 1)"""


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """The description and epilog as written; option help wrapped, never inside an option's
    name (argparse broke ``--load-counts`` after its hyphen at the end of a line)."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        import textwrap

        return textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False)


def paragraph(text: str) -> str:
    """``text`` wrapped as :data:`INPUTS_HELP` is, for a ``--help`` description."""
    import textwrap

    return textwrap.fill(text, 78, break_on_hyphens=False)


def inputs_help(command: str) -> str:
    """:data:`INPUTS_HELP` for ``codebpe COMMAND``."""
    return INPUTS_HELP.replace("COMMAND", command)


class _InputsParser(argparse.ArgumentParser):
    """Takes ``-*WEIGHT`` (standard input with a weight, ``-*2``) as an input, not an option
    (a mistyped weight too: the corpus stage then names it). Mixed into the parser's own class
    (the CLI's, whose errors are one line)."""

    def _parse_optional(self, arg_string: str) -> Any:
        if re.fullmatch(r"-\*.+", arg_string):
            return None  # a positional argument
        return super()._parse_optional(arg_string)


def _inputs_parser_class(cls: type) -> type:
    if issubclass(cls, _InputsParser):
        return cls
    return type(cls.__name__, (_InputsParser, cls), {})


def add_corpus_options(p: argparse.ArgumentParser) -> Any:
    """INPUTS, and an "input options" group with --text-field, --lang-field, --include,
    --exclude and --max-bytes (train and corpus), returned for the command's own input options.

    ``p`` becomes an :class:`_InputsParser`, so that ``-*2`` (standard input, weight 2) is an
    input rather than an unknown option (argparse takes anything starting with ``-`` for one).
    """
    p.__class__ = _inputs_parser_class(type(p))
    p.add_argument(
        "inputs",
        nargs="*",
        metavar="INPUTS",
        help="corpus sources, as listed above (default: the shipped corpora/ sample)",
    )
    group = p.add_argument_group("input options")
    group.add_argument(
        "--text-field",
        default="text",
        metavar="NAME",
        help="the text field of JSONL, Parquet and dataset records (default: text; The Stack "
        "has content)",
    )
    group.add_argument(
        "--lang-field",
        default="lang",
        metavar="NAME",
        help="the language field of those records, only for the per-language summary "
        "(default: lang; '' for none)",
    )
    group.add_argument(
        "--include",
        action="append",
        default=[],
        metavar="GLOB",
        help="inside folders, read only the files matching GLOB, whatever their extension "
        "(repeatable): a GLOB without / matches a file or folder name (src, *.vue), one with / "
        "the path relative to the folder (tests/*.py; ** for any folders)",
    )
    group.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="GLOB",
        help="inside folders and among an input glob's matches, leave out the files and "
        "folders matching GLOB (repeatable; matched as --include), counted in the summary: "
        "--exclude node_modules skips every node_modules folder",
    )
    group.add_argument(
        "--max-bytes",
        default=None,
        metavar="SIZE",
        help="read at most SIZE of text (UTF-8 bytes, after decompression), e.g. 500M or 2GiB "
        "(decimal k M G T, binary KiB MiB GiB); the document that crosses it is cut "
        "(default: no limit)",
    )
    return group


def _positive_int(text: str) -> int:
    from .encode import _positive_int as positive

    return positive(text)


def register(subparsers: argparse._SubParsersAction) -> None:
    from ..patterns import PATTERNS
    from ..reserved import DEFAULT_MAX_TOKEN_LENGTH, DEFAULT_SPARE_SPECIAL

    p = subparsers.add_parser(
        "train",
        help="train a BPE vocabulary (default: on the shipped corpora/ sample)",
        description=paragraph(
            "Train a code-aware byte-level BPE vocabulary: count the pre-tokenized pieces of "
            "the inputs, merge the most frequent pairs of symbols until --vocab-size ids are "
            "filled, and write the vocabulary (-o) as a codebpe JSON file."
        )
        + "\n\n"
        + inputs_help("train")
        + "\nWith no INPUTS (and no --load-counts): the shipped corpora/ sample.\n\n"
        + paragraph(
            "On stderr (nothing but errors with -q): the configuration, a progress line for "
            "counting and one for merging, then a summary (times, peak memory, corpus, what "
            "was left out, the id layout). The count line has a percentage and an ETA when "
            "the inputs' size is known (files, folders, globs); for standard input and "
            "datasets, the bytes counted only."
        ),
        epilog="examples:\n"
        "  codebpe train                          # shipped sample -> codebpe-vocab.json\n"
        "  codebpe train src/ --exclude node_modules -o vocab.json\n"
        "  codebpe train 'data/*.jsonl.gz' --text-field content --vocab-size 65536\n"
        "  zcat dump.txt.gz | codebpe train - -o vocab.json\n"
        "  codebpe train big/ --save-counts big.counts -o v32k.json    # count once, then\n"
        "  codebpe train --load-counts big.counts --vocab-size 50000 -o v50k.json",
        formatter_class=HelpFormatter,
    )
    inputs = add_corpus_options(p)
    inputs.add_argument(
        "--load-counts",
        action="append",
        default=[],
        metavar="FILE",
        help="add a count table written by --save-counts (repeatable; counted with the same "
        "--pattern and special tokens); with no INPUTS only the tables are used",
    )
    vocab = p.add_argument_group("vocabulary options")
    vocab.add_argument(
        "--vocab-size",
        type=int,
        default=32768,
        metavar="N",
        help="total ids: 256 bytes + reserved + learned + special (default: 32768)",
    )
    vocab.add_argument(
        "--allow-unused",
        action="store_true",
        help="keep --vocab-size even when the corpus supports so few merges that more than "
        "half of the ids stay unused (by default an error that says the size that fits)",
    )
    vocab.add_argument(
        "--min-frequency",
        type=int,
        default=2,
        metavar="N",
        help="learn a merge only while its pair occurs at least N times (default: 2)",
    )
    vocab.add_argument(
        "--max-token-length",
        type=int,
        default=DEFAULT_MAX_TOKEN_LENGTH,
        metavar="BYTES",
        help="the longest learned token in bytes; 0 for no limit "
        f"(default: {DEFAULT_MAX_TOKEN_LENGTH})",
    )
    vocab.add_argument(
        "--pattern",
        default="codebpe-v1",
        metavar="NAME|REGEX",
        help=f"the pre-tokenizer's split: a built-in pattern ({', '.join(sorted(PATTERNS))}; "
        "tiktoken names such as cl100k_base too) or a regex (default: codebpe-v1); "
        "codebpe split --pattern shows its pieces",
    )
    vocab.add_argument(
        "--special-token",
        action="append",
        default=[],
        metavar="TOKEN",
        help="extra special token (repeatable), e.g. a chat marker: takes the next spare "
        "<|reserved_N|> id, so the default special ids do not move (an error when the spares "
        "run out: raise --spare-special)",
    )
    vocab.add_argument(
        "--spare-special",
        type=int,
        default=DEFAULT_SPARE_SPECIAL,
        metavar="N",
        help="how many spare special tokens <|reserved_0|>, <|reserved_1|>... to keep at the "
        "top of the ids for later use; --special-token takes them in order "
        f"(default: {DEFAULT_SPARE_SPECIAL})",
    )
    vocab.add_argument(
        "--no-reserved",
        action="store_true",
        help="no reserved tokens after the 256 bytes (by default: runs of spaces and tabs for "
        "indentation, and bracket clusters such as ');' and '()', 57 ids with codebpe-v1)",
    )
    resources = p.add_argument_group("resource options")
    resources.add_argument(
        "--threads",
        type=_positive_int,
        default=None,
        metavar="N",
        help="counting threads (default: the CPUs this process may use)",
    )
    resources.add_argument(
        "--max-memory",
        default=None,
        metavar="SIZE",
        help="peak memory of the whole run, e.g. 2G: the piece-count table gets a share of it "
        "(what is left after this process, the batches being read and the merge's structures) "
        "and its rarest pieces are pruned to fit; the summary says how many. Records of "
        'megabytes are not counted (docs/training.md, "Memory cap"). Default: no limit',
    )
    output = p.add_argument_group("output options")
    output.add_argument(
        "-o",
        "--output",
        default=DEFAULT_OUTPUT,
        metavar="FILE",
        help=f"the vocabulary file to write (default: {DEFAULT_OUTPUT}); - writes the JSON to "
        "standard output. Never one of the inputs, nor the --save-counts file",
    )
    output.add_argument(
        "--save-counts",
        default=None,
        metavar="FILE",
        help="also write the piece-count table, to train other sizes later with --load-counts "
        "without reading the corpus again; never one of the inputs or --load-counts tables",
    )
    output.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="print nothing on stderr but errors (no configuration, progress or summary)",
    )
    p.set_defaults(func=run)


#: Libraries whose warnings (on the logging module) -q keeps off stderr: huggingface_hub's
#: "Retrying in 1s [Retry 1/5]" lines for an hf: spec without a network, datasets' notes.
_QUIET_LOGGERS = ("huggingface_hub", "datasets", "fsspec")


@contextlib.contextmanager
def _quiet_libraries(quiet: bool) -> Iterator[None]:
    """With ``quiet``: the libraries' loggers at ERROR while the command runs (then as they
    were: the levels are the process's, and a caller of ``main`` keeps its own)."""
    if not quiet:
        yield
        return
    loggers = [logging.getLogger(name) for name in _QUIET_LOGGERS]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    # (a library imported later sets its level from these at import)
    env = {"HF_HUB_VERBOSITY": "error", "DATASETS_VERBOSITY": "error"}
    saved = {k: os.environ.get(k) for k in env}
    for k, v in env.items():
        os.environ.setdefault(k, v)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)
        for k, old in saved.items():
            if old is None:
                os.environ.pop(k, None)


def run(args: argparse.Namespace) -> int:
    try:
        with _quiet_libraries(args.quiet):
            return _run(args)
    except (ValueError, TypeError) as e:
        # The library's messages name its parameters (vocab_size): say the options instead.
        message = _option_names(str(e))
        if message == str(e):
            raise
        try:
            renamed = type(e)(message)
        except Exception:  # (an exception class that takes other arguments: as it was)
            renamed = None
        if renamed is None:
            raise
        raise renamed from e


#: Python parameter names in the library's messages -> the options that set them.
_OPTIONS = [
    (r"(max_token_length must be >= 2) \(or None\)", r"\1 (or 0 for no limit)"),
    (r"spare_special_tokens \(--spare-special\)", "--spare-special"),
    (r"min_frequency=(\d+)", r"--min-frequency \1"),
    ("vocab_size", "--vocab-size"),
    ("min_frequency", "--min-frequency"),
    ("max_token_length", "--max-token-length"),
    ("spare_special_tokens", "--spare-special"),
    ("extra_special_tokens", "--special-token"),
    ("allow_unused", "--allow-unused"),
    ("max_memory", "--max-memory"),
    ("max_bytes", "--max-bytes"),
    ("threads must be", "--threads must be"),
]


def _option_names(message: str) -> str:
    """``message`` with the trainer's parameter names as the options that set them (a name
    inside a path or a longer word is left alone)."""
    for name, option in _OPTIONS:
        message = re.sub(rf"(?<![\w./-]){name}(?![\w./-])", option, message)
    return message


def _run(args: argparse.Namespace) -> int:
    from ..patterns import DEFAULT_SPECIAL_TOKENS
    from ..train import parse_memory, train

    to_stdout = args.output == "-"
    if to_stdout:
        require_stdout()  # (before the work: the vocabulary would have nowhere to go)
    else:
        check_writable(args.output, "output")
    if args.save_counts is not None:
        check_output_name(args.save_counts, "--save-counts")
        check_writable(args.save_counts, "--save-counts")
    for path in args.load_counts:
        if not Path(path).exists():
            raise FileNotFoundError(f"--load-counts {path}: no such file")
        if not Path(path).is_file():  # (a folder, /dev/null: it said "no such file")
            what = "a folder" if Path(path).is_dir() else "not a regular file"
            raise ValueError(f"--load-counts {path}: {what}; give a table written by --save-counts")
    if args.load_counts and not args.inputs and args.max_bytes is not None:
        # (it was taken, printed in the configuration and had no effect)
        raise ValueError(
            "--max-bytes limits the text read from INPUTS, and with only --load-counts none is "
            "read: the tables' counts are used whole"
        )
    _refuse_overwriting_inputs(args)
    from .._train_split import resolve_pattern
    from ..reserved import vocab_layout

    layout = {
        "vocab_size": args.vocab_size,
        "reserved": None if args.no_reserved else "default",
        "special_tokens": DEFAULT_SPECIAL_TOKENS,
        "extra_special_tokens": args.special_token,
        "spare_special_tokens": args.spare_special,
    }
    # the real range (bytes + reserved + special tokens .. MAX_VOCAB_SIZE), before any reading
    vocab_layout(resolve_pattern(args.pattern), **layout)
    max_memory = parse_memory(args.max_memory, "max_memory")
    max_bytes = parse_memory(args.max_bytes, "max_bytes")
    inputs = args.inputs or None
    vocab = train(
        inputs,
        pattern=args.pattern,
        **layout,
        allow_unused=args.allow_unused,
        min_frequency=args.min_frequency,
        max_token_length=args.max_token_length or None,
        threads=args.threads,
        max_memory=max_memory,
        max_bytes=max_bytes,
        progress=not args.quiet,
        text_field=args.text_field,
        lang_field=args.lang_field or None,
        include=args.include,
        exclude=args.exclude,
        load_counts=args.load_counts,
        save_counts=args.save_counts,
    )
    if to_stdout:
        sys.stdout.flush()
        sys.stdout.buffer.write(vocab.dumps().encode("utf-8"))
        sys.stdout.buffer.flush()
    else:
        vocab.save(args.output)
    if not args.quiet:
        where = "<stdout>" if to_stdout else args.output
        print(f"wrote {where} ({vocab.n_vocab:,} ids)", file=sys.stderr)
    return 0


def _refuse_overwriting_inputs(args: argparse.Namespace) -> None:
    """``ValueError`` when ``-o`` or ``--save-counts`` would overwrite what the run reads (``train
    data.txt -o data.txt``, ``--load-counts c.counts -o c.counts``) or each other: a file named
    as an input or a count table, or a file that an input folder or glob would have the run
    read. Files of a folder are only looked for when an output exists inside it, and a codebpe
    vocabulary or count table there is never read by a walk (``train . -o vocab.json`` again)."""
    outputs = [("-o", args.output)] if args.output != "-" else []
    if args.save_counts:
        outputs.append(("--save-counts", args.save_counts))
        same = os.path.abspath(args.output) == os.path.abspath(args.save_counts)
        if args.output != "-" and (same or same_file(args.output, args.save_counts)):
            raise ValueError(
                f"-o and --save-counts name the same file {args.save_counts}: the count table "
                "would overwrite the vocabulary; give them different names"
            )
    outputs = [(what, path) for what, path in outputs if os.path.isfile(path)]
    if not outputs:
        return  # (nothing there yet: nothing to lose)
    refuse_overwrite(outputs, [("a --load-counts table", path) for path in args.load_counts])
    for spec in args.inputs:
        for what, path in outputs:
            if _reads(spec, path, args):
                through = "" if same_file(spec, path) else f" (read through {spec})"
                raise ValueError(
                    f"{what} {path} is an input of this run{through}: writing it would destroy "
                    "it; choose another output name"
                )


def _reads(spec: str, path: str, args: argparse.Namespace) -> bool:
    """Whether the input ``spec`` has the run read the existing file ``path``."""
    import glob

    from .._corpus_formats import is_tokenizer_head
    from .._corpus_records import glob_root, source_files
    from .._train_counts import COUNTS_MAGIC
    from ..corpus import Source

    try:
        src = Source.parse(spec)
    except ValueError:
        return False  # (the run says what is wrong with it)
    if src.spec == "-" or src.spec.startswith(("hf:", "hf-disk:")):
        return False
    if same_file(src.spec, path):
        return True  # named: read whatever it holds
    if glob.has_magic(src.spec):
        root = glob_root(src.spec)
    elif os.path.isdir(src.spec):
        root = src.spec
    else:
        return False
    real, top = os.path.realpath(path), os.path.realpath(root)
    if os.path.commonpath([real, top]) != top:
        return False  # (not below it: no walk needed)
    with open(path, "rb") as f:
        head = f.read(4096)
    if head.startswith(COUNTS_MAGIC) or is_tokenizer_head(head):
        return False  # walks and globs never read a codebpe vocabulary or count table
    try:
        files = source_files(src, include=args.include, exclude=args.exclude, include_hidden=False)
    except (OSError, ValueError):
        return False
    return any(same_file(f.path, path) for f in files)
