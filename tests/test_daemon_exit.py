"""A process whose daemon threads are inside codebpe calls when the main thread returns exits
with the main thread's status. At interpreter exit CPython 3.9-3.13 end a daemon thread that
takes the GIL back with pthread_exit; before csrc/gil.h that aborted the process (exit code 134:
"terminate called without an active exception" from the GIL's noexcept re-acquire, "FATAL:
exception not rethrown" from a batch's catch), or it segfaulted in a batch's unwound frames."""

from __future__ import annotations

import textwrap

import pytest
from conftest import run_python

SCRIPT = textwrap.dedent(
    """
    import sys, threading, time
    from tokenizer import load_tokenizer
    from tokenizer.train import train

    tok = load_tokenizer("cl100k_base")
    text = "hello world, 你好 " * 20_000
    ids = tok.encode(text)
    lines = ["some text to encode, line %d" % i for i in range(50_000)]
    calls = {
        "count": lambda: tok.count(text),
        "encode_ordinary": lambda: tok.encode_ordinary(text),
        "encode_batch": lambda: tok.encode_batch(lines, num_threads=2),
        "encode_batch_to_numpy": lambda: tok.encode_batch_to_numpy(lines, num_threads=2),
        "decode": lambda: tok.decode(ids),
        "train": lambda: train(iter([text] * 8), vocab_size=300, reserved=None, progress=False),
        # Python that gives the GIL up inside the progress callback: CPython ends the thread
        # there, inside the callback, not where the C++ code takes the GIL back.
        "train_sleepy_progress": lambda: train(
            iter([text] * 8), vocab_size=400, reserved=None, progress=lambda *a: time.sleep(0.002)
        ),
    }
    started = []

    def loop(name):
        calls[name]()  # (once in full first: a call that raised would test nothing)
        started.append(name)
        while True:
            calls[name]()

    for name in sys.argv[1].split(","):
        threading.Thread(target=loop, args=(name,), daemon=True).start()
    deadline = time.monotonic() + 60
    while len(started) < len(sys.argv[1].split(",")):
        if time.monotonic() > deadline:
            sys.exit("a call did not finish once: " + repr(started))
        time.sleep(0.01)
    time.sleep(0.3)
    sys.exit(3)
    """
)


@pytest.mark.parametrize(
    "calls",
    [
        "count,encode_ordinary,decode",
        "encode_batch",
        "encode_batch_to_numpy",
        "train",
        "train_sleepy_progress",
    ],
)
def test_exit_with_daemon_threads_in_calls(calls, tmp_path):
    for _ in range(2):  # (where it failed, it failed every time)
        run = run_python(SCRIPT, calls, cwd=tmp_path, timeout=120)
        assert run.returncode == 3, run.stderr[-2000:]
        assert "terminate" not in run.stderr and "FATAL" not in run.stderr, run.stderr[-2000:]
