"""Inputs of the analysis stage: tokenizers by spec, and evaluation documents.

Stage: analysis (inputs). :func:`load_for_analysis` resolves a tokenizer spec through
``tokenizer.encoding.load_tokenizer``; :class:`HFAdapter` measures a Hugging Face ``tokenizers``
object directly; :func:`read_documents` reads evaluation text through ``tokenizer.corpus``.
This module measures nothing (see ``tokenizer.analysis``).

>>> read_documents([])
Traceback (most recent call last):
ValueError: the evaluation set is empty: no input given
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from .analysis import prose_language

__all__ = [
    "HFAdapter",
    "load_for_analysis",
    "read_documents",
    "default_eval_paths",
    "prose_language",
]


class HFAdapter:
    """tiktoken-like view of a Hugging Face ``tokenizers.Tokenizer`` (byte-level BPE or other).

    ``encode_ordinary`` encodes without post-processing (no BOS/EOS). Token bytes come from the
    byte-level alphabet when the model uses one; added tokens are their UTF-8 text; a
    SentencePiece-style ``▁`` reads as a space and ``<0xNN>`` as that byte.

    >>> from tokenizers import Tokenizer, models  # doctest: +SKIP
    >>> HFAdapter(Tokenizer(models.BPE()), name="empty").n_vocab  # doctest: +SKIP
    0
    """

    def __init__(self, hf: Any, *, name: str) -> None:
        from tokenizers import pre_tokenizers

        self.hf, self.name = hf, name
        self.n_vocab = int(hf.get_vocab_size(with_added_tokens=True))
        self._added = {i: t.content for i, t in hf.get_added_tokens_decoder().items()}
        alphabet = pre_tokenizers.ByteLevel.alphabet()
        from .interop import unicode_to_bytes

        table = unicode_to_bytes()
        assert set(table) == set(alphabet)
        self._byte_of = table

    def encode_ordinary(self, text: str) -> list[int]:
        return list(self.hf.encode(text, add_special_tokens=False).ids)

    def encode_ordinary_batch(self, texts: Sequence[str]) -> list[list[int]]:
        return [list(e.ids) for e in self.hf.encode_batch(list(texts), add_special_tokens=False)]

    def decode_single_token_bytes(self, token: int) -> bytes:
        if token in self._added:
            return self._added[token].encode("utf-8")
        piece = self.hf.id_to_token(token)
        if piece is None:
            raise KeyError(f"{self.name}: no token with id {token}")
        if all(c in self._byte_of for c in piece):
            return bytes(self._byte_of[c] for c in piece)
        if len(piece) == 6 and piece.startswith("<0x") and piece.endswith(">"):
            return bytes([int(piece[3:5], 16)])
        return piece.replace("\u2581", " ").encode("utf-8")


def _display_name(spec: str) -> str:
    p = Path(spec)
    if p.exists():
        return p.parent.name if p.name in ("tokenizer.json", "tokenizer.json.zip") else p.stem
    return spec


def load_for_analysis(spec: str | os.PathLike[str]) -> Any:
    """A tokenizer object for ``spec`` with ``encode_ordinary`` / ``decode_single_token_bytes``.

    ``spec``: a codebpe vocabulary file, a tiktoken name (``cl100k_base``), a ``.tiktoken`` file
    (``path.tiktoken``: its sidecar's pattern, else cl100k; ``path.tiktoken:o200k`` names one), a
    ``tokenizer.json`` path or folder, or a short name such as ``deepseek-coder``.

    Raises:
        ValueError / OSError / KeyError: the spec cannot be resolved; the message says why.

    >>> load_for_analysis("cl100k_base").encode_ordinary("hello world")  # doctest: +SKIP
    [15339, 1917]
    """
    spec = os.fspath(spec)
    path, pattern = _split_spec(spec)
    if not Path(path).exists():
        return _load_named(path, pattern)  # names (cl100k_base, deepseek-coder) are loaded once
    return _load(path, pattern)


_TIKTOKEN_FILES = (".tiktoken", ".tiktoken.gz")


def _split_spec(spec: str) -> tuple[str, str | None]:
    """``a.tiktoken:o200k`` -> (``a.tiktoken``, ``o200k``); a bare ``.tiktoken`` takes the pattern
    of its codebpe sidecar (``a.tiktoken.json``) when it has one, else ``cl100k``."""
    head, sep, tail = spec.rpartition(":")
    if sep and head.endswith(_TIKTOKEN_FILES):
        return head, tail
    if spec.endswith(_TIKTOKEN_FILES) and not Path(spec + ".json").is_file():
        return spec, "cl100k"
    return spec, None


@functools.lru_cache(maxsize=8)
def _load_named(spec: str, pattern: str | None) -> Any:
    return _load(spec, pattern)


def _load(spec: str, pattern: str | None) -> Any:
    from .encoding import load_tokenizer

    enc = load_tokenizer(spec, pattern=pattern) if pattern else load_tokenizer(spec)
    if not getattr(enc, "name", None):
        enc.name = _display_name(spec)  # type: ignore[attr-defined]
    return enc


# ---- evaluation text -------------------------------------------------------------------------


def default_eval_paths() -> list[Path]:
    """The shipped held-out corpus (``corpora/heldout/*.jsonl.gz``, per its manifest).

    >>> [p.name for p in default_eval_paths()]
    ['code.jsonl.gz', 'en.jsonl.gz', 'zh.jsonl.gz']

    Raises:
        tokenizer.corpus.CorpusPathError: when the shipped corpora are not there.
    """
    from .corpus import default_corpus_paths

    return list(default_corpus_paths(split="heldout"))


class Documents:
    """Evaluation documents ``(text, lang)``, read from the inputs again on every pass, so that
    measuring several tokenizers holds one batch of text at a time, not the whole evaluation set
    (63 MB of text took 433 MB with one tokenizer). Passes give the same documents (the corpus
    reader is deterministic)."""

    def __init__(self, corpus_factory: Any) -> None:
        self._corpus = corpus_factory
        #: the corpus summary (``CorpusSummary.to_dict``) of the latest complete pass, or None
        self.summary: dict[str, Any] | None = None

    def __iter__(self) -> Iterator[tuple[str, str | None]]:
        from .analysis import ContinuedDocument, document_language

        corpus = self._corpus()
        for d in corpus:
            if isinstance(d.text, str):
                doc = (d.text, document_language(d.text, d.lang))
                yield ContinuedDocument(doc) if d.continued else doc
        self.summary = corpus.summary.to_dict()


def read_documents(
    inputs: Sequence[Any] | None = None,
    *,
    max_bytes: int | None = None,
    text_field: str = "text",
    lang_field: str | None = "lang",
    stream: bool = False,
) -> list[tuple[str, str | None]] | Documents:
    """Read evaluation documents as ``(text, lang)``; ``None`` means the shipped held-out corpus.

    Inputs are anything ``tokenizer.corpus`` reads (files, folders, JSONL, Parquet, ``hf:`` specs,
    ``tokenizer.corpus.Source`` objects); the text is the ``text_field`` of records, the language
    their ``lang_field`` (``None``: none) or comes from the file extension. With ``max_bytes`` the
    inputs are interleaved, so a prefix keeps their mixture. Invalid UTF-8 is skipped.

    With ``stream`` the result is a :class:`Documents` that reads the inputs again on each pass
    instead of a list (checked non-empty here).

    Raises:
        ValueError: the evaluation set is empty (no inputs, or nothing in them), or unreadable.

    >>> docs = read_documents(max_bytes=1000)  # the shipped held-out split
    >>> sum(len(text.encode()) for text, lang in docs)
    1000
    """
    from .corpus import Corpus, Source

    paths = [
        p if isinstance(p, Source) else str(p)
        for p in (default_eval_paths() if inputs is None else inputs)
    ]
    if not paths:
        raise ValueError("the evaluation set is empty: no input given")

    def make_corpus() -> Corpus:
        return Corpus(
            paths,
            max_bytes=max_bytes,
            interleave=max_bytes is not None,
            text_field=text_field,
            lang_field=lang_field,
        )

    corpus = make_corpus()
    docs: list[tuple[str, str | None]] | Documents
    if stream:
        first = next(iter(Documents(lambda: corpus)), None)  # (reads up to the first document)
        docs = Documents(make_corpus)
    else:
        docs = list(Documents(lambda: corpus))
        first = docs[0] if docs else None
    if first is None:
        from ._corpus_summary import skip_notes

        skipped = "".join(f"; skipped {note}" for note in skip_notes(corpus.summary.to_dict()))
        raise ValueError(
            f"the evaluation set is empty: no documents in {', '.join(map(str, paths))}{skipped}"
        )
    return docs
