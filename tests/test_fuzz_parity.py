"""scripts/fuzz_parity.py: a short run finds no difference, and the shrinker keeps what differs."""

from __future__ import annotations

import random

from conftest import HAS_SHIPPED_HF, load_script


def _script():
    return load_script("fuzz_parity")


def test_short_fuzz_run_finds_no_difference(capsys):
    fuzz = _script()
    vocabs = "o200k_base,deepseek-v3" if HAS_SHIPPED_HF else "o200k_base"  # (conftest.py)
    assert fuzz.main(["--seconds", "2", "--seed", "5", "--vocab", vocabs]) == 0
    out = capsys.readouterr().out
    assert "0 differed" in out and "DIFF" not in out


def test_shrink_keeps_the_difference():
    fuzz = _script()
    # a stand-in for "codebpe and the reference differ": the text holds both "x" and "y"
    text = "abc x def " * 20 + "y" + " ghi" * 30
    assert fuzz.shrink(text, lambda t: "x" in t and "y" in t) == "xy"


def _whole_sequences(data: bytes) -> bool:
    """Every lead byte is followed by exactly its continuation bytes (overlong forms allowed)."""
    i = 0
    while i < len(data):
        b = data[i]
        size = 1 if b < 0x80 else 2 if b & 0xE0 == 0xC0 else 3 if b & 0xF0 == 0xE0 else 4
        if b & 0xC0 == 0x80 or b >= 0xF8:
            return False
        if len(data) < i + size or any(c & 0xC0 != 0x80 for c in data[i + 1 : i + size]):
            return False
        i += size
    return True


def test_tokens_that_start_or_end_inside_a_character_are_completed():
    # The bytes fuzzer puts such tokens inside whole characters (the case of the 2026-11-29 bug
    # in the 3+3 cut shortcut, which it then finds in seconds).
    fuzz = _script()
    rng = random.Random(0)
    for t in [b"\xa3\xe1\x83", b"\x80", b"\x9a\xe1", b"ab\xe4", b"\x80\x80\x80x", b"x"]:
        for _ in range(50):
            out = fuzz.whole_chars_around(t, rng)
            assert t in out and _whole_sequences(out), (t, out)
