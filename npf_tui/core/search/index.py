"""The Whoosh passage index: schema, atomic full builds into a new generation folder, incremental sync.

Layout of an index folder:
    CURRENT            name of the live generation (replaced atomically when a build completes)
    .lock              advisory lock held by whoever writes (flock: released by the OS if the process dies)
    gen-<time>-<pid>/  Whoosh segments, manifest.json (schema, corpus, documents), userdict.txt, entity store
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.fields import ID, STORED, TEXT, Schema

from npf_tui.core.errors import Cancelled, IndexError_, NpfError
from npf_tui.core.fsutil import atomic_write_text, fsync_dir
from npf_tui.core.glossary import mine_pairs
from npf_tui.core.models import Document
from npf_tui.core.search import entity_sync, pinyin_map, whoosh_fast, whoosh_io
from npf_tui.core.search.integrity import holds_all_passages, index_healthy, whoosh_files
from npf_tui.core.search.manifest import (
    CURRENT_FILE,
    MANIFEST,
    CorpusScan,
    DocEntry,
    Manifest,
    changes,
    current_generation,
    scan_corpus,
)
from npf_tui.core.sources import corpus as corpus_mod
from npf_tui.core.text.analysis import BigramTokenizer, WordTokenizer, use_user_words
from npf_tui.core.text.dictionary import DICTIONARY_FILE, compile_dictionary
from npf_tui.core.text.textnorm import normalize, passage_language

# Whoosh copied every part of a segment it opened into memory (570 MB and 0.3 s per searcher at 100 MB): see whoosh_io.
whoosh_io.install()
# Whoosh's Python per posting dominated index builds: the same bytes for ~20-25 % less CPU (see whoosh_fast). At import
# time, so that the sub-writers `ix.writer(procs=2)` forks inherit it.
whoosh_fast.install()

#: Bump when the schema or the analysis changes: older indexes are then rebuilt on open.
#: 4: the manifest records the Whoosh files (size, CRC) and every open checks them.
#: 8: the tokenizers moved to npf_tui.core.text.analysis; Whoosh pickles the schema with its classes' module
#: paths, so an index of 7 would fail to unpickle (it was rebuilt as "damaged"; now the reason is the version).
SCHEMA_VERSION = 8
PENDING = "pending.json"
USERDICT = "userdict.txt"
LOCK_WAIT_SECONDS = 30.0
#: A corpus of at least this many bytes of document files is built with Whoosh's multiprocessing writer (both
#: cores). Decided before any document is read (the build streams them): ~20,000 paragraphs of the benchmark's man
#: pages (190 bytes a paragraph at 20 MB), the threshold in paragraphs this replaces.
PARALLEL_MIN_BYTES = 4_000_000


def make_schema() -> Schema:
    """One Whoosh document per paragraph; the same text is analysed two ways (words and Chinese bigrams)."""
    return Schema(
        doc_id=ID(stored=True),
        para=STORED(),
        text=STORED(),
        words=TEXT(analyzer=WordTokenizer(), phrase=True),
        cjk=TEXT(analyzer=BigramTokenizer(), phrase=True),
        lang=ID(stored=True),
    )


@contextmanager
def write_lock(index_root: Path, wait: float | None = None, on_wait=None):
    """Hold the index folder's writer lock (another npf process writing makes us wait, then fail clearly).

    flock, not a lock file: the kernel releases it when the holder dies (kill -9, SIGHUP), so no stale lock blocks
    the next writer; the .lock file itself stays and is harmless.
    """
    index_root.mkdir(parents=True, exist_ok=True)
    handle = open(index_root / ".lock", "a+")  # noqa: SIM115 - held across the yield, closed below; an OSError here (read-only folder) is the caller's to judge
    deadline = time.monotonic() + (LOCK_WAIT_SECONDS if wait is None else wait)
    told = False
    try:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not told and on_wait:
                    on_wait("another npf process is updating the index; waiting…")
                    told = True
                if time.monotonic() > deadline:
                    raise IndexError_(f"the index {index_root} is busy (another npf process is writing it)") from None
                time.sleep(0.1)
        yield
    finally:
        handle.close()


def _passages(doc: Document):
    """The Whoosh documents (one per paragraph) of a corpus document."""
    for number, text in enumerate(doc.paragraphs, 1):
        yield {
            "doc_id": doc.doc_id,
            "para": number,
            "text": text,
            "words": text,
            "cjk": text,
            "lang": passage_language(text),
        }


def _load_or_skip(path: Path, scan: CorpusScan) -> Document | None:
    """Read a document for indexing; a file that vanished or is malformed is skipped (and reported), so one bad
    file never keeps the rest of the corpus from being searchable."""
    try:
        return corpus_mod.load_document(path)
    except NpfError as exc:
        scan.skipped.append(str(exc))
        return None


def _entry(doc: Document, path: Path, st: corpus_mod.FileStamp) -> DocEntry:
    """The manifest entry of a freshly loaded document."""
    pairs = [[p.en, p.zh, p.paragraph] for p in mine_pairs([doc], lowercase=True)]
    return DocEntry(
        doc.doc_id,
        path.name,
        st.size,
        st.mtime_ns,
        doc.meta(),
        len(doc.paragraphs),
        pairs,
        corpus_mod.content_hash(doc.paragraphs),
    )


def _check_cancel(cancel: threading.Event | None) -> None:
    """Stop a slow operation between two steps when asked to."""
    if cancel is not None and cancel.is_set():
        raise Cancelled("cancelled")


def build(scan: CorpusScan, index_root: Path, progress=None, cancel=None) -> Path:
    """Build a complete new generation from the whole corpus; switch CURRENT to it only when it is complete."""
    index_root.mkdir(parents=True, exist_ok=True)
    use_user_words(scan.userdict)
    gen_dir = index_root / f"gen-{time.strftime('%Y%m%d%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 100000}"
    gen_dir.mkdir()
    try:
        entries: dict[str, DocEntry] = {}
        ordered = sorted(scan.files.items())
        total = len(ordered)
        ix = whoosh_index.create_in(str(gen_dir), make_schema())
        corpus_bytes = sum(scan.stamps[doc_id].size for doc_id, _ in ordered if doc_id in scan.stamps)
        parallel = corpus_bytes >= PARALLEL_MIN_BYTES and (os.cpu_count() or 1) > 1
        if parallel:
            # Imported here, rjieba builds its dictionary (~33 MB) once, before the writer forks: its processes share
            # those pages instead of each building its own copy.
            import rjieba  # noqa: F401
        # limitmb is Whoosh's estimate of each process's posting buffer; it undercounts Python's objects about 1.7×.
        # 24 kept the build's memory (all processes, PSS) near 350 MB at 20 MB of text, with no measurable slow-down
        # against 128 (the sorted runs it spills are merged in one pass either way); once the parent stopped holding
        # the corpus, 16 brought the 100 MB build from 406 to 384 MB (writers ~115 MB each at their peak).
        writer = ix.writer(procs=2, limitmb=16, multisegment=True) if parallel else ix.writer(limitmb=256)
        # The entity store needs no index: it is built in a thread while this one feeds the writer (whose
        # sub-processes do the indexing; feeding mostly waits on their queue), instead of after it. It reads the
        # documents from their files itself, one at a time, so that nothing holds the whole corpus: the parent kept
        # every Document for it (703 MB PSS for the build's process tree at 100 MB of text).
        # The thread starts only once the writer has forked its sub-processes: a fork taken while another thread
        # holds a lock (an import, the segmenter) can leave the child waiting on it forever.
        forked_after = 2 * 100 + 1 if parallel else 0  # MpWriter forks one task per 100-passage batch, up to procs
        bigrams: set[str] = set()
        stop = threading.Event()  # set when the build fails or is cancelled: the entity thread stops too
        with ThreadPoolExecutor(max_workers=1) as pool:
            side = None
            fed = 0
            try:
                for n, (doc_id, path) in enumerate(ordered, 1):
                    _check_cancel(cancel)
                    doc = _load_or_skip(path, scan)
                    if doc is not None:
                        entries[doc_id] = _entry(doc, path, scan.stamps[doc_id])
                        for passage in _passages(doc):
                            writer.add_document(**passage)
                        bigrams |= pinyin_map.bigrams_of(doc.paragraphs)
                        fed += len(doc.paragraphs)
                    if side is None and fed >= forked_after:
                        side = pool.submit(entity_sync.build_entities, gen_dir, scan.files, scan.glossary, stop)
                    if progress and (n % 20 == 0 or n == total):
                        progress(n, total, f"indexing ({n}/{total} documents)")
                if progress:
                    progress(total, total, "writing the index")
                if side is None:
                    side = pool.submit(entity_sync.build_entities, gen_dir, scan.files, scan.glossary, stop)
                _save_pinyin_stores(gen_dir, bigrams)
                del bigrams
                side.result()
                _check_cancel(cancel)
                writer.commit()
            except BaseException:
                stop.set()
                writer.cancel()
                raise
        (gen_dir / USERDICT).write_text("\n".join(scan.userdict), encoding="utf-8")
        # Whoosh does not fsync its segments: do it before CURRENT can point at them (power loss safety).
        files = whoosh_files(gen_dir, fsync=True)
        Manifest(
            SCHEMA_VERSION,
            str(scan.corpus_dir.resolve()),
            scan.userdict_key,
            scan.glossary_stamp,
            entries,
            files,
            _entities_version(),
        ).save(gen_dir)
        fsync_dir(gen_dir)
        previous = current_generation(index_root)
        atomic_write_text(index_root / CURRENT_FILE, gen_dir.name + "\n")
    except BaseException:
        shutil.rmtree(gen_dir, ignore_errors=True)
        raise
    _remove_old_generations(index_root, keep={gen_dir.name, previous.name if previous else ""})
    return gen_dir


def _save_pinyin_stores(gen_dir: Path, bigrams: set[str]) -> None:
    """What a generation keeps beside the Whoosh index from the corpus's Chinese bigrams (collected document by
    document while indexing): the pinyin map and the corpus's part of CC-CEDICT (text/dictionary.py; ~0.2 s)."""
    pinyin_map.save(gen_dir, pinyin_map.from_lexicon(bigrams))
    compile_dictionary(gen_dir / DICTIONARY_FILE, bigrams)


