"""Run the ``>>>`` examples in the public modules' docstrings, so the docs cannot rot."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

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


def _every_module() -> list[str]:
    import tokenizer

    names = [m.name for m in pkgutil.walk_packages(tokenizer.__path__, "tokenizer.")]
    return sorted(n for n in names if not n.endswith("._core") and n not in MODULES)


@pytest.mark.parametrize("name", _every_module())
def test_every_other_modules_examples(name):
    """Modules not listed above may have no examples; those they have must pass (two, never
    run, had rotted: tiktoken's encode_with_unstable("ab") is ([], [[97, 98]]) there)."""
    module = importlib.import_module(name)
    assert doctest.testmod(module, optionflags=doctest.ELLIPSIS).failed == 0
