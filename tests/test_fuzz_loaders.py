"""scripts/fuzz_loaders.py: a short run of the loader fuzzer reports nothing."""

from __future__ import annotations

from conftest import load_script


def _script():
    return load_script("fuzz_loaders")


def test_short_fuzz_run_reports_nothing(capsys):
    fuzz = _script()
    argv = ["--seconds", "4", "--seed", "3", "--targets", "tiktoken,vocab,decode,ids,special"]
    assert fuzz.main(argv) == 0
    out = capsys.readouterr().out
    assert "0 reported" in out
