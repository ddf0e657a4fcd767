"""Analysis and reports: hand-computed metrics, real tiktoken, report files, bad input."""

from __future__ import annotations

import base64
import gzip
import json
import re
from pathlib import Path

import pytest
from conftest import shipped_hf

from tokenizer.analysis import ContinuedDocument, count_lines, indentation_mask, measure
from tokenizer.report import analyse, headline_table, key_paths, write_report

DOCS = Path(__file__).resolve().parent.parent / "docs" / "analysis.md"


class Greedy:
    """A toy tokenizer: greedy longest match over a fixed token list (ids = list positions)."""

    def __init__(self, tokens: list[str], name: str = "greedy") -> None:
        self.tokens = [t.encode() for t in tokens]
        self.n_vocab = len(tokens)
        self.name = name

    def encode_ordinary(self, text: str) -> list[int]:
        data, out, i = text.encode(), [], 0
        while i < len(data):
            best = max(
                (j for j, t in enumerate(self.tokens) if data.startswith(t, i)),
                key=lambda j: len(self.tokens[j]),
            )
            out.append(best)
            i += len(self.tokens[best])
        return out

    def decode_single_token_bytes(self, token: int) -> bytes:
        return self.tokens[token]


class PerByte:
    """One token per byte: the simplest possible reference."""

    n_vocab = 256
    name = "bytes"

    def encode_ordinary(self, text: str) -> list[int]:
        return list(text.encode())

    def decode_single_token_bytes(self, token: int) -> bytes:
        return bytes([token])


TOY = Greedy(
    ["def", " f", "():", "\n", "    ", "return", " (", "1", ")", "\n\n  ", "x", "中", "文"]
)
PY = "def f():\n    return (1)\n\n  x"  # 4 lines, 28 bytes, 11 toy tokens
ZH = "中文中"  # 1 line, 9 bytes, 3 characters, 3 tokens
TOY_DOCS = [(PY, "python"), (ZH, "zh")]


def test_lines_and_indentation_definitions():
    assert [count_lines(t) for t in ("", "a", "a\n", "\n", "a\n\nb", "a\r\nb\r\n", "a\rb")] == [
        0,
        1,
        1,
        1,
        3,
        2,
        1,
    ]
    # leading spaces/tabs followed by a non-blank character; a blank line has no indentation
    assert list(indentation_mask(b"\t x\n  \n y")) == [1, 1, 0, 0, 0, 0, 0, 1, 0]
    # form feed and vertical tab are whitespace: a line of them and spaces has none either
    assert list(indentation_mask(b"  \x0c\n  \x0b\nx")) == [0] * 9


def test_metrics_by_hand():
    m = measure(TOY, TOY_DOCS)
    assert TOY.encode_ordinary(PY) == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    py = m.languages["python"].figures(m.n_vocab)
    assert (py["lines"], py["bytes"], py["characters"], py["tokens"]) == (4, 28, 28, 11)
    assert py["tokens_per_line"] == 11 / 4 and py["bytes_per_token"] == 28 / 11
    # "    " and "\n\n  " cover indentation (4 + 2 bytes); "\n" alone does not
    assert (py["indent_tokens"], py["indent_bytes"]) == (2, 6)
    # "():", " (", ")" contain brackets; the text has 4 bracket characters
    assert (py["bracket_tokens"], py["bracket_chars"]) == (3, 4)
    assert py["length_histogram"][:6] == [4, 2, 2, 2, 0, 1] and sum(py["length_histogram"]) == 11
    assert py["distinct_tokens"] == 11 and py["vocab_used_share"] == 11 / 13
    zh = m.languages["zh"].figures(m.n_vocab)
    assert (zh["tokens"], zh["bytes_per_token"], zh["chars_per_token"], zh["lines"]) == (
        3,
        3.0,
        1.0,
        1,
    )
    total = m.total.figures(m.n_vocab)
    assert (total["tokens"], total["lines"], total["bytes"], total["characters"]) == (14, 5, 37, 31)
    assert total["distinct_tokens"] == 13 and total["vocab_used_share"] == 1.0
    assert set(m.domains) == {"code", "zh"} and m.domains["code"].tokens == 11
    assert total["lossy_documents"] == 0


def test_ratios_to_reference_by_hand():
    report = analyse([TOY, PerByte()], TOY_DOCS, baselines=False, reference="bytes")
    assert report["reference"] == "bytes"
    toy = report["tokenizers"][0]
    ratio = toy["languages"]["python"]["ratio_to_reference"]
    assert ratio["tokens_per_line"] == pytest.approx((11 / 4) / (28 / 4))
    assert ratio["bytes_per_token"] == pytest.approx((28 / 11) / 1.0)
    assert toy["total"]["ratio_to_reference"]["chars_per_token"] == pytest.approx(
        (31 / 14) / (31 / 37)
    )
    assert report["tokenizers"][1]["total"]["ratio_to_reference"]["tokens_per_line"] == 1.0


def test_real_tiktoken_counts_add_up(tiktoken_cl100k, mixed_text):
    m = measure(tiktoken_cl100k, [(mixed_text, "mixed")], name="cl100k_base")
    ids = tiktoken_cl100k.encode_ordinary(mixed_text)
    g = m.total
    assert g.tokens == len(ids) and g.bytes == len(mixed_text.encode()) and g.lossy_documents == 0
    assert g.lines == mixed_text.count("\n") and sum(g.length_histogram) == len(ids)
    assert g.indent_tokens > 0 and g.bracket_tokens > 0
    # every token containing a bracket, counted independently
    assert g.bracket_tokens == sum(
        any(c in tiktoken_cl100k.decode_single_token_bytes(i) for c in b"()[]{}") for i in ids
    )


@shipped_hf
def test_hf_adapter_round_trips_deepseek(mixed_text):
    from tokenizers import Tokenizer

    from tokenizer._analysis_sources import HFAdapter, load_for_analysis
    from tokenizer.interop import load_hf_tokenizer_json

    hf = Tokenizer.from_str(json.dumps(load_hf_tokenizer_json("deepseek-coder")))
    enc = HFAdapter(hf, name="deepseek-coder")
    text = mixed_text.replace("\r", "")
    ids = enc.encode_ordinary(text)
    assert ids == hf.encode(text, add_special_tokens=False).ids and len(ids) > 100
    assert b"".join(enc.decode_single_token_bytes(i) for i in ids) == text.encode()
    # whatever the short name resolves to (runtime or fallback) gives the same ids
    assert load_for_analysis("deepseek-coder").encode_ordinary(text) == ids


