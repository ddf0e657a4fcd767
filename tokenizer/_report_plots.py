"""PNG plots of a report: tokens per line, bytes and characters per token by language and domain,
tokens per line relative to the reference, token lengths.

Stage: analysis (plots). Needs matplotlib (the ``plots`` extra); without it :func:`render_plots`
returns no images and a sentence saying why, and the report is produced without plots. Uses the
non-interactive Agg backend and writes nothing itself.

>>> images, problem = render_plots({"tokenizers": [], "evaluation": {"languages": {}}})
>>> images
{}
"""

from __future__ import annotations

import io
from typing import Any

__all__ = ["render_plots", "grouped_bars", "bar_data"]


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    _pyplot().close(fig)
    return buf.getvalue()


# Bar groups up to this many are drawn as vertical bars side by side; more as horizontal bars,
# one group under the other, with the page's width for the values (40 groups of vertical bars
# were a 40-inch-wide PNG that the HTML shrank to unreadable labels).
VERTICAL_MAX_GROUPS = 16
# At most this many languages (the largest by bytes) get a bar group; all are in the tables.
MAX_PLOTTED_LANGUAGES = 40


def grouped_bars(
    labels: list[str],
    series: dict[str, list[float | None]],
    *,
    title: str,
    ylabel: str,
    hline: float | None = None,
    colors: dict[str, str] | None = None,
    separator: int | None = None,
) -> bytes:
    """One PNG: bars per label, one colour per series (``colors``: by series name, so a
    tokenizer keeps its colour from plot to plot), a missing value as no bar; ``hline``: a line
    at that value; ``separator``: a dotted line before the group of that index (languages |
    domains). Horizontal bars, labels top to bottom, when there are more than
    ``VERTICAL_MAX_GROUPS`` labels. The legend sits outside the axes, where it hides no bar."""
    plt = _pyplot()
    horizontal = len(labels) > VERTICAL_MAX_GROUPS
    n = max(1, len(series))
    if horizontal:
        size = (9.2, max(4.2, (0.16 * n + 0.2) * len(labels) + 1.3))
    else:
        size = (max(6.0, 0.9 * len(labels) + 2) + 2.2, 4.2)
    fig, ax = plt.subplots(figsize=size)
    width = 0.8 / n
    for i, (name, values) in enumerate(series.items()):
        at = [j + (i - (n - 1) / 2) * width for j in range(len(labels))]
        bars = [v if v is not None else 0.0 for v in values]
        color = (colors or {}).get(name, f"C{i}")
        draw = ax.barh if horizontal else ax.bar
        draw(at, bars, width, label=name, color=color)
    line = ax.axvline if horizontal else ax.axhline
    if hline is not None:
        line(hline, color="black", linewidth=0.8)
    if separator:
        (ax.axhline if horizontal else ax.axvline)(
            separator - 0.5, color="gray", linestyle=":", linewidth=1
        )
    if horizontal:
        ax.set_yticks(range(len(labels)))
        ax.set_yticklabels(labels)
        ax.set_ylim(len(labels) - 0.5, -0.5)  # the first label on top, as in the tables
        ax.set_xlabel(ylabel)
    else:
        ax.set_xticks(range(len(labels)))
        ax.set_xticklabels(labels, rotation=30, ha="right")
        ax.set_xlim(-0.5, len(labels) - 0.5)
        ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    ax.grid(axis="x" if horizontal else "y", alpha=0.3)
    return _png(fig)


def bar_data(
    report: dict[str, Any], figure: str, *, ratio: bool = False
) -> tuple[list[str], dict[str, list[float | None]], int]:
    """What a bar plot of ``figure`` shows, taken from the report's numbers: the labels of the
    tables' rows (languages, domains, all; with more than ``MAX_PLOTTED_LANGUAGES`` languages,
    the largest by bytes and zh, en, in the tables' order), ``{tokenizer: values}``
    (``ratio``: the figure's ratio to the reference; ``None`` where there is none) and the
    number of languages shown (the index of the first domain group).

    >>> row = {"name": "t", "languages": {"go": {"bytes_per_token": 3.5}}, "domains": {},
    ...        "total": {"bytes_per_token": 3.5}}
    >>> bar_data({"tokenizers": [row], "evaluation": {"languages": {"go": {"bytes": 7}}}},
    ...          "bytes_per_token")
    (['go', 'all'], {'t': [3.5, 3.5]}, 1)
    """
    from ._report_render import group_of, groups

    shown = _plotted_languages(report)
    keep = [g for g in groups(report) if g[1] != "languages" or g[2] in shown]
    labels = [label.replace("**", "") for label, _, _ in keep]

    def value(g: dict[str, Any] | None) -> float | None:
        g = g or {}
        return (g.get("ratio_to_reference") or {}).get(figure) if ratio else g.get(figure)

    series = {
        r["name"]: [value(group_of(r, kind, k)) for _, kind, k in keep]
        for r in report["tokenizers"]
    }
    return labels, series, len(shown)


