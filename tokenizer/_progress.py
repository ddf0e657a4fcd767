"""Progress reporting for long stages (counting bytes, merging): a tiny tqdm-like line on stderr.

Stage: interface helper for ``tokenizer.train``. On a TTY the line is redrawn in place at most
five times a second; otherwise a log line is written every ``log_every`` seconds and at the end.
A callable may be given instead to receive ``(stage, done, total)``. No external dependency.

Where the share of the work done is known (``done / total``, or a ``fraction`` callable for a
stage whose count is not in the units of its end, such as text bytes counted from compressed
input), the line has a bar, a percentage and, while running, an ETA; otherwise only the count:

>>> p = Progress("count", total=None, unit="B", enabled=False); p.update(10); p.close()
>>> p = Progress("count", total=None, unit="B", fraction=lambda: 0.25)
>>> p.done = 5_000_000; p._line()  # doctest: +ELLIPSIS
'   count [######                  ]  25% 5.0 MB  ...B/s ...s  ETA ...'
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


def duration(seconds: float) -> str:
    """``75`` -> ``'1m15s'``: whole seconds, minutes and hours (for an ETA).

    >>> duration(4.4), duration(75), duration(3725)
    ('4s', '1m15s', '1h02m')
    """
    s = round(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{s % 3600 // 60:02d}m"


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
        fraction: Callable[[], float | None] | None = None,
    ) -> None:
        """``fraction``: the share of the stage done, in [0, 1], or ``None`` while unknown; read
        only when a line is drawn (a few times a second at most), instead of ``done / total``."""
        self.stage, self.total, self.unit = stage, total, unit
        self.fraction = fraction
        self.enabled, self.callback = enabled, callback
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.start = self.last = time.perf_counter()
        self.log_every = log_every
        self.done = 0

    def _share(self) -> float | None:
        """The share of the stage done, in [0, 1], or ``None`` when unknown."""
        if self.fraction is not None:
            frac = self.fraction()
            return None if frac is None else min(max(frac, 0.0), 1.0)
        return min(self.done / self.total, 1.0) if self.total else None

    def _line(self, *, final: bool = False) -> str:
        elapsed = max(time.perf_counter() - self.start, 1e-9)
        rate = self.done / elapsed
        done = human(self.done, self.unit) if self.unit == "B" else f"{self.done:,} {self.unit}"
        frac = self._share()
        if frac is not None and not final:
            # The inputs can be read to the end while the last pieces are still counted: 100%
            # only on the last line, when the stage is over.
            frac = min(frac, 0.99)
        if frac is not None:
            bar = "#" * int(frac * 24)
            text = f"{self.stage:>8} [{bar:<24}] {frac:4.0%} {done}"
        else:
            text = f"{self.stage:>8} {done}"
        speed = human(rate, self.unit + "/s") if self.unit == "B" else f"{rate:,.0f} {self.unit}/s"
        line = f"{text}  {speed}  {elapsed:5.1f}s"
        if frac is not None and 0 < frac < 1 and not final:  # (the last line: the time it took)
            line += f"  ETA {duration(elapsed * (1 - frac) / frac)}"
        return line

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
            ("\r" if self.tty else "") + self._line(final=True) + ("\x1b[K\n" if self.tty else "\n")
        )
        self.stream.flush()
