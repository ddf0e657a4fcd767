"""Progress reporting for long stages (counting bytes, merging): a tiny tqdm-like line on stderr.

Stage: interface helper for ``tokenizer.train``. On a TTY the line is redrawn in place at most
five times a second; otherwise a log line is written every ``log_every`` seconds and at the end.
A callable may be given instead to receive ``(stage, done, total)``. No external dependency.

>>> p = Progress("count", total=None, unit="B", enabled=False); p.update(10); p.close()
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

ProgressCallback = Callable[[str, int, "int | None"], None]


def human(n: float, unit: str = "B") -> str:
    """``1536000`` -> ``'1.5 MB'`` (decimal units).

    >>> human(1536000)
    '1.5 MB'
    """
    for prefix in ("", "k", "M", "G", "T"):
        if abs(n) < 1000 or prefix == "T":
            return f"{n:.0f} {prefix}{unit}" if prefix == "" else f"{n:.1f} {prefix}{unit}"
        n /= 1000
    return f"{n} {unit}"  # pragma: no cover


class Progress:
    """One stage's progress: ``update(done)`` with an absolute count, then ``close()``."""

    def __init__(
        self,
        stage: str,
        *,
        total: int | None,
        unit: str,
        enabled: bool = True,
        callback: ProgressCallback | None = None,
        stream: TextIO | None = None,
        log_every: float = 10.0,
    ) -> None:
        self.stage, self.total, self.unit = stage, total, unit
        self.enabled, self.callback = enabled, callback
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.start = self.last = time.perf_counter()
        self.log_every = log_every
        self.done = 0

    def _line(self) -> str:
        elapsed = max(time.perf_counter() - self.start, 1e-9)
        rate = self.done / elapsed
        done = human(self.done, self.unit) if self.unit == "B" else f"{self.done:,} {self.unit}"
        if self.total:
            frac = min(self.done / self.total, 1.0)
            bar = "#" * int(frac * 24)
            text = f"{self.stage:>8} [{bar:<24}] {frac:4.0%} {done}"
        else:
            text = f"{self.stage:>8} {done}"
        speed = human(rate, self.unit + "/s") if self.unit == "B" else f"{rate:,.0f} {self.unit}/s"
        return f"{text}  {speed}  {elapsed:5.1f}s"

    def update(self, done: int) -> None:
        self.done = done
        if self.callback is not None:
            self.callback(self.stage, done, self.total)
        if not self.enabled:
            return
        now = time.perf_counter()
        if self.tty and now - self.last >= 0.2:
            self.stream.write("\r" + self._line() + "\x1b[K")
            self.stream.flush()
            self.last = now
        elif not self.tty and now - self.last >= self.log_every:
            self.stream.write(self._line() + "\n")
            self.last = now

    def close(self) -> None:
        if not self.enabled:
            return
        self.stream.write(
            ("\r" if self.tty else "") + self._line() + ("\x1b[K\n" if self.tty else "\n")
        )
        self.stream.flush()
