"""Run the ``>>>`` examples in the public modules' docstrings, so the docs cannot rot."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "tokenizer",
    "tokenizer.patterns",
    "tokenizer._reference",
    "tokenizer.vocab",
    "tokenizer.interop",
    "tokenizer._encoding_special",
    "tokenizer._encoding_batch",
    "tokenizer._encoding_compat",
    "tokenizer._corpus_formats",
    "tokenizer._corpus_records",
    "tokenizer._corpus_mix",
    "tokenizer._corpus_hf",
    "tokenizer._text_chunks",
    "tokenizer._train_options",
    "tokenizer._train_stream",
    "tokenizer.train",
    "tokenizer._unicode_pinned",
    "tokenizer._nfc",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0
