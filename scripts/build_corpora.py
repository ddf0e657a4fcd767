#!/usr/bin/env python3
"""Build (or check) the shipped corpus sample in ``corpora/``.

Every input is a pinned Debian archive file or PyPI sdist, fetched once into a cache folder and
verified by sha256. Selection is deterministic (files sorted, sampled by a hash of their path),
the gzip streams carry mtime 0 and a fixed name, so a rebuild gives byte-identical files.

Usage::

    python scripts/build_corpora.py            # rebuild corpora/ (downloads into the cache)
    python scripts/build_corpora.py --check    # offline: verify corpora/ against MANIFEST.json
    python scripts/build_corpora.py --large /data/codebpe-large   # ~84 MB train split, 94 MB in all

The cache folder is ``$CODEBPE_CORPORA_CACHE`` or ``~/.cache/codebpe-corpora``.
"""

from __future__ import annotations

import argparse
import fnmatch
import gzip
import hashlib
import html.parser
import io
import json
import lzma
import os
import re
import sys
import tarfile
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from tokenizer.corpus import verify_manifest  # noqa: E402

DEBIAN = "http://deb.debian.org/debian/pool/main/"
PYPI = "https://files.pythonhosted.org/packages/"
SEED = "codebpe-corpora-v1"
HELDOUT_PERCENT = 10
# Target bytes (uncompressed UTF-8) per (source, take) for the shipped sample; --large scales them.
LARGE_FACTOR = 10


@dataclass(frozen=True)
class Take:
    """One selection from an archive: members matching ``patterns`` become ``lang`` documents."""

    lang: str
    patterns: tuple[str, ...]
    budget: int  # bytes for the shipped sample
    kind: str = "code"  # code | prose | html
    exclude: tuple[str, ...] = ()
    shebang: bool = False  # also accept extensionless files whose first line is a shell shebang


@dataclass(frozen=True)
class Archive:
    name: str  # short source name used in documents' `source`
    package: str
    version: str
    origin: str  # "debian" or "pypi"
    url: str
    sha256: str
    license: str
    notices: tuple[str, ...]  # archive members copied to corpora/LICENSES/
    takes: tuple[Take, ...] = field(default_factory=tuple)


