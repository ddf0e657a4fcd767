"""Training inputs: turn ``train(inputs=...)`` into a stream of document texts and a summary.

Stage: corpus access for the trainer. Paths (files, folders, globs, ``hf:`` specs; a list,
tuple or set of ``str`` is always paths), ``None`` (the shipped ``corpora/`` sample) and
``datasets`` dataset objects go through ``tokenizer.corpus.Corpus``; any other iterable is taken
as documents (``str``, ``bytes``, dict rows or objects with a ``.text``); a ``Corpus`` object is
read with its own summary; a ``dict`` is refused (iterating it gives its keys). This module does
not split or count.

>>> texts, summary, fraction = open_documents(iter(["a b", b"c"]))
>>> list(texts), summary()["documents"], fraction()
(['a b', b'c'], 2, None)
"""

from __future__ import annotations

import copy
import os
import sys
from collections.abc import Callable, Container, Iterable, Iterator, Mapping
from typing import Any, Optional, Union

from ._text_chunks import iter_chunks

__all__ = [
    "CorpusInputError",
    "open_documents",
    "is_path_inputs",
    "add_summary",
    "path_set",
    "reader_imports",
]

#: What :func:`open_documents` returns: the documents' texts, a function giving the corpus
#: summary (call it afterwards), and one giving how far the inputs have been read, in [0, 1],
#: or ``None`` when their size is not known (``tokenizer.corpus.Corpus.read_fraction``).
Documents = tuple[
    Iterator[Union[str, bytes]], Callable[[], dict[str, Any]], Callable[[], Optional[float]]
]


def _unknown() -> float | None:
    return None


class CorpusInputError(ValueError):
    """``train(inputs=...)`` was given something it cannot read as one corpus."""


def is_path_inputs(inputs: Any) -> bool:
    """Whether ``inputs`` names sources (paths/specs) rather than being documents.

    A list may mix paths, specs, ``tokenizer.corpus.Source`` objects (as ``Corpus`` takes) and
    ``datasets`` dataset objects. A list or tuple of ``str`` is paths, never texts: pass texts
    as any other iterable (``iter(texts)``, a generator).

    >>> is_path_inputs("data/"), is_path_inputs(["a.txt", "b.jsonl"]), is_path_inputs(iter(["x"]))
    (True, True, False)
    """

    def is_source(x: Any) -> bool:
        return type(x).__name__ == "Source" or _is_dataset(x)

    if inputs is None or isinstance(inputs, (str, os.PathLike)):
        return True
    if isinstance(inputs, (list, tuple)):
        return len(inputs) > 0 and all(
            isinstance(x, (str, os.PathLike)) or is_source(x) for x in inputs
        )
    return is_source(inputs)


def path_set(inputs: Any) -> Any:
    """A ``set`` or ``frozenset`` of paths (``str`` / ``os.PathLike``) as a list in sorted
    order, read as paths like a list of them; anything else as it is. Taken for texts, as any
    other iterable, ``train({"a.py"})`` trained on the string ``"a.py"``.

    >>> path_set({"b.py", "a.py"}), path_set({b"text"})
    (['a.py', 'b.py'], {b'text'})
    """
    if (
        isinstance(inputs, (set, frozenset))
        and inputs
        and all(isinstance(x, (str, os.PathLike)) for x in inputs)
    ):
        return sorted(inputs, key=os.fspath)  # (a set's order changes from run to run)
    return inputs


def _datasets_types(*names: str) -> tuple[type, ...]:
    """The named classes of ``datasets`` if it is imported (else none: nothing is one of them)."""
    module = sys.modules.get("datasets")
    return tuple(getattr(module, n) for n in names if hasattr(module, n)) if module else ()


def _is_dataset(x: Any) -> bool:
    """A ``datasets.Dataset`` or ``IterableDataset`` (rows are dicts: read ``text_field``)."""
    types = _datasets_types("Dataset", "IterableDataset")
    return bool(types) and isinstance(x, types)


