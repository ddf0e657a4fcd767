"""Read back what :mod:`tokenizer.export` wrote: ``tokenizer.json`` and ``.tiktoken`` + sidecar.

Stage: export (verification). These readers invert the exporters exactly, so that a round trip
``Vocabulary -> file -> Vocabulary`` can be checked: same tokens, same special tokens, and the
rank merges (:func:`tokenizer.export.rank_merges`) as merges. They read files written by codebpe;
for arbitrary Hugging Face or tiktoken vocabularies use ``Tokenizer.from_hf`` /
``Tokenizer.from_tiktoken``. Nothing here encodes.

>>> import tempfile, os
>>> from tokenizer.export import save_hf
>>> v = Vocabulary.bytes_only(pattern="cl100k"); p = save_hf(v, tempfile.mkdtemp())
>>> read_hf_vocabulary(p).pattern.name, read_hf_vocabulary(p).tokens == v.tokens
('cl100k', True)
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from .export import ExportError, read_sidecar
from .interop import HF_UNUSED_PREFIX, unicode_to_bytes
from .patterns import PATTERNS, Pattern
from .regex_port import port_regex
from .vocab import Vocabulary

__all__ = ["read_hf_vocabulary", "read_tiktoken_vocabulary", "builtin_pattern_of"]


def builtin_pattern_of(regexes: tuple[str, ...]) -> Pattern | None:
    """The built-in pattern whose ported regexes are ``regexes`` (as in an exported file), or None.

    >>> builtin_pattern_of((port_regex(r"\\p{N}{1,3}", target="onig"),)) is None
    True
    """
    for p in PATTERNS.values():
        if tuple(port_regex(r, target="onig") for r in p.regexes) == tuple(regexes):
            return p
    return None


def read_hf_vocabulary(path_or_obj: str | os.PathLike[str] | dict[str, Any]) -> Vocabulary:
    """The :class:`Vocabulary` in a ``tokenizer.json`` written by :func:`tokenizer.export.save_hf`.

    The pattern is recognised when it is a built-in one (else a ``custom`` pattern with the
    file's regexes); the merges are the file's, as id pairs.

    Raises:
        ExportError: the file is not a byte-level BPE ``tokenizer.json`` of that shape.
    """
    if isinstance(path_or_obj, dict):
        obj = path_or_obj
    else:
        p = Path(path_or_obj)
        obj = json.loads((p / "tokenizer.json" if p.is_dir() else p).read_text(encoding="utf-8"))
    try:
        model = obj["model"]
        if model["type"] != "BPE":
            raise ExportError(f"not a BPE model ({model['type']})")
        specials = {t["content"]: int(t["id"]) for t in obj.get("added_tokens", [])}
        inverse = unicode_to_bytes()
        ordinary = sorted(
            (i, s)
            for s, i in model["vocab"].items()
            if s not in specials and not s.startswith(HF_UNUSED_PREFIX)
        )
        tokens = [bytes(inverse[c] for c in s) for _, s in ordinary]
        if [i for i, _ in ordinary] != list(range(len(tokens))):
            raise ExportError("ordinary token ids are not 0..n-1")
        ids = {t: i for i, t in enumerate(tokens)}
        merges = []
        for m in model["merges"]:
            a, b = m.split(" ") if isinstance(m, str) else m
            merges.append((ids[bytes(inverse[c] for c in a)], ids[bytes(inverse[c] for c in b)]))
        pre = obj["pre_tokenizer"]
        steps = pre["pretokenizers"] if pre["type"] == "Sequence" else [pre]
        regexes = tuple(s["pattern"]["Regex"] for s in steps if s["type"] == "Split")
    except (KeyError, TypeError, ValueError) as e:
        if isinstance(e, ExportError):
            raise
        raise ExportError(f"not a codebpe-exported tokenizer.json ({type(e).__name__}: {e})") from e
    # The ported regexes are valid ``regex``-module regexes with the same meaning: a pattern that
    # is not built in is kept as it is.
    pattern = builtin_pattern_of(regexes) or Pattern(
        "custom", regexes, "read from a tokenizer.json"
    )
    return Vocabulary(tokens=tokens, pattern=pattern, merges=merges, special_tokens=specials)


def read_tiktoken_vocabulary(path: str | os.PathLike[str]) -> Vocabulary:
    """The :class:`Vocabulary` in a ``.tiktoken`` file and its sidecar (merges re-derived).

    Raises:
        ExportError: the sidecar is missing or malformed.
    """
    from .export import rank_merges
    from .interop import read_tiktoken_ranks

    meta = read_sidecar(path)
    ranks = read_tiktoken_ranks(path)
    tokens = [b""] * len(ranks)
    for t, i in ranks.items():
        tokens[i] = t
    name, regexes = meta["pattern"]["name"], tuple(meta["pattern"]["regexes"])
    builtin = PATTERNS.get(name)
    pattern = builtin if builtin and builtin.regexes == regexes else Pattern(name, regexes)
    return Vocabulary(
        tokens=tokens,
        pattern=pattern,
        merges=rank_merges(tokens),
        special_tokens={str(k): int(v) for k, v in meta["special_tokens"].items()},
    )
