"""scripts/fuzz_loaders.py: a short run of the loader fuzzer reports nothing."""

from __future__ import annotations

from conftest import load_script


def _script():
    return load_script("fuzz_loaders")


def test_short_fuzz_run_reports_nothing(capsys):
    fuzz = _script()
    argv = ["--seconds", "4", "--seed", "3", "--targets", "tiktoken,vocab,decode,ids,special"]
    assert fuzz.main(argv) == 0
    out = capsys.readouterr().out
    assert "0 reported" in out


def test_a_case_that_never_returns_is_reported_as_a_hang(monkeypatch, capsys):
    """The docstring promises hangs are reported, but the driver waited for its worker without
    a limit: one case that never returned hung the whole run. The worker is now stopped and its
    case (from the state file) reported; the run goes on after it."""
    import subprocess

    fuzz = _script()
    calls = []

    def fake_run(cmd, **kwargs):
        calls.append(kwargs.get("timeout"))
        state = cmd[cmd.index("--state") + 1]
        start = int(cmd[cmd.index("--start") + 1])
        if len(calls) == 1:  # the first worker hangs on its case 7
            with open(state, "w") as f:
                f.write("tiktoken:3:7")
            raise subprocess.TimeoutExpired(cmd, kwargs["timeout"])
        assert start == 8  # (the next worker starts after the hanging case)
        with open(state, "w") as f:
            f.write("done 12")
        return subprocess.CompletedProcess(cmd, 0, "", "")

    monkeypatch.setattr(fuzz.subprocess, "run", fake_run)
    assert fuzz.main(["--seconds", "2", "--seed", "3", "--targets", "tiktoken"]) == 1
    out = capsys.readouterr().out
    assert "[tiktoken:3:7] HANG" in out and "1 reported" in out
    assert calls[0] is not None and calls[0] >= fuzz.HANG_SECONDS