@pytest.fixture(scope="module")
def full_report(tmp_path_factory, tiktoken_cl100k):
    """A report with the default baselines loaded by name, plus objects and a failing spec."""
    report = analyse(
        [PerByte(), "no/such/vocab.json"],
        [
            (PY, "python"),
            ("int main() { return 0; }\n", "c"),
            (ZH + "\n", "zh"),
            ("Hello (world).\n", "en"),
            ("", "go"),
        ],
    )
    out = tmp_path_factory.mktemp("report")
    return report, out, write_report(report, out)


def test_report_files_and_errors(full_report):
    report, out, written = full_report
    assert [r["name"] for r in report["tokenizers"]] == ["bytes", "cl100k_base", "o200k_base"]
    assert report["reference"] == "cl100k_base"
    kinds = {(e["kind"], e["name"]) for e in report["errors"]}
    assert ("tokenizer", "no/such/vocab.json") in kinds and ("language", "go") in kinds
    assert report["tokenizers"][1]["languages"]["go"]["tokens_per_line"] is None
    for name in ("report.md", "report.html", "report.json"):
        assert (out / name).is_file()
    md = (out / "report.md").read_text()
    assert "no/such/vocab.json" in md and "language 'go' has no lines (1 empty document)" in md
    assert json.loads((out / "report.json").read_text())["tokenizers"][0]["name"] == "bytes"
    table = headline_table(report)
    assert table.splitlines()[0] == "| tokenizer | vocab | code | zh | en | all |"
    assert re.search(r"\| cl100k_base \| 100,\d{3} \| [\d.]+ \(1\.00×\)", table)


PLOTS = ["tokens_per_line", "ratio_to_reference", "bytes_per_token", "chars_per_token"]
PLOTS += ["token_length"]


