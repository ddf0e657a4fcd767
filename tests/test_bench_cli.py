"""``codebpe bench``: the table, the id check against the tokenizer's own library, and its errors.

Timings are printed, never asserted (the machines are shared).
"""

from __future__ import annotations

import pytest

from tokenizer.cli import main


def rows(out: str) -> dict[tuple[str, str], list[str]]:
    """(tokenizer, implementation) -> the row's cells."""
    table = {}
    for line in out.splitlines():
        if line.startswith("| ") and not line.startswith("| tokenizer |"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            table[cells[0], cells[1]] = cells
    return table


def test_bench_tiktoken_on_a_file(tmp_path, capsys, mixed_text):
    pytest.importorskip("tiktoken")
    src = tmp_path / "mix.txt"
    src.write_text(mixed_text * 3, encoding="utf-8")
    argv = ["bench", str(src), "-t", "cl100k_base", "--repeat", "1", "--threads", "2"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert f"{len((mixed_text * 3).encode()):,} bytes in 1 document ({src})" in out
    table = rows(out)
    ours, ref = table["cl100k_base", "codebpe"], table["cl100k_base", "tiktoken"]
    assert ours[-1] == "yes" and ref[-1] == "(reference)"
    assert ours[-2] == ref[-2]  # the same number of tokens
    assert all(float(x) > 0 for x in (ours[2], ours[4], ours[6], ours[3]))


def test_bench_tokenizer_json_against_hf(tmp_path, capsys, mixed_text):
    pytest.importorskip("tokenizers")
    from _vocab_fixtures import train_hf_bytelevel

    path = tmp_path / "tokenizer.json"
    train_hf_bytelevel([mixed_text], vocab_size=400).save(str(path))
    src = tmp_path / "in.txt"
    src.write_text(mixed_text + "<|endoftext|>tail", encoding="utf-8")
    assert main(["bench", str(src), "-t", str(path), "--repeat", "1", "--threads", "1"]) == 0
    table = rows(capsys.readouterr().out)
    assert {impl for _, impl in table} == {"HF tokenizers", "codebpe"}
    assert next(r for (_, impl), r in table.items() if impl == "codebpe")[-1] == "yes"


def test_bench_codebpe_vocabulary_has_no_reference(tmp_path, capsys):
    from tokenizer.vocab import Vocabulary

    vocab = tmp_path / "v.json"
    Vocabulary.bytes_only(pattern="gpt2").save(vocab)
    src = tmp_path / "in.txt"
    src.write_text("def f(x):\n    return x  # 注释\n" * 50, encoding="utf-8")
    assert main(["bench", str(src), "-t", str(vocab), "--repeat", "1", "--threads", "1"]) == 0
    table = rows(capsys.readouterr().out)
    (key,) = table
    assert key[1] == "codebpe" and table[key][-1] == "—" and table[key][3] == "—"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--repeat", "0"], "--repeat must be at least 1"),
        (["--threads", "0"], "--threads must be at least 1"),
        (["-t", "no-such-tokenizer"], "unknown tokenizer"),
        # (it was ignored for a spec that records its pattern; encode refuses it too)
        (["-t", "cl100k_base", "--pattern", "o200k"], "--pattern is only for .tiktoken files"),
    ],
)
def test_bench_errors_are_one_line(tmp_path, capsys, extra, message):
    src = tmp_path / "in.txt"
    src.write_text("hello world\n", encoding="utf-8")
    assert main(["bench", str(src), *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("codebpe: error:") and message in err and "\n" not in err


def test_bench_missing_input(tmp_path, capsys):
    assert main(["bench", str(tmp_path / "missing.txt")]) == 2
    assert capsys.readouterr().err.startswith("codebpe: error:")


def test_bench_bad_tokenizer_prints_no_table(tmp_path, capsys):
    # A .tiktoken file without --pattern: the error comes before any output.
    from tokenizer.interop import find_tiktoken_file

    src = tmp_path / "in.txt"
    src.write_text("hello world\n", encoding="utf-8")
    rank_file = str(find_tiktoken_file("cl100k_base"))
    assert main(["bench", str(src), "-t", "cl100k_base", "-t", rank_file]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("codebpe: error:") and "--pattern" in err


def test_bench_counts_a_long_file_as_one_document(tmp_path, capsys):
    """A text file over 1 MiB is read in chunks; the header counted each chunk as a document
    (`1,200,006 bytes in 3 documents` for two files)."""
    pytest.importorskip("tiktoken")
    big, small = tmp_path / "big.txt", tmp_path / "small.txt"
    big.write_text("x = 1\n" * 200_000)  # 1.2 MB: 2 chunks
    small.write_text("y = 2\n")
    argv = ["bench", str(big), str(small), "--max-bytes", "10M", "--repeat", "1"]
    assert main([*argv, "--threads", "1"]) == 0
    assert f"{1_200_006:,} bytes in 2 documents (" in capsys.readouterr().out


def test_more_threads_than_cpus_are_said_and_capped(tmp_path, capsys, monkeypatch):
    """--threads 5000 was taken as asked: the header read "5000 threads MB/s" while codebpe's
    pool ran on the CPUs (and tiktoken's executor would start 5000 threads)."""
    import tokenizer.commands.bench as bench

    monkeypatch.setattr(bench, "default_threads", lambda: 2)
    src = tmp_path / "in.txt"
    src.write_text("hello world\n", encoding="utf-8")
    assert main(["bench", str(src), "-t", "cl100k_base", "--threads", "5000", "--repeat", "1"]) == 0
    out, err = capsys.readouterr()
    assert "--threads 5000: this process may use 2 CPUs; the batches run on 2 threads" in err
    assert "| 2 threads MB/s |" in out and "5000" not in out
