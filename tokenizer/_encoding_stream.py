"""Encoding a stream of any size in bounded memory: ``Tokenizer.encode_stream`` (and ``codebpe
encode``, which is built on it).

Stage: encode (a helper of ``tokenizer.encoding``). The stream is read in blocks and cut only
where the pre-tokenizer puts a piece boundary, so the ids are the same as those of the whole
text at once: pieces are encoded one by one, and a cut is taken from the split of everything
read since the last cut (which starts at a boundary), at least ``margin`` bytes before the end
of what has been read, where no look-ahead of the split can reach the unread rest, where the
text before the cut splits the same on its own (the split of its last pieces is checked; see
``_boundary``), and where the text after it does too, alone or after the piece before the cut
(the next block then starts with that piece as context, and its ids are left out). Special
tokens are found before the split, and a cut never falls inside one. For a vocabulary with an
NFC normalizer a cut is also only made before an ASCII character (normalization never joins
across it) and in text that is already NFC (the encoder splits the normalized text; a stream
that is not NFC is read on to a special token or to its end). What the cuts hold in memory is
one block and the carry-over; a text with no piece boundary at all (megabytes of one letter)
is read on in doubling blocks until it has one.

>>> import io
>>> from tokenizer.encoding import Tokenizer
>>> from tokenizer.vocab import Vocabulary
>>> tok = Tokenizer(Vocabulary.bytes_only(pattern="gpt2"))
>>> [a.tolist() for a in tok.encode_stream(io.BytesIO(b"hi there"), block_size=4)]
[[104, 105, 32, 116, 104, 101, 114, 101]]
"""

from __future__ import annotations

import itertools
import operator
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ._encoding_special import (
    replace_lone_surrogates,
    special_matches,
    special_policy,
    special_sets,
)
from ._split import piece_ends
from ._train_system import default_threads as usable_cpus

if TYPE_CHECKING:
    import numpy as np

    from .encoding import Tokenizer

__all__ = ["encode_stream", "DEFAULT_BLOCK"]

#: Bytes read per step.
DEFAULT_BLOCK = 1 << 22
#: A cut is at least this many bytes before the end of what has been read (and at least twice
#: the longest special token). It must exceed how far past a piece the pattern looks (the
#: built-in ones: 3 bytes, o200k's optional "'ll" after a word); the rest is room for a user's
#: regex with a longer look-ahead.
_MARGIN = 1 << 16


def _reader(source: Any) -> Any:
    """``read(n)`` of a file object (binary or text), or of an iterable of chunks."""
    if hasattr(source, "read"):
        return source.read
    if isinstance(source, (str, bytes, bytearray, memoryview, os.PathLike)):
        kind = type(source).__name__
        raise TypeError(
            f"encode_stream reads a file object or an iterable of bytes/str chunks, not a {kind}"
            " (a path: open(path, 'rb'); one text: encode_to_numpy / encode_bytes, or [text])"
        )
    chunks: Iterator[Any] = iter(source)

    def read(_n: int) -> bytes:
        for chunk in chunks:
            if not isinstance(chunk, (bytes, bytearray, memoryview, str)):
                raise TypeError(
                    f"encode_stream chunks must be bytes or str, not {type(chunk).__name__}"
                )
            if chunk:
                return chunk
        return b""

    return read


def _complete(buf: bytearray) -> int:
    """``len(buf)`` less a UTF-8 sequence cut short at its end (it would split on its own)."""
    n = len(buf)
    for back in range(1, min(n, 4) + 1):
        b = buf[n - back]
        if b & 0xC0 == 0x80:
            continue  # a continuation byte: look further back for its lead byte
        need = 2 if b & 0xE0 == 0xC0 else 3 if b & 0xF0 == 0xE0 else 4 if b & 0xF8 == 0xF0 else 1
        return n - back if need > back else n
    return n


def _cut(
    tok: Tokenizer, buf: bytearray, allowed: frozenset[str], margin: int, lead: int = 0
) -> tuple[int, int]:
    """A position in ``buf`` where the stream may be cut (0: none yet), and how many bytes before
    it the next chunk starts with as context (0: none). ``buf`` starts with ``lead`` bytes of
    context, the last piece of the chunk before: it is split with the rest but not encoded."""
    end = _complete(buf)
    limit = end - margin
    if limit <= lead:
        return 0, 0
    start, stop, seg_end = 0, limit, end
    # (the margin is at least twice the longest special token: the matches before the limit are
    # those of the whole text, the ones only looked for between the others' matches too)
    for m in special_matches(tok, buf, allowed):
        if m.start() >= limit:
            seg_end = m.start()
            break
        if m.end() > limit:  # a special token across the limit: cut before it at the latest
            stop = seg_end = m.start()
            break
        start = m.end()  # the text after a special token starts a new split
    if start >= stop:
        return (start, 0) if start > lead else (0, 0)
    seg = bytes(memoryview(buf)[start:seg_end])  # (one copy: a bytearray slice is another)
    if tok._nfc and not _nfc_text(seg):
        # The encoder splits the normalized text, whose pieces need not end where the raw
        # text's do (e + U+0301 + "'s": the raw split cuts "'" from "s", the NFC one keeps
        # "'s" whole). Text that is already NFC is its own normalization: cut only in that.
        return (start, 0) if start > lead else (0, 0)
    ends = piece_ends(tok, seg)
    cut, context = _boundary(tok, seg, ends, stop - start, max(lead - start, 0))
    return (start + cut, context) if cut else ((start, 0) if start > lead else (0, 0))


