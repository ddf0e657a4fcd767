"""The C++ extension builds, imports and honours the split contract shared by all stages."""

from __future__ import annotations

import numpy as np
import pytest

from tokenizer._native import core


def test_core_imports():
    assert isinstance(core.__version__, str)
    assert core.has_pattern("cl100k") and not core.has_pattern("nope")


@pytest.mark.parametrize("text", ["", "abc", "héllo 中文 🚀", b"\xff\xfe ab \x80"])
def test_split_offsets_cover_input(text):
    ends = core.split_offsets("cl100k", text)
    data = text.encode() if isinstance(text, str) else text
    assert ends.dtype == np.uint32
    assert (len(ends) == 0) == (len(data) == 0)
    if len(data):
        assert ends[-1] == len(data)
        assert np.all(np.diff(ends.astype(np.int64)) > 0)


def test_split_offsets_unknown_pattern():
    with pytest.raises(ValueError, match="no built-in matcher"):
        core.split_offsets("nope", "x")
