"""Plain text read in bounded chunks: documents of at most ``CHUNK_BYTES``, cut at line ends.

Stage: corpus reading helper, shared by ``tokenizer._corpus_formats.read_text_file`` and the
trainer's fallback reader (``tokenizer._train_inputs``); it imports nothing from the package.
A file of at most ``CHUNK_BYTES`` bytes is one chunk, the whole file, as before chunking. A larger
one is cut into chunks of at most ``CHUNK_BYTES``, so reading stops early under a byte budget and
memory does not grow with the file. Each cut is the last point in the window of the first of
these kinds that it holds:

1. right after a single ``\\n`` or ``\\r`` between two printable ASCII characters, the second
   not ``/`` (``o200k`` lets an operator run take ``\\n/``): a piece boundary that the cut does not
   move for every built-in pattern, so counting the chunks gives the same pieces as counting the
   whole file (checked against ``reference_split``);
2. right after a run of line ends (``\\r``/``\\n``) followed by a character that is neither
   white space nor ``/`` (nor a non-ASCII character whose first byte may start a Unicode space:
   U+0080-00BF, U+1000-3FFF): the same for every built-in pattern but ``gpt2`` (whose ``\\s++$``
   would join the run with the end of the chunk);
3. right after a run of line ends followed by spaces or tabs: the same for ``codebpe-v1`` (a line
   start is always a piece boundary) and ``deepseek-coder``, not for ``cl100k``-like patterns
   that join the newline with the indentation;
4. right after a ``\\n`` (inside a run of line ends, never between ``\\r`` and ``\\n``);
5. no line end at all (a long line: minified code, a paragraph on one line): between an ASCII
   letter and an ASCII punctuation character other than ``'`` (``f(``, ``word,``, ``x.y``): a
   piece boundary for every built-in pattern (checked against ``reference_split``), so a word is
   not cut in two. (Not before the space of ``a b``: ``codebpe-v1`` makes spaces at the start of
   a text indentation);
6. none of these: before the last UTF-8 character that starts in the window (never inside a
   character, nor between ``\\r`` and ``\\n``; at the window's end if the bytes there are not
   valid UTF-8).

A chunk can be short (the only cut point of the chosen kind is near the start of its window), but
two chunks in a row cut at the same kind of point hold more than ``CHUNK_BYTES`` together, so there
are at most a few chunks per ``CHUNK_BYTES`` of text.

>>> data = b"def f():\\n    return 1\\nx = f()\\n"
>>> [chunk for _, chunk, _ in iter_chunks(io.BytesIO(data), 16)]
[b'def f():\\n', b'    return 1\\n', b'x = f()\\n']
>>> [chunk for _, chunk, _ in iter_chunks(io.BytesIO(b"a=f(x,y);print(a.b)"), 8)]
[b'a=f(x,y', b');print', b'(a.b)']
>>> [chunk for _, chunk, _ in iter_chunks(io.BytesIO("ééééé".encode()), 5)]
[b'\\xc3\\xa9\\xc3\\xa9', b'\\xc3\\xa9\\xc3\\xa9', b'\\xc3\\xa9']
"""

from __future__ import annotations

import io  # noqa: F401 - used by the doctests
import re
from collections.abc import Iterator
from typing import BinaryIO

__all__ = ["CHUNK_BYTES", "find_cut", "iter_chunks"]

#: The most bytes in one chunk (document) of a plain-text file; smaller files are read whole.
CHUNK_BYTES = 1 << 20

# The cuts in order of preference, each with how far past the window its lookahead may look. A
# regex matches up to the LAST cut point of its kind in the window (the greedy ``.*`` backtracks
# from the window's end, in C); the cut is where the match ends, never past the window.
_CUTS = (
    (re.compile(rb"(?s).*[\x21-\x7e][\r\n](?=[\x21-\x2e\x30-\x7e])"), 1),
    (re.compile(rb"(?s).*[\r\n](?=[^\s/\x1c-\x1f\xc2\xe1-\xe3])"), 1),
    (re.compile(rb"(?s).*[\r\n](?=[^\r\n])"), 1),
    (re.compile(rb"(?s).*\n"), 0),
    (re.compile(rb"(?s).*[A-Za-z](?=[\x21-\x26\x28-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e])"), 1),
)


def find_cut(buf: bytes, size: int) -> int:
    """Where to end the next chunk of ``buf`` (longer than ``size``): ``0 < cut <= size``.

    >>> find_cut(b"ab\\ncd\\n  ef", 9), find_cut(b"abcdef", 3), find_cut("aé".encode(), 2)
    (3, 3, 1)
    """
    for regex, ahead in _CUTS:
        match = regex.match(buf, 0, size + ahead)
        if match:
            return match.end()
    if buf[size - 1 : size + 1] == b"\r\n":  # a CRLF across the window's end: keep it whole
        return size - 1
    end = size
    while end > max(0, size - 3) and buf[end] & 0xC0 == 0x80:  # inside a UTF-8 character
        end -= 1
    return end if end > 0 and buf[end] & 0xC0 != 0x80 else size


def iter_chunks(stream: BinaryIO, size: int | None = None) -> Iterator[tuple[int, bytes, bool]]:
    """``(offset, chunk, last)`` for the bytes of ``stream``, in chunks of at most ``size``.

    ``size`` defaults to ``CHUNK_BYTES`` (read at call time). The stream is read only as far as
    the next cut needs: a window of ``size + 1`` bytes (the byte after the window tells whether a
    line end before it ends a run), so a consumer that stops early stops the reading, and about
    ``2 * size`` bytes are held at most. An empty stream gives one empty chunk; a stream of at
    most ``size`` bytes gives one chunk, all of it.
    """
    size = size or CHUNK_BYTES
    if size < 4:
        raise ValueError(f"chunk size must be at least 4 bytes, got {size}")
    buf, offset = b"", 0
    while True:
        block = stream.read(size + 1 - len(buf))
        if not block:
            break
        buf = buf + block if buf else block
        if len(buf) > size:
            cut = find_cut(buf, size)
            yield offset, buf[:cut], False
            offset, buf = offset + cut, buf[cut:]
    yield offset, buf, True
