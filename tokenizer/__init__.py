"""codebpe: a code-aware byte-level BPE tokenizer trainer and runtime."""

from __future__ import annotations

__version__ = "0.1.0"