def _one_split(inputs: Any) -> Any:
    """A ``DatasetDict``'s only split; any other mapping is refused.

    Iterating a dict gives its keys, so ``train(DatasetDict)`` trained on the split *names* and
    ``train({...})`` on the keys. A ``DatasetDict`` of one split is that split (as ``hf-disk:``
    reads it); with several, training on all of them would silently take the held-out ones too.
    """
    if not isinstance(inputs, Mapping):
        return inputs
    if isinstance(inputs, _datasets_types("DatasetDict", "IterableDatasetDict")):
        if len(inputs) == 1:
            return next(iter(inputs.values()))
        splits = list(inputs)
        raise CorpusInputError(
            f"a {type(inputs).__name__} with splits {splits}: pass one split, e.g. "
            f"train(ds[{splits[0]!r}]), or a list of splits to read them all"
            if splits
            else f"an empty {type(inputs).__name__}: no split to read"
        )
    raise TypeError(
        f"a {type(inputs).__name__} is not a corpus (iterating it gives its keys): pass paths, "
        "an iterable of texts (e.g. iter(d.values())), or a datasets.Dataset"
    )


def _as_sources(inputs: Any) -> Any:
    """``inputs`` with each ``datasets`` dataset object as a ``tokenizer.corpus.Source``."""
    if not (_is_dataset(inputs) or isinstance(inputs, (list, tuple))):
        return inputs
    items = [inputs] if _is_dataset(inputs) else list(inputs)
    if not any(map(_is_dataset, items)):
        return inputs
    from .corpus import Source

    return [Source.of_dataset(x) if _is_dataset(x) else x for x in items]


def _text_of(doc: Any, index: int, text_field: str) -> str | bytes:
    """The text of one document of an iterable: itself, a dict row's ``text_field``, ``.text``."""
    if isinstance(doc, Mapping):
        if text_field not in doc:
            raise CorpusInputError(
                f"document #{index}: no text field {text_field!r}; keys: {sorted(map(str, doc))}"
            )
        text = doc[text_field]
    else:
        text = doc if isinstance(doc, (str, bytes)) else getattr(doc, "text", None)
    if isinstance(text, (bytearray, memoryview)):
        text = bytes(text)
    if not isinstance(text, (str, bytes)):
        what = type(text if isinstance(doc, Mapping) else doc).__name__
        raise TypeError(f"documents must be str or bytes, not {what} (document #{index})")
    return text


def _utf8_size(text: str, index: int, stats: dict[str, Any]) -> tuple[str, int]:
    """``text`` and its UTF-8 size; lone surrogates become U+FFFD (counted in ``stats``).

    The encoder does the same (as tiktoken), and the counter could not take them: it raised
    ``UnicodeEncodeError`` from its worker thread.
    """
    try:
        return text, len(text.encode("utf-8"))
    except UnicodeEncodeError:
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        replaced = stats.setdefault("replaced", {})
        replaced["lone-surrogates"] = replaced.get("lone-surrogates", 0) + 1
        examples = stats.setdefault("replaced_examples", {}).setdefault("lone-surrogates", [])
        if len(examples) < 3:
            examples.append(f"#{index}")
        return text, len(text.encode("utf-8"))


def _texts_with_budget(
    docs: Iterable[Any], max_bytes: int | None, stats: dict[str, Any], text_field: str = "text"
) -> Iterator[str | bytes]:
    for index, doc in enumerate(docs):
        text = _text_of(doc, index, text_field)
        if isinstance(text, str):
            text, size = _utf8_size(text, index, stats)
        else:
            size = len(text)
        if max_bytes is not None and stats["bytes"] + size > max_bytes:
            left = max_bytes - stats["bytes"]
            if isinstance(text, str):
                text = text.encode("utf-8")[:left].decode("utf-8", "ignore")
                size = len(text.encode("utf-8"))
            else:
                text, size = text[:left], left
            stats["budget_reached"] = True
            if size:
                stats["documents"] += 1
                stats["bytes"] += size
                yield text
            return
        if not text:
            stats["skipped"]["empty"] = stats["skipped"].get("empty", 0) + 1
            continue
        stats["documents"] += 1
        stats["bytes"] += size
        yield text


