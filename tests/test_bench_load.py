"""scripts/bench_load.py on a tiny tokenizer.json: the table's plumbing (timings never asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "bench_load.py"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=300
    )


def test_a_tokenizer_json_against_hf(tmp_path, mixed_text):
    pytest.importorskip("tokenizers")
    pytest.importorskip("tiktoken")  # (each measure imports both libraries before the clock)
    from _vocab_fixtures import train_hf_bytelevel

    path = tmp_path / "tiny" / "tokenizer.json"
    path.parent.mkdir()
    train_hf_bytelevel([mixed_text], vocab_size=400).save(str(path))
    r = run("--hf", str(path), "--tiktoken", "--runs", "1", "--python-route")
    assert r.returncode == 0, r.stderr
    rows = {}
    for line in r.stdout.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| tiny |"):
            rows[cells[2]] = cells
    assert set(rows) == {"codebpe", "codebpe (json.loads route)", "HF tokenizers"}
    assert all(row[1].endswith(" MB") for row in rows.values())
    for row in rows.values():
        assert float(row[3]) > 0  # load ms
        assert row[4] == "n/a" or float(row[4]) > -1000  # RSS growth (Linux only)
    assert rows["HF tokenizers"][5] == "1.00"  # the reference's own ratio


@pytest.mark.parametrize(
    ("args", "message"),
    [(("--runs", "0"), "--runs"), (("--hf", "no/such/tokenizer.json"), "no/such")],
)
def test_bad_arguments_are_one_line_errors(args, message):
    r = run("--tiktoken", *args)
    assert r.returncode == 2
    assert message in r.stderr.strip().splitlines()[-1]