K = 1000
ARCHIVES: tuple[Archive, ...] = (
    Archive(
        "cpython",
        "python3.11 (Debian source, orig tarball)",
        "3.11.2",
        "debian",
        DEBIAN + "p/python3.11/python3.11_3.11.2.orig.tar.gz",
        "2411c74bda5bbcfcddaf4531f66d1adc73f247f529aee981b029513aefdbf849",
        "PSF-2.0",
        ("LICENSE",),
        (
            Take("python", ("Lib/*.py",), 1200 * K, exclude=("Lib/test/*", "Lib/idlelib/*")),
            Take(
                "c",
                ("Modules/*.c", "Objects/*.c", "Python/*.c"),
                500 * K,
                exclude=(
                    "Modules/_decimal/libmpdec/*",
                    "Modules/expat/*",
                    "Modules/_blake2/*",
                    "Modules/_sha3/*",
                    "Modules/_ctypes/libffi*",
                    "Python/*opcode_targets*",
                ),
            ),
            Take(
                "en",
                ("Doc/*.rst",),
                1200 * K,
                kind="prose",
                exclude=("Doc/whatsnew/changelog.rst",),
            ),
        ),
    ),
    Archive(
        "django",
        "Django (PyPI sdist)",
        "4.2.16",
        "pypi",
        PYPI + "65/d8/a607ee443b54a4db4ad28902328b906ae6218aa556fb9b3ac45c0bcb313d/"
        "Django-4.2.16.tar.gz",
        "6f1616c2786c408ce86ab7e10f792b8f15742f7b7b7460243929cb371e7f1dad",
        "BSD-3-Clause",
        ("LICENSE", "LICENSE.python"),
        (
            Take("python", ("django/*.py",), 400 * K, exclude=("*/migrations/*", "*/locale/*")),
            Take(
                "javascript",
                ("django/contrib/admin/static/admin/js/*.js",),
                100 * K,
                exclude=("*/vendor/*", "*.min.js"),
            ),
            Take("en", ("docs/*.txt",), 1600 * K, kind="prose", exclude=("docs/releases/*",)),
        ),
    ),
    Archive(
        "brotli",
        "brotli (Debian source, orig tarball)",
        "1.0.9",
        "debian",
        DEBIAN + "b/brotli/brotli_1.0.9.orig.tar.gz",
        "f9e8d81d0405ba66d181529af42a3354f838c939095ff99930da6aa9cdf6fe46",
        "MIT",
        ("LICENSE",),
        (Take("c", ("c/*.c", "c/*.h"), 250 * K, exclude=("*/dictionary.c", "*_static*")),),
    ),
    Archive(
        "postgresql",
        "postgresql-15 (Debian source, orig tarball)",
        "15.18",
        "debian",
        DEBIAN + "p/postgresql-15/postgresql-15_15.18.orig.tar.bz2",
        "11df0df97fe3ea4ba9a791faaf39cee1d2fe571e78885b5b55d8517d27c323b4",
        "PostgreSQL",
        ("COPYRIGHT",),
        (
            Take(
                "sql",
                ("src/test/regress/sql/*.sql", "contrib/*.sql", "src/backend/catalog/*.sql"),
                500 * K,
            ),
            Take(
                "c", ("src/backend/*.c",), 250 * K, exclude=("*/snowball/*", "*gram.c", "*scan.c")
            ),
        ),
    ),
    Archive(
        "pybind11",
        "pybind11 (Debian source, orig tarball)",
        "2.10.3",
        "debian",
        DEBIAN + "p/pybind11/pybind11_2.10.3.orig.tar.gz",
        "5d8c4c5dda428d3a944ba3d2a5212cb988c2fae4670d58075a5a49075a6ca315",
        "BSD-3-Clause",
        ("LICENSE",),
        (Take("cpp", ("include/*.h", "tests/*.cpp"), 400 * K),),
    ),
    Archive(
        "fmt",
        "fmtlib (Debian source, orig tarball)",
        "9.1.0+ds1",
        "debian",
        DEBIAN + "f/fmtlib/fmtlib_9.1.0+ds1.orig.tar.gz",
        "84ce1c2d0be3a9863935137969dcec6970125caac032f82474640bfc81463583",
        "MIT",
        ("LICENSE.rst",),
        (Take("cpp", ("include/*.h", "src/*.cc", "test/*.cc", "test/*.h"), 300 * K),),
    ),
    Archive(
        "abseil",
        "abseil (Debian source, orig tarball)",
        "20220623.1",
        "debian",
        DEBIAN + "a/abseil/abseil_20220623.1.orig.tar.gz",
        "abfe2897f3a30edaa74bc34365afe3c2a3cd012091a97dc7e008f7016adcd5fe",
        "Apache-2.0",
        ("LICENSE",),
        (Take("cpp", ("absl/*.cc", "absl/*.h"), 300 * K),),
    ),
    Archive(
        "commons-lang3",
        "libcommons-lang3-java (Debian source, orig tarball)",
        "3.12.0",
        "debian",
        DEBIAN + "libc/libcommons-lang3-java/libcommons-lang3-java_3.12.0.orig.tar.xz",
        "f7c22574707611b63bae19ff17f59e24cdd32e2b0e61a50ec9b1b525fbc909d1",
        "Apache-2.0",
        ("LICENSE.txt", "NOTICE.txt"),
        (Take("java", ("src/*.java",), 800 * K),),
    ),
    Archive(
        "express",
        "node-express (Debian source, orig tarball)",
        "4.18.2",
        "debian",
        DEBIAN + "n/node-express/node-express_4.18.2+~4.17.14.orig.tar.gz",
        "a9ace1a92a2b0a7e3fcd7a7612553d6208a464561c15ad38f349fc3ab0d7cda0",
        "MIT",
        ("LICENSE",),
        (Take("javascript", ("lib/*.js", "test/*.js", "examples/*.js"), 300 * K),),
    ),
    Archive(
        "typescript",
        "node-typescript (Debian source, orig tarball)",
        "4.8.4+ds1",
        "debian",
        DEBIAN + "n/node-typescript/node-typescript_4.8.4+ds1.orig.tar.xz",
        "f7917171a6132ab74404e9928d25ec3d07c9398fc0e9b5df1000c5c28b26653f",
        "Apache-2.0",
        ("LICENSE.txt", "ThirdPartyNoticeText.txt"),
        (
            Take(
                "typescript",
                ("src/*.ts", "tests/cases/*.ts"),
                800 * K,
                exclude=("*/lib/*", "*.d.ts", "src/compiler/checker.ts"),
            ),
        ),
    ),
    Archive(
        "go",
        "golang-1.19 (Debian source, orig tarball)",
        "1.19.8",
        "debian",
        DEBIAN + "g/golang-1.19/golang-1.19_1.19.8.orig.tar.gz",
        "1d7a67929dccafeaf8a29e55985bc2b789e0499cb1a17100039f084e3238da2f",
        "BSD-3-Clause",
        ("LICENSE",),
        (
            Take("go", ("src/*.go",), 1000 * K, exclude=("*/testdata/*", "*/vendor/*")),
            Take(
                "shell", ("*.bash", "*.sh", "*.rc"), 60 * K, exclude=("*/testdata/*", "*/vendor/*")
            ),
        ),
    ),
    Archive(
        "rust",
        "rust-src (Debian binary package)",
        "1.63.0+dfsg1-2",
        "debian",
        DEBIAN + "r/rustc/rust-src_1.63.0+dfsg1-2_all.deb",
        "410b8c6d464cabbe5fb3154ab8c3d374980dd597fbe7e3b7bb3ed8dd1bf11e25",
        "MIT OR Apache-2.0",
        ("usr/share/doc/rust-src/copyright",),
        (
            Take(
                "rust",
                ("usr/src/rustc-1.63.0/library/*.rs", "usr/src/rustc-1.63.0/compiler/*.rs"),
                1000 * K,
                exclude=("*/stdarch/*", "*/tests/*", "*/portable-simd/*"),
            ),
        ),
    ),
    *(
        Archive(
            name,
            f"{pkg} (Debian binary package)",
            ver,
            "debian",
            DEBIAN + path,
            sha,
            lic,
            (f"usr/share/doc/{pkg}/copyright",),
            (
                Take(
                    "shell",
                    (
                        "usr/bin/*",
                        "usr/lib/*",
                        "usr/libexec/*",
                        "usr/share/*.sh",
                        "usr/share/bash-completion/*",
                    ),
                    budget,
                    shebang=True,
                ),
            ),
        )
        for name, pkg, ver, path, sha, budget, lic in (
            (
                "bats",
                "bats",
                "1.8.2-1",
                "b/bats/bats_1.8.2-1_all.deb",
                "9dc9e0421a621dae0878378a79deba0450b07aabd41be26e960add5aebc616a6",
                60 * K,
                "MIT",
            ),
            (
                "git-extras",
                "git-extras",
                "6.5.0-1",
                "g/git-extras/git-extras_6.5.0-1_all.deb",
                "6abea9af191fb92a6a605e20be9f55a5307d9a6f9234f3e580ddd21fe03ac146",
                150 * K,
                "MIT",
            ),
            (
                "shunit2",
                "shunit2",
                "2.1.8-3",
                "s/shunit2/shunit2_2.1.8-3_all.deb",
                "8114c01821a9e0d81da4e078dbf67bb6edff35282aa4d8bfc62b4f2490c003ce",
                80 * K,
                "Apache-2.0",
            ),
        )
    ),
    *(
        Archive(
            f"libreoffice-help-{loc}",
            f"libreoffice-help-{loc} (Debian binary package)",
            "4:7.4.7-1+deb12u14",
            "debian",
            DEBIAN + f"libr/libreoffice/libreoffice-help-{loc}_7.4.7-1+deb12u14_all.deb",
            sha,
            "MPL-2.0",
            (f"usr/share/doc/libreoffice-help-{loc}/copyright",),
            (Take("zh", ("usr/share/libreoffice/help/*.html",), budget, kind="html"),),
        )
        for loc, sha, budget in (
            ("zh-cn", "db867cdece4c2f9c7eebe65e519c6cf386fdcf49d6e061db3dffec893b3e1dee", 2100 * K),
            ("zh-tw", "f79cb2bee8d8d783efd825051a957b4c97a56dad5a05bde0ee90e66099331209", 700 * K),
        )
    ),
)
GROUPS = {"zh": "zh", "en": "en"}  # every other language goes to code.jsonl.gz

