"""Type stub for ``tokenizer._core``, the C++ extension bound in ``csrc/bindings.cc``.

Hand-written: keep it in step with the bindings (tests/test_core_stub.py compares the names).
Text arguments take ``str`` (as UTF-8) or ``bytes``; token ids come back as a list of ints or, with
``numpy=True``, as a ``uint16`` array when every id of the encoder fits, else ``uint32``.
"""

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Literal, TypedDict, overload

import numpy as np
from numpy.typing import NDArray

__version__: str

class InvalidTokenId(IndexError, KeyError):
    """A token id that is not in the vocabulary (an IndexError, and tiktoken's KeyError)."""

class TokenIdOverflow(InvalidTokenId, OverflowError):
    """An InvalidTokenId for a value that cannot be an id at all (negative, or >= 2**32)."""

_Ids = NDArray[np.uint16] | NDArray[np.uint32]
# the bindings take a list exactly (not any sequence); lists are invariant, hence the three forms
_TextList = list[str] | list[bytes] | list[str | bytes]

# ---- pre-tokenization (bind_pretokenize) ---------------------------------------------------

def has_pattern(name: str, /) -> bool:
    """Whether a hand-written C++ matcher exists for this pattern name."""

def split_offsets(pattern: str, text: str | bytes) -> NDArray[np.uint32]:
    """End offsets (bytes, exclusive) of the pieces of text (str as UTF-8) as a uint32 array."""

@overload
def split_pieces(pattern: str, text: str) -> list[str]:
    """The pieces of text as a list of str (for str) or bytes (for bytes)."""

@overload
def split_pieces(pattern: str, text: bytes) -> list[bytes]:
    """The pieces of text as a list of str (for str) or bytes (for bytes)."""

def unicode_tables_source() -> str:
    """The engines (and releases) the Unicode class tables were measured on."""

# ---- encoding (bind_encode) ----------------------------------------------------------------

def hash_bytes(data: bytes) -> int:
    """The encoder's 64-bit hash of a byte string (its piece cache's; for tests)."""

def count_hash(data: bytes) -> int:
    """The trainer's 64-bit hash of a piece (count files', pruning's; for tests)."""

def parse_tiktoken(data: bytes) -> dict[bytes, int] | None:
    """The ranks of a .tiktoken file's bytes when every line is canonical ('<base64> <rank>') and
    no token repeats; None otherwise (the Python parser reads it and reports the error)."""

class HFModelScan:
    """model.vocab and model.merges of a tokenizer.json, read by scan_hf_model."""

    @property
    def remainder(self) -> bytes:
        """The file with model.vocab as {} and model.merges as []."""
    @property
    def ids(self) -> bytes:
        """Every key's id in file order, as native uint32 bytes (array('I', ids))."""
    @property
    def merges(self) -> bytes:
        """The merges as native uint32 bytes: a0, b0, a1, b1, ... in file order."""
    @property
    def odd_keys(self) -> list[tuple[bytes, int]]:
        """(JSON string literal, id) of each key that is not byte-level, in file order."""
    def tokens(self, size: int) -> list[bytes]:
        """tokens[id] = the bytes of each byte-level key (b'' for other ids)."""
    def lookup(self, token: bytes) -> int | None:
        """The id of the byte-level key with these bytes, or None."""
    def longest_run(self) -> int:
        """The most slots in a row taken in the key index (how far a lookup may walk). For
        tests."""

def has_repeated_pairs(flat: Any) -> bool:
    """Whether a pair occurs twice in a flat buffer of uint32 pairs (array('I'))."""

def scan_hf_model(data: bytes) -> HFModelScan | None:
    """model.vocab and model.merges of a tokenizer.json's bytes, or None when the file is anything
    this reader does not read exactly as json.loads and the Python parser would (see
    csrc/hf_json.cc; the Python path then reads it and reports the exact error)."""

def fast_method(
    func: Callable[..., Any], owner: type, slot: Any, index: int, max_nargs: int
) -> Any:
    """The class attribute standing for method ``func`` of ``owner``: a method descriptor that
    calls the instance's fast function (item ``index`` of the tuple in its __slots__ member
    ``slot``) for 1..max_nargs positional arguments, else (or when it returns NotImplemented)
    func. See FastDescriptor."""

def fast_table(fasts: Sequence[Any]) -> tuple[Any, ...]:
    """The tuple of fast functions (or None) an instance keeps for its FastDescriptors."""

class SpecialPolicy:
    """Which special tokens (by index in Encoder.specials) are allowed / an error."""

    def __init__(self, allowed: Sequence[bool], disallowed: Sequence[bool]) -> None:
        """Flags per special token: allowed as special, or an error when seen in the text."""

