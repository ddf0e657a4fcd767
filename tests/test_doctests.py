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


@pytest.mark.parametrize(
    "name", ["tokenizer._encoding_compat", "tokenizer.analysis", "tokenizer.report"]
)
def test_skipped_cl100k_examples(name, cl100k, tmp_path, monkeypatch):
    """Examples marked +SKIP because they need cl100k_base on disk, run with it (two had
    rotted: encode_with_unstable's completion id and measure's token count). tiktoken's own
    get_encoding would download, so it is given codebpe's cl100k_base (the same ids)."""
    import types

    from tokenizer import load_tokenizer
    from tokenizer.encoding import Tokenizer

    monkeypatch.chdir(tmp_path)
    module = importlib.import_module(name)
    tiktoken = types.SimpleNamespace(get_encoding=lambda n: load_tokenizer(n).to_tiktoken())
    globs = {"Tokenizer": Tokenizer, "tiktoken": tiktoken, "docs": [("x = 1\n", "python")]}
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    attempted = 0
    for test in doctest.DocTestFinder().find(module, globs={**vars(module), **globs}):
        if not any("cl100k_base" in ex.source for ex in test.examples):
            continue
        for ex in test.examples:
            ex.options.pop(doctest.SKIP, None)
        attempted += runner.run(test).attempted
    assert attempted > 0
    assert runner.summarize(verbose=False).failed == 0