def _png_size(png: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk; AssertionError when it is not a PNG."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR", png[:16]
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def test_html_embeds_plots(full_report):
    pytest.importorskip("matplotlib", reason="matplotlib (the plots extra) is not installed")
    from tokenizer._report_render import PLOT_TITLES

    report, out, written = full_report
    assert list(report["plots"]) == PLOTS
    assert report["plots"] == {k: f"{k}.png" for k in PLOTS}
    assert json.loads((out / "report.json").read_text())["plots"] == report["plots"]
    html = (out / "report.html").read_text()
    uris = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert len(uris) == 5 and "<img" in html and 'src="http' not in html
    pngs = [(out / f).read_bytes() for f in report["plots"].values()]
    assert [base64.b64decode(u) for u in uris] == pngs  # (in the order of report.json)
    assert all(w > 300 and h > 200 for w, h in map(_png_size, pngs))
    # each plot sits in the section of the table with its numbers, in HTML and Markdown
    md = (out / "report.md").read_text()
    for doc, image in ((md, "]({}.png)"), (html, 'alt="{}"')):
        sections = re.split(r"^## |<h2>", doc, flags=re.M)
        for key, heading in [
            ("tokens_per_line", "Tokens per line (lower"),
            ("ratio_to_reference", "Tokens per line (lower"),
            ("bytes_per_token", "Bytes per token (higher"),
            ("chars_per_token", "Characters per token (higher"),
            ("token_length", "Token length: "),
        ]:
            mark = image.format(key if doc is md else PLOT_TITLES[key])
            (section,) = [s for s in sections if mark in s]
            assert section.startswith(heading), (key, section[:60])
            assert section.index(mark) < section.index("<table" if doc is html else "| ")


def test_bar_plots_show_the_reports_numbers(full_report):
    """The bars of each plot are the report's figures (the tables' rows: languages, domains,
    all), checked against numbers worked out by hand for the one-token-per-byte tokenizer."""
    from tokenizer._report_plots import bar_data
    from tokenizer._report_render import groups

    report, _, _ = full_report
    labels, series, languages = bar_data(report, "bytes_per_token")
    assert labels == ["c", "go", "python", "zh", "en", "code (domain)", "all"]
    assert labels == [label.replace("**", "") for label, _, _ in groups(report)]
    assert languages == 5 and list(series) == ["bytes", "cl100k_base", "o200k_base"]
    assert series["bytes"] == [1.0, None, 1.0, 1.0, 1.0, 1.0, 1.0]  # go: no tokens
    # PerByte: ZH + "\n" is 4 characters in 10 bytes, 10 tokens; PY is ASCII
    assert bar_data(report, "chars_per_token")[1]["bytes"][2:4] == [1.0, 0.4]
    assert bar_data(report, "tokens_per_line")[1]["bytes"][:3] == [25.0, None, 7.0]
    for figure in ("tokens_per_line", "bytes_per_token", "chars_per_token"):
        for ratio in (False, True):
            _, series, _ = bar_data(report, figure, ratio=ratio)
            for row in report["tokenizers"]:
                groups_ = [*(row["languages"][k] for k in ("c", "go", "python", "zh", "en"))]
                groups_ += [row["domains"]["code"], row["total"]]
                want = [(g["ratio_to_reference"] or {}) if ratio else g for g in groups_]
                assert series[row["name"]] == [w.get(figure) for w in want], (figure, ratio)
    ratios = bar_data(report, "tokens_per_line", ratio=True)[1]
    assert ratios["cl100k_base"] == [1.0, None, 1.0, 1.0, 1.0, 1.0, 1.0]
    assert ratios["bytes"][-1] == pytest.approx(
        report["tokenizers"][0]["total"]["tokens_per_line"]
        / report["tokenizers"][1]["total"]["tokens_per_line"]
    )


def test_many_languages_get_horizontal_bars_and_the_largest_languages(monkeypatch):
    """Forty languages as vertical bars made a PNG forty inches wide, shrunk to unreadable
    labels in the HTML: past VERTICAL_MAX_GROUPS groups the bars are horizontal (a tall PNG),
    and past MAX_PLOTTED_LANGUAGES languages only the largest (and zh, en) get bars."""
    pytest.importorskip("matplotlib", reason="matplotlib (the plots extra) is not installed")
    import tokenizer._report_plots as plots

    docs = [("x\n" * (i + 1), f"lang{i:02d}") for i in range(20)] + [(ZH, "zh")]
    report = analyse([TOY, PerByte()], docs, baselines=False, reference="bytes")
    labels, series, languages = plots.bar_data(report, "bytes_per_token")
    assert languages == 21 and labels[-2:] == ["code (domain)", "all"] and len(series) == 2
    five = {name: values[:5] for name, values in series.items()}
    wide = plots.grouped_bars(labels[:5], five, title="t", ylabel="y")
    tall = plots.grouped_bars(labels, series, title="t", ylabel="y")
    assert len(labels) > plots.VERTICAL_MAX_GROUPS
    (w1, h1), (w2, h2) = _png_size(wide), _png_size(tall)
    assert w1 > 1.5 * h1 and h2 > w2, ((w1, h1), (w2, h2))
    monkeypatch.setattr(plots, "MAX_PLOTTED_LANGUAGES", 3)
    labels, series, languages = plots.bar_data(report, "bytes_per_token")
    assert labels == ["lang17", "lang18", "lang19", "zh", "code (domain)", "all"]
    assert languages == 4 and series["bytes"] == [1.0] * 6
    seen: dict[str, str] = {}
    monkeypatch.setattr(plots, "grouped_bars", lambda labels, series, **kw: seen.update(kw))
    plots.render_plots(report)
    want = "\n4 of 21 languages: the 3 largest by bytes and zh; the tables have all"
    assert seen["title"].endswith(want)


def test_stale_plots_are_removed(tmp_path, monkeypatch):
    """A report written without plots (no matplotlib, --no-plots) into the folder of one with
    plots removes every PNG of the earlier report, the bytes/characters per token ones too."""
    pytest.importorskip("matplotlib", reason="matplotlib (the plots extra) is not installed")
    import tokenizer._report_plots as plots

    write_report(analyse([TOY, PerByte()], TOY_DOCS, baselines=False, reference="bytes"), tmp_path)
    assert sorted(p.stem for p in tmp_path.glob("*.png")) == sorted(PLOTS)
    (tmp_path / "mine.png").write_bytes(b"\x89PNG not a plot of the report")
    report = analyse([TOY], TOY_DOCS, baselines=False)  # no reference: no ratio plot
    write_report(report, tmp_path)
    assert sorted(p.stem for p in tmp_path.glob("*.png")) == sorted(
        {*PLOTS, "mine"} - {"ratio_to_reference"}
    )
    monkeypatch.setattr(plots, "_pyplot", _no_matplotlib)
    write_report(report, tmp_path)
    assert [p.name for p in tmp_path.glob("*.png")] == ["mine.png"]
    assert json.loads((tmp_path / "report.json").read_text())["plots"] == {}


def test_a_report_is_written_all_or_none(tmp_path):
    """report.md that could not be written (a folder there) left a new report.json next to the
    old report.md and report.html."""
    (tmp_path / "report.json").write_text("old")
    (tmp_path / "report.md").mkdir()
    report = analyse([TOY], TOY_DOCS, baselines=False)
    with pytest.raises(IsADirectoryError):
        write_report(report, tmp_path, plots=False)
    assert (tmp_path / "report.json").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json", "report.md"]


def _no_matplotlib():
    raise ImportError("no matplotlib")


def test_report_text_says_what_the_figures_mean(full_report):
    """Read as a user: the summary said which way is better only in the README table; the
    figures in the tables had no definition; the group column of the indentation table was
    right-aligned like the numbers; a column of dashes stood for the speed not measured."""
    from tokenizer._report_render import render_markdown

    report, out, _ = full_report
    md = (out / "report.md").read_text()
    assert "## Summary: tokens per line (lower is better); in brackets: ratio to cl100k" in md
    for figure in ("tokens_per_line", "bytes_per_token", "chars_per_token"):
        assert f"- **{figure}**: " in md and figure in report["definitions"]
    assert "| tokenizer | group | indent tokens |" in md and "\n|---|---|--:|--:|" in md
    assert headline_table(report).startswith(
        "| tokenizer | vocab | code | zh | en | all |\n|---|--:|"
    )
    assert "## Vocabulary use (encode speed: not measured; codebpe report --speed)" in md
    assert "encode MB/s" not in md
    timed = analyse([PerByte()], TOY_DOCS, baselines=False, speed=True)
    assert re.search(
        r"\| share used \| encode MB/s \|\n.*\n\| bytes \| 256 \| .* \| [\d.]+ \|",
        render_markdown(timed),
    )


def test_documents_without_a_language_are_one_row():
    """Text without a language (--text -) made two identical rows, "unknown" and "unknown
    (domain)", in every table and plot, and sorted "unknown" among the code languages."""
    from tokenizer._report_render import groups

    docs = [("a\n", None), (PY, "python"), ("b\n", "")]
    report = analyse([PerByte()], docs, baselines=False, reference="bytes")
    assert [g[0] for g in groups(report)] == ["python", "unknown", "**code** (domain)", "**all**"]
    assert set(report["tokenizers"][0]["domains"]) == {"code", "unknown"}


def test_report_without_matplotlib(monkeypatch, tmp_path):
    import tokenizer._report_plots as plots

    monkeypatch.setattr(plots, "_pyplot", _no_matplotlib)
    report = analyse([TOY], TOY_DOCS, baselines=False)
    write_report(report, tmp_path)
    assert report["plots"] == {} and not list(tmp_path.glob("*.png"))
    assert any("matplotlib is not installed" in n for n in report["notes"])
    assert "matplotlib is not installed" in (tmp_path / "report.html").read_text()
    assert "data:image" not in (tmp_path / "report.html").read_text()


def _documented_keys() -> dict[str, set[str]]:
    rows = re.findall(r"^\| `([^`]+)` \| ([a-z\\|]+) \|", DOCS.read_text(), flags=re.M)
    assert len(rows) > 40, "the key table in docs/analysis.md was not found"
    return {path: set(types.replace("\\|", "|").split("|")) for path, types in rows}


def test_json_matches_documented_keys(full_report):
    report, out, _ = full_report
    documented = _documented_keys()
    produced = key_paths(json.loads((out / "report.json").read_text()))
    for path, kind in produced:
        assert path in documented, f"report.json key {path} is not documented in docs/analysis.md"
        assert kind in documented[path], f"{path} is {kind}, documented as {documented[path]}"
    paths = {p for p, _ in produced}
    # an element key may be absent only when its container is there and empty (e.g. no notes)
    missing = {
        p for p in set(documented) - paths if p[-2:] not in ("[]", "{}") or p[:-2] not in paths
    }
    assert not missing, f"documented keys missing from report.json: {sorted(missing)}"


def test_empty_evaluation_set(tmp_path):
    report = analyse([TOY], [], baselines=False)
    assert report["tokenizers"] == [] and report["errors"][0]["kind"] == "evaluation"
    assert "empty" in report["errors"][0]["message"]
    write_report(report, tmp_path)  # still writes a report that lists the problem
    assert "evaluation set is empty" in (tmp_path / "report.md").read_text()


def test_tokenizer_failing_mid_encode_is_reported():
    class Broken(PerByte):
        name = "broken"

        def encode_ordinary(self, text: str) -> list[int]:
            raise RuntimeError("encoder exploded")

    report = analyse([Broken(), TOY], TOY_DOCS, baselines=False)
    assert [r["name"] for r in report["tokenizers"]] == ["greedy"]
    assert report["errors"][0]["name"] == "broken" and "exploded" in report["errors"][0]["message"]


def test_reads_folders_and_jsonl(tmp_path):
    from tokenizer._analysis_sources import read_documents

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text("x = 1\n")
    with gzip.open(tmp_path / "t.jsonl.gz", "wt", encoding="utf-8") as f:
        f.write(json.dumps({"text": "你好\n", "lang": "zh"}) + "\n")
    docs = read_documents([tmp_path / "src", tmp_path / "t.jsonl.gz"])
    assert sorted(docs) == [("x = 1\n", "python"), ("你好\n", "zh")]
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="empty"):
        read_documents([tmp_path / "empty"])