class Encoder:
    """BPE encoder for one vocabulary (immutable, thread-safe)."""

    def __init__(
        self,
        tokens: Sequence[bytes],
        merges: Sequence[tuple[int, int]],
        specials: Sequence[tuple[bytes, int, bool, bool]],
        pattern: str | None,
        whole_piece_lookup: bool,
    ) -> None:
        """tokens[id] (b"" if unused), merges ([] for rank BPE), (bytes, id, always, in_gaps)
        specials (in_gaps: looked for only between the matches of the others)."""

    @property
    def n_ids(self) -> int:
        """Number of ids (ordinary and special), i.e. one more than the largest id."""

    @property
    def has_pattern(self) -> bool:
        """Whether the encoder pre-tokenizes with a native matcher (else it takes pieces)."""

    @overload
    def encode(
        self, text: str | bytes, policy: SpecialPolicy, numpy: Literal[False] = False
    ) -> list[int]:
        """Token ids of text under the special-token policy."""

    @overload
    def encode(self, text: str | bytes, policy: SpecialPolicy, numpy: Literal[True]) -> _Ids:
        """Token ids of text under the special-token policy, as a NumPy array."""

    @overload
    def encode(
        self, text: str | bytes, policy: SpecialPolicy, numpy: bool = False
    ) -> list[int] | _Ids:
        """Token ids of text under the special-token policy (a NumPy array with numpy=True)."""

    def count(self, text: str | bytes, policy: SpecialPolicy) -> int:
        """Number of tokens of text under the special-token policy."""

    def fast(
        self, policy: SpecialPolicy, output: Literal["list", "count", "numpy"] = "list"
    ) -> Callable[[object], Any]:
        """A plain function text -> encode(text, policy) as a list, its length ("count") or a
        NumPy array ("numpy") for an exact str, NotImplemented for anything else; without
        pybind11's per-call dispatch."""

    def fast_lookup(self) -> Callable[[bytes], int | None]:
        """A plain function bytes -> lookup(bytes), the same for every argument, without
        pybind11's per-call dispatch for exact bytes."""

    def fast_token_bytes(self) -> Callable[[int], bytes]:
        """A plain function id -> token_bytes(id), the same for every argument, without
        pybind11's per-call dispatch for an exact int."""

    def fast_decode(self, as_bytes: bool = False) -> Callable[..., Any]:
        """A plain function (ids[, errors]) -> str (as_bytes: ids -> bytes) for a list or tuple
        of ints, NotImplemented for anything else; without pybind11's per-call dispatch."""

    @overload
    def encode_pieces(self, pieces: _TextList, numpy: Literal[False] = False) -> list[int]:
        """Encode pre-split pieces (str or bytes)."""

    @overload
    def encode_pieces(self, pieces: _TextList, numpy: Literal[True]) -> _Ids:
        """Encode pre-split pieces (str or bytes) into a NumPy array."""

    @overload
    def encode_pieces(self, pieces: _TextList, numpy: bool = False) -> list[int] | _Ids:
        """Encode pre-split pieces (str or bytes); a NumPy array with numpy=True."""

    @overload
    def encode_batch(
        self,
        texts: _TextList,
        policy: SpecialPolicy,
        num_threads: int = 0,
        numpy: Literal[False] = False,
        allow_bytes: bool = False,
    ) -> list[list[int]]:
        """Encode texts on a thread pool (0 threads: hardware concurrency): a list of lists."""

    @overload
    def encode_batch(
        self,
        texts: _TextList,
        policy: SpecialPolicy,
        num_threads: int = 0,
        *,
        numpy: Literal[True],
        allow_bytes: bool = False,
    ) -> tuple[_Ids, NDArray[np.int64]]:
        """Encode texts on a thread pool: (flat ids, offsets), text i is flat[off[i]:off[i+1]]."""

    @overload
    def encode_batch(
        self,
        texts: _TextList,
        policy: SpecialPolicy,
        num_threads: int = 0,
        numpy: bool = False,
        allow_bytes: bool = False,
    ) -> list[list[int]] | tuple[_Ids, NDArray[np.int64]]:
        """Encode texts on a thread pool: lists, or (flat ids, offsets) with numpy=True;
        allow_bytes=True also takes bytes items (the stream encoder's blocks)."""

    def decode(self, ids: Iterable[int] | NDArray[np.integer]) -> bytes:
        """Concatenated bytes of the ids (IndexError for an unknown id)."""

    def token_bytes(self, id: int) -> bytes:
        """Bytes of one token id (IndexError for an unknown id)."""

    def lookup(self, token: bytes) -> int | None:
        """Id of the ordinary token with these bytes, or None."""

    def bpe(self, piece: bytes) -> list[int]:
        """Plain BPE of one piece (no whole-piece shortcut, no cache)."""

    def safe_cuts(self, piece: bytes) -> list[int]:
        """Positions where the encoder cuts this piece before BPE (no token can span them)."""

    def may_cross(self, piece: bytes, k: int) -> bool:
        """Full test behind safe_cuts at k (no memo, no shortcut): True if a token may span k."""

    def table_runs(self) -> dict[str, int]:
        """The most slots in a row taken in each of the vocabulary's hash tables (how far a
        lookup may walk): {'short_tokens', 'long_tokens', 'pairs', 'fragments'}. For tests."""

    @staticmethod
    def clear_thread_cache() -> None:
        """Forget the calling thread's piece cache (for cold-cache benchmarks)."""

    @staticmethod
    def clear_caches() -> None:
        """Forget every thread's piece caches, the batch pool's included, each at that thread's
        next call (for cold-cache benchmarks of batches)."""

    @staticmethod
    def piece_cache_stats() -> dict[str, int]:
        """The calling thread's most recent piece cache: {'entries', 'slots', 'max_probe'}
        (max_probe: the largest distance of an entry from its home slot). For tests."""

