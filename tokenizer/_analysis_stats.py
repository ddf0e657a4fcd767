"""The sums the analysis stage accumulates, and the figures derived from them.

Stage: analysis (data). :class:`GroupStats` holds one group's sums (a language, a domain, or
everything) and turns them into figures; :class:`Measurement` holds one tokenizer's groups and
its JSON form (keys documented in docs/analysis.md). Both are re-exported by
``tokenizer.analysis``, which fills them; nothing here encodes, reads or renders.

>>> a, b = GroupStats(tokens=10, lines=2), GroupStats(tokens=5, lines=3)
>>> a.add(b); a.figures(n_vocab=100)["tokens_per_line"]
3.0
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["MAX_TOKEN_LENGTH", "GroupStats", "Measurement"]

#: The last bucket of the length histogram holds tokens of this many bytes or more.
MAX_TOKEN_LENGTH = 16


@dataclass
class GroupStats:
    """Sums over the documents of one group (a language, a domain, or everything)."""

    documents: int = 0
    lines: int = 0
    bytes: int = 0
    characters: int = 0
    tokens: int = 0
    indent_tokens: int = 0
    indent_bytes: int = 0
    bracket_tokens: int = 0
    bracket_chars: int = 0
    lossy_documents: int = 0
    length_histogram: list[int] = field(default_factory=lambda: [0] * MAX_TOKEN_LENGTH)
    used_ids: set[int] = field(default_factory=set, repr=False)

    def add(self, other: GroupStats) -> None:
        """Add ``other``'s sums into this group."""
        for name in (
            "documents",
            "lines",
            "bytes",
            "characters",
            "tokens",
            "indent_tokens",
            "indent_bytes",
            "bracket_tokens",
            "bracket_chars",
            "lossy_documents",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.length_histogram = [
            a + b for a, b in zip(self.length_histogram, other.length_histogram)
        ]
        self.used_ids |= other.used_ids

    def figures(self, n_vocab: int) -> dict[str, Any]:
        """The group's sums and derived figures (``None`` where the denominator is zero)."""

        def div(a: float, b: float) -> float | None:
            return a / b if b else None

        return {
            "documents": self.documents,
            "lines": self.lines,
            "bytes": self.bytes,
            "characters": self.characters,
            "tokens": self.tokens,
            "tokens_per_line": div(self.tokens, self.lines),
            "bytes_per_token": div(self.bytes, self.tokens),
            "chars_per_token": div(self.characters, self.tokens),
            "indent_tokens": self.indent_tokens,
            "indent_bytes": self.indent_bytes,
            "indent_token_share": div(self.indent_tokens, self.tokens),
            "bracket_tokens": self.bracket_tokens,
            "bracket_chars": self.bracket_chars,
            "bracket_token_share": div(self.bracket_tokens, self.tokens),
            "distinct_tokens": len(self.used_ids),
            "vocab_used_share": div(len(self.used_ids), n_vocab),
            "length_histogram": list(self.length_histogram),
            "lossy_documents": self.lossy_documents,
        }


@dataclass
class Measurement:
    """One tokenizer over one evaluation set: stats per language, per domain and in total."""

    name: str
    n_vocab: int
    languages: dict[str, GroupStats] = field(default_factory=dict)
    domains: dict[str, GroupStats] = field(default_factory=dict)
    total: GroupStats = field(default_factory=GroupStats)
    encode_seconds: float | None = None

    @property
    def speed_mb_s(self) -> float | None:
        """Encode throughput in MB/s (10**6 bytes), when measured."""
        if not self.encode_seconds or not self.total.bytes:
            return None
        return self.total.bytes / self.encode_seconds / 1e6

    def to_json(self) -> dict[str, Any]:
        """Every figure, keyed as documented in docs/analysis.md (``tokenizers[]`` entries)."""
        return {
            "name": self.name,
            "n_vocab": self.n_vocab,
            "speed_mb_s": self.speed_mb_s,
            "total": self.total.figures(self.n_vocab),
            "domains": {k: v.figures(self.n_vocab) for k, v in sorted(self.domains.items())},
            "languages": {k: v.figures(self.n_vocab) for k, v in sorted(self.languages.items())},
        }
