"""Locating and verifying the shipped corpus sample (``corpora/`` and its ``MANIFEST.json``).

Corpus stage, packaging side: finds the sample in a source checkout or an installed copy and
checks its files against the sha256 sums in the manifest. It never downloads or rebuilds anything;
``scripts/build_corpora.py`` does that.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

MANIFEST = "MANIFEST.json"
ENV_VAR = "CODEBPE_CORPORA"


def corpora_dir() -> Path | None:
    """The folder holding the shipped sample, or None when it cannot be found.

    Looked up in order: ``$CODEBPE_CORPORA``; ``corpora/`` next to the ``tokenizer`` package (a
    source checkout or editable install); ``tokenizer/data/corpora`` (an installed wheel).

    >>> corpora_dir() is None or (corpora_dir() / "MANIFEST.json").is_file()
    True
    """
    here = Path(__file__).resolve().parent
    candidates = [here.parent / "corpora", here / "data" / "corpora"]
    if os.environ.get(ENV_VAR):
        candidates.insert(0, Path(os.environ[ENV_VAR]))
    for candidate in candidates:
        if (candidate / MANIFEST).is_file():
            return candidate
    return None


def load_manifest(root: Path) -> dict:
    """Parse ``root/MANIFEST.json``."""
    return json.loads((Path(root) / MANIFEST).read_text(encoding="utf-8"))


def shipped_files(root: Path, *, split: str = "train") -> list[Path]:
    """The manifest's files for ``split`` ("train", "heldout" or "all"), in manifest order.

    >>> [p.name for p in shipped_files(corpora_dir())][:1] if corpora_dir() else ["code.jsonl.gz"]
    ['code.jsonl.gz']
    """
    if split not in ("train", "heldout", "all"):
        raise ValueError(f"split must be 'train', 'heldout' or 'all', not {split!r}")
    files = load_manifest(root)["files"]
    return [Path(root) / f["path"] for f in files if split in ("all", f["split"])]


def verify_manifest(root: Path) -> list[str]:
    """Check every file listed in ``root/MANIFEST.json`` against its sha256 (offline).

    Returns:
        A list of problems; empty when every file is present and intact.

    >>> verify_manifest(corpora_dir()) if corpora_dir() else []
    []
    """
    root = Path(root)
    if not (root / MANIFEST).is_file():
        return [f"{root / MANIFEST}: missing"]
    problems = []
    for entry in load_manifest(root)["files"]:
        path = root / entry["path"]
        if not path.is_file():
            problems.append(f"{path}: missing")
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != entry["sha256"]:
            problems.append(f"{path}: sha256 {digest} != manifest {entry['sha256']}")
    return problems
