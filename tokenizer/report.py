"""Compression reports: measure several tokenizers on one evaluation set and write the results.

Stage: analysis (reports). :func:`analyse` loads tokenizers and evaluation text, runs
``tokenizer.analysis.measure`` on each and returns the report as a JSON-ready dict (keys documented
in docs/analysis.md); :func:`write_report` writes ``report.json``, ``report.md``, a self-contained
``report.html`` and PNG plots into a folder, each file atomically (not the set: a failure
part-way leaves the files written before it new); :func:`headline_table` is the README's
table. A tokenizer that fails to load, or a language without lines, is listed in ``errors`` and
the rest is still measured. Rendering lives in ``tokenizer._report_render`` and plots in
``tokenizer._report_plots``.

>>> report = analyse(["cl100k_base"], [("def f():\\n    return 1\\n", "python")])  # doctest: +SKIP
>>> report["tokenizers"][0]["languages"]["python"]["tokens_per_line"]  # doctest: +SKIP
4.0
"""

from __future__ import annotations

import datetime
import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ._report_render import counted
from .analysis import (
    MAX_TOKEN_LENGTH,
    ContinuedDocument,
    FileLanguage,
    Measurement,
    add_ratios,
    count_lines,
    domain_of,
    measure,
)

__all__ = [
    "REPORT_FORMAT",
    "REPORT_VERSION",
    "DEFAULT_BASELINES",
    "DEFINITIONS",
    "analyse",
    "measured_anything",
    "write_report",
    "headline_table",
    "key_paths",
]

REPORT_FORMAT = "codebpe.report"
REPORT_VERSION = 1
DEFAULT_BASELINES = ("cl100k_base", "o200k_base")
DEFINITIONS = {
    "lines": "text.count('\\n') per document, plus 1 if it is non-empty and does not end with "
    "'\\n'; blank lines count; '\\r\\n' is one line end, a lone '\\r' none",
    "bytes": "UTF-8 bytes",
    "characters": "Unicode code points",
    "tokens": "ids from encode_ordinary (special-token text is encoded as ordinary text)",
    "tokens_per_line": "tokens / lines, both summed over the group's documents (a ratio of "
    "sums, not a mean of per-document figures); lower is better",
    "bytes_per_token": "bytes / tokens, summed over the group's documents; higher is better",
    "chars_per_token": "characters / tokens, summed over the group's documents; higher is better",
    "indent_tokens": "tokens whose bytes are all ASCII whitespace and cover at least one byte of "
    "a line's leading run of spaces/tabs (a run followed by a non-blank character)",
    "bracket_tokens": "tokens containing at least one of ( ) [ ] { }",
    "vocab_used_share": "distinct ids seen / n_vocab",
    "length_histogram": f"tokens by byte length 1..{MAX_TOKEN_LENGTH}; the last bucket is "
    f">= {MAX_TOKEN_LENGTH}",
    "ratio_to_reference": "figure / the reference tokenizer's figure for the same group (below 1 "
    "is better for tokens_per_line, above 1 for bytes_per_token and chars_per_token)",
    "domain": "zh, en, text (other natural languages), code (every other language tag), unknown",
    "language": "the lang field or the file extension's language, lower-cased; zh-CN, Chinese -> "
    "zh, en-US, English -> en; text, markdown, rst, latex get zh/ja/ko/en/text from their script",
}


def _error(kind: str, name: str, message: str) -> dict[str, str]:
    return {"kind": kind, "name": name, "message": message}