def open_documents(
    inputs: Any = None,
    *,
    text_field: str = "text",
    lang_field: str | None = "lang",
    include: Iterable[str] = (),
    exclude: Iterable[str] = (),
    max_bytes: int | None = None,
    read_bytes: int | None = None,
) -> Documents:
    """The texts of ``inputs``, a function returning the corpus summary (call it afterwards)
    and one returning how far the inputs have been read (see :data:`Documents`): known for
    paths and a ``Corpus`` given, never for documents given as an iterable.

    ``inputs``: paths/specs (a ``str``, or a list, tuple or set of them: never texts), ``Source``
    objects, ``datasets`` dataset objects (alone or in such a list; a ``DatasetDict`` of one
    split), a ``tokenizer.corpus.Corpus``, or any other iterable of documents: ``str``,
    ``bytes``, dict rows (their ``text_field``) or objects with a ``.text``.
    ``text_field`` / ``lang_field``: record fields of JSONL, Parquet and datasets inputs (the
    language only goes into the summary). ``read_bytes``: as ``Corpus`` takes it.

    Raises:
        FileNotFoundError / tokenizer.corpus.CorpusError: a missing or unreadable source.
        TypeError: a ``dict`` (not a corpus), or a document that is not text.
    """
    inputs = _as_sources(_one_split(path_set(inputs)))
    if is_path_inputs(inputs):
        try:
            from .corpus import Corpus
        except ImportError:  # the corpus stage is not installed: plain files only
            return _plain_files(inputs, text_field=text_field, max_bytes=max_bytes)
        corpus = Corpus(
            inputs,
            text_field=text_field,
            lang_field=lang_field,
            include=include,
            exclude=exclude,
            max_bytes=max_bytes,
            read_bytes=read_bytes,
        )
        return corpus.texts(), lambda: corpus.summary.to_dict(), corpus.read_fraction
    if max_bytes is None and hasattr(inputs, "texts") and hasattr(inputs, "summary"):
        # a tokenizer.corpus.Corpus
        fraction = getattr(inputs, "read_fraction", _unknown)
        return inputs.texts(), lambda: inputs.summary.to_dict(), fraction
    stats: dict[str, Any] = {"documents": 0, "bytes": 0, "skipped": {}, "budget_reached": False}
    texts = _texts_with_budget(inputs, max_bytes, stats, text_field)
    return texts, lambda: dict(stats), _unknown


def reader_imports(
    inputs: Any = None,
    *,
    include: Iterable[str] = (),
    exclude: Iterable[str] = (),
    loaded: Container[str] | None = None,
) -> list[str]:
    """The modules that reading ``inputs`` (as :func:`open_documents` takes them) will import
    that are not in ``loaded`` (default: ``sys.modules``): ``pyarrow.parquet`` for Parquet
    files, ``pyarrow.ipc`` for ``hf-disk:`` datasets. Under ``--max-memory`` the trainer
    imports them before working out the piece table's share, so their memory (+34-43 MB of
    RSS) is in the process's size it starts from. Folders and globs are walked for it (their
    files are listed, not read); a source that cannot be listed is left to the reader, which
    says what is wrong with it.

    >>> reader_imports(["no/such.parquet", "hf:name", iter(["text"])])
    []
    """
    inputs = path_set(inputs)
    if not is_path_inputs(inputs) or inputs is None:
        return []
    from ._corpus_formats import detect_format
    from ._corpus_records import source_files
    from .corpus import Source, _globs

    wanted: list[str] = []
    for item in [inputs] if isinstance(inputs, (str, os.PathLike)) else list(inputs):
        try:
            src = item if isinstance(item, Source) else Source.parse(item)
            if src.data is not None or src.spec == "-" or src.spec.startswith("hf:"):
                continue  # (a dataset object: datasets is imported already)
            if src.spec.startswith("hf-disk:"):
                wanted.append("pyarrow.ipc")
                continue
            files = source_files(
                src,
                include=_globs(include, "include"),
                exclude=_globs(exclude, "exclude"),
                include_hidden=False,
            )
            if any(detect_format(f.path, src.format) == "parquet" for f in files):
                wanted.append("pyarrow.parquet")
        except Exception:  # noqa: BLE001 - the reader reports it when its turn comes
            continue
    return sorted({m for m in wanted if m not in (sys.modules if loaded is None else loaded)})


