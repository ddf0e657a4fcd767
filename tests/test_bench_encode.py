"""scripts/bench_encode.py: a text file of one's own as a domain (--text, --domains), end to end.

Only the plumbing and the exactness column are checked: timings are never asserted.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "bench_encode.py"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=300
    )


def test_text_file_as_a_domain(tmp_path):
    pytest.importorskip("tiktoken")
    text = tmp_path / "ru.txt"
    lines = ["Привет, мир! Это проверка кодировщика.", "  def f(x):  # комментарий", "Ελληνικά"]
    text.write_text("\n".join(lines * 300) + "\n", encoding="utf-8")
    r = run(
        *("--mb", "0.05", "--repeat", "1", "--warm-mb", "0", "--hf", "", "--threads", "2"),
        *("--encodings", "cl100k_base", "--text", f"Russian={text}", "--domains", "Russian"),
    )
    assert r.returncode == 0, r.stderr
    rows = [line for line in r.stdout.splitlines() if line.startswith("| cl100k_base |")]
    impls = {row.split("|")[3].strip(): row for row in rows}
    assert set(impls) >= {"tiktoken", "codebpe"}
    assert all(row.split("|")[2].strip() == "Russian" for row in rows)
    # codebpe's ids equal tiktoken's on the file's text (the "exact" column).
    assert impls["codebpe"].rstrip(" |").endswith("yes"), impls["codebpe"]
    assert " code " not in r.stdout and "English" not in r.stdout  # --domains kept only the file


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--text", "nolabel"), "LABEL=PATH"),
        (("--text", "code=x.txt"), "already a domain"),
        (("--domains", "klingon"), "unknown domain"),
        # (were a traceback after loading, a "nan" table or a single document)
        (("--repeat", "0"), "--repeat must be positive"),
        (("--threads", "0"), "--threads must be positive"),
        (("--mb", "-1"), "--mb must be positive"),
        (("--encodings", "foo"), "'foo' is not cl100k_base or o200k_base"),
        (("--vocab", "/no/such/v.json"), "--vocab /no/such/v.json: no such file"),
    ],
)
def test_bad_text_arguments_are_one_line_errors(args, message):
    r = run("--hf", "", *args)
    assert r.returncode == 2
    assert message in r.stderr


def test_missing_or_undecodable_file(tmp_path):
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("caf\xe9\n".encode("latin-1"))
    for path in (tmp_path / "missing.txt", bad):
        r = run("--hf", "", "--text", f"x={path}", "--domains", "x", "--encodings", "cl100k_base")
        assert r.returncode != 0
        assert r.stderr.strip().splitlines()[-1].startswith("bench_encode: --text"), r.stderr


def test_cold_cache_script_runs_both_modes():
    script = SCRIPT.parent / "bench_cold_cache.py"
    args = ("--encoding", "cl100k_base", "--mb", "0.02", "--passes", "2", "--evict-mb", "1")
    r = subprocess.run(
        [sys.executable, str(script), *args, "--domains", "code,zh"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    rows = [line.split("|")[1:3] for line in r.stdout.splitlines() if line.startswith("| ")]
    modes = [(d.strip(), m.strip()) for d, m in rows if d.strip() != "domain"]
    assert modes == [
        ("code", "caches kept"),
        ("code", "caches evicted"),
        ("Chinese", "caches kept"),
        ("Chinese", "caches evicted"),
    ]
    bad = subprocess.run([sys.executable, str(script), "--passes", "1"], capture_output=True)
    assert bad.returncode == 2 and b"--passes" in bad.stderr


def test_a_batch_that_gives_other_ids_is_left_out(monkeypatch, capsys):
    """The "exact" column compared only the one-text calls: rs-bpe 0.1.0's o200k batch returned
    cl100k ids (once cl100k_base was made in the process), and its 2-thread cell timed cl100k as
    o200k with "exact: yes". Batches are now checked too; every output form is read."""
    from conftest import load_script

    bench = load_script("bench_encode")
    flat_and_bounds = bench.batch_ids(([1, 2, 3], [0, 2, 3]), 2)
    assert flat_and_bounds == bench.batch_ids(([1, 2, 3], [0, 2]), 2) == [[1, 2], [3]]
    assert bench.batch_ids(([1, 2, 3], [2, 3]), 2) == [[1, 2], [3]]  # (ends)

    class Enc:  # (Hugging Face's batch: Encoding objects)
        def __init__(self, ids):
            self.ids = ids

    assert bench.batch_ids([Enc([4]), Enc([5, 6])], 2) == [[4], [5, 6]]
    monkeypatch.setattr(bench, "evict_cpu_caches", lambda: None)
    ref = (lambda d: [len(d)], lambda ts, n: [[len(t)] for t in ts])
    wrong = (lambda d: [len(d)], lambda ts, n: [[len(t) + 1] for t in ts])
    rows = bench.bench_vocab(
        "v", {"ref": ref, "wrong": wrong}, {"code": ["ab", "cde"]}, "ref", 1, 2
    )
    exact = {row[2]: (row[7], row[9]) for row in rows}
    assert exact == {"ref": (exact["ref"][0], "yes"), "wrong": (None, "NO (batch)")}
    assert exact["ref"][0] is not None
    assert "wrong batch gives other ids: its cell is left out" in capsys.readouterr().err


def test_bench_train_fails_loudly(tmp_path):
    """scripts/bench_train.py printed a trainer's traceback, then an empty table, and exited 0;
    an unknown --trainers name did the same."""
    script = SCRIPT.parent / "bench_train.py"
    bad = subprocess.run(
        [sys.executable, str(script), "--trainers", "foo"], capture_output=True, text=True
    )
    assert bad.returncode == 2 and "--trainers: unknown foo" in bad.stderr
    missing = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "nope"), "--trainers", "codebpe"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert missing.returncode == 1 and "bench_train: failed: codebpe" in missing.stderr


@pytest.mark.parametrize(
    "script, args, message",
    [
        ("bench_pretokenize", ["--patterns", "nope"], "--patterns: 'nope' is not a built-in"),
        ("bench_pretokenize", ["--domains", "xx"], "--domains: 'xx' is not code, en or zh"),
        ("bench_pretokenize", ["--repeat", "0"], "--repeat and --mb must be positive"),
        ("bench_cold_cache", ["--evict-mb", "-1"], "--evict-mb must be >= 0"),
        ("bench_cold_cache", ["--encoding", "nope"], "--encoding: 'nope' is not cl100k_base"),
        ("bench_cold_cache", ["--domains", "xx"], "--domains: unknown xx"),
        ("ablation", ["--sizes", "foo"], "--sizes: a comma-separated list of sizes"),
        ("ablation", ["--sizes", "100"], "every size must be at least 257"),
        ("ablation", ["--patterns", "nope"], "--patterns: unknown split pattern 'nope'"),
        ("ablation", ["--threads", "0"], "--threads must be at least 1"),
        ("ablation", ["--train", "/no/such/corpus"], "ablation: /no/such/corpus: no such file"),
        ("fuzz_parity", ["--seconds", "-1"], "--seconds must be > 0"),
        ("fuzz_parity", ["--max-reports", "0"], "--max-reports must be at least 1"),
        ("fuzz_parity", ["--vocab", "/no/such.json"], "fuzz_parity: '/no/such.json': no such"),
        ("fuzz_stream", ["--seconds", "0"], "--seconds must be > 0"),
        ("fuzz_stream", ["--save-dir", "/no/such/dir"], "--save-dir: /no/such/dir: not a folder"),
        ("fuzz_stream", ["--vocab", "nope"], "fuzz_stream: unknown tokenizer 'nope'"),
        # PKG: the folder of the installed tokenizer package
        ("ab_builds", [], "give the two package folders"),
        ("ab_builds", ["/no/a", "PKG"], "/no/a: no tokenizer/__init__.py there"),
        (
            "ab_builds",
            ["PKG", "PKG", "--modes", "hot"],
            "--modes: hot; choose from cold, clear, steady, same",
        ),
        ("ab_builds", ["PKG", "PKG", "--domains", "xx"], "--domains: xx; choose from code, zh, en"),
        ("ab_builds", ["PKG", "PKG", "--processes", "0"], "--processes must be positive"),
        (
            "ab_builds",
            ["PKG", "PKG", "--rounds", "3"],
            "--rounds must be at least twice --processes",
        ),
    ],
)
def test_benchmark_scripts_refuse_bad_arguments(script, args, message):
    """These were a KeyError or a negative-bytearray traceback, or a table of 0.0 and "nanx"."""
    args = [installed_package_folder() if a == "PKG" else a for a in args]
    r = subprocess.run(
        [sys.executable, str(SCRIPT.parent / f"{script}.py"), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2 and message in r.stderr, r.stderr
    assert "Traceback" not in r.stderr


def installed_package_folder() -> str:
    """The folder that holds the tokenizer package under test (site-packages, or a checkout)."""
    import tokenizer

    return str(Path(tokenizer.__file__).resolve().parents[1])


def test_ab_builds_runs_a_build_against_itself():
    """scripts/ab_builds.py with the installed package as both builds (an A/A run, two worker
    processes each): one row per mode, with positive times and ratios. (Timings are never
    asserted; its argument errors are in test_benchmark_scripts_refuse_bad_arguments.)"""
    pkg = installed_package_folder()
    script = SCRIPT.parent / "ab_builds.py"
    args = [pkg, pkg, "--encoding", "cl100k_base", "--mb", "0.02", "--warm-mb", "0.02"]
    args += ["--rounds", "4", "--domains", "zh", "--modes", "cold,clear,steady,same"]
    r = subprocess.run(
        [sys.executable, str(script), *args], capture_output=True, text=True, timeout=300
    )
    assert r.returncode == 0, r.stderr
    rows = [line.split("|")[1:-1] for line in r.stdout.splitlines() if line.startswith("| ")]
    assert rows[0][0].strip() == "domain"
    cells = [[c.strip() for c in row] for row in rows[1:]]
    assert [(c[0], c[1]) for c in cells] == [("zh", m) for m in ("cold", "clear", "steady", "same")]
    for c in cells:
        assert float(c[2]) > 0 and float(c[3]) > 0 and float(c[4]) > 0
        q1, q3 = map(float, c[5].split("-"))
        assert 0 < q1 <= q3

    # A tokenizer that does not load: one line naming the build, exit status 1.
    bad = subprocess.run(
        [
            sys.executable,
            str(script),
            pkg,
            pkg,
            "--encoding",
            "nope",
            "--rounds",
            "2",
            "--processes",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 1 and "Traceback" not in bad.stderr, bad.stderr
    assert bad.stderr.strip().startswith(f"ab_builds: {pkg}: error: ValueError: unknown tokenizer")