def analyse(
    tokenizers: Sequence[Any],
    texts: str
    | os.PathLike[str]
    | Iterable[str | os.PathLike[str]]
    | Iterable[tuple[str, str | None]]
    | None = None,
    *,
    baselines: bool = True,
    reference: str | None = "cl100k_base",
    speed: bool = False,
    max_bytes: int | None = None,
    measure_reference: bool = False,
    progress: bool = False,
) -> dict[str, Any]:
    """Measure tokenizers on evaluation text; return the report (see docs/analysis.md).

    Args:
        tokenizers: specs (vocabulary files, ``cl100k_base``, ``.tiktoken`` files,
            ``tokenizer.json`` paths, ``deepseek-coder``) or tokenizer objects.
        texts: input paths (one path or ``Source``, or any iterable of them), or an iterable
            of ``(text, lang)`` documents (a generator is read once, into a list);
            ``None``: the shipped held-out corpus.
        baselines: also measure ``cl100k_base`` and ``o200k_base`` (once each): not when a
            given spec is that name, nor when a given tokenizer object has its ``name`` and
            ``n_vocab``.
        reference: the tokenizer whose figures the ratios divide by (matched by name).
        speed: also report encode throughput (MB/s).
        max_bytes: read at most this many bytes of evaluation text.
        measure_reference: when no measured tokenizer is ``reference`` (by name or spec),
            load and measure it too (``codebpe report --reference NAME``).
        progress: show the bytes measured so far, over all tokenizers, on stderr (a line
            every 10 s when stderr is not a terminal).

    >>> analyse([], [], baselines=False)["errors"][0]["message"]
    'the evaluation set is empty: no documents'
    """
    from ._analysis_sources import Documents, load_for_analysis, read_documents
    from ._corpus_summary import skip_notes
    from .corpus import CorpusError, Source

    errors: list[dict[str, str]] = []
    notes: list[str] = []
    specs: list[Any] = list(tokenizers)
    if baselines:
        named = [_canonical(s) for s in specs]  # (-t cl100k names cl100k_base: not measured twice)
        specs += [b for b in DEFAULT_BASELINES if b not in named and not _given(b, specs)]
    if isinstance(texts, (str, os.PathLike, Source)):
        texts = [texts]  # one input ("mine" was read as the paths m, i, n, e)
    elif texts is not None:
        texts = list(texts)  # once: a generator of documents was consumed by the check below
    docs: Any = []  # a list of (text, lang), or Documents (read again on every pass)
    inputs: list[str] = []
    if texts is not None and all(isinstance(t, tuple) for t in texts):
        docs = list(texts)  # type: ignore[arg-type]
        inputs = ["<documents>"]
    else:
        try:
            docs = read_documents(texts, max_bytes=max_bytes, stream=True)  # type: ignore
        except (ValueError, OSError, LookupError) as e:
            errors.append(_error("evaluation", "text", str(e)))
        inputs = [str(t) for t in texts] if texts is not None else ["<shipped held-out corpus>"]
    if not docs and not any(e["kind"] == "evaluation" for e in errors):
        errors.append(_error("evaluation", "text", "the evaluation set is empty: no documents"))

    rows: list[dict[str, Any]] = []
    names: set[str] = set()

    def is_reference(row: dict[str, Any]) -> bool:
        # (--reference o200k is the o200k_base row: measuring it again made a row o200k_base')
        return bool(reference) and (
            reference in (row["name"], row["spec"])
            or _canonical(reference) in (row["name"], _canonical(row["spec"]))
            or _same_file(reference, row["spec"])  # (./v.json for v.json: measured twice)
        )

    def measure_spec(spec: Any) -> None:
        if isinstance(spec, (str, os.PathLike)):
            label = os.fspath(spec)
        else:
            label = str(getattr(spec, "name", None) or type(spec).__name__)
        try:
            enc = load_for_analysis(spec) if isinstance(spec, (str, os.PathLike)) else spec
            name = str(getattr(enc, "name", None) or label)
            m: Measurement = measure(enc, docs, name=name, speed=speed, progress=advance)
        except CorpusError:
            raise  # bad evaluation input, met part-way through: not this tokenizer's failure
        except Exception as e:  # noqa: BLE001 - any failure of one tokenizer is reported, not fatal
            errors.append(_error("tokenizer", str(label), f"{type(e).__name__}: {e}"))
            return
        row = m.to_json()
        while row["name"] in names:
            row["name"] += "'"
        names.add(row["name"])
        row["spec"] = str(label)
        rows.append(row)
        if m.total.lossy_documents:
            errors.append(
                _error(
                    "lossy",
                    row["name"],
                    f"{counted(m.total.lossy_documents, 'document')} "
                    f"{'does' if m.total.lossy_documents == 1 else 'do'} not round-trip; "
                    "indentation figures may be off",
                )
            )

    from ._progress import Progress

    # Bytes measured over all tokenizers, updated after each batch (a per-tokenizer count showed
    # nothing while the first tokenizer ran, minutes on a large set): the total is known once
    # the first tokenizer has read the evaluation set.
    bar = Progress("measure", total=None, unit="B", enabled=progress and bool(docs))
    per_pass = 0  # bytes of the evaluation set, once a tokenizer has read it all
    passes = 0  # tokenizers done (measured or failed)

    def advance(measured: int) -> None:
        if bar.enabled:
            bar.update(per_pass * passes + measured)

    def measure_next(spec: Any, tokenizers: int) -> None:
        nonlocal per_pass, passes
        measure_spec(spec)
        passes += 1
        if rows and not per_pass:
            per_pass = rows[-1]["total"]["bytes"]
        bar.total = per_pass * tokenizers or None
        advance(0)

    langs: dict[str, dict[str, int]] = {}
    n_docs = characters = 0
    try:
        for spec in specs if docs else []:
            measure_next(spec, len(specs))
        if measure_reference and reference and docs and not any(map(is_reference, rows)):
            # asked for by name and not among the tokenizers: measure it
            measure_next(reference, len(specs) + 1)
        langs, n_docs, characters = _evaluation_set(docs)
    except CorpusError as e:
        # An input file is bad (invalid JSON, no text field, a non-string lang...) where the
        # first read did not look: the report stops, as train does, and nothing measured stands.
        errors.append(_error("evaluation", "text", str(e)))
        rows.clear()
        langs, n_docs, characters = {}, 0, 0
    finally:
        if bar.enabled:
            bar.close()
    if isinstance(docs, Documents) and docs.summary:
        # files a folder walk or glob left out, documents with invalid UTF-8...: as `corpus` says
        notes += [f"skipped {note}" for note in skip_notes(docs.summary)]
    ref_row = next(filter(is_reference, rows), None)
    if rows and reference and ref_row is None:
        if measure_reference:  # asked for, and it failed (see the errors)
            notes.append(f"reference {reference} was not measured: ratios are null")
        else:  # (the default reference, cl100k_base, and no baselines: information only)
            notes.append(
                f"no ratios to a reference: {reference} is not among the measured tokenizers "
                "(--reference NAME adds one)"
            )
    add_ratios(rows, ref_row)

    for lang, entry in sorted(langs.items()):
        if entry["lines"] == 0:
            errors.append(
                _error(
                    "language",
                    lang,
                    f"language {lang!r} has no lines "
                    f"({counted(entry['documents'], 'empty document')}): per-line figures "
                    "are null",
                )
            )
    from . import __version__

    return {
        "format": REPORT_FORMAT,
        "version": REPORT_VERSION,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "codebpe_version": __version__,
        "reference": ref_row["name"] if ref_row else None,
        "definitions": dict(DEFINITIONS),
        "evaluation": {
            "inputs": inputs,
            "documents": n_docs,
            "lines": sum(e["lines"] for e in langs.values()),
            "bytes": sum(e["bytes"] for e in langs.values()),
            "characters": characters,
            "languages": {k: langs[k] for k in sorted(langs, key=_lang_order)},
        },
        "tokenizers": rows,
        "errors": errors,
        "notes": notes,
        "plots": {},
    }


