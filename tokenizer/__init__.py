"""codebpe: a code-aware byte-level BPE tokenizer trainer and runtime.

The public API, imported lazily so that ``import tokenizer`` is cheap and the pure-Python parts
(patterns, corpus reading, vocabulary files) work even before the C++ core is needed.

>>> import tokenizer
>>> tokenizer.get_pattern("cl100k").name
'cl100k'
"""

from __future__ import annotations

import importlib as _importlib
from typing import Any as _Any

__version__ = "0.1.0"

# public name -> module that defines it
_LAZY: dict[str, str] = {
    "Pattern": "patterns",
    "PATTERNS": "patterns",
    "get_pattern": "patterns",
    "reference_split": "patterns",
    "Vocabulary": "vocab",
    "VocabularyError": "vocab",
    "VocabularyNotFound": "interop",
    "load_tiktoken_encoding": "interop",
    "Tokenizer": "encoding",
    "InvalidTokenId": "encoding",
    "TokenIdOverflow": "encoding",
    "load_tokenizer": "encoding",
    "StreamDecoder": "stream",
    "split": "pretokenize",
    "Trainer": "train",
}

__all__ = ["__version__", *_LAZY]


#: Public submodules, reachable as attributes (``tokenizer.train``, ``help(tokenizer.corpus)``)
#: without importing them first: ``import tokenizer; tokenizer.train`` was an AttributeError.
_MODULES = frozenset(
    "analysis cli corpus encoding export export_read export_tiktoken fim interop patterns "
    "pretokenize regex_port report reserved stream train vocab".split()
)


def __getattr__(name: str) -> _Any:
    if name in _MODULES:
        return _importlib.import_module(f".{name}", __name__)
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'tokenizer' has no attribute {name!r}")
    value = getattr(_importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    public = {n for n in globals() if not n.startswith("_") and n != "annotations"}
    return sorted(public | set(_LAZY) | _MODULES | {"__version__"})