def test_plain_text_files_get_their_language_from_their_script(tmp_path):
    """.txt files carry no language tag: Chinese and English ones go to the zh and en columns
    (they were all "text"), other prose stays "text"."""
    from tokenizer._analysis_sources import read_documents
    from tokenizer.report import analyse

    (tmp_path / "zh.txt").write_text("今天天气很好，我们去公园散步。Python 很好用。\n" * 5)
    (tmp_path / "en.txt").write_text("The weather is nice today, so we walk in the park.\n" * 5)
    (tmp_path / "de.txt").write_text("Schöne Grüße aus München, wir gehen spazieren.\n" * 5)
    (tmp_path / "ja.txt").write_text("今日はいい天気ですね。公園を散歩しましょう。\n" * 5)
    (tmp_path / "a.py").write_text("x = 1\n")
    langs = sorted(lang for _, lang in read_documents([tmp_path]))
    assert langs == ["en", "ja", "python", "text", "zh"]
    rep = analyse(["cl100k_base"], [tmp_path], baselines=False)
    assert set(rep["tokenizers"][0]["domains"]) == {"zh", "en", "text", "code"}
    assert rep["evaluation"]["languages"]["zh"]["documents"] == 1


def test_cli(tmp_path, capsys):
    from tokenizer.cli import main

    src = tmp_path / "a.py"
    src.write_text("def f(x):\n    return [x]\n")
    out = tmp_path / "r"
    assert (
        main(
            [
                "report",
                "-t",
                "no/such.json",
                "--no-baselines",
                "--text",
                str(src),
                "--out",
                str(out),
                "--no-plots",
            ]
        )
        == 2
    )
    err = capsys.readouterr().err  # (before measuring: a spec that names nothing is a typo)
    assert err.startswith("codebpe: error: no/such.json: no such file or folder (known names:")
    assert err.count("\n") == 1
    assert (
        main(
            [
                "report",
                "-t",
                "cl100k_base",
                "--no-baselines",
                "--text",
                str(src),
                "--markdown-table",
            ]
        )
        == 0
    )
    table = capsys.readouterr().out
    assert (
        table.startswith("| tokenizer |") and "| cl100k_base | 100,277 | – | – | – |" not in table
    )
    assert "cl100k_base" in table and not (tmp_path / "x").exists()
    (tmp_path / "empty").mkdir()
    assert main(["report", "--text", str(tmp_path / "empty"), "--out", str(out)]) == 2
    assert "evaluation set is empty" in capsys.readouterr().err


@pytest.mark.parametrize(
    "name",
    [
        "tokenizer.analysis",
        "tokenizer.report",
        "tokenizer._report_render",
        "tokenizer._report_plots",
        "tokenizer._analysis_sources",
        "tokenizer._analysis_stats",
    ],
)
def test_docstring_examples(name):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


