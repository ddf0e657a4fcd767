"""scripts/fuzz_loaders.py: a short run of the loader fuzzer reports nothing."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _script():
    path = ROOT / "scripts" / "fuzz_loaders.py"
    spec = importlib.util.spec_from_file_location("fuzz_loaders", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_short_fuzz_run_reports_nothing(capsys):
    fuzz = _script()
    argv = ["--seconds", "4", "--seed", "3", "--targets", "tiktoken,vocab,decode,ids,special"]
    assert fuzz.main(argv) == 0
    out = capsys.readouterr().out
    assert "0 reported" in out