def add_summary(total: dict[str, Any], summary: dict[str, Any]) -> None:
    """Add one corpus summary into ``total``: numbers are summed, tables added key by key at
    any depth (``by_lang``: ``{lang: [documents, bytes]}`` lists element-wise), other values
    replaced.

    >>> total = {"documents": 2, "skipped": {"empty": 1}, "by_lang": {"go": [1, 10]}}
    >>> add_summary(total, {"documents": 3, "skipped": {"empty": 2}, "by_lang": {"go": [2, 5]}})
    >>> total["documents"], total["skipped"], total["by_lang"]
    (5, {'empty': 3}, {'go': [3, 15]})
    """

    def number(x: Any) -> bool:
        return isinstance(x, (int, float)) and not isinstance(x, bool)

    for key, value in summary.items():
        old = total.get(key)
        if number(value) and (old is None or number(old)):
            total[key] = (old or 0) + value
        elif isinstance(value, dict) and isinstance(old, dict):
            add_summary(old, value)
        elif (
            isinstance(value, list)
            and isinstance(old, list)
            and len(old) == len(value)
            and all(map(number, [*old, *value]))
        ):
            total[key] = [a + b for a, b in zip(old, value)]
        elif isinstance(value, dict):
            total[key] = copy.deepcopy(value)  # (added into later, in place)
        else:
            total[key] = value


def _plain_files(inputs: Any, *, text_field: str, max_bytes: int | None) -> Documents:
    """Fallback reader (no ``tokenizer.corpus``): text files, ``.jsonl`` files and folders.

    Text files are read in bounded chunks (``tokenizer._text_chunks``), like the corpus stage.
    """
    import gzip
    import json
    from pathlib import Path

    if inputs is None:
        raise FileNotFoundError("no inputs given and the shipped corpora/ sample is not available")
    paths = [Path(inputs)] if isinstance(inputs, (str, os.PathLike)) else [Path(p) for p in inputs]
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files += sorted(f for f in p.rglob("*") if f.is_file() and not f.name.startswith("."))
        elif p.is_file():
            files.append(p)
        else:
            raise FileNotFoundError(f"{p}: no such file or folder")

    def docs() -> Iterator[str]:
        for f in files:
            opener = gzip.open if f.suffix == ".gz" else open
            if ".jsonl" in f.suffixes:
                # utf-8-sig: a byte order mark at the start is dropped, as the corpus stage does
                with opener(f, "rt", encoding="utf-8-sig", errors="replace") as fh:  # type: ignore[operator]
                    for line in fh:
                        if line.strip():
                            yield json.loads(line).get(text_field) or ""
                continue
            with opener(f, "rb") as fb:  # type: ignore[operator]
                for _, chunk, _ in iter_chunks(fb):  # bounded documents, cut at line ends
                    # as text mode reads: universal newlines (a cut never splits "\r\n")
                    text = chunk.decode("utf-8", "replace")
                    yield text.replace("\r\n", "\n").replace("\r", "\n")

    stats: dict[str, Any] = {"documents": 0, "bytes": 0, "skipped": {}, "budget_reached": False}
    return _texts_with_budget(docs(), max_bytes, stats), lambda: dict(stats), _unknown
