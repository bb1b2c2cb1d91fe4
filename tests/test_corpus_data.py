"""Checks on the bundled corpus (data/*.md) and glossary (data/glossary.toml) against the raw seed pages."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import pytest

from npf_tui.core.glossary import ENTITY_TYPES, load_glossary
from npf_tui.core.models import Document
from npf_tui.core.sources.corpus import document_paths, load_corpus

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"
SEED_NAME = re.compile(r"^\d{3}_[0-9a-f]{16}\.txt$")
DOC_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
BULLETS = "•·▪‣◦"

#: Short page-furniture lines that must never survive as a paragraph.
FURNITURE = {
    "AD",
    "icon",
    "Semafor Logo",
    "Semafor Signals",
    "SIGNALS",
    "PostEmailWhatsapp",
    "Title icon",
    "Source icon",
    "Arrow Down",
    "--",
    "D.C.",
    "BXL",
    "Lagos",
    "Riyadh",
    "Beijing",
    "SG",
    "East Asia",
    "REUTERS/Tingshu Wang",
    "China flag waving in the wind.",
    "You may also like",
    "Show Buttons",
    "Hide Buttons",
}

#: Long seed lines that are deliberately not body text, each with the reason.
NOT_BODY = {
    # Semafor's product tagline, repeated on every "Signals" page.
    "Semafor Signals: Global insights on today's biggest stories.",
    # Breadcrumb of seed 004 (site section + the headline, which is the title).
    "Home IssueArtificial Intelligence Explaining China’s Focus on “New Quality Productive Forces”",
    # Header of seed 003: author, role and outlet (front matter: author, outlet, author_role).
    "Ryan Hass | Director at John L. Thornton China Center | The Brookings Institution website",
    # Medium author card after seed 001 (front matter: author_bio).
    "An avid Osint practitioner interested in China who is looking to improve by putting my work out there to be "
    "commented and critiqued by fellow Osinters.",
}


def _seeds_dir() -> Path | None:
    """The raw seed folder: $NPF_SEEDS_DIR, shared/seeds beside the checkout, or /work/shared/seeds."""
    candidates = [os.environ.get("NPF_SEEDS_DIR"), REPO.parent / "shared" / "seeds", "/work/shared/seeds"]
    for candidate in candidates:
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return None


SEEDS = _seeds_dir()
needs_seeds = pytest.mark.skipif(SEEDS is None, reason="raw seed pages (shared/seeds) not available")


@pytest.fixture(scope="module")
def docs() -> list[Document]:
    """The bundled corpus, parsed by the real loader."""
    return load_corpus(DATA)


@pytest.fixture(scope="module")
def by_id(docs) -> dict[str, Document]:
    """The bundled documents keyed by id."""
    return {d.doc_id: d for d in docs}


def _norm(text: str) -> str:
    """A line as the corpus keeps it: no surrounding whitespace, no leading bullet glyph."""
    return text.strip().lstrip(BULLETS).strip()


def test_every_file_parses_with_required_metadata(docs):
    """Each data/*.md loads and has a title, a language and a seed-named source_file."""
    assert len(docs) == len(document_paths(DATA)) >= 8
    for doc in docs:
        assert doc.title, doc.doc_id
        assert doc.language == "en", doc.doc_id
        assert SEED_NAME.match(doc.source_file), doc.doc_id
        assert doc.paragraphs, doc.doc_id
        assert DOC_ID.match(doc.doc_id), doc.doc_id


def test_ids_unique_and_dates_iso(docs):
    """Ids are unique and every known date is a real ISO date."""
    ids = [d.doc_id for d in docs]
    assert len(ids) == len(set(ids))
    for doc in docs:
        if doc.published:
            date.fromisoformat(doc.published)


@needs_seeds
def test_source_files_exist(docs):
    """Every source_file names a seed that exists, and every seed is used."""
    seeds = {p.name for p in SEEDS.glob("*.txt")}
    used = {d.source_file for d in docs}
    assert used <= seeds
    assert used == seeds


def test_known_metadata(by_id):
    """Bylines and dates the seed texts give are recorded; nothing the texts do not give is."""
    rainey = by_id["rainey-2024-new-catch-phrase"]
    assert (rainey.author, rainey.published, rainey.outlet, rainey.url) == ("Jacque Rainey", "2024-05-20", "", "")
    assert rainey.title == "A New Catch Phrase in Xi’s China: New Productive Forces (新质生产力)"
    semafor = by_id["semafor-2024-xi-catchphrase"]
    assert (semafor.outlet, semafor.published, semafor.author) == ("Semafor", "2024-02-02", "")
    brookings = by_id["brookings-hass-new-quality-productive-forces"]
    assert (brookings.author, brookings.outlet) == ("Ryan Hass", "Brookings Institution")
    xu = by_id["xu-explaining-new-quality-productive-forces"]
    assert (xu.author, xu.outlet, xu.published) == ("Yanzi Xu", "", "")
    main = by_id["globaltimes-xiconomics-in-practice"]
    assert main.outlet == "Global Times" and main.published == ""


def test_no_urls_invented(docs):
    """No seed contains a URL, so no document may carry one."""
    assert all(d.url == "" for d in docs)


def test_no_furniture_paragraphs(docs):
    """Menus, logos, icons, ads, share bars and captions are gone."""
    for doc in docs:
        for para in doc.paragraphs:
            assert para not in FURNITURE, (doc.doc_id, para)
            assert para not in NOT_BODY, (doc.doc_id, para)
            assert not para.startswith(tuple(BULLETS)), (doc.doc_id, para)
            assert "\n" not in para, (doc.doc_id, para)


def test_title_and_byline_not_in_body(docs):
    """The headline and byline are metadata, not the first paragraph."""
    for doc in docs:
        assert doc.paragraphs[0] != doc.title
        if doc.author:
            assert not any(p in (doc.author, f"by {doc.author}") for p in doc.paragraphs), doc.doc_id


def test_seed_002_split_into_stories(docs, by_id):
    """Seed 002 holds four separate stories; each is its own document with its own headline."""
    parts = [d for d in docs if d.source_file == "002_4763ec6b66e0b587.txt"]
    assert len(parts) >= 4
    assert len({d.title for d in parts}) == len(parts)
    main = by_id["globaltimes-xiconomics-in-practice"]
    climate = by_id["globaltimes-climate-envoy-visits-us"]
    assert climate.title.startswith("China’s climate envoy to visit US")
    assert not set(climate.paragraphs) & set(main.paragraphs)
    assert not any("Liu Zhenmin" in p or "Podesta" in p or "Hungarian" in p for p in main.paragraphs)
    assert main.paragraphs[-1].startswith("Underscoring such policy support")
    hungary = by_id["hungarian-art-exhibition-chongqing"]
    assert hungary.outlet == "" and hungary.paragraphs[-1].startswith("The exhibition runs until November 17")


def test_chinese_quotations_kept_as_own_paragraphs(by_id):
    """Rainey's Chinese source quotations stand alone, verbatim."""
    paras = by_id["rainey-2024-new-catch-phrase"].paragraphs
    assert any(p.startswith("…要以科技创新引领产业全面振兴") and p.endswith("加快形成新质生产力") for p in paras)
    assert "双方将在基础性研究、重大科技攻关、成果转化、人才培养、产教融合等方面展开深入合作。" in paras
    assert "Liu Haiqing (刘海清)" in paras and "Conclusion" in paras


@needs_seeds
@pytest.mark.parametrize("seed", sorted(p.name for p in Path(SEEDS or ".").glob("*.txt")) if SEEDS else [])
def test_every_sentence_of_seed_is_kept(seed, docs):
    """Every sentence-bearing seed line (>= 40 chars, not furniture) is verbatim in a document of that seed."""
    bodies = [p for d in docs if d.source_file == seed for p in [d.title, *d.paragraphs]]
    assert bodies, seed
    missing = []
    for line in (SEEDS / seed).read_text(encoding="utf-8").splitlines():
        text = _norm(line)
        if len(text) < 40 or text in NOT_BODY:
            continue
        if not any(text in body for body in bodies):
            missing.append(text)
    assert not missing, missing


def test_documents_hold_only_seed_text(docs):
    """No paragraph is made up: each occurs in its seed (lines joined by one space, as "Sources:" is)."""
    if SEEDS is None:
        pytest.skip("raw seed pages not available")
    for doc in docs:
        seed = " ".join(_norm(line) for line in (SEEDS / doc.source_file).read_text(encoding="utf-8").splitlines())
        for para in doc.paragraphs:
            assert para in seed, (doc.doc_id, para)


# ------------------------------------------------------------------ glossary


@pytest.fixture(scope="module")
def glossary():
    """The curated glossary as the real loader reads it."""
    return load_glossary(DATA)


def test_glossary_loads_with_key_entries(glossary):
    """The glossary parses and holds the corpus' core bilingual entities."""
    assert 60 <= len(glossary) <= 200
    by_en = {e.en: e for e in glossary}
    assert by_en["Liu Haiqing"].zh == "刘海清" and by_en["Liu Haiqing"].type == "person"
    caps = by_en["China Association of Productive Science"]
    assert caps.zh == "中国生产力学会" and "CAPS" in caps.aliases and caps.type == "organisation"
    npf = by_en["new quality productive forces"]
    assert npf.zh == "新质生产力" and "new productive forces" in npf.aliases
    assert {"CPC", "CCP"} <= set(by_en["Communist Party of China"].aliases)


def test_glossary_ids_types_and_names(glossary):
    """Ids are unique slugs, types are known, every entry has an English name."""
    ids = [e.id for e in glossary]
    assert len(ids) == len(set(ids))
    for entry in glossary:
        assert DOC_ID.match(entry.id), entry.id
        assert entry.type in ENTITY_TYPES, entry.id
        assert entry.en and entry.note, entry.id
        if entry.zh:
            assert re.search(r"[\u4e00-\u9fff]", entry.zh), entry.id
    types = {e.type for e in glossary}
    assert types == set(ENTITY_TYPES)


def test_glossary_entries_occur_in_corpus(glossary, docs):
    """No entry is invented: one of its names occurs in the corpus text or metadata."""
    text = "\n".join(
        part for d in docs for part in [d.title, d.author, d.outlet, *d.extra.values(), *d.paragraphs]
    ).lower()
    absent = [e.id for e in glossary if not any(name.lower() in text for name in e.names())]
    assert not absent, absent


def test_glossary_agrees_with_pairs_in_text(glossary, docs):
    """Where the corpus itself pairs an entity's English and Chinese names, the glossary agrees."""
    by_en = {e.en.lower(): e for e in glossary}
    from npf_tui.core.glossary import mine_pairs

    checked = 0
    for pair in mine_pairs(docs):
        entry = by_en.get(pair.en.lower())
        if entry and entry.zh:
            checked += 1
            assert entry.zh == pair.zh or pair.zh in entry.aliases, (pair.en, pair.zh, entry.zh)
    assert checked >= 15