def test_ablation_script_small_grid(tmp_path, mixed_text):
    """scripts/ablation.py end to end with the HF stand-in trainer on a tiny corpus."""
    from conftest import load_script

    ablation = load_script("ablation")
    train = tmp_path / "train.jsonl"
    train.write_text(
        "".join(
            json.dumps({"text": mixed_text * 3, "lang": lang}) + "\n" for lang in ("python", "zh")
        )
    )
    held = tmp_path / "held.py"
    held.write_text("def f(x):\n        return [x, x]\n")
    out = tmp_path / "abl"
    assert (
        ablation.main(
            [
                "--trainer",
                "hf",
                "--sizes",
                "300,400",
                "--patterns",
                "cl100k",
                "--train",
                str(train),
                "--heldout",
                str(held),
                "--baselines",
                "",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    results = json.loads((out / "ablation.json").read_text())
    runs = {(r["reserved"], r["vocab_size"]): r for r in results["runs"]}
    assert set(runs) == {(True, 300), (True, 400), (False, 300), (False, 400)}
    assert all(r["code"] > 0 and r["zh"] is None for r in runs.values())
    assert (
        runs[(False, 400)]["code"] <= runs[(False, 300)]["code"]
    )  # more merges never cost more here
    assert "| cl100k | yes |" in (out / "ablation.md").read_text()
    enc = ablation.train_hf([mixed_text], vocab_size=300, pattern="cl100k", reserved=True)
    assert enc.tokens[256 : 256 + len(ablation.STANDIN_RESERVED)] == ablation.STANDIN_RESERVED
    assert (
        b"".join(map(enc.decode_single_token_bytes, enc.encode_ordinary(mixed_text)))
        == mixed_text.encode()
    )


def test_vocabulary_and_tiktoken_files_as_specs(tmp_path):
    """Our vocabulary files and .tiktoken files are measured by path."""
    from tokenizer.vocab import Vocabulary

    ranks = {bytes([i]): i for i in range(256)} | {b"  ": 256, b"    ": 257, b"re": 258}
    vocab_path = tmp_path / "tiny-vocab.json"
    Vocabulary.from_ranks(ranks, pattern="codebpe-v1").save(vocab_path)
    tik_path = tmp_path / "tiny.tiktoken"
    tik_path.write_text("".join(f"{base64.b64encode(t).decode()} {r}\n" for t, r in ranks.items()))
    docs = [("if x:\n    return y\n", "python")]
    report = analyse([str(vocab_path), str(tik_path)], docs, baselines=False)
    assert not report["errors"], report["errors"]
    rows = {r["name"]: r for r in report["tokenizers"]}
    assert set(rows) == {"tiny-vocab", "tiny"} and rows["tiny-vocab"]["n_vocab"] == 259
    # codebpe-v1: if | x | : | \n | "    " | return | y | \n -> 2+2+1+1+1+5+2+1 = 15 tokens; the
    # indentation is one piece and one token
    ours = rows["tiny-vocab"]["languages"]["python"]
    assert (ours["indent_tokens"], ours["tokens"], ours["lossy_documents"]) == (1, 15, 0)
    # cl100k pattern (the .tiktoken default): "\n", "   ", " return": "  "+" " and the " " split
    # off " return" are whitespace tokens inside the indentation -> 3 indentation tokens, 17 in all
    tik = rows["tiny"]["languages"]["python"]
    assert (tik["indent_tokens"], tik["tokens"], tik["lossy_documents"]) == (3, 17, 0)


def test_cli_reference_is_measured_and_sizes_parse(tmp_path, capsys):
    """--reference NAME measures NAME (ratios were silently dropped when it was not a baseline or
    baselines were off); an unknown one is a warning naming it; --max-bytes takes sizes like
    train's; text of your own is not called held-out."""
    from tokenizer.cli import main

    src = tmp_path / "a.py"
    src.write_text("def f(x):\n    return [x]\n" * 20)
    args = ["report", "-t", "cl100k_base", "--text", str(src), "--markdown-table"]
    assert main([*args, "--no-baselines", "--reference", "o200k_base", "--max-bytes", "1k"]) == 0
    captured = capsys.readouterr()
    assert "o200k_base" in captured.out and "(1.00×)" in captured.out
    assert "ratio to o200k_base" in captured.out and "held-out" not in captured.out
    assert captured.err == ""
    assert main([*args, "--no-baselines", "--reference", "nosuch"]) == 0
    err = capsys.readouterr().err
    assert "warning: tokenizer nosuch" in err and "reference nosuch was not measured" in err
    # a -t spec that names nothing is a typo: refused before measuring (it was a warning and
    # exit status 0, where bench and encode exit 2)
    assert main([*args, "--no-baselines", "-t", "cl100k_bas"]) == 2
    assert "did you mean 'cl100k_base'?" in capsys.readouterr().err
    # (standard input, saved once, was measured once per "-": twice the documents)
    assert main([*args, "--text", "-", "--text", "-"]) == 2  # (refused before reading it)
    assert "--text -: standard input can be read once" in capsys.readouterr().err
    assert main([*args, "--no-baselines", "--reference", "cl100k_base"]) == 0  # measured already
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out.count("| cl100k_base |") == 1
    # the same file by another path is the measured row, not a second one ("v4k'")
    from tokenizer.encoding import load_tokenizer
    from tokenizer.export import save_tiktoken

    save_tiktoken(load_tokenizer("cl100k_base"), tmp_path / "my.tiktoken")
    mine = ["report", "-t", str(tmp_path / "my.tiktoken"), "--text", str(src), "--markdown-table"]
    other = str(tmp_path / ".." / tmp_path.name / "my.tiktoken")
    for ref in ("my", other):  # (by its display name, as docs/analysis.md shows, or its path)
        assert main([*mine, "--no-baselines", "--reference", ref]) == 0
        captured = capsys.readouterr()
        assert captured.out.count("| my |") == 1 and "my'" not in captured.out, ref
        assert "(1.00×)" in captured.out and captured.err == ""


def test_report_does_not_hold_the_evaluation_text(tmp_path, monkeypatch):
    """The evaluation documents are read again for each tokenizer instead of kept in a list:
    memory follows one batch, not the whole text (63 MB of text took 433 MB before)."""
    import functools
    import json
    import tracemalloc

    from tokenizer import analysis
    from tokenizer.encoding import Tokenizer
    from tokenizer.report import analyse

    monkeypatch.setattr(
        analysis, "_batches", functools.partial(analysis._batches, max_chars=1 << 18)
    )
    doc = "def f(x):\n    return [x, x + 1]  # a comment 中文\n" * 40
    path = tmp_path / "eval.jsonl"
    with open(path, "w") as f:
        for i in range(4_000_000 // len(doc)):
            f.write(json.dumps({"text": f"{doc}{i}"}) + "\n")
    tok = Tokenizer.from_tiktoken("cl100k_base")
    analyse([tok], [("warm up: " + doc, "python")], baselines=False)  # (the ids' int objects)
    tracemalloc.start()
    try:
        report = analyse([tok], [str(path)], baselines=False)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report["evaluation"]["bytes"] > 4_000_000 and report["tokenizers"][0]["total"]["tokens"]
    assert peak < 2_000_000, peak  # (held whole: over 4 MB)


def test_long_lines_count_once_across_chunks(tmp_path, monkeypatch):
    """A text file over CHUNK_BYTES is read in chunks; a chunk cut mid-line (or after a lone
    \\r, which is no line end) made an extra line, so a 2.4 MB one-line minified file counted
    3 lines. Lines and documents are per file, whatever the chunks."""
    from tokenizer import _text_chunks

    monkeypatch.setattr(_text_chunks, "CHUNK_BYTES", 4096)
    files = {
        "min.js": "var a=1;" * 3000 + "\n",  # one 24 kB line
        "cr.txt": "word\r" * 5000,  # lone CRs: one line, no line end
        "tail.py": "x = 1\n" * 2000 + "y" * 9000,  # 2,001 lines, the last unfinished
    }
    for name, text in files.items():
        (tmp_path / name).write_bytes(text.encode())
        whole = measure(PerByte(), [(text, "x")]).total
        report = analyse([PerByte()], [tmp_path / name], baselines=False)
        ev, total = report["evaluation"], report["tokenizers"][0]["total"]
        assert (ev["documents"], ev["lines"]) == (1, whole.lines), name
        assert (total["documents"], total["lines"], total["tokens"]) == (
            1,
            whole.lines,
            whole.tokens,
        ), name
        assert total["tokens_per_line"] == whole.tokens / whole.lines
    assert [measure(PerByte(), [(t, "x")]).total.lines for t in files.values()] == [1, 1, 2001]


def test_speed_does_not_charge_one_time_setup(monkeypatch):
    """With speed, each tokenizer is warmed up (untimed) before its documents are timed: the
    first NFC tokenizer measured paid a one-off ~0.2 s table build (qwen2.5: 5.8 MB/s first,
    41 MB/s second). A fake clock advances only inside encode_ordinary."""
    from tokenizer import analysis

    clock = [0.0]
    monkeypatch.setattr(analysis.time, "perf_counter", lambda: clock[0])

    class SlowFirstCall(PerByte):
        calls: list[str] = []

        def encode_ordinary(self, text: str) -> list[int]:
            clock[0] += 100.0 if not self.calls else 1.0  # setup on the first call only
            self.calls.append(text)
            return super().encode_ordinary(text)

    enc = SlowFirstCall()
    m = measure(enc, [("a\n", "x"), ("bb\n", "x")], speed=True)
    assert enc.calls[: len(analysis.WARM_UP)] == list(analysis.WARM_UP)
    assert m.encode_seconds == 2.0  # the two documents, not the setup
    assert any(not t.isascii() for t in analysis.WARM_UP)
    import unicodedata

    assert any(not unicodedata.is_normalized("NFC", t) for t in analysis.WARM_UP)


def test_language_tags_are_normalized(tmp_path):
    """Tags are case-insensitive and BCP 47 / names map to zh and en: zh-CN, Chinese, en-US, EN
    all landed in the code domain, and SQL / sql were two rows. Markdown, reST and LaTeX are
    prose: like .txt, they get a language from their script."""
    from tokenizer.analysis import domain_of

    tags = {
        "zh-CN": "zh",
        "zh_Hans": "zh",
        "Chinese": "zh",
        "mandarin": "zh",
        "en-US": "en",
        "en_GB": "en",
        "EN": "en",
        "English": "en",
        "Python": "python",
        "SQL": "sql",
        "sql": "sql",
        "C++": "cpp",
        "ja-JP": "ja",
    }
    texts = {"zh": "今天天气很好。\n", "en": "It is nice.\n", "ja": "今日はいい天気ですね。\n"}
    with open(tmp_path / "docs.jsonl", "w") as f:
        for tag, lang in tags.items():
            f.write(json.dumps({"text": texts.get(lang, "SELECT 1;\n"), "lang": tag}) + "\n")
    (tmp_path / "md").mkdir()
    (tmp_path / "md" / "README.md").write_text("# Title\n\nSome `code` and English.\n")
    (tmp_path / "md" / "zh.md").write_text("# 标题\n\n这是一个中文文档，说明如何使用。\n")
    (tmp_path / "md" / "guide.rst").write_text("Guide\n=====\n\nRead this first.\n")
    (tmp_path / "md" / "paper.tex").write_text("\\section{Intro} We show that it works.\n")
    report = analyse([PerByte()], [tmp_path / "docs.jsonl", tmp_path / "md"], baselines=False)
    langs = report["evaluation"]["languages"]
    assert set(langs) == {"zh", "en", "ja", "python", "sql", "cpp"}
    assert langs["zh"]["documents"] == 4 + 1 and langs["en"]["documents"] == 4 + 3
    assert langs["sql"]["documents"] == 2
    row = report["tokenizers"][0]
    assert set(row["languages"]) == set(langs)
    assert row["domains"]["zh"]["documents"] == 5 and row["domains"]["code"]["documents"] == 4
    assert [domain_of(t) for t in ("zh-CN", "Chinese", "en-US", "markdown", "fr", "Rust")] == [
        "zh",
        "zh",
        "en",
        "text",
        "text",
        "code",
    ]
    # other natural languages by code, BCP 47 tag or name are prose (lang "ro" and "Dutch" were
    # code); the tags that code languages share stay code
    prose = ("ro", "hu", "sr-Latn", "nb", "Dutch", "Arabic", "Polish", "ukrainian", "iw", "nld")
    assert {t: domain_of(t) for t in prose} == dict.fromkeys(prose, "text")
    assert [domain_of(t) for t in ("ts", "sh", "ml", "go", "Perl", "c")] == ["code"] * 6
    # (text, lang) documents given directly are normalized the same way
    direct = analyse([PerByte()], [("x\n", "Python"), ("y\n", "python")], baselines=False)
    assert list(direct["tokenizers"][0]["languages"]) == ["python"]


@pytest.mark.parametrize("value", [["x"], {"a": 1}, 3, True])
def test_non_string_lang_is_one_error_in_every_command(tmp_path, capsys, value):
    """A lang field that is not a string (or null) is a CorpusLangError naming the file and
    line, in corpus, train, report and bench alike: a list or an object crashed with
    "unhashable type", a number failed in corpus only and was accepted by report."""
    from tokenizer.cli import main
    from tokenizer.corpus import Corpus, CorpusLangError

    path = tmp_path / "l.jsonl"
    path.write_text(
        json.dumps({"text": "a\n", "lang": "en"})
        + "\n"
        + json.dumps({"text": "b\n", "lang": value})
        + "\n"
        + json.dumps({"text": "c\n", "lang": None})
        + "\n"
    )
    with pytest.raises(CorpusLangError, match=r"l\.jsonl:2: the language field 'lang' must"):
        list(Corpus(str(path)))
    # a language forced on the source, or no language field, does not read the field
    assert len(list(Corpus(str(path), lang_field=None))) == 3
    out = tmp_path / "r"
    for argv in (
        ["corpus", str(path)],
        ["train", str(path), "-o", str(tmp_path / "v.json")],
        ["report", "-t", "cl100k_base", "--no-baselines", "--text", str(path), "-o", str(out)],
        ["bench", str(path), "-t", "cl100k_base"],
    ):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        last = err.splitlines()[-1]  # (train prints its settings first)
        assert last.startswith("codebpe: error: ") and "Traceback" not in err, (argv, err)
        assert err.count("codebpe: error") == 1 and "warning" not in err, (argv, err)
        assert "l.jsonl:2: the language field 'lang' must be a string or null" in last, argv
    assert not out.exists() and not (tmp_path / "v.json").exists()


def test_failed_report_leaves_the_output_folder_alone(tmp_path, capsys):
    """A failing run (a typo in --text, a bad record part-way through a JSONL file) exits 2
    with one error line and changes nothing in --out: it overwrote a good report with an empty
    "0 tokenizers" one and left the old plots next to it."""
    from tokenizer.cli import main

    src = tmp_path / "a.py"
    src.write_text("def f(x):\n    return [x]\n")
    out = tmp_path / "r"
    base = ["report", "-t", "cl100k_base", "--no-baselines", "-o", str(out)]
    assert main([*base, "--text", str(src)]) == 0
    (out / "token_length.png").write_bytes(b"\x89PNG old plot")  # as from a run with plots
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.iterdir()}
    capsys.readouterr()
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "a\\n"}\n{"text": "b\\n"}\n{"text": 5}\n')
    for text in ("typo_dir", str(bad)):
        assert main([*base, "--text", text]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("codebpe: error: nothing could be"), err
        after = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.iterdir()}
        assert after == before, text
    assert "bad.jsonl:3" in err and "cl100k_base" not in err  # the input, not the tokenizer
    report = analyse(["cl100k_base"], [bad], baselines=False)
    assert report["tokenizers"] == [] and [e["kind"] for e in report["errors"]] == ["evaluation"]
    # a successful run replaces the report and removes the plots it does not have
    assert main([*base, "--text", str(src), "--no-plots"]) == 0
    assert not (out / "token_length.png").exists() and (out / "report.md").is_file()


def test_analyse_takes_generators_and_one_path(tmp_path):
    """A generator of documents was consumed by a type check ("evaluation set is empty"); a
    bare path string was split into one-letter paths."""
    report = analyse([PerByte()], (d for d in TOY_DOCS), baselines=False)
    assert report["evaluation"]["documents"] == 2 and report["tokenizers"][0]["total"]["tokens"]
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "a.py").write_text("x = 1\n")
    for texts in (str(mine), mine, (p for p in [mine])):
        report = analyse([PerByte()], texts, baselines=False)
        assert report["evaluation"]["documents"] == 1, texts
        assert report["evaluation"]["inputs"] == [str(mine)]


def test_baseline_given_as_object_is_not_measured_twice(tiktoken_cl100k):
    """The docs' own example, analyse([load_tokenizer("cl100k_base")], docs), measured
    cl100k_base twice (rows cl100k_base and cl100k_base'): a baseline is dropped when a given
    object has its name and n_vocab, not only when the spec string matches."""
    from tokenizer.encoding import load_tokenizer

    ours = load_tokenizer("cl100k_base")
    report = analyse([ours], TOY_DOCS)
    assert [r["name"] for r in report["tokenizers"]] == ["cl100k_base", "o200k_base"]
    assert report["tokenizers"][0]["spec"] == "cl100k_base"  # (the object's name)

    class Impostor(PerByte):  # same name, another vocabulary: measured next to the baseline
        name = "cl100k_base"

    report = analyse([Impostor()], TOY_DOCS)
    assert [r["name"] for r in report["tokenizers"]] == [
        "cl100k_base",
        "cl100k_base'",
        "o200k_base",
    ]


def test_skipped_input_files_are_noted(tmp_path, capsys):
    """Files the corpus reader skips (invalid UTF-8, unknown extensions) were dropped silently
    by report while `codebpe corpus` listed them; the report's notes now say so."""
    from tokenizer.cli import main

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_bytes('x = "café"\n'.encode("latin-1"))
    (tmp_path / "src" / "img.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (tmp_path / "src" / "b.py").write_text("y = 1\n")
    report = analyse([PerByte()], [tmp_path / "src"], baselines=False)
    assert report["evaluation"]["documents"] == 1
    notes = " ".join(report["notes"])
    assert "invalid UTF-8" in notes and "a.py" in notes and ".png" in notes
    out = tmp_path / "r"
    argv = ["report", "-t", "cl100k_base", "--no-baselines", "--text", str(tmp_path / "src")]
    assert main([*argv, "-o", str(out), "--no-plots"]) == 0
    assert "a.py" in capsys.readouterr().err and "a.py" in (out / "report.md").read_text()


def test_report_reads_standard_input(tmp_path, monkeypatch, capsys):
    """`report --text -` always failed ("standard input was read already"): each tokenizer
    reads the text again. Standard input is saved to a temporary file once (at most
    --max-bytes of it), then removed; the report names it "-"."""
    import io
    import sys
    import tempfile

    from tokenizer.cli import main

    spool = tmp_path / "tmp"
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))
    text = "def f(x):\n    return [x]\n" * 50
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    out = tmp_path / "r"
    argv = ["report", "-t", "cl100k_base", "-t", "o200k_base", "--no-baselines", "--text", "-"]
    assert main([*argv, "-o", str(out), "--no-plots"]) == 0
    report = json.loads((out / "report.json").read_text())
    assert [r["name"] for r in report["tokenizers"]] == ["cl100k_base", "o200k_base"]
    assert report["evaluation"]["inputs"] == ["-"] and report["evaluation"]["lines"] == 100
    assert all(r["total"]["bytes"] == len(text) for r in report["tokenizers"])
    assert not list(spool.iterdir())  # the saved copy is removed
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    assert main([*argv, "--max-bytes", "100", "-o", str(out), "--no-plots"]) == 0
    report = json.loads((out / "report.json").read_text())
    assert report["evaluation"]["bytes"] == 100 and not list(spool.iterdir())
    # a budget that ends inside a character: the saved copy ended inside one too (100 + 3
    # bytes of 3-byte Chinese) and the reader skipped all of it as invalid UTF-8 (exit 2)
    for budget, chars in (("100", 33), ("101", 33), ("1000", 333), ("102", 34)):
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(("中文测试" * 300).encode())))
        assert main([*argv, "--max-bytes", budget, "-o", str(out), "--no-plots"]) == 0, budget
        report = json.loads((out / "report.json").read_text())
        assert report["evaluation"]["bytes"] == 3 * chars and not list(spool.iterdir())