def _extend_dictionary(path: Path, mapping: pinyin_map.PinyinMap, fresh: set[str]) -> None:
    """Add to a generation's dictionary the CC-CEDICT entries that the bigrams `fresh` (new to the corpus, now in
    `mapping`) complete: those with a fresh bigram in their headword and every other bigram in the corpus.

    The same entries `compile_dictionary` would add, found without testing its 122k entries and processing the
    corpus's thousands: a headword with a fresh bigram contains it, so the source text is searched for the fresh
    bigrams (one pass for all of them) and only the lines found are tested. Recompiling took ~1 s of every `npf add`
    that brought a new bigram (at 20 MB, loaded machine), and grew with the corpus's entries. Any surprise (no
    compiled file, another layout, a SQLite error) compiles the whole dictionary again, as before.
    """
    import shutil
    import sqlite3
    import tempfile

    import ahocorasick

    from npf_tui.core.text import dictionary as dict_mod

    def compile_all() -> None:
        compile_dictionary(path, pinyin_map.corpus_bigrams(mapping))

    if not dict_mod.is_current(path):
        compile_all()
        return
    text = "\n" + "\n".join(dict_mod._source_lines()) + "\n"  # noqa: SLF001 - the source's lines, read once a process
    # One Aho-Corasick pass over the source finds every fresh bigram at once: a str.find pass per bigram cost 0.4 ms
    # each, 1.08 s of an `npf add` that brought 2,500 fresh bigrams (the bundled Rainey article, 100 MB corpus).
    automaton = ahocorasick.Automaton()
    for gram in fresh:
        automaton.add_word(gram, gram)
    automaton.make_automaton()
    hits: dict[int, str] = {}  # line start -> line, in source order like a full compile
    for at, _gram in automaton.iter(text):
        start = text.rfind("\n", 0, at) + 1
        if start not in hits:
            hits[start] = text[start : text.find("\n", at)]
    rows: list[tuple[str, str, str, str]] = []
    glosses: list[tuple[str, str, int, int]] = []
    for _, line in sorted(hits.items()):
        first = line.find(" ")
        second = line.find(" ", first + 1)
        raw = line[first + 1 : second]  # the Simplified headword, tested as compile_dictionary tests it
        pairs = [raw[i : i + 2] for i in range(len(raw) - 1)]
        if len(raw) < 2 or not any(g in fresh for g in pairs):
            continue  # the fresh bigram was in the Traditional form or a sense: not an entry these bigrams complete
        if not all(pinyin_map.has_bigram(mapping, g) for g in pairs):
            continue
        entry = dict_mod.parse_line(line)
        if entry is None:
            continue
        head = normalize(raw)
        rows.append((head, normalize(entry.traditional), entry.pinyin, "/".join(entry.senses)))
        senses = dict_mod.usable_senses(entry)
        glosses.extend((key, head, position, len(senses)) for position, _plain, key in senses)
    if not rows:
        return
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        shutil.copyfile(path, tmp)
        with sqlite3.connect(tmp) as db:
            db.executemany("INSERT INTO entry VALUES (?, ?, ?, ?)", rows)
            db.executemany("INSERT INTO gloss VALUES (?, ?, ?, ?)", glosses)
        db.close()
        os.replace(tmp, path)
    except sqlite3.Error:
        Path(tmp).unlink(missing_ok=True)
        compile_all()
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _remove_old_generations(index_root: Path, keep: set[str]) -> None:
    """Delete generations other than the live one and the one before it (an open reader may still use that),
    and temporary files of killed writers (called under the writer lock, so no live writer owns them)."""
    for child in index_root.iterdir():
        if child.is_dir() and child.name.startswith("gen-") and child.name not in keep:
            shutil.rmtree(child, ignore_errors=True)
        elif child.is_file() and child.name.startswith(f".{CURRENT_FILE}.") and child.name.endswith(".tmp"):
            child.unlink(missing_ok=True)


