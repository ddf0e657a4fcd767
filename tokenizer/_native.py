"""Import the C++ core (``tokenizer._core``) with a message that says how to build it.

Only the modules that wrap the native core import this. A missing extension is an ImportError that
explains the fix, never a silent fall-back to slow Python.
"""

from __future__ import annotations

try:
    from . import _core as core
except ImportError as e:  # pragma: no cover - exercised only on a broken install
    raise ImportError(
        "codebpe's C++ extension tokenizer._core is not built. Install the package with "
        "`pip install .` (or `pip install -e .`) from the repository root, or run "
        "`scripts/dev_build.sh` for an in-place developer build. Original error: " + str(e)
    ) from e

__all__ = ["core"]