def test_report_wording_and_markdown_escaping(tmp_path):
    """ "1 tokenizers ... on 1 documents" is singular; a "|" in a tokenizer name no longer
    breaks the Markdown tables; without the reference measured (no baselines, reference not
    asked for) the note is information, not "reference cl100k_base was not measured"."""
    from tokenizer._report_render import render_markdown

    class Piped(PerByte):
        name = "left|right"

    report = analyse([Piped()], [("x = 1\n", "python")], baselines=False)
    md = render_markdown(report)
    assert "1 tokenizer (left|right) on 1 document, 1 line, 6 bytes" in md
    tables = re.findall(r"(?m)(?:^\|.*\n?)+", md)
    assert len(tables) >= 5
    for table in tables:  # every row has the header's columns ("|" not preceded by "\\")
        widths = {len(re.findall(r"(?<!\\)\|", line)) for line in table.splitlines()}
        assert len(widths) == 1, table
    assert "| left\\|right | 256 | 6.00 |" in md
    assert "on 1 document." in headline_table(report)
    assert report["notes"] == [
        "no ratios to a reference: cl100k_base is not among the measured tokenizers "
        "(--reference NAME adds one)"
    ]
    asked = analyse(
        [PerByte()], TOY_DOCS, baselines=False, reference="nosuch", measure_reference=True
    )
    assert "reference nosuch was not measured: ratios are null" in asked["notes"]


