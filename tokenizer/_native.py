"""Import the C++ core (``tokenizer._core``) with a message that says how to build it.

Only the modules that wrap the native core import this. A missing extension is an ImportError that
explains the fix, never a silent fall-back to slow Python.
"""

from __future__ import annotations

import os


def _installed_elsewhere() -> str | None:
    """The folder of an installed codebpe that has the compiled core, when it is not the package
    Python imported (a `python` started in the source checkout imports ./tokenizer first)."""
    try:
        from importlib import metadata

        dist = metadata.distribution("codebpe")
    except Exception:  # noqa: BLE001 - not installed, or metadata unreadable: no hint
        return None
    here = os.path.realpath(os.path.dirname(__file__))
    for f in dist.files or ():
        if f.name.startswith("_core.") and f.parent.name == "tokenizer":
            folder = os.path.realpath(os.path.dirname(str(dist.locate_file(f))))
            if folder != here and os.path.exists(str(dist.locate_file(f))):
                return folder
    return None


try:
    from . import _core as core
except ImportError as e:
    elsewhere = _installed_elsewhere()
    if elsewhere is not None:
        raise ImportError(
            f"Python imported codebpe from the source checkout {os.path.dirname(__file__)}, "
            f"which has no compiled core; the installed codebpe is in {elsewhere}. Run Python "
            "from another folder, or build in place with `scripts/dev_build.sh` (or "
            "`pip install -e .`). Original error: " + str(e)
        ) from e
    raise ImportError(
        "codebpe's C++ extension tokenizer._core is not built. Install the package with "
        "`pip install .` (or `pip install -e .`) from the repository root, or run "
        "`scripts/dev_build.sh` for an in-place developer build. Original error: " + str(e)
    ) from e

__all__ = ["core"]
