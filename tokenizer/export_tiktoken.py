"""Export a :class:`~tokenizer.vocab.Vocabulary` or a ``Tokenizer`` to tiktoken: an ``Encoding``,
or a ``.tiktoken`` rank file with a JSON sidecar.

Stage: export (vocabulary -> tiktoken). ``mergeable_ranks`` are the ids themselves (a codebpe
vocabulary is rank-ordered), the special tokens keep their ids, and the split pattern's single regex
is ported to fancy-regex by :mod:`tokenizer.regex_port`. tiktoken applies one regex, so patterns
made of several isolated splits (``deepseek-v3``, ``deepseek-coder``) raise
:class:`TiktokenExportError`. Everything here is re-exported by :mod:`tokenizer.export`; this module
does not encode.

>>> to_tiktoken(Vocabulary.bytes_only(pattern="cl100k")).encode("ok")
[111, 107]
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .patterns import PATTERNS, Pattern, compile_custom
from .regex_port import port_regex
from .vocab import Vocabulary, atomic_write_all, make_folder

__all__ = [
    "ExportError",
    "ExportTable",
    "export_table",
    "TiktokenExportError",
    "SIDECAR_FORMAT",
    "SIDECAR_VERSION",
    "tiktoken_pat_str",
    "to_tiktoken",
    "sidecar_path",
    "save_tiktoken",
    "read_sidecar",
    "load_tiktoken_export",
]

SIDECAR_FORMAT = "codebpe.tiktoken"
SIDECAR_VERSION = 1


class ExportError(ValueError):
    """A vocabulary cannot be written in the requested format, or an export cannot be read."""


class TiktokenExportError(ExportError):
    """The vocabulary's split pattern cannot be a tiktoken ``pat_str`` (e.g. several regexes), or
    its special tokens cannot be matched as codebpe matches them (one a prefix of another)."""


@dataclass(frozen=True)
class ExportTable:
    """What an export writes: the ordinary tokens by id (``b""`` for an id without one), the
    special tokens with their ids, the split pattern and the number of ids."""

    tokens: list[bytes]
    special_tokens: dict[str, int]
    pattern: Pattern
    n_vocab: int


def export_table(source: Any) -> ExportTable:
    """The table of a :class:`~tokenizer.vocab.Vocabulary`, or of a ``Tokenizer`` with the
    tokenizer's own ids (``Tokenizer.from_tiktoken``: tiktoken's ranks, gaps included).

    Raises:
        ExportError: the tokenizer came from a Hugging Face ``tokenizer.json`` (merge-list BPE,
            maybe a normalizer or non-special added tokens): no rank file or rank-merge export
            gives its ids.
    """
    if isinstance(source, Vocabulary):
        return ExportTable(
            source.tokens, dict(source.special_tokens), source.pattern, source.n_vocab
        )
    from .encoding import Tokenizer

    if not isinstance(source, Tokenizer):
        raise TypeError(f"expected a Vocabulary or a Tokenizer, not {type(source).__name__}")
    tokens, merges, specials, _, nfc, *_ = source._args
    if merges or nfc or getattr(source, "_source", ("",))[0] == "hf":
        raise ExportError(
            f"{source.name!r} was loaded from a Hugging Face tokenizer.json (merge-list BPE): a "
            "tiktoken rank file cannot give its ids; export it to Hugging Face format instead "
            "(save_hf(tok) writes its tokenizer.json again), or export tok.vocab, codebpe's "
            "re-laid-out copy, whose ids differ"
        )
    return ExportTable(list(tokens), {s: i for s, i, _ in specials}, source.pattern, source.n_vocab)


def tiktoken_pat_str(pattern: Pattern) -> str:
    """The pattern as a tiktoken ``pat_str`` (fancy-regex syntax).

    Raises:
        TiktokenExportError: the pattern has several regexes; tiktoken applies exactly one.
        PatternPortError: the regex cannot be carried to fancy-regex exactly.
    """
    if len(pattern.regexes) != 1:
        raise TiktokenExportError(
            f"pattern {pattern.name!r} is a sequence of {len(pattern.regexes)} split regexes; "
            "tiktoken applies a single regex, so it cannot represent this vocabulary's splits "
            "(export to Hugging Face instead)"
        )
    ported = port_regex(pattern.regexes[0], target="fancy")
    if PATTERNS.get(pattern.name) == pattern:
        return ported  # (every built-in pattern matches all text: tests/test_export.py)
    # subtle: tiktoken drops the text between two matches, codebpe and Hugging Face keep it as a
    # piece. A custom regex may leave such gaps, so the pat_str also matches each gap whole: a
    # run of characters at none of which the regex matches, i.e. up to its next match, which is
    # the piece codebpe makes. That needs a regex that never matches empty (an empty match makes
    # every engine skip a character).
    rx = compile_custom(pattern.regexes[0])
    probe = "aZ 09_\t\n\r  x.,;:'\"()[]{}<>+-*/=中文 ünï 😀\u3000"
    if rx.search("") is not None or any(m.start() == m.end() for m in rx.finditer(probe)):
        raise TiktokenExportError(
            f"pattern {pattern.regexes[0]!r} can match an empty string; tiktoken would then drop "
            "characters that codebpe encodes (export to Hugging Face instead)"
        )
    return f"{ported}|(?:(?!{ported})[\\s\\S])+"


def check_special_prefixes(special_tokens: dict[str, int]) -> None:
    """``TiktokenExportError`` when a special token is a prefix of another (``<a>`` and
    ``<a><b>``): codebpe and Hugging Face take the longest special token at a position, tiktoken
    the first alternative of a regex whose order is its hash map's, so the exported encoder
    could split ``<a><b>`` as ``<a>`` + plain text (it did).

    >>> check_special_prefixes({"<a>": 1, "<a><b>": 2})
    Traceback (most recent call last):
    ...
    tokenizer.export_tiktoken.TiktokenExportError: special token '<a>' is a prefix of '<a><b>': ...
    """
    names = sorted(special_tokens)
    for a, b in zip(names, names[1:]):  # (a prefix sorts right before some name it begins)
        if b.startswith(a):
            raise TiktokenExportError(
                f"special token {a!r} is a prefix of {b!r}: tiktoken may match either where "
                "the longer one appears (codebpe and Hugging Face take the longest), so the "
                "export could give other ids; rename one, or export to Hugging Face instead"
            )


def to_tiktoken(vocab: Vocabulary | Any, *, name: str | None = None) -> Any:
    """A ``tiktoken.Encoding`` with the ids, special tokens and (ported) pattern of ``vocab`` (a
    ``Vocabulary`` or a rank-based ``Tokenizer``).

    >>> to_tiktoken(Vocabulary.bytes_only(pattern="cl100k")).encode("ok")
    [111, 107]
    """
    import tiktoken

    table = export_table(vocab)
    check_special_prefixes(table.special_tokens)
    if name is None and getattr(vocab, "_pickle_name", None):
        name = vocab.name  # cl100k_base / o200k_base as loaded by name: tiktoken's own name
    return tiktoken.Encoding(
        name or f"codebpe-{table.pattern.name}-{table.n_vocab}",
        pat_str=tiktoken_pat_str(table.pattern),
        mergeable_ranks={t: i for i, t in enumerate(table.tokens) if t},
        special_tokens=dict(table.special_tokens),
    )


def sidecar_path(path: str | os.PathLike[str]) -> Path:
    """Where :func:`save_tiktoken` puts the pattern and special tokens: ``<path>.json``."""
    return Path(str(path) + ".json")


def save_tiktoken(
    vocab: Vocabulary | Any, path: str | os.PathLike[str], *, name: str | None = None
) -> Path:
    """Write the ``.tiktoken`` rank file (``base64 rank`` per line) and its ``<path>.json`` sidecar.

    The sidecar holds what the rank file cannot: ``{"format": "codebpe.tiktoken", "version": 1,
    "name", "pat_str", "special_tokens", "n_vocab", "pattern": {"name", "regexes"}}``;
    :func:`load_tiktoken_export` rebuilds the ``tiktoken.Encoding`` from the two files.

    Raises:
        TiktokenExportError: the pattern cannot be a tiktoken ``pat_str``, or a special token
            is a prefix of another (:func:`check_special_prefixes`).
    """
    table = export_table(vocab)
    pat_str = tiktoken_pat_str(table.pattern)
    check_special_prefixes(table.special_tokens)
    path = Path(path)
    lines = "".join(
        f"{base64.b64encode(t).decode('ascii')} {i}\n" for i, t in enumerate(table.tokens) if t
    )
    sidecar = {
        "format": SIDECAR_FORMAT,
        "version": SIDECAR_VERSION,
        "name": name or path.name.split(".")[0],
        "pat_str": pat_str,
        "special_tokens": dict(table.special_tokens),
        "n_vocab": table.n_vocab,
        "pattern": {"name": table.pattern.name, "regexes": list(table.pattern.regexes)},
    }
    make_folder(path.parent)
    # both or neither: a rank file without its sidecar loads with no pattern or special tokens
    side = json.dumps(sidecar, ensure_ascii=False, indent=1) + "\n"
    atomic_write_all([(path, lines), (sidecar_path(path), side)])
    return path


def read_sidecar(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The sidecar of the ``.tiktoken`` file at ``path`` (see :func:`save_tiktoken`), checked.

    Importers (``Tokenizer.from_tiktoken``) can use it to recover the pattern and special tokens.

    Raises:
        ExportError: the sidecar is missing, not JSON, or not a codebpe tiktoken sidecar.
    """
    side = sidecar_path(path)
    try:
        meta = json.loads(side.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ExportError(
            f"{side}: sidecar missing (it holds the pattern and special tokens)"
        ) from None
    except (OSError, json.JSONDecodeError) as e:
        raise ExportError(f"{side}: cannot read the sidecar ({e})") from e
    if not isinstance(meta, dict) or meta.get("format") != SIDECAR_FORMAT:
        raise ExportError(f"{side}: not a codebpe tiktoken sidecar")
    if meta.get("version") != SIDECAR_VERSION:
        raise ExportError(f"{side}: unsupported sidecar version {meta.get('version')!r}")
    missing = {"name", "pat_str", "special_tokens", "pattern"} - set(meta)
    if missing:
        raise ExportError(f"{side}: sidecar lacks {sorted(missing)}")
    return meta


def load_tiktoken_export(path: str | os.PathLike[str]) -> Any:
    """Rebuild the ``tiktoken.Encoding`` written by :func:`save_tiktoken` (needs the sidecar).

    Raises:
        ExportError: the sidecar is missing or not a codebpe tiktoken sidecar.
    """
    import tiktoken

    from .interop import read_tiktoken_ranks

    meta = read_sidecar(path)
    return tiktoken.Encoding(
        meta["name"],
        pat_str=meta["pat_str"],
        mergeable_ranks=read_tiktoken_ranks(path),
        special_tokens={str(k): int(v) for k, v in meta["special_tokens"].items()},
    )