def _same_file(a: Any, b: Any) -> bool:
    """Whether the specs ``a`` and ``b`` name the same existing file or folder (``./v.json`` and
    ``v.json``, an absolute path, a link), a ``.tiktoken`` file's ``:PATTERN`` aside."""
    from ._loaders import tiktoken_spec

    if not isinstance(a, (str, os.PathLike)) or not isinstance(b, (str, os.PathLike)):
        return False
    (a, ta), (b, tb) = tiktoken_spec(os.fspath(a)), tiktoken_spec(os.fspath(b))
    try:
        return ta == tb and os.path.samefile(a, b)
    except (OSError, ValueError):
        return False


def _canonical(spec: Any) -> Any:
    """The name that a short tokenizer name stands for (``cl100k`` -> ``cl100k_base``,
    ``deepseek-coder`` -> ``deepseek-coder-33b-base``), as ``load_tokenizer`` resolves it; paths
    (an existing file or folder of that name wins, as in ``load_tokenizer``) and objects as given.

    >>> _canonical("cl100k"), _canonical("o200k_base"), _canonical("my.json")
    ('cl100k_base', 'o200k_base', 'my.json')
    """
    if not isinstance(spec, str) or Path(spec).exists():
        return spec
    from ._loaders import _TIKTOKEN_ALIASES
    from .interop import KNOWN_HF

    return KNOWN_HF.get(spec, _TIKTOKEN_ALIASES.get(spec, spec))