def _remove_leftovers(index_root: Path, live: Path) -> None:
    """What killed writers left, removed by the next writer (under the writer lock) — not only by the next build:
    a build killed with SIGKILL leaves its gen-* folder (as large as the index), and with only incremental updates
    after it those piled up until a full rebuild. Kept: the live generation and the one before it, which is the
    newest other complete generation (its manifest is written last; a killed build has none). Also removed: the
    temporary files of atomic writes (`.name.XXXX.tmp`) in the index folder and in the live generation.

    Best effort: a folder that cannot be written (read-only, full) keeps its leftovers and the search goes on.
    """
    try:
        complete = [
            child
            for child in index_root.iterdir()
            if child.name.startswith("gen-") and child != live and (child / MANIFEST).is_file()
        ]
        previous = max(complete, key=lambda gen: (gen / MANIFEST).stat().st_mtime_ns, default=None)
        _remove_old_generations(index_root, keep={live.name, previous.name if previous else ""})
        for tmp in live.rglob(".*.tmp"):
            if tmp.is_file():
                tmp.unlink(missing_ok=True)
    except OSError:
        pass


def _entities_version() -> int:
    """The entity store format this npf writes."""
    from npf_tui.core.entities import STORE_VERSION

    return STORE_VERSION


def needs_rebuild(scan: CorpusScan, manifest: Manifest) -> str:
    """Why an existing generation cannot be updated in place ('' if it can)."""
    if manifest.schema_version != SCHEMA_VERSION:
        return "the index was built by another version of npf"
    if manifest.entities_version != _entities_version():
        return "the entity store was built by another version of npf"
    if manifest.corpus_dir != str(scan.corpus_dir.resolve()):
        return f"the index was built for another corpus ({manifest.corpus_dir})"
    if manifest.userdict_key != scan.userdict_key:
        return "the glossary's Chinese terms changed"
    return ""