def _plotted_languages(report: dict[str, Any]) -> list[str]:
    """The languages that get a bar group: all, or the ``MAX_PLOTTED_LANGUAGES`` largest and
    those that are their domain's only row (zh, en: the tables have no zh domain row)."""
    from .analysis import domain_of

    langs = report["evaluation"]["languages"]
    largest = _largest_languages(report)
    return [lang for lang in langs if lang in largest or domain_of(lang) == lang]


def _largest_languages(report: dict[str, Any]) -> list[str]:
    """The ``MAX_PLOTTED_LANGUAGES`` languages with the most bytes."""
    langs = report["evaluation"]["languages"]
    return sorted(langs, key=lambda lang: -langs[lang].get("bytes", 0))[:MAX_PLOTTED_LANGUAGES]


def _bar_plot(
    report: dict[str, Any],
    figure: str,
    title: str,
    ylabel: str,
    *,
    ratio: bool = False,
    leave_out: str | None = None,
    hline: float | None = None,
) -> bytes:
    """:func:`grouped_bars` of :func:`bar_data` without the tokenizer ``leave_out``; the title
    says when languages were left out."""
    labels, series, languages = bar_data(report, figure, ratio=ratio)
    if leave_out is not None:
        series.pop(leave_out, None)
    n = len(report["evaluation"]["languages"])
    if languages < n:
        largest = set(_largest_languages(report))
        also = [lang for lang in _plotted_languages(report) if lang not in largest]
        title += (
            f"\n{languages} of {n} languages: the {len(largest)} largest by bytes"
            + (f" and {', '.join(also)}" if also else "")
            + "; the tables have all"
        )
    return grouped_bars(
        labels,
        series,
        title=title,
        ylabel=ylabel,
        hline=hline,
        colors=_colors(report),
        separator=languages,
    )


def _colors(report: dict[str, Any]) -> dict[str, str]:
    """One colour per measured tokenizer, the same in every plot."""
    return {row["name"]: f"C{i % 10}" for i, row in enumerate(report["tokenizers"])}


def _length_plot(report: dict[str, Any]) -> bytes:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4))
    colors = _colors(report)
    for row in report["tokenizers"]:
        hist = row["total"]["length_histogram"]
        total = sum(hist) or 1
        ax.plot(
            range(1, len(hist) + 1),
            [100 * h / total for h in hist],
            marker="o",
            markersize=3,
            label=row["name"],
            color=colors[row["name"]],
        )
    ax.set_xlabel(f"bytes per token (last point: {len(hist)} or more)")
    ax.set_ylabel("% of tokens")
    ax.set_title("Token length distribution (all text)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return _png(fig)


def render_plots(report: dict[str, Any]) -> tuple[dict[str, bytes], str | None]:
    """``({plot key: PNG bytes}, None)``, or ``({}, reason)`` when plots cannot be made."""
    rows = report["tokenizers"]
    if not rows:
        return {}, "no plots: no tokenizer was measured"
    try:
        _pyplot()
    except ImportError:
        return {}, 'no plots: matplotlib is not installed (pip install "codebpe[plots]")'
    images = {
        "tokens_per_line": _bar_plot(
            report,
            "tokens_per_line",
            "Tokens per line by language and domain (lower is better)",
            "tokens per line",
        )
    }
    ref = report.get("reference")
    if ref and any(r["name"] != ref for r in rows):  # (no bars when the reference is alone)
        images["ratio_to_reference"] = _bar_plot(
            report,
            "tokens_per_line",
            f"Tokens per line relative to {ref} (below 1 is better)",
            f"ratio to {ref}",
            ratio=True,
            leave_out=ref,
            hline=1.0,
        )
    images["bytes_per_token"] = _bar_plot(
        report,
        "bytes_per_token",
        "Bytes per token by language and domain (higher is better)",
        "UTF-8 bytes per token",
    )
    images["chars_per_token"] = _bar_plot(
        report,
        "chars_per_token",
        "Characters per token by language and domain (higher is better)",
        "characters (code points) per token",
    )
    images["token_length"] = _length_plot(report)
    return images, None
