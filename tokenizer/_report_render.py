"""Render a report dict (``tokenizer.report.analyse``) as Markdown and as self-contained HTML.

Stage: analysis (rendering). Both formats come from one list of tables built by :func:`tables`,
so they always show the same figures. This module computes nothing and writes no files.

>>> fmt({"tokens_per_line": 2.0, "ratio_to_reference": {"tokens_per_line": 0.5}}, "tokens_per_line")
'2.00 (0.50×)'
"""

from __future__ import annotations

import base64
import html
from collections.abc import Iterable
from typing import Any

from .analysis import MAX_TOKEN_LENGTH, domain_of

__all__ = [
    "PLOT_TITLES",
    "counted",
    "groups",
    "group_of",
    "fmt",
    "summary_table",
    "tables",
    "md_table",
    "sections",
    "render_markdown",
    "render_html",
]

FIGURES = (
    ("tokens_per_line", "Tokens per line (lower is better)"),
    ("bytes_per_token", "Bytes per token (higher is better)"),
    ("chars_per_token", "Characters per token (higher is better)"),
)
# Plot key (its PNG is KEY.png) -> title; in this order.
PLOT_TITLES = {
    "tokens_per_line": "Tokens per line by language and domain",
    "ratio_to_reference": "Tokens per line relative to the reference",
    "bytes_per_token": "Bytes per token by language and domain",
    "chars_per_token": "Characters per token by language and domain",
    "token_length": "Token length distribution",
}
# The table whose numbers a plot shows (the plot is drawn above it, in its section).
_PLOT_TABLE = {"ratio_to_reference": "tokens_per_line"}
_CSS = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;
color:#222;line-height:1.45}table{border-collapse:collapse;margin:1em 0;font-size:14px}
th,td{border:1px solid #ccc;padding:4px 8px;text-align:right}.l{text-align:left}
th{background:#f3f3f3}tr:nth-child(even) td{background:#fafafa}
img{max-width:100%;border:1px solid #ddd}code{background:#f3f3f3;padding:1px 3px}
.err{color:#a00}"""


def counted(n: int, word: str) -> str:
    """``n`` and ``word``, plural unless ``n`` is 1.

    >>> counted(1, "document"), counted(1200, "tokenizer")
    ('1 document', '1,200 tokenizers')
    """
    return f"{n:,} {word if n == 1 else word + 's'}"


def fmt(group: dict[str, Any] | None, key: str, *, ratio: bool = True, digits: int = 2) -> str:
    """A figure with its ratio to the reference in brackets; ``–`` when there is none."""
    if not group or group.get(key) is None:
        return "–"
    text = f"{group[key]:.{digits}f}"
    r = (group.get("ratio_to_reference") or {}).get(key)
    return f"{text} ({r:.2f}×)" if ratio and r is not None else text


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.1f}%"


def groups(report: dict[str, Any]) -> list[tuple[str, str, str]]:
    """``(label, kind, key)`` of the tables' rows (and the plots' bar groups): languages, then
    domains (not one that is a single language of its name, such as zh), then all.

    >>> groups({"tokenizers": [], "evaluation": {"languages": {"go": {}}}})
    [('go', 'languages', 'go'), ('**all**', 'total', '')]
    """
    langs = list(report["evaluation"]["languages"])
    domains: list[str] = []
    for row in report["tokenizers"]:
        domains += [d for d in row["domains"] if d not in domains]
    order = {"code": 0, "zh": 1, "en": 2, "text": 3, "unknown": 4}
    domains.sort(key=lambda d: order.get(d, 9))
    # a domain made of one language of the same name (zh, en) would repeat that row
    domains = [d for d in domains if [lang for lang in langs if domain_of(lang) == d] != [d]]
    return (
        [(lang, "languages", lang) for lang in langs]
        + [(f"**{d}** (domain)", "domains", d) for d in domains]
        + [("**all**", "total", "")]
    )


def group_of(row: dict[str, Any], kind: str, key: str) -> dict[str, Any] | None:
    """A tokenizer's figures for one of :func:`groups`; ``None`` when it has no such group."""
    return row["total"] if kind == "total" else row[kind].get(key)


def summary_table(report: dict[str, Any]) -> tuple[str, list[str], list[list[str]]]:
    """Tokens per line in code, zh, en and all text, one row per tokenizer."""
    ref = report.get("reference")
    rows = []
    for r in report["tokenizers"]:
        cells = [r["domains"].get(d) for d in ("code", "zh", "en")] + [r["total"]]
        rows.append([r["name"], f"{r['n_vocab']:,}", *(fmt(g, "tokens_per_line") for g in cells)])
    title = "Summary: tokens per line (lower is better)" + (
        f"; in brackets: ratio to {ref}" if ref else ""
    )
    return title, ["tokenizer", "vocab", "code", "zh", "en", "all"], rows


Table = tuple[str, str, list[str], list[list[str]]]  # (key, title, header, rows)


def tables(report: dict[str, Any]) -> list[Table]:
    """Every table of the report as ``(key, title, header, rows)``; the key names the table
    (``summary``, a figure of ``FIGURES``, ``token_length``, ...), plots are drawn by it."""
    rows = report["tokenizers"]
    names = [r["name"] for r in rows]
    ref = report.get("reference")
    out: list[Table] = [("summary", *summary_table(report))]
    for key, title in FIGURES:
        body = [
            [label] + [fmt(group_of(r, kind, k), key) for r in rows]
            for label, kind, k in groups(report)
        ]
        title += f"; in brackets: ratio to {ref}" if ref else ""
        out.append((key, title, ["group", *names], body))
    out.append(("indentation", *_indentation_table(report)))
    out.append(("vocabulary", *_vocabulary_table(report)))
    buckets = [str(i) for i in range(1, MAX_TOKEN_LENGTH)] + [f"{MAX_TOKEN_LENGTH}+"]
    body = []
    for r in rows:
        hist = r["total"]["length_histogram"]
        total = sum(hist) or 1
        body.append([r["name"], *(f"{100 * h / total:.1f}" for h in hist)])
    title = "Token length: % of tokens by bytes per token"
    out.append(("token_length", title, ["tokenizer", *buckets], body))
    ev = report["evaluation"]
    body = [
        [lang, f"{e['documents']:,}", f"{e['lines']:,}", f"{e['bytes']:,}"]
        for lang, e in ev["languages"].items()
    ]
    body.append(["**all**", f"{ev['documents']:,}", f"{ev['lines']:,}", f"{ev['bytes']:,}"])
    out.append(("evaluation", "Evaluation set", ["language", "documents", "lines", "bytes"], body))
    return out


def _indentation_table(report: dict[str, Any]) -> tuple[str, list[str], list[list[str]]]:
    body = []
    for r in report["tokenizers"]:
        for label, kind, k in groups(report):
            g = group_of(r, kind, k)
            if not g or kind == "languages" and not g["indent_tokens"] and not g["bracket_tokens"]:
                continue
            per = g["indent_bytes"] / g["indent_tokens"] if g["indent_tokens"] else None
            body.append(
                [
                    r["name"],
                    label,
                    f"{g['indent_tokens']:,}",
                    _pct(g["indent_token_share"]),
                    "–" if per is None else f"{per:.2f}",
                    f"{g['bracket_tokens']:,}",
                    _pct(g["bracket_token_share"]),
                ]
            )
    header = [
        "tokenizer",
        "group",
        "indent tokens",
        "share",
        "indent bytes/token",
        "bracket tokens",
        "share",
    ]
    return "Indentation and bracket tokens", header, body


def _vocabulary_table(report: dict[str, Any]) -> tuple[str, list[str], list[list[str]]]:
    """Vocabulary use, and encode speed when it was measured (a column of dashes said nothing
    about why)."""
    rows = report["tokenizers"]
    speed = any(r["speed_mb_s"] is not None for r in rows)
    body = [
        [
            r["name"],
            f"{r['n_vocab']:,}",
            f"{r['total']['distinct_tokens']:,}",
            _pct(r["total"]["vocab_used_share"]),
        ]
        + (["–" if r["speed_mb_s"] is None else f"{r['speed_mb_s']:.2f}"] if speed else [])
        for r in rows
    ]
    header = ["tokenizer", "n_vocab", "distinct ids used", "share used"]
    if speed:
        return "Vocabulary use and speed", [*header, "encode MB/s"], body
    return "Vocabulary use (encode speed: not measured; codebpe report --speed)", header, body


def _text_columns(header: list[str]) -> int:
    """How many leading columns hold text (left-aligned): the first, and ``group`` after
    ``tokenizer`` (a tokenizer named ``group`` heads a column of numbers).

    >>> _text_columns(["tokenizer", "group", "share"]), _text_columns(["group", "tokenizer"])
    (2, 1)
    """
    return 2 if header[:2] == ["tokenizer", "group"] else 1


def sections(report: dict[str, Any], plots: Iterable[str]) -> list[tuple[Table, list[str]]]:
    """Each table with the plots drawn above it, in its section: a plot shows the numbers of
    the table of its key (``_PLOT_TABLE`` for the others); one without a table follows the
    summary.

    >>> ev = {"languages": {}, "documents": 0, "lines": 0, "bytes": 0}
    >>> report = {"tokenizers": [], "evaluation": ev}
    >>> [(t[0], keys) for t, keys in sections(report, ["token_length", "x"]) if keys]
    [('summary', ['x']), ('token_length', ['token_length'])]
    """
    out = [(table, []) for table in tables(report)]
    index = {table[0]: i for i, (table, _) in enumerate(out)}
    for key in plots:
        out[index.get(_PLOT_TABLE.get(key, key), 0)][1].append(key)
    return out


def _cell(text: str) -> str:
    """A Markdown table cell: ``|`` escaped and line breaks as spaces (a tokenizer named
    ``a|b`` split its row into one column too many)."""
    return " ".join(text.splitlines()).replace("|", "\\|")


def md_table(header: list[str], rows: list[list[str]]) -> str:
    """A GitHub Markdown table: the leading text columns (the first, and ``group`` after
    ``tokenizer``) left-aligned, the numbers right-aligned.

    >>> print(md_table(["tokenizer", "n"], [["a|b", "1"]]))
    | tokenizer | n |
    |---|--:|
    | a\\|b | 1 |
    """
    lines = [
        "| " + " | ".join(map(_cell, header)) + " |",
        "|" + "|".join(["---"] * (n := _text_columns(header)) + ["--:"] * (len(header) - n)) + "|",
    ]
    lines += ["| " + " | ".join(map(_cell, row)) + " |" for row in rows]
    return "\n".join(lines)


def _preamble(report: dict[str, Any]) -> tuple[str, list[str]]:
    ev = report["evaluation"]
    names = ", ".join(r["name"] for r in report["tokenizers"]) or "none"
    intro = (
        f"{counted(len(report['tokenizers']), 'tokenizer')} ({names}) on "
        f"{counted(ev['documents'], 'document')}, {counted(ev['lines'], 'line')}, "
        f"{counted(ev['bytes'], 'byte')} from {', '.join(ev['inputs'])}."
    )
    return intro, [f"{e['kind']} {e['name']}: {e['message']}" for e in report["errors"]]


def render_markdown(report: dict[str, Any]) -> str:
    """The report as Markdown (plots linked as files next to it)."""
    intro, errors = _preamble(report)
    parts = [
        f"# codebpe compression report\n\n{report['created']}, codebpe "
        f"{report['codebpe_version']}. {intro}"
    ]
    if errors:
        parts.append("## Errors\n\n" + "\n".join(f"- {e}" for e in errors))
    plots = report.get("plots", {})
    for (_, title, header, rows), keys in sections(report, plots):
        images = "".join(f"![{PLOT_TITLES.get(k, k)}]({plots[k]})\n\n" for k in keys)
        parts.append(f"## {title}\n\n{images}{md_table(header, rows)}")
    if report["notes"]:
        parts.append("## Notes\n\n" + "\n".join(f"- {n}" for n in report["notes"]))
    parts.append(
        "## Definitions\n\n"
        + "\n".join(f"- **{k}**: {v}" for k, v in report["definitions"].items())
    )
    return "\n\n".join(parts) + "\n"


def _inline(text: str) -> str:
    """Escape, then turn Markdown ``**bold**`` (used in row labels) into <b>."""
    parts = html.escape(text).split("**")
    return "".join(f"<b>{p}</b>" if i % 2 else p for i, p in enumerate(parts))


def render_html(report: dict[str, Any], images: dict[str, bytes]) -> str:
    """The report as one HTML file: CSS inline, plots as base64 PNG data URIs."""
    intro, errors = _preamble(report)
    body = [
        f"<h1>codebpe compression report</h1><p>{html.escape(report['created'])}, codebpe "
        f"{html.escape(report['codebpe_version'])}. {html.escape(intro)}</p>"
    ]
    if errors:
        body.append(
            "<h2>Errors</h2><ul>"
            + "".join(f'<li class="err">{html.escape(e)}</li>' for e in errors)
            + "</ul>"
        )
    for (_, title, header, rows), keys in sections(report, images):
        n = _text_columns(header)
        left = [' class="l"' if i < n else "" for i in range(len(header))]
        head = "".join(f"<th{a}>{html.escape(h)}</th>" for a, h in zip(left, header))
        trs = "".join(
            "<tr>" + "".join(f"<td{a}>{_inline(c)}</td>" for a, c in zip(left, row)) + "</tr>"
            for row in rows
        )
        imgs = "".join(
            f'<p><img alt="{html.escape(PLOT_TITLES.get(k, k))}" src="data:image/png;base64,'
            + base64.b64encode(images[k]).decode("ascii")
            + '"></p>'
            for k in keys
        )
        body.append(f"<h2>{html.escape(title)}</h2>{imgs}<table><tr>{head}</tr>{trs}</table>")
    if report["notes"]:
        body.append(
            "<h2>Notes</h2><ul>"
            + "".join(f"<li>{html.escape(n)}</li>" for n in report["notes"])
            + "</ul>"
        )
    body.append(
        "<h2>Definitions</h2><ul>"
        + "".join(
            f"<li><b>{html.escape(k)}</b>: {html.escape(v)}</li>"
            for k, v in report["definitions"].items()
        )
        + "</ul>"
    )
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>codebpe compression '
        f"report</title><style>{_CSS}</style></head><body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )
