"""Build the benchmark corpora (~20 MB and ~100 MB) from Debian's Chinese and English man pages, deterministically.

The ~300 MB corpus is the ~100 MB one (the same documents) plus pages of Debian's documentation packages: every
Chinese one, then English manuals in seeded order, then API references, until 300 MB (see doc_sources.py)."""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import doc_sources  # noqa: E402

from npf_tui.core.models import Document  # noqa: E402
from npf_tui.core.sources.corpus import make_doc_id, render_document, write_document  # noqa: E402

HERE = Path(__file__).resolve().parent
WORK = HERE / "work"
MAN_ROOT = Path("/usr/share/man")

#: Debian packages the corpus is made from. manpages-zh gives the Chinese pages (zh_CN and zh_TW); the others
#: are large English man page sets. English pages also come from every other installed package that Debian's
#: archive ships (packages installed from elsewhere, "[installed,local]" in `apt list`, are left out).
APT_PACKAGES = [
    "groff-base",
    "man-db",
    "ripgrep",
    "manpages-zh",
    "manpages",
    "manpages-dev",
    "perl-doc",
    "libssl-doc",
    "libx11-doc",
    "tcl8.6-doc",
    "tk8.6-doc",
    "libcurl4-doc",
    "gnutls-doc",
    "zsh-common",
    "git-man",
    "ffmpeg-doc",
]
#: Only the ~100 MB corpus draws on these (all other English pages run out at ~76 MB); keeping them out of the
#: 20 MB pool keeps the 20 MB sample the same whether or not they are installed.
EXTRA_100MB_PACKAGES = ["erlang-manpages", "liblapack-doc", "tcllib"]
SEED = 20240601
SIZES = {"20mb": 20_000_000, "100mb": 100_000_000, "300mb": 300_000_000}
#: Corpora made of a smaller one's man pages plus documentation pages: size -> the man-page corpus they contain.
MAN_BASE = {"300mb": "100mb"}
_SECTION = re.compile(r"^(?P<name>.+)\.(?P<sec>[0-9n][a-z0-9]*)\.gz$")
_SPACES = re.compile(r"[ \t\u00a0]{2,}")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]|\x1b\[[0-9;]*m")
#: groff prints ASCII '-' and quotes as typographic characters; searching for "--all" needs them plain again.
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_HTML_SUFFIX = re.compile(r"\.(html?|xhtml)$")
_LANG_SUFFIX = re.compile(r"\.(en|zh|zh-cn|zh-tw)$")
_TYPOGRAPHY = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2212": "-", "\u2018": "'", "\u2019": "'"})


def install_packages(size: str = "all") -> None:
    """apt-get install the packages the corpus comes from (needs root and Debian's archive); for the 300 MB corpus
    also download and unpack the documentation packages (not installed: see doc_sources.py)."""
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    packages = APT_PACKAGES + (EXTRA_100MB_PACKAGES if size != "20mb" else [])
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages], check=True, env=env)
    if size in (*MAN_BASE, "all"):
        doc_sources.fetch_packages()


def package_owners() -> dict[str, str]:
    """Map each installed file path to 'package version', from dpkg's database."""
    versions: dict[str, str] = {}
    out = subprocess.run(["dpkg-query", "-W", "-f", "${Package} ${Version}\\n"], capture_output=True, text=True)
    for line in out.stdout.splitlines():
        name, _, version = line.partition(" ")
        versions[name] = version
    owners: dict[str, str] = {}
    for listing in Path("/var/lib/dpkg/info").glob("*.list"):
        pkg = listing.stem.split(":")[0]
        label = f"{pkg} {versions.get(pkg, '')}".strip()
        for path in listing.read_text(encoding="utf-8", errors="replace").splitlines():
            if path.startswith("/usr/share/man/"):
                owners[path] = label
    return owners


def local_packages() -> set[str]:
    """Installed packages that no configured archive ships (installed by hand, not from Debian)."""
    out = subprocess.run(["apt", "list", "--installed"], capture_output=True, text=True)
    return {line.split("/")[0] for line in out.stdout.splitlines() if "[installed,local]" in line}


