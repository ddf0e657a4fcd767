"""PNG plots of a report: tokens per line by language, ratio to the reference, token lengths.

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

__all__ = ["render_plots", "grouped_bars"]


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


def grouped_bars(
    labels: list[str],
    series: dict[str, list[float | None]],
    *,
    title: str,
    ylabel: str,
    hline: float | None = None,
    reference_lines: dict[str, float] | None = None,
    colors: dict[str, str] | None = None,
) -> bytes:
    """One PNG: bars per label, one colour per series (``colors``: by series name, so a
    tokenizer keeps its colour from plot to plot); optional horizontal reference lines. The
    legend sits outside the axes, where it hides no bar."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(max(6.0, 0.9 * len(labels) + 2) + 2.2, 4.2))
    width = 0.8 / max(1, len(series))
    for i, (name, values) in enumerate(series.items()):
        xs = [j + (i - (len(series) - 1) / 2) * width for j in range(len(labels))]
        color = (colors or {}).get(name, f"C{i}")
        ax.bar(xs, [v if v is not None else 0.0 for v in values], width, label=name, color=color)
    for j, (name, y) in enumerate((reference_lines or {}).items()):
        ax.axhline(y, linestyle=("--", ":", "-.")[j % 3], color=f"C{len(series) + j}", label=name)
    if hline is not None:
        ax.axhline(hline, color="black", linewidth=0.8)
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels, rotation=30, ha="right")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    ax.grid(axis="y", alpha=0.3)
    return _png(fig)


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
    labels = [lang for lang in report["evaluation"]["languages"]]
    domains = [d for d in ("code",) if any(d in r["domains"] for r in rows)]
    keys = [("languages", lang) for lang in labels] + [("domains", d) for d in domains]
    names = labels + [f"{d} (domain)" for d in domains]  # (the tables' word)

    def column(row: dict[str, Any], fig: str, ratio: bool = False) -> list[float | None]:
        out = []
        for kind, key in keys:
            g = row[kind].get(key) or {}
            out.append((g.get("ratio_to_reference") or {}).get(fig) if ratio else g.get(fig))
        return out

    images = {
        "tokens_per_line": grouped_bars(
            names,
            {r["name"]: column(r, "tokens_per_line") for r in rows},
            title="Tokens per line by language (lower is better)",
            ylabel="tokens per line",
            colors=_colors(report),
        ),
    }
    ref = report.get("reference")
    if ref and any(r["name"] != ref for r in rows):  # (no bars when the reference is alone)
        images["ratio_to_reference"] = grouped_bars(
            names,
            {r["name"]: column(r, "tokens_per_line", True) for r in rows if r["name"] != ref},
            title=f"Tokens per line relative to {ref} (below 1 is better)",
            ylabel=f"ratio to {ref}",
            hline=1.0,
            colors=_colors(report),
        )
    images["token_length"] = _length_plot(report)
    return images, None