def _given(baseline: str, specs: Sequence[Any]) -> bool:
    """Whether a tokenizer object in ``specs`` is ``baseline`` already: same name, same
    ``n_vocab`` (``analyse([load_tokenizer("cl100k_base")], ...)`` measured it twice)."""
    same_name = [
        s
        for s in specs
        if not isinstance(s, (str, os.PathLike)) and getattr(s, "name", None) == baseline
    ]
    if not same_name:
        return False
    from ._analysis_sources import load_for_analysis

    try:
        n_vocab = load_for_analysis(baseline).n_vocab
    except Exception:  # noqa: BLE001 - it cannot be loaded: measuring it will say why
        return False
    return any(getattr(s, "n_vocab", None) == n_vocab for s in same_name)


def _evaluation_set(docs: Any) -> tuple[dict[str, dict[str, int]], int, int]:
    """Documents, lines and bytes per language, documents and characters in all."""
    langs: dict[str, dict[str, int]] = {}
    n_docs = characters = 0
    language = FileLanguage()
    for doc in docs:
        text, lang = doc[0], language(doc)
        continued = isinstance(doc, ContinuedDocument)  # (a chunk of a longer text)
        n_docs += 0 if continued else 1
        characters += len(text)
        entry = langs.setdefault(lang or "unknown", {"documents": 0, "lines": 0, "bytes": 0})
        entry["documents"] += 0 if continued else 1
        entry["lines"] += count_lines(text, continued=continued)
        entry["bytes"] += len(text.encode("utf-8"))
    return langs, n_docs, characters


def _lang_order(lang: str) -> tuple[int, str]:
    return ({"code": 0, "zh": 1, "en": 2, "text": 3}.get(domain_of(lang), 4), lang)


def measured_anything(report: dict[str, Any]) -> bool:
    """True when at least one tokenizer was measured on a non-empty evaluation set.

    >>> measured_anything({"tokenizers": [], "evaluation": {"documents": 3}})
    False
    """
    return bool(report["tokenizers"]) and report["evaluation"]["documents"] > 0