def test_no_empty_ratio_plot_when_the_reference_is_alone(tmp_path):
    """With only the reference measured, the ratio plot had no bars and matplotlib warned
    "No artists with labels found to put in legend" on stderr."""
    pytest.importorskip("matplotlib", reason="matplotlib (the plots extra) is not installed")
    import warnings

    report = analyse([PerByte()], TOY_DOCS, baselines=False, reference="bytes")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        write_report(report, tmp_path)
    assert list(report["plots"]) == [k for k in PLOTS if k != "ratio_to_reference"]


def test_short_names_of_baselines_are_not_measured_twice(capsys):
    """`-t cl100k` (load_tokenizer's short name of cl100k_base) measured cl100k_base twice, the
    baseline as a second row cl100k_base'; `--reference o200k` measured o200k_base again and
    divided by that copy (ratio to o200k_base')."""
    from tokenizer.cli import main

    report = analyse(["cl100k"], TOY_DOCS)
    assert [r["name"] for r in report["tokenizers"]] == ["cl100k_base", "o200k_base"]
    report = analyse([PerByte()], TOY_DOCS, reference="o200k", measure_reference=True)
    assert [r["name"] for r in report["tokenizers"]] == ["bytes", "cl100k_base", "o200k_base"]
    assert report["reference"] == "o200k_base"
    assert main(["report", "--reference", "o200k", "--max-bytes", "2k", "--markdown-table"]) == 0
    out = capsys.readouterr().out
    assert "o200k_base'" not in out and "ratio to o200k_base (" in out


