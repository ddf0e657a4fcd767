"""The C++ extension builds, imports and honours the split contract shared by all stages."""

from __future__ import annotations

import numpy as np
import pytest

from tokenizer._native import core


def test_core_imports():
    assert isinstance(core.__version__, str)
    assert core.has_pattern("cl100k") and not core.has_pattern("nope")


@pytest.mark.parametrize("text", ["", "abc", "héllo 中文 🚀", b"\xff\xfe ab \x80"])
def test_split_offsets_cover_input(text):
    ends = core.split_offsets("cl100k", text)
    data = text.encode() if isinstance(text, str) else text
    assert ends.dtype == np.uint32
    assert (len(ends) == 0) == (len(data) == 0)
    if len(data):
        assert ends[-1] == len(data)
        assert np.all(np.diff(ends.astype(np.int64)) > 0)


def test_split_offsets_unknown_pattern():
    with pytest.raises(ValueError, match="no built-in matcher"):
        core.split_offsets("nope", "x")


def test_missing_core_says_why(tmp_path):
    # A copy of the package without its compiled core, imported from its own folder (as `python`
    # started in a source checkout after `pip install .` does): an ImportError that names the fix,
    # and, when an installed codebpe with a core exists, where it is.
    import shutil
    import subprocess
    import sys
    from importlib import metadata
    from pathlib import Path

    import tokenizer

    src = Path(tokenizer.__file__).parent
    shutil.copytree(
        src, tmp_path / "tokenizer", ignore=shutil.ignore_patterns("_core*", "__pycache__")
    )
    r = subprocess.run(
        [sys.executable, "-c", "import tokenizer._native"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={k: v for k, v in __import__("os").environ.items() if k != "PYTHONPATH"},
    )
    assert r.returncode != 0
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: "), r.stderr
    try:
        files = metadata.distribution("codebpe").files or []
        installed = [
            f for f in files if f.name.startswith("_core.") and f.parent.name == "tokenizer"
        ]
    except metadata.PackageNotFoundError:
        installed = []
    if installed and Path(str(installed[0].locate())).exists():
        assert "source checkout" in last and "installed codebpe is in" in last, last
    else:
        assert "is not built" in last and "scripts/dev_build.sh" in last, last
