"""Export a :class:`~tokenizer.vocab.Vocabulary` to Hugging Face ``tokenizer.json`` and tiktoken.

Stage: export (vocabulary -> other stacks' files). Both exports give the same ids as codebpe's own
rank-based encoder (``tokenizer._reference.encode``) on every text:

* split: each regex of the vocabulary's pattern is ported to the target engine by
  :mod:`tokenizer.regex_port` (possessive intervals, anchors and Unicode classes made exact);
* Hugging Face: byte-level BPE whose merges are the *rank merges* of the tokens (for each token,
  the last step of rank BPE of its bytes over lower ranks), in id order, with
  ``ignore_merges=true`` (a piece that is a whole token maps to it, as in tiktoken). With these
  merges, merge-list BPE and rank BPE choose the same pair at every step, so the ids match even
  when the trainer recorded merges whose result already existed;
* tiktoken (:mod:`tokenizer.export_tiktoken`, re-exported here): ``mergeable_ranks`` are the ids
  themselves; only single-regex patterns can be a ``pat_str`` (:class:`TiktokenExportError`).

Every function here takes a :class:`~tokenizer.vocab.Vocabulary` or a ``Tokenizer``; a
``Tokenizer`` is exported with its own ids (one loaded with ``from_tiktoken`` gives tiktoken's
ids back); one loaded from a ``tokenizer.json`` (merge-list BPE) is written to Hugging Face format
as that file again (checked unchanged on disk), and to tiktoken raises :class:`ExportError`.

Files are written atomically. Reading them back is :mod:`tokenizer.export_read`; loading them as a
codebpe ``Tokenizer`` is ``Tokenizer.from_hf`` / ``Tokenizer.from_tiktoken``. This module does not
encode.

>>> v = Vocabulary.bytes_only(pattern="gpt2")
>>> to_hf_json(v)["model"]["vocab"]["Ġ"], to_tiktoken(v).encode("hi")
(32, [104, 105])
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from .export_tiktoken import (
    SIDECAR_FORMAT,
    ExportError,
    ExportTable,
    TiktokenExportError,
    export_table,
    load_tiktoken_export,
    read_sidecar,
    save_tiktoken,
    sidecar_path,
    tiktoken_pat_str,
    to_tiktoken,
)
from .interop import HF_UNUSED_PREFIX, bytes_to_unicode
from .patterns import Pattern
from .regex_port import PatternPortError, port_regex
from .vocab import Vocabulary, atomic_write, derive_merges

__all__ = [
    "ExportError",
    "TiktokenExportError",
    "PatternPortError",
    "SIDECAR_FORMAT",
    "bytes_to_unicode",
    "rank_merges",
    "hf_pre_tokenizer",
    "to_hf_json",
    "save_hf",
    "tiktoken_pat_str",
    "to_tiktoken",
    "sidecar_path",
    "save_tiktoken",
    "read_sidecar",
    "load_tiktoken_export",
]


def _hf_token(tok: bytes) -> str:
    m = bytes_to_unicode()
    return "".join(m[b] for b in tok)


@lru_cache(maxsize=4)
def _rank_merges(tokens: tuple[bytes, ...]) -> tuple[tuple[int, int], ...]:
    # subtle: why these merges make Hugging Face equal tiktoken. Inside a piece, rank BPE can only
    # form token T over a span whose merges never crossed the span's ends, so the merges inside
    # the span are exactly rank BPE of T's bytes alone, whose last step is T's pair here. Rank BPE
    # therefore only ever merges these pairs, at priority id(T), leftmost first: the same choice
    # a merge list in id order makes. Tokens rank BPE cannot build never form inside a piece; both
    # engines still map a piece equal to one (tiktoken's lookup, ``ignore_merges``).
    return tuple(derive_merges(list(tokens), strict=False))


def rank_merges(tokens: list[bytes]) -> list[tuple[int, int]]:
    """The merges that make merge-list BPE (Hugging Face) equal rank BPE (tiktoken) on ``tokens``.

    For each multi-byte token in id order: rank BPE of its bytes over the lower ids; when that
    ends in two parts, their pair is the token's merge. A token that rank BPE cannot build gets
    no merge (it is still produced when a whole piece equals it, in both engines).

    >>> rank_merges([bytes([i]) for i in range(256)] + [b"ab", b"bc", b"abc"])
    [(97, 98), (98, 99), (256, 99)]
    """
    return list(_rank_merges(tuple(tokens)))


def hf_pre_tokenizer(pattern: Pattern) -> dict[str, Any]:
    """The ``pre_tokenizer`` object: one isolated ``Split`` per regex, then byte-level mapping.

    Raises:
        PatternPortError: a regex cannot be carried to Oniguruma exactly.
    """
    splits = [
        {
            "type": "Split",
            "pattern": {"Regex": port_regex(rx, target="onig")},
            "behavior": "Isolated",
            "invert": False,
        }
        for rx in pattern.regexes
    ]
    byte_level = {
        "type": "ByteLevel",
        "add_prefix_space": False,
        "trim_offsets": False,
        "use_regex": False,
    }
    return {"type": "Sequence", "pretokenizers": [*splits, byte_level]}


def to_hf_json(vocab: Vocabulary | Any) -> dict[str, Any]:
    """The Hugging Face ``tokenizer.json`` object for ``vocab`` (a ``Vocabulary`` or a rank-based
    ``Tokenizer``, with its own ids; load it with ``tokenizers``).

    Special tokens become added tokens (``special: true``, ``normalized: false``) with their ids;
    when they are not the top ids (cl100k-style layouts) they are also listed in the model's vocab,
    since ``tokenizers`` numbers added tokens that the model does not know consecutively. An unused
    id (a gap in the ids) is a placeholder key ``interop.HF_UNUSED_PREFIX + str(id)``.

    >>> j = to_hf_json(Vocabulary.bytes_only(pattern="cl100k"))
    >>> j["model"]["type"], j["pre_tokenizer"]["pretokenizers"][-1]["type"]
    ('BPE', 'ByteLevel')
    """
    table = export_table(vocab)
    tokens = table.tokens
    hf_vocab = {_hf_token(t): i for i, t in enumerate(tokens) if t}
    merges = [f"{_hf_token(tokens[a])} {_hf_token(tokens[b])}" for a, b in rank_merges(tokens)]
    specials = sorted(table.special_tokens.items(), key=lambda kv: kv[1])
    # Every unused id gets a placeholder that no text produces: tokenizers counts the entries
    # (get_vocab_size, transformers' len(tokenizer)), and a count below the top special id made
    # resize_token_embeddings(len(tokenizer)) cut the specials off (cl100k: 100261 < 100277).
    used = set(hf_vocab.values()) | set(table.special_tokens.values())
    hf_vocab.update({f"{HF_UNUSED_PREFIX}{i}": i for i in range(table.n_vocab) if i not in used})
    if [i for _, i in specials] != list(range(len(hf_vocab), len(hf_vocab) + len(specials))):
        hf_vocab.update(dict(specials))
    byte_level = {"add_prefix_space": False, "trim_offsets": False, "use_regex": False}
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [
            {
                "id": i,
                "content": s,
                "single_word": False,
                "lstrip": False,
                "rstrip": False,
                "normalized": False,
                "special": True,
            }
            for s, i in specials
        ],
        "normalizer": None,
        "pre_tokenizer": hf_pre_tokenizer(table.pattern),
        "post_processor": {"type": "ByteLevel", **byte_level},
        "decoder": {"type": "ByteLevel", **byte_level},
        "model": {
            "type": "BPE",
            "dropout": None,
            "unk_token": None,
            "continuing_subword_prefix": None,
            "end_of_word_suffix": None,
            "fuse_unk": False,
            "byte_fallback": False,
            "ignore_merges": True,
            "vocab": hf_vocab,
            "merges": merges,
        },
    }


def _transformers_config(table: ExportTable) -> tuple[dict[str, Any], dict[str, Any]]:
    from .patterns import ENDOFTEXT, PAD

    specials = table.special_tokens
    names = sorted(specials, key=specials.__getitem__)
    roles: dict[str, Any] = {}
    if ENDOFTEXT in specials:
        roles["eos_token"] = ENDOFTEXT
    if PAD in specials:
        roles["pad_token"] = PAD
    roles["additional_special_tokens"] = [s for s in names if s not in roles.values()]
    added = {
        str(specials[s]): {
            "content": s,
            "lstrip": False,
            "normalized": False,
            "rstrip": False,
            "single_word": False,
            "special": True,
        }
        for s in names
    }
    config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "clean_up_tokenization_spaces": False,
        "added_tokens_decoder": added,
        **roles,
        "codebpe": {
            "pattern": {"name": table.pattern.name, "regexes": list(table.pattern.regexes)}
        },
    }
    return config, roles


def _save_hf_source(tok: Any, out: Path) -> Path:
    """A tokenizer loaded from a ``tokenizer.json``: that file's object, written again (it is the
    Hugging Face form of those ids), after checking that it still gives the same model."""
    from ._hf_import import parse_hf_tokenizer
    from .interop import load_hf_tokenizer_json

    origin = getattr(tok, "_hf_origin", None)
    if origin is None:
        raise ExportError(
            f"{tok.name!r} was built from a tokenizer.json object in memory: write that object "
            "with json.dump (it is the Hugging Face form of these ids), or "
            "tokenizer.export.save_hf(tok.vocab, ...) for codebpe's re-laid-out copy"
        )
    obj = load_hf_tokenizer_json(origin)
    # the whole parsed model: vocabulary, merges, added tokens, pre-tokenizer, normalizer
    if parse_hf_tokenizer(obj, name=tok.name) != tok._source[1]:
        raise ExportError(f"{origin}: changed on disk since {tok.name!r} was loaded from it")
    data = json.dumps(obj, ensure_ascii=False, indent=1) + "\n"
    target = out if out.suffix == ".json" else out / "tokenizer.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(target, data)
    return target


def save_hf(vocab: Vocabulary | Any, out: str | os.PathLike[str]) -> Path:
    """Write ``tokenizer.json`` for a ``Vocabulary`` or a ``Tokenizer`` (its own ids: one loaded
    from a ``tokenizer.json`` writes that file's content again); for a folder, from a vocabulary
    or a rank-based tokenizer, also ``tokenizer_config.json`` and
    ``special_tokens_map.json`` so that ``transformers.AutoTokenizer.from_pretrained(folder)``
    works offline. A path ending in ``.json`` is written as the single file.

    Returns the path of ``tokenizer.json``.

    >>> import tempfile; d = save_hf(Vocabulary.bytes_only(pattern="gpt2"), tempfile.mkdtemp())
    >>> d.name
    'tokenizer.json'
    """
    out = Path(out)
    if getattr(vocab, "_source", ("",))[0] == "hf":
        return _save_hf_source(vocab, out)
    data = json.dumps(to_hf_json(vocab), ensure_ascii=False, indent=1) + "\n"
    if out.suffix == ".json":
        out.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(out, data)
        return out
    out.mkdir(parents=True, exist_ok=True)
    config, roles = _transformers_config(export_table(vocab))
    atomic_write(out / "tokenizer.json", data)
    atomic_write(
        out / "tokenizer_config.json", json.dumps(config, ensure_ascii=False, indent=1) + "\n"
    )
    atomic_write(
        out / "special_tokens_map.json", json.dumps(roles, ensure_ascii=False, indent=1) + "\n"
    )
    return out / "tokenizer.json"
