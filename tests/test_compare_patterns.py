"""scripts/compare_patterns.py: the pattern measurement runs end to end on a tiny corpus."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"


@pytest.fixture(scope="module")
def compare():
    sys.path.insert(0, str(SCRIPTS))
    try:
        path = SCRIPTS / "compare_patterns.py"
        spec = importlib.util.spec_from_file_location("compare_patterns", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.path.remove(str(SCRIPTS))


def test_settled_candidate_is_the_pattern(compare):
    from pattern_candidates import SETTLED, build

    from tokenizer.patterns import get_pattern

    assert build(**SETTLED) == get_pattern("codebpe-v1").text


def test_compare_prints_both_tables(compare, tmp_path, capsys, mixed_text):
    code, prose = tmp_path / "a.py", tmp_path / "b.txt"
    code.write_text(mixed_text * 3, encoding="utf-8")
    prose_text = "The quick brown fox.\n机器学习是人工智能的一个分支。\n" * 20
    prose.write_text(prose_text, encoding="utf-8")
    args = ["--train", f"python={code}", f"en={prose}", "--heldout", f"python={code}"]
    args += ["--vocab-size", "300", "--patterns", "cl100k", "codebpe-v1", "mine= ?\\w+|\\W"]
    assert compare.main(args) == 0
    out = capsys.readouterr().out
    assert "Held-out tokens per line" in out and "Held-out bytes per token" in out
    rows = [line for line in out.splitlines() if line.startswith("| codebpe-v1 |")]
    assert len(rows) == 2 and "(" in rows[0] and "(" not in rows[1]
    assert "| mine |" in out


def test_hf_regex_text_drops_possessives_only(compare):
    text = r"\p{N}{1,3}+| ?\p{L}++|\s*+x\++"
    assert compare.hf_regex_text(text) == r"\p{N}{1,3}| ?\p{L}+|\s*x\++"


@pytest.mark.parametrize(
    "args, message",
    [
        (["--patterns", "cl100k", "nope"], "--patterns nope: unknown split pattern 'nope'"),
        (["--patterns", "x=(["], "--patterns x=([: pattern '([' is neither"),
        (["--vocab-size", "-5"], "--vocab-size must be at least 257"),
    ],
)
def test_bad_arguments_stop_before_any_training(compare, args, message, capsys):
    """A bad last pattern failed with a traceback after the others had trained (their runs
    lost); a negative --vocab-size was a traceback too."""
    with pytest.raises(SystemExit) as info:
        compare.main(args)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "training:" not in err