def is_real_page(path: Path) -> bool:
    """True for a man page with its own text (not a symlink and not a '.so other-page' alias)."""
    if path.is_symlink() or not path.is_file():
        return False
    with gzip.open(path, "rb") as fh:
        head = fh.read(512).lstrip()
    return not (head.startswith(b".so ") and len(head) < 200)


def candidate_pages(owners: dict[str, str], local: set[str]) -> tuple[list[Path], list[Path], list[Path]]:
    """(Chinese pages, English pages, English pages of the 100 MB-only packages) as sorted lists of .gz paths."""
    zh = sorted(p for loc in ("zh_CN", "zh_TW") for p in (MAN_ROOT / loc).glob("man*/*.gz") if is_real_page(p))
    en, extra = [], []
    for path in sorted(MAN_ROOT.glob("man*/*.gz")):
        package = owners.get(str(path), "").split(" ")[0]
        if package and package not in local and is_real_page(path):
            (extra if package in EXTRA_100MB_PACKAGES else en).append(path)
    return zh, en, extra


def decode_roff(raw: bytes) -> str:
    """The roff source as text (manpages-zh is UTF-8; a few old pages are GB18030 or Big5)."""
    for encoding in ("utf-8", "gb18030", "big5"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", errors="replace")


def render_page(path_str: str) -> tuple[str, list[str]]:
    """Render one man page to paragraphs of plain text with groff (one roff paragraph per line)."""
    path = Path(path_str)
    source = decode_roff(gzip.decompress(path.read_bytes()))
    try:
        proc = subprocess.run(
            ["groff", "-k", "-Kutf-8", "-t", "-man", "-Tutf8", "-rLL=3000n", "-rHY=0", "-P-c", "-P-b", "-P-u"],
            input=source.encode("utf-8"),
            capture_output=True,
            timeout=60,
            cwd=str(MAN_ROOT),
        )
    except subprocess.TimeoutExpired:
        return path_str, []
    lines = [
        _SPACES.sub(" ", _CONTROL.sub("", ln)).strip().translate(_TYPOGRAPHY)
        for ln in proc.stdout.decode("utf-8", errors="replace").split("\n")
    ]
    nonblank = [i for i, ln in enumerate(lines) if ln]
    if len(nonblank) < 3:
        return path_str, []
    body = lines[nonblank[0] + 1 : nonblank[-1]]  # drop the running header and footer lines
    paragraphs, current = [], []
    for line in body + [""]:
        if line:
            current.append(line)
        elif current:
            paragraphs.append("\n".join(current))
            current = []
    return path_str, paragraphs


def page_document(path: Path, paragraphs: list[str], owner: str, existing: set[str]) -> Document:
    """The npf document for a rendered man page."""
    match = _SECTION.match(path.name)
    name, sec = (match.group("name"), match.group("sec")) if match else (path.name, "")
    locale = path.parts[len(MAN_ROOT.parts)] if path.parts[len(MAN_ROOT.parts)].startswith("zh_") else "en"
    prefix = locale.lower().replace("_", "-")
    doc_id = make_doc_id(f"{prefix} {name} {sec}", existing, fallback=prefix)
    existing.add(doc_id)
    extra = {"package": owner, "locale": locale}
    return Document(
        doc_id=doc_id,
        title=f"{name}({sec})",
        outlet="Debian manpages",
        language="zh" if locale.startswith("zh") else "en",
        source_file=str(path),
        paragraphs=paragraphs,
        extra=extra,
    )


def render_all(paths: list[Path], jobs: int) -> dict[str, list[str]]:
    """Render pages in parallel; pages that render to nothing are dropped."""
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return {p: paras for p, paras in pool.map(render_page, [str(x) for x in paths], chunksize=16) if paras}


def build(size: str, jobs: int, out_root: Path = WORK) -> dict:
    """Write corpus-<size>/ under out_root: every Chinese page, then English pages in seeded order up to the size;
    for a size in MAN_BASE, the man pages of its base corpus and then documentation pages up to the size."""
    owners, local = package_owners(), local_packages()
    zh, en, extra = candidate_pages(owners, local)
    random.Random(SEED).shuffle(en)
    random.Random(SEED).shuffle(extra)
    man_size = MAN_BASE.get(size, size)
    en_pool = en + (extra if man_size != "20mb" else [])
    target = SIZES[man_size]
    base_json = out_root / f"corpus-{man_size}.json"
    base_sha1 = json.loads(base_json.read_text(encoding="utf-8")).get("manifest_sha1") if base_json.exists() else None
    out = out_root / f"corpus-{size}"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    existing: set[str] = set()
    total = n_docs = n_paras = 0
    manifest = []
    per_package: dict[str, dict[str, int]] = {}

    def write(doc: Document) -> None:
        """Write one document and count it."""
        nonlocal total, n_docs, n_paras
        size_bytes = len(render_document(doc).encode("utf-8"))
        total += size_bytes
        n_docs += 1
        n_paras += len(doc.paragraphs)
        write_document(out, doc)
        manifest.append((doc.doc_id, doc.extra["package"], doc.source_file))
        counts = per_package.setdefault(doc.extra["package"].split(" ")[0], {"documents": 0, "bytes": 0})
        counts["documents"] += 1
        counts["bytes"] += size_bytes

    def add(path: Path, paras: list[str]) -> None:
        """Write one man page's document and count it."""
        write(page_document(path, paras, owners.get(str(path), ""), existing))

    rendered = render_all(zh, jobs)
    for path in zh:
        if str(path) in rendered:
            add(path, rendered[str(path)])
    zh_bytes = total
    chunk = 256
    for start in range(0, len(en_pool), chunk):
        if total >= target:
            break
        batch = en_pool[start : start + chunk]
        rendered = render_all(batch, jobs)
        for path in batch:
            if total >= target:
                break
            if str(path) in rendered:
                add(path, rendered[str(path)])
    stats = {
        "size": size,
        "documents": n_docs,
        "paragraphs": n_paras,
        "bytes": total,
        "zh_bytes": zh_bytes,
        "zh_pages_available": len(zh),
        "en_pages_available": len(en_pool),
        "seed": SEED,
        "target_bytes": target,
        "reached_target": total >= target,
        "manifest_sha1": manifest_sha1(manifest),
    }
    if size in MAN_BASE:
        stats["man_pages"] = {
            "base": man_size,
            "documents": n_docs,
            "bytes": total,
            "manifest_sha1": manifest_sha1(manifest),
            "same_as_base_corpus": manifest_sha1(manifest) == base_sha1 if base_sha1 else None,
        }
        if base_sha1 and manifest_sha1(manifest) != base_sha1:
            print(f"warning: the man pages differ from {base_json.name}'s corpus", file=sys.stderr)
        doc_stats = add_documentation(write, existing, SIZES[size], total, jobs)
        stats.update(
            documents=n_docs,
            paragraphs=n_paras,
            bytes=total,
            zh_bytes=zh_bytes + doc_stats.pop("zh_bytes"),
            target_bytes=SIZES[size],
            reached_target=total >= SIZES[size],
            manifest_sha1=manifest_sha1(manifest),
            documentation=doc_stats,
        )
    stats["han_bytes"] = sum(len(_HAN.findall(p.read_text(encoding="utf-8"))) * 3 for p in out.glob("*.md"))
    stats["packages"] = dict(sorted(per_package.items(), key=lambda kv: -kv[1]["bytes"]))
    (out_root / f"corpus-{size}.manifest.tsv").write_text(
        "doc_id\tpackage\tsource\n" + "".join("\t".join(m) + "\n" for m in manifest), encoding="utf-8"
    )
    (out_root / f"corpus-{size}.json").write_text(json.dumps(stats, indent=2), encoding="utf-8")
    return stats


def manifest_sha1(manifest: list[tuple[str, str, str]]) -> str:
    """SHA-1 of the manifest rows (id, package, source) in corpus order."""
    return hashlib.sha1("\n".join("\t".join(m) for m in manifest).encode()).hexdigest()


def doc_document(
    source: doc_sources.DocSource, path: Path, title: str, paras: list[str], existing: set[str]
) -> Document:
    """The npf document for a rendered documentation page."""
    rel = path.relative_to(doc_sources.ROOT_DIR / source.package / source.root).as_posix()
    rel = _LANG_SUFFIX.sub("", _HTML_SUFFIX.sub("", rel))
    doc_id = make_doc_id(f"{source.prefix} {rel}", existing, fallback=source.prefix)
    existing.add(doc_id)
    return Document(
        doc_id=doc_id,
        title=title or rel,
        outlet="Debian documentation",
        language=source.language,
        source_file=doc_sources.installed_path(path, source.package),
        paragraphs=paras,
        extra={"package": doc_sources.package_label(source.package), "locale": source.locale},
    )


def add_documentation(write, existing: set[str], target: int, total: int, jobs: int) -> dict:
    """Write documentation pages after the man pages: every Chinese page (sources in order, pages sorted), then
    English manuals and then API references, each tier shuffled with SEED, until the corpus reaches target bytes.
    `write` writes and counts a document; total is the corpus size so far. Returns the statistics of this part."""
    missing = [p for p in doc_sources.packages() if not (doc_sources.ROOT_DIR / p).is_dir()]
    if missing:
        raise SystemExit(f"documentation packages not unpacked: {', '.join(missing)} (run without --no-install)")
    zh_pool = [(s, p) for s in doc_sources.ZH_SOURCES for p in doc_sources.source_pages(s)]
    tiers = []
    for tier in sorted({s.tier for s in doc_sources.EN_SOURCES}):
        pool = [(s, p) for s in doc_sources.EN_SOURCES if s.tier == tier for p in doc_sources.source_pages(s)]
        random.Random(SEED).shuffle(pool)
        tiers.append(pool)
    en_pool = [entry for pool in tiers for entry in pool]
    dropped: dict[str, dict[str, int]] = {}
    zh_bytes = added = 0

    def run(pool: list, stop_at_target: bool) -> None:
        """Render the pool's pages in parallel, chunk by chunk, and write those kept."""
        nonlocal total, zh_bytes, added
        chunk = 1024
        with ProcessPoolExecutor(max_workers=jobs) as executor:
            for start in range(0, len(pool), chunk):
                if stop_at_target and total >= target:
                    return
                batch = pool[start : start + chunk]
                jobs_ = [(str(p), s.language) for s, p in batch]
                for (source, path), (_, title, paras, why) in zip(
                    batch, executor.map(doc_sources.render_doc_page, jobs_, chunksize=16), strict=True
                ):
                    if stop_at_target and total >= target:
                        return
                    if not paras:
                        reasons = dropped.setdefault(source.package, {})
                        reasons[why] = reasons.get(why, 0) + 1
                        continue
                    doc = doc_document(source, path, title, paras, existing)
                    size_bytes = len(render_document(doc).encode("utf-8"))
                    write(doc)
                    total += size_bytes
                    added += 1
                    if source.language == "zh":
                        zh_bytes += size_bytes

    run(zh_pool, stop_at_target=False)
    zh_docs = added
    run(en_pool, stop_at_target=True)
    return {
        "documents": added,
        "zh_documents": zh_docs,
        "zh_bytes": zh_bytes,
        "zh_pages_available": len(zh_pool),
        "en_pages_available": len(en_pool),
        "en_pages_per_tier": [len(pool) for pool in tiers],
        "dropped_pages": dropped,
    }


def main(argv: list[str] | None = None) -> int:
    """Command line: python benchmarks/make_corpus.py [--size 20mb|100mb|300mb|all] [--no-install]."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", choices=[*SIZES, "all"], default="20mb")
    parser.add_argument("--no-install", action="store_true", help="skip apt-get (packages already installed)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--out", type=Path, default=WORK)
    args = parser.parse_args(argv)
    if not args.no_install:
        install_packages(args.size)
    for size in SIZES if args.size == "all" else [args.size]:
        print(json.dumps(build(size, args.jobs, args.out), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