def write_report(
    report: dict[str, Any], out_dir: str | os.PathLike[str], *, plots: bool = True
) -> dict[str, Path]:
    """Write report.json, report.md, report.html and PNG plots into ``out_dir`` (created).

    Plots need matplotlib (``pip install "codebpe[plots]"``); without it the report says so.
    Plot files of an earlier report in ``out_dir`` that this one has not are removed. Returns
    ``{kind: path}`` of the files written.

    >>> written = write_report(analyse(["cl100k_base"], docs), "out")  # doctest: +SKIP
    >>> sorted(written)  # doctest: +SKIP
    ['bytes_per_token', 'chars_per_token', 'html', 'json', 'md', 'ratio_to_reference', ...]
    """
    from ._corpus_formats import escape_surrogates
    from ._report_plots import render_plots
    from ._report_render import render_html, render_markdown
    from .vocab import atomic_write_all

    report.update(escape_surrogates(report))  # (a file name that is not UTF-8: text can't say it)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    images: dict[str, bytes] = {}
    if plots:
        images, problem = render_plots(report)
        if problem:
            _note(report, problem)
    for key in images:
        written[key] = out / f"{key}.png"
    report["plots"] = {k: f"{k}.png" for k in images}
    for kind in ("json", "md", "html"):
        written[kind] = out / f"report.{kind}"
    # all or none: a report.md that could not be written left a new report.json by the old one
    texts = {
        "json": json.dumps(report, indent=1, ensure_ascii=False) + "\n",
        "md": render_markdown(report),
        "html": render_html(report, images),
    }
    atomic_write_all([(written[k], data) for k, data in {**images, **texts}.items()])
    from ._report_render import PLOT_TITLES

    for key in PLOT_TITLES.keys() - images.keys():  # an earlier report's plots would be stale
        (out / f"{key}.png").unlink(missing_ok=True)
    return written


def _note(report: dict[str, Any], note: str) -> None:
    if note not in report["notes"]:
        report["notes"].append(note)


def headline_table(report: dict[str, Any]) -> str:
    """The README table: tokens per line (code, zh, en, all) per tokenizer, with ratios.

    >>> headline_table({"tokenizers": [], "reference": None}).splitlines()[0]
    '| tokenizer | vocab | code | zh | en | all |'
    """
    from ._report_render import md_table, summary_table

    _, header, rows = summary_table(report)
    ref = report.get("reference")
    tail = f"; in brackets: ratio to {ref} (lower is better)" if ref else ""
    evaluation = report.get("evaluation", {})
    docs = evaluation.get("documents", 0)
    shipped = ["<shipped held-out corpus>"]
    kind = "held-out document" if evaluation.get("inputs", shipped) == shipped else "document"
    return md_table(header, rows) + f"\n\nTokens per line on {counted(docs, kind)}{tail}.\n"


def key_paths(obj: Any, prefix: str = "") -> list[tuple[str, str]]:
    """``(path, JSON type)`` for every value in ``obj``: ``a.b``, ``list[]``, ``dict{}.key``.

    Per-group figures are folded under ``<group>`` (a tokenizer's ``total``, ``domains{}`` and
    ``languages{}``), the notation of docs/analysis.md.

    >>> key_paths({"a": [1], "b": None})
    [('a', 'array'), ('a[]', 'integer'), ('b', 'null')]
    """
    kinds = {
        dict: "object",
        list: "array",
        str: "string",
        bool: "boolean",
        int: "integer",
        float: "number",
        type(None): "null",
    }
    out = [(prefix, kinds[type(obj)])] if prefix else []
    if isinstance(obj, dict):
        for key, value in obj.items():
            path = (
                f"{prefix}{{}}" if prefix in _FREE_KEYS else (f"{prefix}.{key}" if prefix else key)
            )
            if path in _GROUPS:
                out.append((path, kinds[type(value)]))
                out += [p for p in key_paths(value, "<group>") if p[0] != "<group>"]
            else:
                out += key_paths(value, path)
    elif isinstance(obj, list):
        for value in obj:
            out += key_paths(value, f"{prefix}[]")
    return sorted(set(out))


# Objects keyed by data (languages, domains, plot names), and the per-group objects.
_FREE_KEYS = {
    "evaluation.languages",
    "tokenizers[].domains",
    "tokenizers[].languages",
    "definitions",
    "plots",
}
_GROUPS = {"tokenizers[].total", "tokenizers[].domains{}", "tokenizers[].languages{}"}
