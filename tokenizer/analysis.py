"""Compression metrics: what a tokenizer costs on code, Chinese and English, per language.

Stage: analysis. :func:`measure` encodes evaluation documents with any tiktoken-like object
(``encode_ordinary(text) -> list[int]``, ``decode_single_token_bytes(id) -> bytes``, ``n_vocab``)
and accumulates, per language, per domain and in total, the figures below. :func:`add_ratios` puts
each figure next to a reference tokenizer's (``cl100k_base`` by default). Loading tokenizers and
evaluation text lives in ``tokenizer._analysis_sources``; the sums and figures in
``tokenizer._analysis_stats``; rendering in ``tokenizer.report``. This module does no I/O.

Definitions (fixed, so that figures are comparable across runs; see docs/analysis.md):

* **line**: a document has ``text.count("\\n")`` lines, plus one if it is non-empty and does not
  end with ``"\\n"``. Blank lines count; ``"\\r\\n"`` is one line end; a lone ``"\\r"`` is not.
  A text file over 1 MiB is read in chunks (``tokenizer._text_chunks``), and every chunk but the
  last is a :class:`ContinuedDocument`: its unfinished last line is counted by the chunk that
  finishes it, and the file is one document, so the figures are those of the whole file.
* **bytes** are UTF-8 bytes, **characters** are Unicode code points (``len(str)``).
* **indentation region** of a line: the maximal run of spaces and tabs at its start (after
  ``"\\n"`` or at the start of the document) that is followed by another character on the same line
  (a whitespace-only line has no indentation).
* **indentation token**: a token whose bytes are all ASCII whitespace (space, tab, CR, LF, FF, VT)
  and that covers at least one byte of an indentation region (so ``"\\n    "`` counts, ``"\\n"``
  alone does not, and ``" return"`` does not).
* **bracket token**: a token containing at least one of ``( ) [ ] { }``.
* **language tag**: case-insensitive (:func:`language_tag`): ``zh-CN``, ``zh_Hans``, ``Chinese``
  are ``zh``; ``en-US``, ``EN``, ``english`` are ``en``; ``Python`` is ``python``. Prose and prose
  markup (``text``, ``markdown``, ``rst``, ``latex``, ``asciidoc``) get a language from their
  script (:func:`prose_language`).
* **domain**: ``zh`` and ``en`` are their own domains, other natural-language tags are ``text``,
  every other language tag is ``code``; documents without a language are ``unknown``.

>>> class Bytes:  # a toy tokenizer: one token per byte
...     n_vocab = 256
...     def encode_ordinary(self, text): return list(text.encode())
...     def decode_single_token_bytes(self, i): return bytes([i])
>>> m = measure(Bytes(), [("x = (1)\\n  y\\n", "python")])
>>> m.total.lines, m.total.tokens, m.total.indent_tokens, m.total.bracket_tokens
(2, 12, 2, 2)
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

from ._analysis_stats import MAX_TOKEN_LENGTH, GroupStats, Measurement

__all__ = [
    "BRACKETS",
    "MAX_TOKEN_LENGTH",
    "NATURAL_LANGUAGES",
    "TokenizerLike",
    "ContinuedDocument",
    "FileLanguage",
    "GroupStats",
    "Measurement",
    "PROSE_TAGS",
    "count_lines",
    "document_language",
    "domain_of",
    "language_tag",
    "prose_language",
    "indentation_mask",
    "measure",
    "add_ratios",
]

#: Characters whose presence makes a token a bracket token.
BRACKETS = b"()[]{}"
#: Language tags treated as natural language (the rest are code), after :func:`language_tag`.
NATURAL_LANGUAGES = frozenset(
    {"zh", "en", "ja", "ko", "fr", "de", "es", "ru", "pt", "it", "nl", "pl", "tr", "uk", "ar"}
    | {"fa", "he", "hi", "vi", "th", "id", "ms", "sv", "da", "no", "fi", "cs", "el", "text"}
    # (until 2026-12 these were "code": lang "ro" measured Romanian prose as code) ISO 639-1
    # codes that no code language's tag shares (not ts, sh, ml, as: TypeScript, shell, ML, ...)
    | {"ro", "hu", "bg", "sr", "hr", "bs", "sk", "sl", "lt", "lv", "et", "ca", "eu", "gl"}
    | {"nb", "nn", "is", "ga", "cy", "mt", "sq", "mk", "be", "kk", "uz", "az", "hy", "ka"}
    | {"bn", "ta", "te", "ur", "mr", "gu", "kn", "pa", "ne", "si", "km", "lo", "my", "mn"}
    | {"am", "sw", "tl", "af", "yo", "ha", "ig", "zu", "xh", "so", "ps", "ku", "tg", "la", "yi"}
)
#: Tags of prose and prose markup: their documents get a language from their script
#: (:func:`prose_language`), so a Chinese README.md counts as zh, an English one as en.
PROSE_TAGS = frozenset({"text", "markdown", "rst", "latex", "asciidoc"})
# Other spellings of tags, lower-case: names of natural languages, ISO 639-2/3 codes, and the
# common names of languages that the corpus reader calls otherwise (by file extension).
_TAG_ALIASES = {
    **dict.fromkeys(("chinese", "mandarin", "cantonese", "zho", "chi", "cmn", "yue"), "zh"),
    **dict.fromkeys(("english", "eng"), "en"),
    **dict.fromkeys(("japanese", "jpn"), "ja"),
    **dict.fromkeys(("korean", "kor"), "ko"),
    **dict.fromkeys(("french", "fra", "fre"), "fr"),
    **dict.fromkeys(("german", "deu", "ger"), "de"),
    **dict.fromkeys(("spanish", "spa"), "es"),
    **dict.fromkeys(("russian", "rus"), "ru"),
    **dict.fromkeys(("portuguese", "por"), "pt"),
    **dict.fromkeys(("italian", "ita"), "it"),
    # names of the others (a JSONL's "lang": "Dutch" was "code", its code "nl" prose), and
    # withdrawn codes still in use (iw, in, ji)
    **{
        name: code
        for code, names in {
            "nl": "dutch flemish nld dut",
            "pl": "polish pol",
            "tr": "turkish tur",
            "uk": "ukrainian ukr",
            "ar": "arabic ara",
            "fa": "persian farsi fas per",
            "he": "hebrew heb iw",
            "hi": "hindi hin",
            "vi": "vietnamese vie",
            "th": "thai tha",
            "id": "indonesian ind in",
            "ms": "malay msa may",
            "sv": "swedish swe",
            "da": "danish dan",
            "no": "norwegian nor",
            "fi": "finnish fin",
            "cs": "czech ces cze",
            "el": "greek ell gre",
            "ro": "romanian ron rum moldovan",
            "hu": "hungarian hun",
            "bg": "bulgarian bul",
            "sr": "serbian srp",
            "hr": "croatian hrv",
            "sk": "slovak slk slo",
            "sl": "slovenian slovene slv",
            "lt": "lithuanian lit",
            "lv": "latvian lav",
            "et": "estonian est",
            "ca": "catalan cat",
            "bn": "bengali bangla ben",
            "ta": "tamil tam",
            "ur": "urdu urd",
            "sw": "swahili swa",
            "tl": "tagalog filipino fil tgl",
            "la": "latin lat",
            "yi": "yiddish ji",
        }.items()
        for name in names.split()
    },
    **dict.fromkeys(("plaintext", "plain text", "plain_text", "txt", "prose"), "text"),
    **dict.fromkeys(("md", "gfm", "commonmark"), "markdown"),
    **dict.fromkeys(("restructuredtext", "rest"), "rst"),
    **dict.fromkeys(("tex", "latex2e"), "latex"),
    **dict.fromkeys(("c++", "cxx"), "cpp"),
    **dict.fromkeys(("c#", "c-sharp"), "csharp"),
    **dict.fromkeys(("js", "nodejs"), "javascript"),
    **dict.fromkeys(("ts",), "typescript"),
    **dict.fromkeys(("py", "python3"), "python"),
    **dict.fromkeys(("golang",), "go"),
    **dict.fromkeys(("bash", "sh", "zsh"), "shell"),
    **dict.fromkeys(("objective-c", "objectivec"), "objc"),
}
# A BCP 47 tag with subtags (zh-CN, zh-Hans-CN, en-US; "_" read as "-"): its language subtag
# counts when it is a natural language (objective-c and c-sharp are not).
_BCP47 = re.compile(r"([a-z]{2,3})(?:-[a-z0-9]{1,8})+")
_WHITESPACE = frozenset(b" \t\r\n\f\v")
_INDENT = re.compile(rb"(?:^|(?<=\n))[ \t]+(?=[^ \t\r\n\f\v])")  # (FF, VT: whitespace too)
#: Texts encoded, untimed, before a speed measurement: ASCII code, NFC non-ASCII text, and text
#: that is not NFC (a combining accent), so one-time setup of each path is done before timing.
WARM_UP = ("def f(x):\n    return [x]\n", "naïve café 中文，日本語\n", "cafe\u0301 e\u0301\n")
# The figures that get a ratio to the reference tokenizer (lower is better for tokens_per_line).
RATIO_KEYS = ("tokens_per_line", "bytes_per_token", "chars_per_token")


class TokenizerLike(Protocol):
    """What :func:`measure` needs (tiktoken's ``Encoding`` and codebpe's ``Tokenizer`` have it)."""

    n_vocab: int

    def encode_ordinary(self, text: str) -> list[int]: ...

    def decode_single_token_bytes(self, token: int) -> bytes: ...


class ContinuedDocument(tuple):
    """A ``(text, lang)`` document whose text goes on in the next document of the same input:
    a chunk of a long text file that is not its last. Its unfinished last line (after its last
    ``"\\n"``) is not a line of its own, and it is not a document of its own: the chunk that
    finishes the text counts both. Unpacks, sorts and compares as the pair it holds.

    >>> text, lang = ContinuedDocument(("a\\nb", "js")); count_lines(text, continued=True)
    1
    """

    __slots__ = ()


def count_lines(text: str, *, continued: bool = False) -> int:
    """Lines as defined above: newlines, plus one for a final line without one (unless the text
    is ``continued`` in the next document, which finishes that line).

    >>> count_lines(""), count_lines("a"), count_lines("a\\n"), count_lines("a\\n\\nb")
    (0, 1, 1, 3)
    """
    unfinished = text and not text.endswith("\n") and not continued
    return text.count("\n") + (1 if unfinished else 0)


@functools.lru_cache(maxsize=1024)
def language_tag(lang: str | None) -> str | None:
    """The report's form of a language tag: lower-case; a natural language as its ISO 639-1 code
    (BCP 47 region and script subtags dropped, names and 3-letter codes mapped); a few other
    spellings as the corpus reader's names (``c++`` -> ``cpp``); ``None`` when empty.

    >>> [language_tag(t) for t in ("zh-CN", "zh_Hans", "Chinese", "en-US", "EN", "Python", "SQL")]
    ['zh', 'zh', 'zh', 'en', 'en', 'python', 'sql']
    >>> language_tag("Objective-C"), language_tag(" "), language_tag(None)
    ('objc', None, None)
    """
    tag = " ".join(lang.split()).lower() if lang else ""
    if not tag:
        return None
    tag = _TAG_ALIASES.get(tag, tag)
    match = _BCP47.fullmatch(tag.replace("_", "-"))
    if match:
        primary = _TAG_ALIASES.get(match[1], match[1])
        if primary in NATURAL_LANGUAGES:
            return primary
    return tag


_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA = re.compile("[\u3040-\u30ff]")
_HANGUL = re.compile("[\uac00-\ud7af\u1100-\u11ff]")
_ASCII_LETTER = re.compile("[A-Za-z]")


def prose_language(text: str) -> str:
    """``zh``, ``ja``, ``ko`` or ``en`` for plain prose by its script (the first 8,000
    characters), else ``text``: a ``.txt`` file has no language tag, and without one Chinese
    and English files were all ``text``, outside the report's zh and en columns.

    >>> prose_language("这是一个测试。It has English too."), prose_language("plain English.")
    ('zh', 'en')
    >>> prose_language("Ein Satz auf Deutsch, mit Umlauten: äöü ß."), prose_language("123")
    ('text', 'text')
    """
    sample = text[:8000]
    letters = sum(1 for c in sample if c.isalpha())
    if not letters:
        return "text"
    if len(_KANA.findall(sample)) >= 0.1 * letters:
        return "ja"
    if len(_HANGUL.findall(sample)) >= 0.3 * letters:
        return "ko"
    if len(_HAN.findall(sample)) >= 0.2 * letters:
        return "zh"
    if len(_ASCII_LETTER.findall(sample)) == letters:
        # English, or another language written in plain ASCII letters: none with accents
        return "en"
    return "text"


def document_language(text: str, lang: str | None) -> str | None:
    """The language a document is reported under: :func:`language_tag` of ``lang``, and for
    prose and prose markup (:data:`PROSE_TAGS`) :func:`prose_language` of the text.

    >>> document_language("Hello.\\n", "Markdown"), document_language("你好。\\n", "text")
    ('en', 'zh')
    >>> document_language("x = 1\\n", "Python"), document_language("", None)
    ('python', None)
    """
    tag = language_tag(lang)
    return prose_language(text) if tag in PROSE_TAGS else tag


class FileLanguage:
    """:func:`document_language` of each document in turn, except that the chunks of one text
    file (a :class:`ContinuedDocument` and the documents that continue it) all take the
    language of the file's first chunk: a prose file over 1 MiB is one document, of one
    language (a Chinese book with an English appendix was ``zh`` with 0 documents and ``en``).

    >>> lang = FileLanguage()
    >>> [lang(d) for d in (ContinuedDocument(("中文。\\n", "text")), ("Tail.\\n", "text"))]
    ['zh', 'zh']
    """

    def __init__(self) -> None:
        self._carried: tuple[str | None] | None = None

    def __call__(self, doc: tuple[str, str | None]) -> str | None:
        text, lang = doc
        lang = self._carried[0] if self._carried else document_language(text, lang)
        self._carried = (lang,) if isinstance(doc, ContinuedDocument) else None
        return lang


def domain_of(lang: str | None) -> str:
    """``zh``, ``en``, ``text`` (other natural languages, prose), ``code`` or ``unknown`` (no
    language, or the tag ``unknown`` that the reports give such documents).

    >>> domain_of("python"), domain_of("zh"), domain_of(None), domain_of("zh-CN")
    ('code', 'zh', 'unknown', 'zh')
    """
    tag = language_tag(lang)
    if not tag or tag == "unknown":
        return "unknown"
    if tag in ("zh", "en"):
        return tag
    return "text" if tag in NATURAL_LANGUAGES or tag in PROSE_TAGS else "code"


def indentation_mask(data: bytes) -> bytearray:
    """One byte per input byte: 1 inside an indentation region, else 0.

    >>> list(indentation_mask(b"a\\n  b\\n  \\n"))
    [0, 0, 1, 1, 0, 0, 0, 0, 0]
    """
    mask = bytearray(len(data))
    for m in _INDENT.finditer(data):
        mask[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
    return mask


class _TokenInfo:
    """Per-id facts, computed once per tokenizer: byte length, all-whitespace, has a bracket."""

    def __init__(self, enc: TokenizerLike) -> None:
        self.enc = enc
        self.cache: dict[int, tuple[int, bool, bool]] = {}

    def __getitem__(self, token: int) -> tuple[int, bool, bool]:
        info = self.cache.get(token)
        if info is None:
            data = self.enc.decode_single_token_bytes(token)
            info = (
                len(data),
                bool(data) and all(b in _WHITESPACE for b in data),
                any(b in BRACKETS for b in data),
            )
            self.cache[token] = info
        return info


def _measure_document(
    text: str, ids: Sequence[int], info: _TokenInfo, stats: GroupStats, continued: bool
) -> None:
    data = text.encode("utf-8")
    mask = indentation_mask(data) if b" " in data or b"\t" in data else None
    stats.documents += 0 if continued else 1
    stats.lines += count_lines(text, continued=continued)
    stats.bytes += len(data)
    stats.characters += len(text)
    stats.tokens += len(ids)
    stats.indent_bytes += mask.count(1) if mask is not None else 0
    stats.bracket_chars += sum(data.count(c) for c in BRACKETS)
    stats.used_ids.update(ids)
    hist = stats.length_histogram
    offset = 0
    for token in ids:
        length, white, bracket = info[token]
        if white and mask is not None and mask.find(1, offset, offset + length) >= 0:
            stats.indent_tokens += 1
        if bracket:
            stats.bracket_tokens += 1
        hist[max(min(length, MAX_TOKEN_LENGTH), 1) - 1] += 1
        offset += length
    if offset != len(data):
        # subtle: a lossy tokenizer (normalizer, unknown token) makes the offsets meaningless;
        # the document is still counted, and flagged so the report can say so.
        stats.lossy_documents += 1


def _batches(items: Iterable[tuple[str, str | None]], size: int, max_chars: int = 1 << 22):
    """Lists of at most ``size`` items and about ``max_chars`` characters (large documents, such
    as 1 MiB chunks of a text file, would otherwise make 64 MiB batches)."""
    batch: list[tuple[str, str | None]] = []
    chars = 0
    for item in items:
        batch.append(item)
        chars += len(item[0])
        if len(batch) >= size or chars >= max_chars:
            yield batch
            batch, chars = [], 0
    if batch:
        yield batch


def measure(
    enc: TokenizerLike,
    documents: Iterable[tuple[str, str | None]],
    *,
    name: str | None = None,
    speed: bool = False,
    progress: Callable[[int], None] | None = None,
) -> Measurement:
    """Encode ``(text, lang)`` documents with ``enc`` and accumulate every figure.

    Args:
        enc: any object with ``encode_ordinary``, ``decode_single_token_bytes`` and ``n_vocab``.
        documents: ``(text, language tag or None)`` pairs (or :class:`ContinuedDocument`
            pairs); iterated once.
        name: label of the tokenizer (default: ``enc.name`` or the class name).
        speed: time one ``encode_ordinary`` call per document (summed, reported as MB/s),
            after untimed warm-up calls (:data:`WARM_UP`); otherwise documents are encoded in
            batches (``encode_ordinary_batch``) when offered.
        progress: called with the UTF-8 bytes measured so far, after each batch.

    >>> enc = tiktoken.get_encoding("cl100k_base")  # doctest: +SKIP
    >>> measure(enc, [("x = 1\\n", "python")]).total.tokens  # doctest: +SKIP
    5
    """
    label = name or getattr(enc, "name", None) or type(enc).__name__
    result = Measurement(name=str(label), n_vocab=int(enc.n_vocab))
    info = _TokenInfo(enc)
    language = FileLanguage()
    seconds = 0.0
    if speed:
        # One-time setup (codebpe's NFC check builds a table once per process, ~0.2 s) must not
        # be charged to whichever tokenizer happens to be measured first.
        for text in WARM_UP:
            enc.encode_ordinary(text)
    for batch in _batches(documents, 1 if speed else 64):
        t0 = time.perf_counter()
        if len(batch) > 1 and hasattr(enc, "encode_ordinary_batch"):
            all_ids = enc.encode_ordinary_batch([text for text, _ in batch])
        else:
            all_ids = [enc.encode_ordinary(text) for text, _ in batch]
        seconds += time.perf_counter() - t0
        for doc, ids in zip(batch, all_ids):
            stats = result.languages.setdefault(language(doc) or "unknown", GroupStats())
            _measure_document(doc[0], ids, info, stats, isinstance(doc, ContinuedDocument))
        if progress is not None:
            progress(sum(g.bytes for g in result.languages.values()))
    for key, stats in result.languages.items():
        result.domains.setdefault(domain_of(key), GroupStats()).add(stats)
        result.total.add(stats)
    result.encode_seconds = seconds if speed else None
    return result


def add_ratios(rows: list[dict[str, Any]], reference: dict[str, Any] | None) -> None:
    """Add ``ratio_to_reference`` to every group of every ``Measurement.to_json()`` row, in place.

    A ratio is ``figure / reference figure`` for the same group; ``None`` when the reference is
    missing, has no such group, or a figure is ``None``. Below 1 is better for ``tokens_per_line``,
    above 1 is better for ``bytes_per_token`` and ``chars_per_token``.

    >>> a = {"total": {"tokens_per_line": 5.0}, "domains": {}, "languages": {}}
    >>> b = {"total": {"tokens_per_line": 10.0}, "domains": {}, "languages": {}}
    >>> add_ratios([a], b); a["total"]["ratio_to_reference"]["tokens_per_line"]
    0.5
    """
    for row in rows:
        for kind in ("total", "domains", "languages"):
            groups = {"": row[kind]} if kind == "total" else row[kind]
            for key, group in groups.items():
                ref = None
                if reference is not None:
                    ref = reference[kind] if kind == "total" else reference[kind].get(key)
                ratios: dict[str, float | None] = {}
                for fig in RATIO_KEYS:
                    mine, theirs = group.get(fig), (ref or {}).get(fig)
                    ratios[fig] = mine / theirs if mine is not None and theirs else None
                group["ratio_to_reference"] = ratios if ref is not None else None
