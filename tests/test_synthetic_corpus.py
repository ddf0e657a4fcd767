"""scripts/make_synthetic_corpus.py: deterministic, the size asked for, unique words that grow."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "make_synthetic_corpus.py"


def make(out: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), str(out), *args], capture_output=True, text=True, timeout=300
    )


def words(path: Path) -> set[str]:
    seen = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            seen.update(json.loads(line)["text"].split())
    return seen


def test_deterministic_sized_and_varied(tmp_path):
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    for out in (a, b):
        r = make(out, "--recipe", "code", "--mb", "12")
        assert r.returncode == 0, r.stderr
    assert a.read_bytes() == b.read_bytes()
    # 12 MB is more than one copy of the code documents: the later copies carry suffixes
    assert 12e6 <= a.stat().st_size < 12e6 + 2e6
    plain = tmp_path / "plain.jsonl"
    assert make(plain, "--recipe", "code", "--mb", "12", "--suffix-rate", "0").returncode == 0
    assert len(words(a)) > 1.2 * len(words(plain))
    assert not list(tmp_path.glob("*.tmp"))  # written atomically


def test_bad_arguments():
    r = subprocess.run([sys.executable, str(SCRIPT), "x.jsonl", "--mb", "0"], capture_output=True)
    assert r.returncode == 2 and b"--mb" in r.stderr
