"""scripts/fuzz_parity.py: a short run finds no difference, and the shrinker keeps what differs."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _script():
    path = ROOT / "scripts" / "fuzz_parity.py"
    spec = importlib.util.spec_from_file_location("fuzz_parity", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_short_fuzz_run_finds_no_difference(capsys):
    fuzz = _script()
    assert fuzz.main(["--seconds", "2", "--seed", "5", "--vocab", "o200k_base,deepseek-v3"]) == 0
    out = capsys.readouterr().out
    assert "0 differed" in out and "DIFF" not in out


def test_shrink_keeps_the_difference():
    fuzz = _script()
    # a stand-in for "codebpe and the reference differ": the text holds both "x" and "y"
    text = "abc x def " * 20 + "y" + " ghi" * 30
    assert fuzz.shrink(text, lambda t: "x" in t and "y" in t) == "xy"