def test_a_report_in_the_measured_folder_is_not_measured(tmp_path, monkeypatch, capsys):
    """`codebpe report --text .` writes ./report (the default --out) into the folder it measures:
    the next run measured its own report.json, report.md and report.html (500 kB of base64 plots
    as "html"), and its figures drifted from run to run. The walk now leaves them out, and says so.
    """
    from tokenizer.cli import main

    (tmp_path / "a.py").write_text("def f(x):\n    return [x]\n")
    monkeypatch.chdir(tmp_path)
    argv = ["report", "-t", "cl100k_base", "--no-baselines", "--text", "."]
    assert main(argv) == 0
    first = json.loads((tmp_path / "report" / "report.json").read_text())
    assert main(argv) == 0
    second = json.loads((tmp_path / "report" / "report.json").read_text())
    assert second["evaluation"] == first["evaluation"]
    assert set(second["evaluation"]["languages"]) == {"python"}
    assert second["tokenizers"][0]["total"] == first["tokenizers"][0]["total"]
    assert "skipped 3 codebpe report files" in " ".join(second["notes"])
    assert "codebpe report files" in capsys.readouterr().err
    # named on the command line, a report file is read (as a tokenizer file is)
    report = analyse([PerByte()], [tmp_path / "report" / "report.md"], baselines=False)
    assert report["evaluation"]["documents"] == 1


def test_out_that_is_a_file_is_refused_before_measuring(tmp_path, monkeypatch, capsys):
    """`--out notes.txt` (an existing file, or a path below one) measured every tokenizer on
    all the text and then failed with `codebpe: error: notes.txt: File exists`; it is refused
    first, in one line, and the file is left alone."""
    import tokenizer.report
    from tokenizer.cli import main

    def no_measuring(*args, **kwargs):
        raise AssertionError("measured before the --out check")

    monkeypatch.setattr(tokenizer.report, "analyse", no_measuring)
    notes = tmp_path / "notes.txt"
    notes.write_text("keep me\n")
    for out in (notes, notes / "sub"):
        argv = ["report", "-t", "cl100k_base", "--text", str(notes), "--out", str(out)]
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith(f"codebpe: error: --out {out}: "), err
        assert "is a file" in err and "give a folder name" in err
    assert notes.read_text() == "keep me\n"


def test_progress_moves_while_a_tokenizer_is_measured(monkeypatch):
    """The progress line counted tokenizers: nothing moved while the first one ran (minutes for
    a slow tokenizer on a large set), then `33% 1 tokenizers 0 tokenizers/s`. It counts the
    bytes measured, batch by batch, over all tokenizers, with the total once it is known."""
    from tokenizer._progress import Progress

    seen: list[tuple[int, int | None]] = []
    monkeypatch.setattr(Progress, "update", lambda self, done: seen.append((done, self.total)))
    docs = [(f"x = {i}\n", "python") for i in range(200)]  # 4 batches of at most 64
    per_pass = sum(len(text) for text, _ in docs)
    report = analyse([PerByte(), PerByte()], docs, baselines=False, progress=True)
    assert len(report["tokenizers"]) == 2
    first = [done for done, total in seen if total is None]
    assert len(first) >= 3 and 0 < first[0] < per_pass  # moving during the first tokenizer
    assert seen[-1] == (2 * per_pass, 2 * per_pass)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_out_in_a_folder_that_is_not_writable_is_refused_first(tmp_path, monkeypatch, capsys):
    """An --out whose folder cannot be written failed with `Permission denied` only after every
    tokenizer was measured (os.access is faked: the tests may run as root)."""
    import os

    import tokenizer.report
    from tokenizer.cli import main

    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: Path(p) != locked and real_access(p, mode))
    monkeypatch.setattr(tokenizer.report, "analyse", lambda *a, **k: 1 / 0)  # never reached
    for out in (locked, locked / "r"):
        assert main(["report", "-t", "cl100k_base", "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "permission denied" in err and str(locked) in err, err


def test_a_long_prose_file_has_one_language(tmp_path, monkeypatch):
    """A prose file over CHUNK_BYTES is one document, but each chunk got a language from its own
    script: a Chinese book with an English appendix was `zh` with 0 documents and 45,590 lines,
    plus `en` with 1 document. The file's first chunk decides, as its first 8,000 characters
    decide for a smaller file."""
    from tokenizer import _text_chunks

    monkeypatch.setattr(_text_chunks, "CHUNK_BYTES", 4096)
    book = tmp_path / "book.md"
    book.write_text("这是中文的一行文本。\n" * 400 + "An English appendix line.\n" * 400)
    report = analyse([PerByte()], [book], baselines=False)
    assert report["evaluation"]["languages"] == {
        "zh": {"documents": 1, "lines": 800, "bytes": len(book.read_bytes())}
    }
    row = report["tokenizers"][0]
    assert set(row["languages"]) == {"zh"} and row["languages"]["zh"]["documents"] == 1
    assert set(row["domains"]) == {"zh"}
    # the same for chunks given as documents; a later file starts afresh
    docs = [
        ContinuedDocument(("Ein Satz, schön.\n", "text")),
        ("Plain ASCII tail.\n", "text"),
        ("Plain English.\n", "text"),
    ]
    assert set(measure(PerByte(), docs).languages) == {"text", "en"}
    assert measure(PerByte(), docs).languages["text"].lines == 2


def test_report_never_overwrites_its_inputs(tmp_path, monkeypatch, capsys):
    """`--text report.md --out .` measured the user's report.md, then replaced it with the
    report; so did `--text . --out .` and `-t report.json --out .`. Refused first, in one line;
    an earlier report in the folder is replaced as before."""
    from tokenizer.cli import main
    from tokenizer.vocab import Vocabulary

    monkeypatch.chdir(tmp_path)
    notes = tmp_path / "report.md"
    notes.write_text("# My notes\n\nImportant text.\n")
    base = ["report", "--no-baselines", "--no-plots"]
    for argv in (
        ["-t", "cl100k_base", "--text", "report.md", "--out", "."],
        ["-t", "cl100k_base", "--text", str(notes), "--out", str(tmp_path)],
        ["-t", "cl100k_base", "--text", ".", "--out", "."],
    ):
        assert main([*base, *argv]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "report.md" in err and "would destroy it" in err, err
        assert notes.read_text() == "# My notes\n\nImportant text.\n"
    notes.unlink()
    vocab = tmp_path / "report.json"
    Vocabulary.bytes_only(pattern="gpt2").save(vocab)
    (tmp_path / "a.py").write_text("x = 1\n")
    before = vocab.read_bytes()
    assert main([*base, "-t", "report.json", "--text", "a.py", "--out", "."]) == 2
    assert "the --tokenizer input" in capsys.readouterr().err and vocab.read_bytes() == before
    vocab.unlink()
    # a report over a report, in a measured folder: fine (the walk does not read it)
    assert main([*base, "-t", "cl100k_base", "--text", ".", "--out", "."]) == 0
    assert main([*base, "-t", "cl100k_base", "--text", ".", "--out", "."]) == 0
    assert (tmp_path / "report.md").read_text().startswith("# codebpe compression report")