def sync(
    scan: CorpusScan,
    gen_dir: Path,
    manifest: Manifest,
    changed: set[str],
    removed: set[str],
    progress=None,
    cancel=None,
) -> Manifest:
    """Bring a generation up to date in place for a few changed/removed documents (Whoosh commits atomically).

    pending.json lists the touched ids before the commit, so a crash between Whoosh's commit and the manifest
    write is repaired by the next sync (those ids are re-done), never left half-visible.
    """
    use_user_words(scan.userdict)
    pending_path = gen_dir / PENDING
    # The documents the Whoosh index may hold: the manifest's, and those of a sync that died after its commit.
    indexed: set[str] | None
    indexed = set(manifest.docs)  # assigned apart from the declaration so mypy knows it is a set here
    if pending_path.exists():
        try:
            pending = set(json.loads(pending_path.read_text(encoding="utf-8")))
            indexed |= pending
            changed |= pending
        except (OSError, ValueError, TypeError):
            indexed = None  # unknown: delete every touched id
        changed = {c for c in changed if c in scan.files}
        removed = removed | (set(manifest.docs) - set(scan.files))
    atomic_write_text(pending_path, json.dumps(sorted(changed | removed)))
    ix = whoosh_index.open_dir(str(gen_dir))
    writer = ix.writer(timeout=LOCK_WAIT_SECONDS)
    docs: list[Document] = []
    try:
        for doc_id in sorted(removed | changed):
            # Deleting makes Whoosh open every segment (~50 ms at 20 MB): a new document has nothing to delete.
            if indexed is None or doc_id in indexed:
                writer.delete_by_term("doc_id", doc_id)
        for n, doc_id in enumerate(sorted(changed), 1):
            _check_cancel(cancel)
            path = scan.files[doc_id]
            doc = _load_or_skip(path, scan)
            if doc is None:
                manifest.docs.pop(doc_id, None)
                continue
            docs.append(doc)
            for passage in _passages(doc):
                writer.add_document(**passage)
            manifest.docs[doc_id] = _entry(doc, path, scan.stamps[doc_id])
            if progress:
                progress(n, len(changed), f"updating index ({n}/{len(changed)})")
        writer.commit()
    except BaseException:
        writer.cancel()
        raise
    for doc_id in removed:
        manifest.docs.pop(doc_id, None)
    manifest.glossary_stamp = scan.glossary_stamp
    if docs:
        # New bigrams join the pinyin map; those of removed text may stay: they only yield a search that finds nothing.
        mapping = pinyin_map.load(gen_dir)
        fresh = pinyin_map.unrecorded(mapping, pinyin_map.bigrams_of(p for d in docs for p in d.paragraphs))
        if fresh:
            pinyin_map.add_bigrams(mapping, fresh)
            pinyin_map.save(gen_dir, mapping, canonical=False)
            _extend_dictionary(gen_dir / DICTIONARY_FILE, mapping, fresh)
    # The entity store catches up when entities are next asked for (entity_sync.py): recorded before the manifest.
    entity_sync.defer(gen_dir, set(changed), set(removed), set(manifest.docs))
    # Only the files this sync wrote are read and fsynced: the others keep their records (see whoosh_files).
    manifest.files = whoosh_files(gen_dir, fsync=True, known=manifest.files)
    manifest.save(gen_dir)
    pending_path.unlink(missing_ok=True)
    return manifest


_STALE = "the index could not be updated"


def ensure_index(
    corpus_dir: Path,
    index_root: Path,
    *,
    rebuild: bool = False,
    progress=None,
    cancel=None,
    notices: list[str] | None = None,
    listing: dict | None = None,
) -> tuple[Path, Manifest, CorpusScan]:
    """Return an up-to-date (generation folder, manifest, corpus scan), building or updating as needed.

    `listing` (name -> stamp of the document files) stands for listing the corpus folder when the caller has just
    done so: an import lists it under its lock and updates the index right after (AddReport.listing). A change
    another process makes in between is found by the next look, as any later change is.

    Looking costs no lock; any write happens under the writer lock, after looking again (another process may have
    built, synced or repaired the index while we waited). An index folder that cannot be written (read-only, full)
    and is merely stale is used as it is, with a notice: searching must keep working.
    """
    notices = notices if notices is not None else []
    index_root = Path(index_root)
    scan = scan_corpus(corpus_dir, listing)
    # The corpus's changes against a manifest, worked out once per manifest read (16 ms at 9,661 documents).
    last: list = [None, None]

    def delta(manifest: Manifest) -> tuple[set[str], set[str]]:
        if last[0] is not manifest:
            last[:] = [manifest, changes(scan, manifest)]
        return last[1]

    def needs_sync(gen: Path, manifest: Manifest) -> bool:
        """The corpus changed since the manifest, or an interrupted sync must be finished."""
        changed, removed = delta(manifest)
        return bool(changed or removed or (gen / PENDING).exists())

    seen = _state(index_root)
    gen, manifest, reason = (None, None, "rebuild requested") if rebuild else _inspect(index_root, scan)
    if not reason:
        # _inspect gives a reason whenever it finds no generation or cannot read its manifest.
        assert gen is not None and manifest is not None
        if not needs_sync(gen, manifest):
            use_user_words(scan.userdict)
            notices.extend(f"skipped {why}" for why in scan.skipped)
            return gen, manifest, scan
    try:

        def waiting(message: str) -> None:
            """Say at once that we wait (through progress, which the CLI and the reader show), and remember it."""
            notices.append(message)
            if progress:
                progress(0, 0, message)

        with write_lock(index_root, on_wait=waiting):
            if not rebuild and _state(index_root) != seen:
                # Another writer came first: look again at what it left.
                gen, manifest, reason = _inspect(index_root, scan)
            if not reason:
                assert gen is not None and manifest is not None  # as above (the first look or the second)
                if needs_sync(gen, manifest):
                    try:
                        changed, removed = (set(ids) for ids in delta(manifest))  # sync adds to them
                        manifest = sync(scan, gen, manifest, changed, removed, progress=progress, cancel=cancel)
                    except (OSError, whoosh_index.LockError) as exc:
                        if isinstance(exc, OSError) and not _is_cannot_write_error(exc):
                            raise
                        # The sync did not finish (pending.json stays, the next writer re-does it): keep searching what
                        # was last committed, described by the manifest on disk.
                        manifest = Manifest.load(gen)
                        notices.append(_stale_notice(exc))
                    else:
                        # sync() has just recorded the files' sizes and CRCs from disk: checking them again would only
                        # read the whole index a second time; what can still be wrong is the passage count.
                        if not holds_all_passages(gen, manifest):
                            reason = "the index folder is damaged"
            if reason:
                if reason not in ("no index yet", "rebuild requested"):
                    notices.append(f"rebuilding the index: {reason}")
                gen = build(scan, index_root, progress=progress, cancel=cancel)  # which removes the leftovers
                manifest = Manifest.load(gen)
            elif gen is not None:
                _remove_leftovers(index_root, gen)
    except OSError as exc:
        if reason or gen is None or manifest is None or not _is_cannot_write_error(exc):
            raise IndexError_(f"cannot write the index folder {index_root} ({_why(exc)})") from None
        # Not even the lock file can be made (read-only folder): the stale index is still readable.
        notices.append(_stale_notice(exc))
    # Every way here has both: found usable (no reason), built, or checked by the read-only fallback just above.
    assert gen is not None and manifest is not None
    use_user_words(scan.userdict)
    notices.extend(f"skipped {why}" for why in scan.skipped)
    return gen, manifest, scan


def _stale_notice(exc: BaseException) -> str:
    """The notice that the index could not be updated and is searched as it was (see `left_stale`)."""
    return f"{_STALE} ({_why(exc)}): searching the index as it was last built"


def left_stale(notices: list[str]) -> str:
    """The notice of `ensure_index` saying the index could not be brought up to date (read-only or full disk:
    it is searched as last built), or ''."""
    return next((n for n in notices if n.startswith(_STALE)), "")


def _inspect(index_root: Path, scan: CorpusScan) -> tuple[Path | None, Manifest | None, str]:
    """(live generation, its manifest, why it must be rebuilt or '')."""
    gen = current_generation(index_root)
    if gen is None:
        exists = (index_root / CURRENT_FILE).exists()
        return None, None, "the index folder is damaged" if exists else "no index yet"
    try:
        manifest = Manifest.load(gen)
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return gen, None, "the index folder is damaged"
    reason = needs_rebuild(scan, manifest)
    # While a sync is pending (its writer died between Whoosh's commit and the manifest) the files and the manifest
    # may disagree by design: the sync re-does those documents and the files are checked after it.
    if not reason and not (gen / PENDING).exists() and not index_healthy(gen, manifest):
        reason = "the index folder is damaged"
    return gen, manifest, reason


def _state(index_root: Path) -> tuple:
    """What changes whenever a writer changes the index: the live generation, its manifest's size and time, and its
    pending-sync journal. Equal before and after waiting for the lock = nobody wrote, the first look still holds."""
    gen = current_generation(index_root)
    if gen is None:
        return (None,)
    try:
        st = (gen / MANIFEST).stat()
    except OSError:
        return (gen.name,)
    return gen.name, st.st_size, st.st_mtime_ns, st.st_ino, (gen / PENDING).exists()


def _why(exc: BaseException) -> str:
    """The short reason of an OS error ('No space left on device')."""
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def _is_cannot_write_error(exc: OSError) -> bool:
    """Errors of a folder that can be read but not written: permissions, read-only file system, full disk or quota.
    The index can still be searched as it is."""
    import errno

    return exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT)


def open_whoosh(gen_dir: Path):
    """Open a generation's Whoosh index for reading."""
    try:
        return whoosh_index.open_dir(str(gen_dir), readonly=True)
    except Exception as exc:  # noqa: BLE001
        raise IndexError_(f"cannot open the index in {gen_dir} ({exc})") from None