# --------------------------------------------------------------------------- downloading


def cache_dir() -> Path:
    return Path(os.environ.get("CODEBPE_CORPORA_CACHE", Path.home() / ".cache/codebpe-corpora"))


def fetch(archive: Archive) -> Path:
    """Download ``archive`` into the cache once; always verify its sha256."""
    path = cache_dir() / archive.url.rsplit("/", 1)[1]
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        print(f"downloading {archive.url}", file=sys.stderr)
        tmp = path.with_suffix(path.suffix + ".part")
        with urllib.request.urlopen(archive.url, timeout=120) as resp, open(tmp, "wb") as out:
            while chunk := resp.read(1 << 20):
                out.write(chunk)
        tmp.rename(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != archive.sha256:
        raise SystemExit(f"sha256 mismatch for {path}: {digest} != {archive.sha256}")
    return path


def iter_members(path: Path) -> Iterator[tuple[str, bytes]]:
    """Yield (member path without the top folder, content) for regular files of a tar or .deb."""
    strip = not path.name.endswith(".deb")
    source = {"name": path} if strip else {"fileobj": io.BytesIO(_deb_data_tar(path))}
    with tarfile.open(mode="r:*", **source) as tar:
        for member in tar:
            if not member.isfile():
                continue
            name = member.name.lstrip("./")
            if strip:
                name = name.split("/", 1)[1] if "/" in name else name
            fh = tar.extractfile(member)
            if fh is not None:
                yield name, fh.read()


def _deb_data_tar(path: Path) -> bytes:
    """Return the uncompressed data.tar of a Debian package (an ar archive)."""
    blob = path.read_bytes()
    pos = 8  # "!<arch>\n"
    while pos < len(blob):
        header = blob[pos : pos + 60]
        name, size = header[:16].decode().strip().rstrip("/"), int(header[48:58])
        body = blob[pos + 60 : pos + 60 + size]
        if name.startswith("data.tar"):
            return lzma.decompress(body) if name.endswith(".xz") else gzip.decompress(body)
        pos += 60 + size + (size & 1)
    raise SystemExit(f"{path}: no data.tar member")


# --------------------------------------------------------------------------- filtering


GENERATED = re.compile(rb"generated by|do not edit|auto-?generated|@generated", re.I)
SHEBANG = re.compile(rb"^#![^\n]*\b(ba|z|k|da)?sh\b")
LICENCE_NAMES = re.compile(r"(^|/)(LICEN[CS]E|COPYING|COPYRIGHT|NOTICE|AUTHORS)[^/]*$", re.I)


def reject_reason(name: str, data: bytes, take: Take) -> str | None:
    """Why a member is not taken, or None to keep it."""
    if LICENCE_NAMES.search(name):
        return "licence"
    if len(data) < 200:
        return "tiny"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "invalid-utf8"
    if "\x00" in text:
        return "binary"
    if take.kind == "code":
        if GENERATED.search(data[:2000]):
            return "generated"
        lines = text.splitlines() or [""]
        if max(map(len, lines)) > 400 or len(text) / len(lines) > 100:
            return "minified"
    return None


def matches(name: str, take: Take) -> bool:
    if any(fnmatch.fnmatchcase(name, p) for p in take.exclude):
        return False
    if any(fnmatch.fnmatchcase(name, p) for p in take.patterns):
        base = name.rsplit("/", 1)[-1]
        return not take.shebang or "." not in base or base.endswith((".sh", ".bash"))
    return False


class _HelpText(html.parser.HTMLParser):
    """Readable paragraphs of a LibreOffice help page (the DisplayArea only, no markup)."""

    BLOCK = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th", "pre", "div", "br", "tr"}
    SKIP = {"script", "style", "header", "aside", "nav", "footer", "head", "noscript"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "div" and ("id", "DisplayArea") in attrs:
            self.inside = True
        if tag in self.SKIP:
            self.skip += 1
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.inside and not self.skip:
            self.parts.append(data)

    def text(self) -> str:
        lines = (" ".join(line.split()) for line in "".join(self.parts).splitlines())
        paragraphs = [line for line in lines if line]
        return "\n\n".join(paragraphs) + "\n" if paragraphs else ""


def html_to_text(data: bytes) -> str:
    parser = _HelpText()
    parser.feed(data.decode("utf-8"))
    return parser.text()


# --------------------------------------------------------------------------- selection


def _rank(key: str) -> bytes:
    return hashlib.sha256(f"{SEED}\0{key}".encode()).digest()


def is_heldout(source: str) -> bool:
    """Deterministic ~10% of documents, by a hash of their ``source``."""
    return int.from_bytes(_rank("heldout\0" + source)[:4], "big") % 100 < HELDOUT_PERCENT


def collect(archive: Archive, factor: int, seen: set[bytes], log: dict) -> list[dict]:
    """Documents from one archive, each take filled to its byte budget (times ``factor``)."""
    candidates: dict[int, list[tuple[str, str]]] = {i: [] for i in range(len(archive.takes))}
    notices: dict[str, bytes] = {}
    max_doc = 100 * K * factor
    for name, data in iter_members(fetch(archive)):
        if name in archive.notices:
            notices[name] = data
        for i, take in enumerate(archive.takes):
            if not matches(name, take):
                continue
            if take.shebang and "." not in name.rsplit("/", 1)[-1] and not SHEBANG.match(data):
                break
            reason = reject_reason(name, data, take)
            if reason is None and take.kind == "html":
                data = html_to_text(data).encode("utf-8")
                reason = "tiny" if len(data) < 200 else None
            if reason is None and len(data) > max_doc:
                reason = "too-large"
            if reason is not None:
                log[reason] = log.get(reason, 0) + 1
                break
            candidates[i].append((name, data.decode("utf-8")))
            break
    missing = set(archive.notices) - set(notices)
    if missing:
        raise SystemExit(f"{archive.name}: licence files not found: {sorted(missing)}")
    docs = []
    for i, take in enumerate(archive.takes):
        budget, used = take.budget * factor, 0
        for name, text in sorted(candidates[i], key=lambda c: _rank(c[0])):
            digest = hashlib.sha256(text.encode()).digest()
            if digest in seen:
                log["duplicate"] = log.get("duplicate", 0) + 1
                continue
            size = len(text.encode())
            if used + size > budget:
                continue
            seen.add(digest)
            used += size
            docs.append({"text": text, "lang": take.lang, "source": f"{archive.name}:{name}"})
        if used < budget * 0.9:
            print(f"note: {archive.name}/{take.lang}: {used} of {budget} bytes", file=sys.stderr)
    archive_notices[archive.name] = notices
    return docs


archive_notices: dict[str, dict[str, bytes]] = {}


def write_jsonl_gz(path: Path, docs: list[dict]) -> None:
    """Deterministic bytes: documents in hash order, gzip mtime 0 and a fixed inner file name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    docs = sorted(docs, key=lambda d: _rank(d["source"]))  # shuffled: any prefix mixes
    payload = "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs).encode("utf-8")
    with open(path, "wb") as raw:  # noqa: SIM117 - stay Python 3.9 compatible
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
            gz.write(payload)


def build(out: Path, factor: int) -> dict:
    seen: set[bytes] = set()
    files: dict[str, list[dict]] = {}
    sources = []
    for archive in ARCHIVES:
        log: dict[str, int] = {}
        docs = collect(archive, factor, seen, log)
        per_lang: dict[str, list[int]] = {}
        for doc in docs:
            group = GROUPS.get(doc["lang"], "code")
            split = "heldout/" if is_heldout(doc["source"]) else ""
            files.setdefault(f"{split}{group}.jsonl.gz", []).append(doc)
            stats = per_lang.setdefault(doc["lang"], [0, 0])
            stats[0] += 1
            stats[1] += len(doc["text"].encode())
        sources.append(
            {
                "name": archive.name,
                "package": archive.package,
                "version": archive.version,
                "origin": archive.origin,
                "url": archive.url,
                "archive_sha256": archive.sha256,
                "license": archive.license,
                "taken": [
                    {"lang": t.lang, "patterns": list(t.patterns), "exclude": list(t.exclude)}
                    for t in archive.takes
                ],
                "languages": {
                    k: {"documents": v[0], "bytes": v[1]} for k, v in sorted(per_lang.items())
                },
                "rejected": dict(sorted(log.items())),
                "notices": [f"LICENSES/{archive.name}/{Path(n).name}" for n in archive.notices],
            }
        )
        print(
            f"{archive.name}: {sum(v[0] for v in per_lang.values())} docs "
            f"{sum(v[1] for v in per_lang.values())} bytes",
            file=sys.stderr,
        )
    manifest_files = []
    for rel in sorted(files):
        write_jsonl_gz(out / rel, files[rel])
        data = (out / rel).read_bytes()
        manifest_files.append(
            {
                "path": rel,
                "sha256": hashlib.sha256(data).hexdigest(),
                "compressed_bytes": len(data),
                "documents": len(files[rel]),
                "bytes": sum(len(d["text"].encode()) for d in files[rel]),
                "split": "heldout" if rel.startswith("heldout/") else "train",
            }
        )
    for name, notices in archive_notices.items():
        for member, data in notices.items():
            dest = out / "LICENSES" / name / Path(member).name
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(data)
    manifest = {
        "format": "codebpe-corpora-manifest",
        "version": 1,
        "seed": SEED,
        "heldout_percent": HELDOUT_PERCENT,
        "files": manifest_files,
        "sources": sources,
    }
    (out / "MANIFEST.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="verify corpora/ (offline)")
    parser.add_argument(
        "--large",
        metavar="OUTDIR",
        type=Path,
        help=f"build the large benchmark corpus into OUTDIR (every byte budget x{LARGE_FACTOR}: "
        "~84 MB train split, 94 MB in all)",
    )
    parser.add_argument("--out", type=Path, default=REPO / "corpora", help="output folder")
    args = parser.parse_args(argv)
    if args.check:
        problems = verify_manifest(args.out)
        for problem in problems:
            print(f"FAIL {problem}")
        if not problems:
            n = len(json.loads((args.out / "MANIFEST.json").read_text())["files"])
            print(f"OK: {n} files in {args.out} match MANIFEST.json")
        return 1 if problems else 0
    if args.large:
        if args.large.resolve().is_relative_to(REPO):
            raise SystemExit("--large OUTDIR must be outside the repository")
        build(args.large, LARGE_FACTOR)
    else:
        build(args.out, 1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
