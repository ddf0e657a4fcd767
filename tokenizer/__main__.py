"""``python -m tokenizer``: the same commands as the ``codebpe`` console script."""

from __future__ import annotations

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