def _nfc_text(seg: bytes) -> bool:
    """UTF-8 already in NFC (bytes that are not UTF-8: True, the encoder refuses them)."""
    from ._nfc import is_nfc

    try:
        return is_nfc(seg.decode("utf-8"))
    except UnicodeDecodeError:
        return True


def _boundary(tok: Tokenizer, seg: bytes, ends: Any, stop: int, lead: int) -> tuple[int, int]:
    r"""A piece end ``lead < e <= stop`` of ``seg`` whose prefix ``seg[:e]`` splits into the same
    pieces on its own, and whose rest ``seg[e:]`` starts with the same pieces on its own or after
    its last piece (the context: then also its length), or ``(0, 0)`` if none is found among the
    last few hundred. That is not so at every boundary: a piece of whitespace ended by a
    look-ahead (cl100k's ``\s+(?!\S)`` leaves the last space of a run to the word after it) joins
    the piece after it when the text ends there; and a text that starts with a space is indented
    to codebpe-v1 (its ``^[ \t]+``), which splits " word" in two there (after the context
    " word", "word" with it, " next" is not at the start). So the split of the prefix's last
    pieces is checked against the whole, and so is the split of the next pieces from the cut
    on, with the context where they differ without it."""
    import numpy as np

    last = int(np.searchsorted(ends, stop, side="right")) - 1
    tried = 0
    for k in range(last, max(last - 512, -1), -1):
        e = int(ends[k])
        if e <= lead:
            break  # (a cut must move past the context, which was cut already)
        if tok._nfc and e < len(seg) and seg[e] >= 0x80:
            continue  # normalization never joins a character to an ASCII one after it
        q = int(ends[k - 8]) if k >= 8 else 0  # the prefix's split agrees up to here
        tail = (piece_ends(tok, seg[q:e]) + q).tolist()
        want = ends[k - 7 if k >= 8 else 0 : k + 1].tolist()
        if q:
            # Re-split from inside the text, its first piece may differ from the whole's (a
            # piece " word" is indented to codebpe-v1 there): what is checked is the end, so
            # the boundaries after the first are compared, aligned at e.
            tail, want = tail[-(len(want) - 1) :], want[1:]
        if tail == want:
            context = _starts_alike(tok, seg, ends, k)
            if context is not None:
                return e, context
        tried += 1
        if tried == 32:
            break
    return 0, 0


#: The most bytes of context (the piece before a cut) a chunk may start with.
_CONTEXT = 256


def _starts_alike(tok: Tokenizer, seg: bytes, ends: Any, k: int) -> int | None:
    """Whether ``seg[ends[k]:]`` on its own splits into the whole's next pieces: 0 if so, the
    length of the piece before it if they do after that piece (which splits as on its own), None
    if neither. The first 8 are compared (a window's last piece may differ only because the
    window ends there). Once the two splits meet at a boundary past the start, they go on alike:
    the text is the same, and the patterns look back at most one character."""
    e = int(ends[k])
    j = min(k + 9, len(ends) - 1)
    if j < k + 2:
        # Fewer than two pieces follow in what has been read: the one there cannot be checked
        # (14 spaces stay one piece on their own, but the next block's 15 spaces and "Force"
        # would have been 14 and " Force"). Only with margins of a few bytes.
        return None
    want = ends[k + 1 : j].tolist()  # all but the window's last piece
    got = (piece_ends(tok, seg[e : int(ends[j])]) + e).tolist()
    if got[: len(want)] == want:
        return 0
    p = int(ends[k - 1]) if k else 0
    if e - p > _CONTEXT:
        return None
    own = (piece_ends(tok, seg[p:e]) + p).tolist()  # the context's pieces, as encoded alone
    got = (piece_ends(tok, seg[p : int(ends[j])]) + p).tolist()
    return e - p if got[: len(own) + len(want)] == own + want else None


def _encode_chunk(tok: Tokenizer, chunk: bytes, allowed: frozenset[str], policy: Any) -> Any:
    if tok.native_split and not tok._nfc:
        return tok._enc.encode(chunk, policy, True)
    if not allowed and not tok._nfc:
        return tok._enc.encode_pieces(tok._splitter.split_bytes(chunk), True)
    try:
        text = chunk.decode("utf-8")
    except UnicodeDecodeError as e:
        why = "an NFC normalizer" if tok._nfc else "special tokens and no native split"
        raise ValueError(f"this tokenizer ({why}) needs UTF-8 input: {e}") from e
    return tok.encode_to_numpy(text, allowed_special=allowed, disallowed_special=())


