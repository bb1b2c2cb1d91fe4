"""A sync leaves the entity store to whoever asks for entities (core/search/entity_sync.py): the store they get is
the one a full build gives, whatever happened in between."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from npf_tui.core.entities.store import ENTITIES_FILE, MENTIONS_FILE, STORE_DIR
from npf_tui.core.search import entity_sync
from npf_tui.core.search.library import Library

NEW = (
    "---\ntitle: New names\nlanguage: en\n---\n\n"
    "The Quantum Valley Alliance (量子谷联盟) met in Heilongjiang with Liu Haiqing.\n\n"
    "The Quantum Valley Alliance praised new quality productive forces.\n"
)


def _summary(lib: Library) -> dict:
    store = lib.entity_store()
    return {
        doc_id: sorted((c.entity.name, c.count) for c in store.for_document(doc_id)) for doc_id in sorted(lib.catalog)
    }


def test_syncs_in_a_row_then_one_catch_up_give_the_store_of_a_full_build(built_copy, tmp_path):
    corpus, index = built_copy
    lib = Library.open(corpus, index)
    try:
        gen = lib.gen_dir
        assert gen is not None and not lib.entities_pending
        stored = {name: (gen / STORE_DIR / name).read_bytes() for name in (ENTITIES_FILE, MENTIONS_FILE)}
        (corpus / "new-names.md").write_text(NEW, encoding="utf-8")
        lib.refresh()
        (corpus / "second.md").write_text(NEW.replace("Quantum", "Photon"), encoding="utf-8")
        lib.refresh()
        (corpus / "new-names.md").write_text(NEW.replace("Liu Haiqing", "Zhang Wei"), encoding="utf-8")
        removed = sorted(corpus.glob("globaltimes-*.md"))[0]
        removed.unlink()
        lib.refresh()
        # Three syncs, none of which touched the store: one record of what it has not seen.
        assert lib.entities_pending
        assert {name: (gen / STORE_DIR / name).read_bytes() for name in stored} == stored
        changed, gone = entity_sync.read_pending(gen) or (set(), set())
        assert changed == {"new-names", "second"} and gone == {removed.stem}
        hits = lib.search('"Photon Valley Alliance"').hits  # searchable before the entities caught up
        assert hits[0].doc_id == "second"
        incremental = _summary(lib)
        assert not lib.entities_pending
        full = Library.open(corpus, tmp_path / "full")
        try:
            assert incremental == _summary(full)
            # Its Chinese name joins "Photon Valley Alliance" to the alliance of the first new document.
            assert ("Quantum Valley Alliance", 3) in incremental["second"]
        finally:
            full.close()
    finally:
        lib.close()


def test_a_record_that_cannot_be_read_makes_every_document_looked_at(built_copy, tmp_path):
    corpus, index = built_copy
    lib = Library.open(corpus, index)
    try:
        (corpus / "new-names.md").write_text(NEW, encoding="utf-8")
        lib.refresh()
        assert lib.gen_dir is not None
        (lib.gen_dir / entity_sync.ENTITIES_PENDING).write_text("{not json", encoding="utf-8")
        assert entity_sync.read_pending(lib.gen_dir) is None
        incremental = _summary(lib)
        full = Library.open(corpus, tmp_path / "full")
        try:
            assert incremental == _summary(full)
        finally:
            full.close()
    finally:
        lib.close()


def test_a_removed_document_recorded_as_changed_is_dropped(built_copy):
    """Added, then removed before anyone asked for entities: the store never shows it."""
    corpus, index = built_copy
    lib = Library.open(corpus, index)
    try:
        (corpus / "new-names.md").write_text(NEW, encoding="utf-8")
        lib.refresh()
        (corpus / "new-names.md").unlink()
        lib.refresh()
        store = lib.entity_store()
        assert store.find("Quantum Valley Alliance") is None and not store.for_document("new-names")
    finally:
        lib.close()


def test_npf_add_leaves_the_entities_and_npf_entities_brings_them_up_to_date(built_copy, tmp_path):
    corpus, index = built_copy
    source = tmp_path / "alliance.md"
    source.write_text(NEW, encoding="utf-8")
    base = [sys.executable, "-m", "npf_tui.cli", "--corpus", str(corpus), "--index", str(index)]
    added = subprocess.run([*base, "add", str(source)], capture_output=True, text=True, timeout=120)
    assert added.returncode == 0, added.stderr
    gen = Library.open(corpus, index)
    try:
        assert gen.entities_pending
    finally:
        gen.close()
    found = subprocess.run([*base, "entity", "Quantum", "Valley", "Alliance", "--json"], capture_output=True, text=True)
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout)["docs"] == ["new-names"]  # its id comes from its title


@pytest.mark.asyncio
async def test_the_reader_shows_new_documents_then_their_entities(built_copy):
    """A refresh in the reader hands over the updated library first, then brings the entities up to date in the
    same worker and gives the sidebar the new store."""
    from test_ui_support import make_app, settle

    corpus, index = built_copy
    lib = Library.open(corpus, index)
    app = make_app(lib)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot, rounds=4)
            before = app.entity_store
            assert before is not None and before.find("Quantum Valley Alliance") is None
            (corpus / "new-names.md").write_text(NEW, encoding="utf-8")
            app.action_refresh_library()
            await settle(pilot, rounds=6)
            assert "new-names" in lib.catalog and not lib.entities_pending
            assert app.entity_store is not before and app.entity_store.find("Quantum Valley Alliance") is not None
    finally:
        lib.close()