# ---- training (bind_train) -----------------------------------------------------------------

class PieceCounter:
    """Counts of unique pre-tokenized pieces (bytes -> u64), sharded over threads (16 shards
    under a cap, whatever the thread count: the same pruning for any thread count)."""

    def __init__(self, threads: int = 1, max_memory: int = 0) -> None:
        """Prunes the rarest pieces when over max_memory bytes (0: no cap)."""

    def count(self, pattern: str, docs: _TextList, specials: list[str] = ...) -> int:
        """Split each document with the built-in matcher and count its pieces; returns bytes.

        Occurrences of ``specials`` are boundaries, not text (leftmost, then longest)."""

    @property
    def special_cuts(self) -> int:
        """Special tokens cut out of the counted text."""

    def add_special_cuts(self, n: int) -> None:
        """Add special-token cuts made elsewhere (Python splitting, loaded count files)."""

    def add_counts(
        self, counts: dict[str, int] | dict[bytes, int] | dict[str | bytes, int]
    ) -> None:
        """Add {piece (str or bytes): count} (pieces split in Python)."""

    def merge(self, other: PieceCounter) -> None:
        """Add every count of another counter (reduce step)."""

    def save(self, path: str, metadata: str = "{}") -> None:
        """Write the table with its metadata (JSON text) to path."""

    def load(self, path: str) -> bytes:
        """Add a saved table's counts; returns its metadata bytes."""

    def items(self) -> dict[bytes, int]:
        """Every piece with its count."""

    def clear(self) -> None:
        """Drop every count."""

    def longest_run(self) -> int:
        """The most slots in a row taken in any shard's table (how far a lookup may walk;
        diagnostics)."""

    def content(self, threshold: int = 0) -> tuple[int, int]:
        """(unique pieces, their bytes) of the pieces counted more than ``threshold`` times."""

    def prune(self, threshold: int, bucket: int = 65535) -> None:
        """Drop the pieces counted at most ``threshold`` times (0: none), adding them to
        ``pruned_unique`` / ``pruned_mass``; with ``bucket`` below 65535, also those counted
        ``threshold + 1`` times whose hash bucket (see ``class_costs``) is above it."""

    def class_costs(self, count: int, per_piece: int, per_byte: int) -> list[int]:
        """Per hash bucket (65536: the top 16 bits of the 32-bit hash of a piece's bytes),
        ``per_piece + per_byte * length`` summed over the pieces counted exactly ``count``
        times."""

    @property
    def prune_threshold(self) -> int:
        """Pieces counted at most this many times were pruned (0: none)."""

    @property
    def unique(self) -> int:
        """Number of distinct pieces held."""

    @property
    def total(self) -> int:
        """Sum of the counts held."""

    @property
    def memory(self) -> int:
        """Bytes held by the table (slots plus arena blocks)."""

    @property
    def pruned_unique(self) -> int:
        """Distinct pieces dropped by pruning so far."""

    @property
    def pruned_mass(self) -> int:
        """Sum of the counts dropped by pruning so far."""

    @property
    def threads(self) -> int:
        """Number of counting threads (one shard each)."""

    @property
    def max_memory(self) -> int:
        """Memory cap in bytes (0: none)."""

class _TrainResult(TypedDict):
    merges: list[tuple[int, int]]
    tokens: list[bytes]
    words: int
    peak_bytes: int

def train_bpe(
    counter: PieceCounter,
    forced: Sequence[tuple[int, int]],
    vocab_size: int,
    min_frequency: int = 1,
    max_token_length: int = 0,
    consume: bool = False,
    progress: Callable[[int, int], object] | None = None,
) -> _TrainResult:
    """Train BPE on the counter's pieces (rules of tokenizer._reference)."""