def encode_stream(
    tok: Tokenizer,
    source: Any,
    allowed_special: Any = frozenset(),
    block_size: int | None = None,
    num_threads: int | None = 1,
) -> Iterator[np.ndarray]:
    """See ``Tokenizer.encode_stream`` (arguments are checked here, before the first block)."""
    if block_size is None:
        block_size = DEFAULT_BLOCK
    if num_threads is None:  # (as in encode_batch: every CPU this process may use)
        num_threads = usable_cpus()
    try:  # (NumPy integers too, as encode_batch takes them)
        block_size, num_threads = operator.index(block_size), operator.index(num_threads)
    except TypeError:
        raise TypeError("block_size and num_threads must be ints") from None
    if block_size < 1:
        raise ValueError(f"block_size must be a positive int, not {block_size!r}")
    if num_threads < 1:
        raise ValueError(f"num_threads must be a positive int, not {num_threads!r}")
    # Memory is about num_threads blocks in flight; more threads than CPUs only adds blocks.
    num_threads = min(num_threads, usable_cpus())
    allowed, _ = special_sets(tok, allowed_special, ())
    return _blocks(tok, _reader(source), allowed, block_size, num_threads)


def _chunks(read: Any, cut_of: Any, block_size: int) -> Iterator[tuple[bytes, int]]:
    """The stream as chunks that end where ``cut_of(buffer, lead)`` allows a cut (the rest at the
    end), each as ``(bytes, lead)``: its first ``lead`` bytes are context, the end of the chunk
    before (``cut_of`` returns the cut and the next chunk's lead)."""
    buf = bytearray()
    lead = 0
    step = want = block_size  # (want: what is still to be read of this step)
    high = ""  # a str chunk's last character when it is a high surrogate: its pair may follow
    while True:
        data = read(want)
        if isinstance(data, str):  # a text file or str chunks: their UTF-8
            end = not data
            data, high = high + data, ""  # (at the end of the stream: alone, U+FFFD)
            if not end and "\ud800" <= data[-1] <= "\udbff":
                data, high = data[:-1], data[-1]
                if not data:
                    continue
            data = _utf8(data)
        elif high:  # bytes after a str chunk: the surrogate stays alone
            buf += _utf8(high)
            high = ""
        elif not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"encode_stream reads bytes or str, not {type(data).__name__}")
        buf += data
        if data and len(data) < want:
            # An iterable's small chunks (lines, dataset rows): gathered up to the block size
            # before a cut is looked for (each look splits the buffer's last 64 KiB; once per
            # line it made 10 MB of lines take 20 s and 250 k tiny arrays).
            want -= len(data)
            continue
        cut, context = (len(buf), 0) if not data else cut_of(buf, lead)
        if cut > lead:  # (only the context left at the end: nothing more to encode)
            chunk = bytes(memoryview(buf)[:cut])  # (one copy: a bytearray slice is another)
            del buf[: cut - context]
            yield chunk, lead
            lead = context
            step = want = block_size
        elif data:
            step = want = min(2 * step, 1 << 30)  # no boundary yet: read on, in doubling steps
        if not data:
            return


def _utf8(text: str) -> bytes:
    """UTF-8 of ``text``; lone surrogates become U+FFFD, as ``encode`` (and tiktoken) does."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return replace_lone_surrogates(text).encode("utf-8")


def _blocks(
    tok: Tokenizer, read: Any, allowed: frozenset[str], block_size: int, threads: int
) -> Iterator[Any]:
    policy = special_policy(tok, allowed, frozenset())
    margin = max(_MARGIN, 2 * max((len(s.encode("utf-8")) for s in allowed), default=0))
    chunks = _chunks(read, lambda buf, lead: _cut(tok, buf, allowed, margin, lead), block_size)
    if threads == 1 or not tok.native_split or tok._nfc:
        for chunk, lead in chunks:
            ids = _encode_chunk(tok, chunk, allowed, policy)
            yield ids[len(_encode_chunk(tok, chunk[:lead], allowed, policy)) :] if lead else ids
        return
    # Several chunks at once on the C++ pool, from a helper thread, so that reading and cutting
    # the next batch (the split, ~1 GB/s, and copies) and writing the last one's ids overlap
    # with the encoding. One batch is encoded at a time: the pool's threads (and their piece
    # caches) serve them all.
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np

    def encode(batch: list[tuple[bytes, int]]) -> Any:
        ids, offsets = tok._enc.encode_batch([c for c, _ in batch], policy, threads, True, True)
        if not any(lead for _, lead in batch):
            return ids
        # (the ids of a chunk's context, the piece before it that it is split with, are left out)
        skip = [len(_encode_chunk(tok, c[:lead], allowed, policy)) for c, lead in batch]
        return np.concatenate(
            [ids[int(a) + n : int(b)] for a, b, n in zip(offsets[:-1], offsets[1:], skip)]
        )

    with ThreadPoolExecutor(1, thread_name_prefix="codebpe-stream") as pool:
        running = None
        while True:
            batch = list(itertools.islice(chunks, threads))  # while the last one encodes
            done = running.result() if running is not None else None
            running = pool.submit(encode, batch) if batch else None
            if done is not None:
                yield done  # written while the next batch encodes
            if running is None:
                return
