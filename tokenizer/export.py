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
as that file again (checked unchanged on disk; into a folder with a ``tokenizer_config.json`` for
its added tokens), and to tiktoken raises :class:`ExportError`.

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
from .vocab import Vocabulary, atomic_write, atomic_write_all, derive_merges, make_folder

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
    "EOS_NAMES",
    "BOS_NAMES",
    "PAD_NAMES",
    "CONFIG_KEYS",
    "HF_FILES",
    "special_token_roles",
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


def _hf_regex(rx: str) -> str:
    """``rx`` ported to Oniguruma, checked by reading it back as ``tokenizers`` does."""
    from .regex_port import onig_to_regex

    ported = port_regex(rx, target="onig")
    try:
        onig_to_regex(ported)
    except PatternPortError as e:
        why = str(e).split(" at position ")[0]  # (not the ported text: classes run to pages)
        raise PatternPortError(f"{rx!r}: tokenizers would not split as codebpe does: {why}") from e
    return ported


def hf_pre_tokenizer(pattern: Pattern) -> dict[str, Any]:
    """The ``pre_tokenizer`` object: one isolated ``Split`` per regex, then byte-level mapping.

    Raises:
        PatternPortError: a regex cannot be carried to Oniguruma exactly, or its port is not
            one that ``tokenizer.json`` import reads back (a regex that can match the empty
            string: tokenizers cuts the text at every empty match, so its ids would differ).
    """
    splits = [
        {
            "type": "Split",
            "pattern": {"Regex": _hf_regex(rx)},
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
    for text, i in specials:
        j = hf_vocab.get(text)
        if j is not None and j != i:
            # tokenizers would take the added token as the vocabulary's entry (its id j), and
            # number the added tokens after it one lower (a special "()" beside the reserved
            # "()" moved every later special id down by one)
            raise ExportError(
                f"special token {text!r} (id {i}) is also how the vocabulary writes id {j}: a "
                "tokenizer.json cannot hold both; give the special token another name"
            )
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


# Special tokens that take a transformers role by name when none is given (first one present
# wins). Conservative: chat-turn markers such as <|im_end|> or <|eot_id|> end a turn, not
# necessarily the text, so they are never guessed; pass eos_token= for them. No unk: byte-level
# BPE encodes every text.
EOS_NAMES = ("<|endoftext|>", "</s>", "<eos>", "<|end_of_text|>")
BOS_NAMES = ("<s>", "<bos>", "<|begin_of_text|>", "<|startoftext|>")
PAD_NAMES = ("<|pad|>", "<pad>")
_ROLES = {"bos_token": BOS_NAMES, "eos_token": EOS_NAMES, "pad_token": PAD_NAMES}
# The role keys of transformers' tokenizer_config.json and special_tokens_map.json: they name
# tokens of the vocabulary, so the export owns them (one it does not set is removed).
_ROLE_KEYS = (
    "bos_token",
    "eos_token",
    "unk_token",
    "sep_token",
    "pad_token",
    "cls_token",
    "mask_token",
    "additional_special_tokens",
    "extra_special_tokens",
)
CONFIG_KEYS = (
    "tokenizer_class",
    "clean_up_tokenization_spaces",
    "added_tokens_decoder",
    *_ROLE_KEYS,
    "codebpe",
)
"""The keys of ``tokenizer_config.json`` that :func:`save_hf` owns: written (or removed when it
has no value for them, e.g. a role no special token takes); every other key of an existing file
(``chat_template``, ``model_max_length``, ``padding_side``, ...) is kept."""


def _role_name(value: Any) -> str | None:
    """A role's token as transformers writes it: a string, or an AddedToken object."""
    if isinstance(value, dict):
        value = value.get("content")
    return value if isinstance(value, str) else None


def special_token_roles(
    special_tokens: list[str],
    *,
    eos_token: str | None = None,
    bos_token: str | None = None,
    pad_token: str | None = None,
    existing: dict[str, Any] | None = None,
) -> dict[str, str]:
    """transformers' ``eos_token`` / ``bos_token`` / ``pad_token`` among ``special_tokens``.

    Each role is, in order: the name given; the role in ``existing`` (an earlier
    ``tokenizer_config.json`` in the output folder) when it names one of the special tokens;
    the first of :data:`EOS_NAMES` / :data:`BOS_NAMES` / :data:`PAD_NAMES` that is a special
    token; else unset.

    Raises:
        ExportError: a name given is not one of ``special_tokens``.

    >>> special_token_roles(["</s>", "<s>", "<pad>", "<|fim_prefix|>"])
    {'bos_token': '<s>', 'eos_token': '</s>', 'pad_token': '<pad>'}
    """
    given = {"bos_token": bos_token, "eos_token": eos_token, "pad_token": pad_token}
    present = set(special_tokens)
    roles: dict[str, str] = {}
    for role, names in _ROLES.items():
        name = given[role]
        if name is not None:
            if name not in present:
                shown = ", ".join(special_tokens[:12]) + (
                    " ..." if len(special_tokens) > 12 else ""
                )
                raise ExportError(
                    f"{role} {name!r} is not one of the vocabulary's special tokens "
                    f"({shown or 'none'})"
                )
            roles[role] = name
            continue
        old = _role_name((existing or {}).get(role))
        if old in present:
            roles[role] = old  # type: ignore[assignment]
            continue
        found = next((n for n in names if n in present), None)
        if found is not None:
            roles[role] = found
    return roles


def _added_token_entry(content: str, **flags: Any) -> dict[str, Any]:
    entry = {
        "content": content,
        "lstrip": False,
        "normalized": False,
        "rstrip": False,
        "single_word": False,
        "special": True,
    }
    entry.update({k: v for k, v in flags.items() if k in entry})
    return entry


def _transformers_config(
    added: list[dict[str, Any]],
    pattern: Pattern | None,
    roles_given: dict[str, str | None],
    existing: dict[str, Any],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(tokenizer_config.json, special_tokens_map.json) for the added tokens ``added`` (objects
    as in tokenizer.json's ``added_tokens``), merged into the ``existing`` config."""
    specials = [t["content"] for t in sorted(added, key=lambda t: t["id"]) if t["special"]]
    roles: dict[str, Any] = dict(special_token_roles(specials, existing=existing, **roles_given))
    roles["additional_special_tokens"] = [s for s in specials if s not in roles.values()]
    decoder = {str(t["id"]): _added_token_entry(**t) for t in sorted(added, key=lambda t: t["id"])}
    ours: dict[str, Any] = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "clean_up_tokenization_spaces": False,
        "added_tokens_decoder": decoder,
        **roles,
    }
    if pattern is not None:
        ours["codebpe"] = {"pattern": {"name": pattern.name, "regexes": list(pattern.regexes)}}
    kept = {k: v for k, v in existing.items() if k not in CONFIG_KEYS}
    return {**ours, **kept}, roles


def _existing_config(folder: Path) -> dict[str, Any]:
    """The ``tokenizer_config.json`` already in ``folder`` ({} when there is none).

    Raises:
        ExportError: it exists but is not a JSON object (nothing is written then).
    """
    path = folder / "tokenizer_config.json"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as e:
        raise ExportError(f"{path}: cannot read the existing file to merge into ({e})") from e
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as e:
        raise ExportError(
            f"{path}: not JSON ({e}); save_hf merges into an existing tokenizer_config.json: "
            "fix or remove it"
        ) from e
    if not isinstance(obj, dict):
        raise ExportError(f"{path}: not a JSON object; fix or remove it")
    return obj


#: The files :func:`save_hf` writes in a folder.
HF_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")


def _write_hf_folder(
    out: Path,
    data: str,
    added: list[dict[str, Any]],
    pattern: Pattern | None,
    roles_given: dict[str, str | None],
) -> Path:
    """tokenizer.json, tokenizer_config.json (merged into the existing one) and
    special_tokens_map.json in the folder ``out``, atomically, all three or none; everything is
    computed (and checked) before the first file is written."""
    existing = _existing_config(out) if out.is_dir() else {}
    config, roles = _transformers_config(added, pattern, roles_given, existing)
    make_folder(out)
    atomic_write_all(
        list(zip([out / name for name in HF_FILES], (data, _json_text(config), _json_text(roles))))
    )
    return out / HF_FILES[0]


def _json_text(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=1) + "\n"


def _write_json_file(out: Path, data: str) -> Path:
    """``tokenizer.json`` alone, to a path ending in ``.json`` (its folder made), atomically."""
    make_folder(out.parent)
    atomic_write(out, data)
    return out


def _save_hf_source(tok: Any, out: Path, roles_given: dict[str, str | None]) -> Path:
    """A tokenizer loaded from a ``tokenizer.json``: that file's object, written again (it is the
    Hugging Face form of those ids), after checking that it still gives the same model; for a
    folder, with a ``tokenizer_config.json`` for its added tokens."""
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
    data = _json_text(obj)
    if out.suffix == ".json":
        return _write_json_file(out, data)
    added = [
        {**t, "id": int(t["id"]), "special": bool(t.get("special", False))}
        for t in obj.get("added_tokens") or []
    ]
    return _write_hf_folder(out, data, added, getattr(tok, "pattern", None), roles_given)


def save_hf(
    vocab: Vocabulary | Any,
    out: str | os.PathLike[str],
    *,
    eos_token: str | None = None,
    bos_token: str | None = None,
    pad_token: str | None = None,
) -> Path:
    """Write ``tokenizer.json`` for a ``Vocabulary`` or a ``Tokenizer`` (its own ids: one loaded
    from a ``tokenizer.json`` writes that file's content again); for a folder, also
    ``tokenizer_config.json`` and ``special_tokens_map.json`` so that
    ``transformers.AutoTokenizer.from_pretrained(folder)`` works offline. A path ending in
    ``.json`` is written as the single file.

    ``eos_token``, ``bos_token`` and ``pad_token`` name special tokens for those transformers
    roles; a role not given keeps the one an existing ``tokenizer_config.json`` in the folder
    names (if it is still a special token), else takes the first special token of
    :data:`EOS_NAMES` / :data:`BOS_NAMES` / :data:`PAD_NAMES` (:func:`special_token_roles`).
    An existing ``tokenizer_config.json`` is merged into: the keys of :data:`CONFIG_KEYS` are
    replaced, all others (``chat_template``, ``model_max_length``, ...) kept.

    Returns the path of ``tokenizer.json``.

    Raises:
        ExportError: a role names no special token, a role is given for a single ``.json``
            file (roles live in ``tokenizer_config.json``), or an existing
            ``tokenizer_config.json`` is not a JSON object. Nothing is written then.

    >>> import tempfile; d = save_hf(Vocabulary.bytes_only(pattern="gpt2"), tempfile.mkdtemp())
    >>> d.name
    'tokenizer.json'
    """
    out = Path(out)
    roles_given = {"eos_token": eos_token, "bos_token": bos_token, "pad_token": pad_token}
    if out.suffix == ".json" and any(v is not None for v in roles_given.values()):
        named = ", ".join(k for k, v in roles_given.items() if v is not None)
        raise ExportError(
            f"{out}: the roles ({named}) are written to tokenizer_config.json, which a single "
            ".json output does not have; give a folder"
        )
    if getattr(vocab, "_source", ("",))[0] == "hf":
        return _save_hf_source(vocab, out, roles_given)
    obj = to_hf_json(vocab)  # (checks that vocab can be exported: a Vocabulary or rank BPE)
    data = _json_text(obj)
    if out.suffix == ".json":
        return _write_json_file(out, data)
    return _write_hf_folder(out, data, obj["added_tokens"], vocab.pattern, roles_given)
