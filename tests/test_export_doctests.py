"""Run the ``>>>`` examples of the export-stage modules (apart from test_doctests.py's list)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "tokenizer.regex_port",
    "tokenizer._regex_codepoints",
    "tokenizer.export",
    "tokenizer.export_tiktoken",
    "tokenizer.export_read",
    "tokenizer.fim",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0
